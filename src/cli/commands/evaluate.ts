import type { Argv, ArgumentsCamelCase } from 'yargs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initTf, type TfBackendChoice } from '../../agents/tf.js';
import { LearnedPolicy } from '../../agents/learned-policy.js';
import { BASELINE_NAMES, makeBaseline, parseBaselineNames } from '../../agents/baselines/index.js';
import { evaluatePolicies, type PolicyFactory } from '../../evaluate/evaluate.js';
import { UserInputError } from '../../errors.js';
import { checkCompatible, loadPolicy, scenarioHash } from '../../policy/artifact.js';
import { renderReport, writeReport } from '../../report/html.js';
import type { EvaluationLevel, TrainingCurves } from '../../report/types.js';
import { RunLog } from '../../runlog/run-log.js';
import { runLogPath } from '../../runlog/location.js';
import { loadScenario } from '../../scenario/load.js';
import type { GlobalOptions } from '../options.js';
import { progressBar } from '../progress.js';
import { formatNumber, formatTable } from '../table.js';

interface EvaluateOptions extends GlobalOptions {
  scenario: string;
  policy?: string;
  baselines: string;
  seeds: number;
  steps?: number;
  report?: string;
  backend: TfBackendChoice;
  runLog?: string;
}

/** --baselines: 'none', or what parseBaselineNames takes ('all' or a comma list). */
function baselinesFrom(text: string): string[] {
  return text.trim() === 'none' ? [] : parseBaselineNames(text);
}

export const evaluateCommand = {
  command: 'evaluate <scenario>',
  describe: 'Compare a trained policy with the baselines and the exhaustive oracle at every load level',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
      .option('policy', { type: 'string', describe: 'policy folder written by `sspe train` or `sspe export` (omit to compare baselines only)' })
      .option('baselines', { type: 'string', default: 'all', describe: `baselines to compare: all, none, or a list of ${BASELINE_NAMES.join(', ')}` })
      .option('seeds', { type: 'number', default: 5, describe: 'evaluation episodes per policy and load level (seeds 1..N)' })
      .option('steps', { type: 'number', describe: "decisions per evaluation episode (default: the scenario's stepsPerEpisode); the second half is measured" })
      .option('report', { type: 'string', describe: 'write an HTML report with plots to this file' })
      .option('backend', { choices: ['auto', 'wasm', 'cpu', 'node'] as const, default: 'auto' as const, describe: 'TensorFlow.js backend for the policy' })
      .option('run-log', { type: 'string', describe: 'SQLite run log (default runs/sspe.sqlite, or $SSPE_RUN_LOG)' })
      .example('$0 evaluate scenarios/paper-testbed.yaml --policy models/policies/paper-testbed-dqn', 'the shipped policy against every baseline')
      .example('$0 evaluate scenarios/paper-testbed.yaml --policy models/policies/paper-testbed-dqn --seeds 5 --report out/report.html', 'with an HTML report'),
  handler: async (args: ArgumentsCamelCase<EvaluateOptions>) => {
    const result = await runEvaluate(args);
    if (args.json) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    printLevels(result.levels);
    if (result.report !== null) console.log(`\nreport: ${result.report}`);
  },
};

/** Evaluates and writes the report; returns what --json prints. */
export async function runEvaluate(args: EvaluateOptions) {
  if (!Number.isInteger(args.seeds) || args.seeds < 1 || args.seeds > 1000) {
    throw new UserInputError(`--seeds: expected an integer in [1, 1000], got ${args.seeds}`);
  }
  if (args.steps !== undefined && (!Number.isInteger(args.steps) || args.steps < 1 || args.steps > 100_000)) {
    throw new UserInputError(`--steps: expected an integer in [1, 100000], got ${args.steps}`);
  }
  const scenario = await loadScenario(args.scenario);
  const baselines = baselinesFrom(args.baselines);
  const factories: Record<string, PolicyFactory> = {};
  let curves: TrainingCurves | null = null;
  if (args.policy !== undefined) {
    const { tf } = await initTf({ backend: args.backend });
    const loaded = await loadPolicy(args.policy, { tf });
    const { warnings } = checkCompatible(loaded.metadata, scenario, args.policy);
    for (const warning of warnings) process.stderr.write(`sspe evaluate: warning: ${warning}\n`);
    const policy = new LearnedPolicy('dqn', tf, loaded.model);
    factories.dqn = () => policy;
    const curvesPath = join(args.policy, 'curves.json');
    if (existsSync(curvesPath)) curves = JSON.parse(readFileSync(curvesPath, 'utf8')) as TrainingCurves;
  }
  for (const name of baselines) factories[name] = (seed) => makeBaseline(name, { scenario, seed });
  if (Object.keys(factories).length === 0) throw new UserInputError('--baselines: nothing to evaluate: give --policy or at least one baseline');
  const seeds = Array.from({ length: args.seeds }, (_, i) => i + 1);
  const log = RunLog.open(args.runLog ?? runLogPath());
  const runId = log.startRun({ command: 'evaluate', scenario: scenario.name, scenarioHash: scenarioHash(scenario), policy: args.policy ?? null, seed: args.seed ?? null, backend: 'simulated' });
  const bar = progressBar('evaluate', 1);
  let levels: EvaluationLevel[];
  const pending: Parameters<RunLog['logTrials']>[1] = [];
  try {
    levels = await evaluatePolicies({
      scenario,
      policies: factories,
      seeds,
      steps: args.steps,
      oracle: factories.oracle !== undefined ? 'oracle' : undefined,
      onProgress: (done, total) => {
        bar.setTotal?.(total);
        bar.update(done);
      },
      onTrial: (t) => {
        pending.push({ request: { config: { ...scenario.spark, ...t.config }, fps: t.fps }, outcome: t.outcome, reward: t.reward, step: t.step, policy: t.policy, seed: t.seed });
        if (pending.length >= 500) log.logTrials(runId, pending.splice(0));
      },
    });
    log.logTrials(runId, pending.splice(0));
    log.endRun(runId, 'ok');
  } catch (error) {
    log.endRun(runId, 'failed');
    throw error;
  } finally {
    bar.stop();
    log.close();
  }
  if (args.report !== undefined) {
    const html = await renderReport({
      scenario: { name: scenario.name, hash: scenarioHash(scenario), sloPerFrameMs: scenario.slo.perFrameMs },
      createdAt: new Date().toISOString(),
      seeds,
      levels,
      training: curves,
    });
    writeReport(args.report, html);
  }
  return { scenario: scenario.name, seeds, levels, report: args.report ?? null };
}

export function printLevels(levels: EvaluationLevel[]): void {
  const rows: (string | number)[][] = [];
  for (const level of levels) {
    const best = Math.min(...Object.values(level.policies).map((p) => p.per_frame_ms.mean));
    for (const [name, p] of Object.entries(level.policies)) {
      rows.push([
        level.fps,
        p.per_frame_ms.mean === best ? `${name} *` : name,
        `${formatNumber(p.per_frame_ms.mean)} ± ${formatNumber(p.per_frame_ms.std)}`,
        `${p.cores} / ${p.memory_mb} / ${p.instances}`,
        100 * p.cpu_util,
        100 * p.mem_util,
        p.rescales_per_hour,
        p.gap_to_oracle_pct === null ? '-' : `${formatNumber(p.gap_to_oracle_pct)} %`,
      ]);
    }
  }
  console.log(formatTable(['fps', 'policy', 'per-frame ms (mean ± std)', 'cores/MB/instances', 'CPU %', 'mem %', 'rescales/h', 'gap to oracle'], rows));
  console.log('\n* fastest at that load level');
}
