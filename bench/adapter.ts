/**
 * `sspe bench adapter`: environment steps per second through the Python
 * adapter (sspe_gym over `sspe serve-env`) against the same environment
 * stepped inside TypeScript, at 1 and 8 environments per message (issue #13;
 * target: the adapter costs under 2× at 8). Native and served rounds
 * alternate, so a drift of the shared machine hits both; each figure is the
 * median of the rounds, with the range. The environment is paper-testbed's
 * single-agent one, built by the same factory the server uses; actions are
 * drawn uniformly among the allowed ones on both sides.
 *
 * Both sides are timed warm: each round first steps `warmup` untimed steps
 * (the same policy) on the environment it then times. A fresh `serve-env`
 * process runs its first few hundred steps at about half its steady rate
 * while V8 compiles the simulator; the native side runs in this long-lived
 * process, warm after its first round, so timing a cold server against it
 * measured V8's warm-up more than the adapter. What a fresh server does
 * before warming is kept: `python_warmup` is the rate of its warm-up steps.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ss from 'simple-statistics';
import { Rng } from '../sim/random.js';
import { UserInputError } from '../src/errors.js';
import { repoRoot } from '../src/paths.js';
import { loadScenario } from '../src/scenario/load.js';
import { makeEnv } from '../src/serve/env-factory.js';
import { formatTable } from '../src/cli/table.js';

export interface BenchAdapterOptions {
  quick?: boolean;
  onProgress?: (line: string) => void;
}

interface Figure {
  median: number;
  min: number;
  max: number;
}

export interface BenchAdapterLevel {
  steps_per_s_python: number;
  steps_per_s_native: number;
  /** Native ÷ Python (medians): how many times slower a step is through the adapter. */
  ratio: number;
  python: Figure;
  native: Figure;
  /** The ratio of each round's pair. */
  ratio_per_round: number[];
  steps_per_round: number;
  /** Untimed steps each side took first, on the environment(s) it then timed. */
  warmup_steps: number;
  /** Steps/s of the served warm-up: a fresh server, its JIT cold. */
  python_warmup: Figure;
}

export interface BenchAdapterResult {
  scenario: string;
  rounds: number;
  envs_per_message: Record<'1' | '8', BenchAdapterLevel>;
  target_ratio_at_8: number;
  quick: boolean;
}

const SCENARIO = 'scenarios/paper-testbed.yaml';
const ENVS = [1, 8] as const;

function figure(values: number[]): Figure {
  return { median: ss.median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Steps/s of the environment stepped in this process, the served one's action rule. */
async function nativeStepsPerS(scenarioPath: string, steps: number, seed: number, warmup: number): Promise<number> {
  const made = makeEnv({ scenario: await loadScenario(scenarioPath) });
  if (made.kind !== 'single') throw new Error('bench adapter: expected the single-agent environment');
  const env = made.env;
  const rng = new Rng(seed, 'bench-adapter');
  let { info } = await env.reset({ seed });
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const mask = info.actionMask;
      const allowed = [...mask.keys()].filter((a) => mask[a] === 1);
      const result = await env.step(rng.pick(allowed));
      info = result.info;
      if (result.terminated || result.truncated) info = (await env.reset({})).info;
    }
  };
  await run(warmup);
  const started = performance.now();
  await run(steps);
  const seconds = (performance.now() - started) / 1000;
  await env.close();
  return steps / seconds;
}

/** Steps/s through sspe_gym, timed after `warmup` untimed steps, and the warm-up's own steps/s. */
function pythonStepsPerS(python: string, envs: number, steps: number, seed: number, warmup: number): { timed: number; warmup: number } {
  const args = ['--scenario', SCENARIO, '--envs', String(envs), '--steps', String(steps), '--seed', String(seed), '--warmup', String(warmup)];
  const run = spawnSync(python, [join(repoRoot(), 'python', 'bench', 'adapter_bench.py'), ...args], {
    cwd: repoRoot(),
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (run.status !== 0) throw new Error(`bench adapter: python/bench/adapter_bench.py --envs ${envs} failed (${run.status ?? run.signal}): ${run.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const line = run.stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(line) as { steps_per_s: number; warmup_steps_per_s: number };
  return { timed: parsed.steps_per_s, warmup: parsed.warmup_steps_per_s };
}

export async function benchAdapter(options: BenchAdapterOptions = {}): Promise<BenchAdapterResult> {
  const quick = options.quick ?? false;
  const progress = options.onProgress ?? (() => {});
  const python = join(repoRoot(), '.venv', 'bin', 'python');
  if (!existsSync(python)) throw new UserInputError(`bench adapter: expected the project's Python at ${python}, found none; run 'npm run setup:python'`);
  const probe = spawnSync(python, ['-c', 'import sspe_gym'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new UserInputError(`bench adapter: ${python} cannot import sspe_gym; run 'npm run setup:python'`);
  const rounds = quick ? 1 : 3;
  const steps = quick ? 48 : 800;
  const warmup = quick ? 16 : 800;
  const scenarioPath = join(repoRoot(), SCENARIO);
  const levels = {} as Record<'1' | '8', BenchAdapterLevel>;
  for (const envs of ENVS) {
    const native: number[] = [];
    const served: number[] = [];
    const servedWarmup: number[] = [];
    const warmupSteps = Math.floor(warmup / envs) * envs;
    for (let round = 0; round < rounds; round++) {
      progress(`${envs} env${envs === 1 ? '' : 's'} per message, round ${round + 1}/${rounds}: native, then through sspe_gym (each ${warmupSteps} untimed steps first)`);
      native.push(await nativeStepsPerS(scenarioPath, steps, round + 1, warmupSteps));
      const through = pythonStepsPerS(python, envs, steps, round + 1, warmupSteps);
      served.push(through.timed);
      servedWarmup.push(through.warmup);
    }
    const n = figure(native);
    const p = figure(served);
    levels[String(envs) as '1' | '8'] = {
      steps_per_s_python: p.median,
      steps_per_s_native: n.median,
      ratio: n.median / p.median,
      python: p,
      native: n,
      ratio_per_round: native.map((x, i) => x / served[i]),
      steps_per_round: envs === 1 ? steps : Math.floor(steps / envs) * envs,
      warmup_steps: warmupSteps,
      python_warmup: figure(servedWarmup),
    };
  }
  return { scenario: 'paper-testbed', rounds, envs_per_message: levels, target_ratio_at_8: 2, quick };
}

export function formatBenchAdapterTable(r: BenchAdapterResult): string {
  const range = (f: Figure) => `${f.median.toFixed(0)} (${f.min.toFixed(0)}–${f.max.toFixed(0)})`;
  const rows = (['1', '8'] as const).map((k) => {
    const l = r.envs_per_message[k];
    const ratios = l.ratio_per_round;
    return [k, range(l.native), range(l.python), `${l.ratio.toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`, k === '8' ? `< ${r.target_ratio_at_8}×` : '-'];
  });
  return `${formatTable(['envs per message', 'native steps/s', 'through sspe_gym steps/s', 'ratio native / python', 'target'], rows)}\n\n${r.scenario}, single-agent environment; median (range) of ${r.rounds} alternating round${r.rounds === 1 ? '' : 's'}, each timed after ${r.envs_per_message['1'].warmup_steps} untimed warm-up steps on both sides (a fresh server's warm-up ran at ${(['1', '8'] as const).map((k) => `${range(r.envs_per_message[k].python_warmup)}`).join(' and ')} steps/s)${r.quick ? '; quick: figures not comparable' : ''}`;
}
