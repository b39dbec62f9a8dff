/**
 * `sspe bench adapter`: environment steps per second through the Python
 * adapter (sspe_gym over `sspe serve-env`) against the same environment
 * stepped inside TypeScript, at 1 and 8 environments per message (issue #13;
 * target: the adapter costs under 2× at 8). Native and served rounds
 * alternate, so a drift of the shared machine hits both; each figure is the
 * median of the rounds, with the range. The environment is paper-testbed's
 * single-agent one, built by the same factory the server uses; actions are
 * drawn uniformly among the allowed ones on both sides.
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
async function nativeStepsPerS(scenarioPath: string, steps: number, seed: number): Promise<number> {
  const made = makeEnv({ scenario: await loadScenario(scenarioPath) });
  if (made.kind !== 'single') throw new Error('bench adapter: expected the single-agent environment');
  const env = made.env;
  const rng = new Rng(seed, 'bench-adapter');
  let { info } = await env.reset({ seed });
  const started = performance.now();
  for (let i = 0; i < steps; i++) {
    const mask = info.actionMask;
    const allowed = [...mask.keys()].filter((a) => mask[a] === 1);
    const result = await env.step(rng.pick(allowed));
    info = result.info;
    if (result.terminated || result.truncated) info = (await env.reset({})).info;
  }
  const seconds = (performance.now() - started) / 1000;
  await env.close();
  return steps / seconds;
}

function pythonStepsPerS(python: string, envs: number, steps: number, seed: number): number {
  const run = spawnSync(python, [join(repoRoot(), 'python', 'bench', 'adapter_bench.py'), '--scenario', SCENARIO, '--envs', String(envs), '--steps', String(steps), '--seed', String(seed)], {
    cwd: repoRoot(),
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (run.status !== 0) throw new Error(`bench adapter: python/bench/adapter_bench.py --envs ${envs} failed (${run.status ?? run.signal}): ${run.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const line = run.stdout.trim().split('\n').pop() ?? '';
  return (JSON.parse(line) as { steps_per_s: number }).steps_per_s;
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
  const scenarioPath = join(repoRoot(), SCENARIO);
  const levels = {} as Record<'1' | '8', BenchAdapterLevel>;
  for (const envs of ENVS) {
    const native: number[] = [];
    const served: number[] = [];
    for (let round = 0; round < rounds; round++) {
      progress(`${envs} env${envs === 1 ? '' : 's'} per message, round ${round + 1}/${rounds}: native, then through sspe_gym`);
      native.push(await nativeStepsPerS(scenarioPath, steps, round + 1));
      served.push(pythonStepsPerS(python, envs, steps, round + 1));
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
  return `${formatTable(['envs per message', 'native steps/s', 'through sspe_gym steps/s', 'ratio native / python', 'target'], rows)}\n\n${r.scenario}, single-agent environment; median (range) of ${r.rounds} alternating round${r.rounds === 1 ? '' : 's'}${r.quick ? '; quick: figures not comparable' : ''}`;
}
