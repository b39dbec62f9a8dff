import type { Argv, ArgumentsCamelCase } from 'yargs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initTf, type TfBackendChoice } from '../../agents/tf.js';
import { LearnedPolicy } from '../../agents/learned-policy.js';
import { BASELINE_NAMES, makeBaseline, parseBaselineNames } from '../../agents/baselines/index.js';
import { evaluatePolicies, type PolicyFactory } from '../../evaluate/evaluate.js';
import { evaluateTrace, type TracePolicy } from '../../evaluate/trace.js';
import { InterruptedError, UserInputError } from '../../errors.js';
import { checkCompatible, loadPolicy, scenarioHash } from '../../policy/artifact.js';
import { isTeamBundle } from '../../policy/team-artifact.js';
import { loadTeamPolicy } from '../../agents/load-team-policy.js';
import { checkReportPath, renderReport, writeReport } from '../../report/html.js';
import type { EvaluationLevel, TraceEvaluation, TrainingCurves } from '../../report/types.js';
import type { RunLog } from '../../runlog/run-log.js';
import { withCommandRun } from '../../runlog/command-run.js';
import { loadScenario } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/schema.js';
import { parseDurationMs } from '../duration.js';
import { catchInterrupt } from '../interrupt.js';
import { TF_BACKEND_OPTION, type GlobalOptions } from '../options.js';
import { progressBar } from '../progress.js';
import { formatNumber, formatTable } from '../table.js';
import { fixedConfigLabel } from '../../report/fixed-config-label.js';

interface EvaluateOptions extends GlobalOptions {
  scenario: string;
  policy?: string;
  baselines: string;
  seeds: number;
  steps?: number;
  report?: string;
  backend: TfBackendChoice;
  runLog?: string;
  /** Trace mode: one long-running application through the scenario's load trace. */
  trace?: boolean;
  /** Trace mode: decision interval, a duration such as 45s. */
  interval?: string;
  /** Trace mode: search every fixed configuration for the best one. */
  bestFixed?: boolean;
}

/** --baselines: 'none', or what parseBaselineNames takes ('all' or a comma list). */
function baselinesFrom(text: string): string[] {
  // yargs hands a flag given twice over as an array, whatever its declared type.
  if (typeof text !== 'string') {
    throw new UserInputError(`--baselines: expected one comma-separated list, got it ${(text as unknown[]).length} times (${(text as unknown[]).join(' and ')})`);
  }
  return text.trim() === 'none' ? [] : parseBaselineNames(text);
}

export const evaluateCommand = {
  command: 'evaluate <scenario>',
  describe: "Compare a trained policy with the baselines and the exhaustive oracle at every load level, or (--trace) through the scenario's load trace",
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
      .option('policy', { type: 'string', describe: 'policy folder written by `sspe train` or `sspe export`, a single-agent policy or a team bundle (omit to compare baselines only)' })
      .option('baselines', { type: 'string', default: 'all', describe: `baselines to compare: all, none, or a list of ${BASELINE_NAMES.join(', ')}` })
      .option('seeds', { type: 'number', default: 5, describe: 'evaluation episodes per policy and load level (seeds 1..N); in trace mode, runs of the whole trace per policy' })
      .option('steps', { type: 'number', describe: "decisions per evaluation episode (default: the scenario's stepsPerEpisode); the second half is measured" })
      .option('report', { type: 'string', describe: 'write an HTML report with plots to this file' })
      .option('backend', TF_BACKEND_OPTION)
      .option('run-log', { type: 'string', describe: 'SQLite run log (default runs/sspe.sqlite, or $SSPE_RUN_LOG); not written in trace mode' })
      .option('trace', {
        type: 'boolean',
        default: false,
        describe:
          "trace mode: each policy runs one long-running application through the scenario's load trace (a redeploy costs its time, the backlog carries over), deciding every --interval; scored on the slo-cost objective, with the best fixed configuration and the adaptive oracles (plain and redeploy-aware) added",
      })
      .option('interval', { type: 'string', describe: 'trace mode: decision interval, e.g. 45s or 1m (default: learning.env.settleMs + one measurement window at the starting load)' })
      .option('best-fixed', { type: 'boolean', default: true, describe: 'trace mode: search every fixed configuration of the action space through the whole trace (--no-best-fixed skips it)' })
      .example('$0 evaluate scenarios/paper-testbed.yaml --policy models/policies/paper-testbed-dqn', 'the shipped policy against every baseline')
      .example('$0 evaluate scenarios/paper-testbed.yaml --policy models/policies/paper-testbed-dqn --seeds 5 --report out/report.html', 'with an HTML report')
      .example(
        '$0 evaluate scenarios/diurnal-pool.yaml --trace --policy models/policies/diurnal-pool-vdn --baselines k8s-stack,flink-autoscaler --seeds 2',
        "the shipped five-agent team (a bundle of sspe train --method vdn) through the day's trace, beside the autoscalers operators run",
      )
      .example('$0 evaluate scenarios/diurnal.yaml --trace --seeds 3 --report out/diurnal.html', 'every baseline, the best fixed configuration and the adaptive oracles through the diurnal trace'),
  handler: async (args: ArgumentsCamelCase<EvaluateOptions>) => {
    if (args.trace) {
      const result = await runTraceEvaluate(args);
      if (args.json) {
        console.log(JSON.stringify({ trace: result.trace, policies: result.policies }, null, 2));
        return;
      }
      printTrace(result);
      if (result.report !== null) console.log(`\nreport: ${result.report}`);
      return;
    }
    const result = await runEvaluate(args);
    if (args.json) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    printLevels(result.levels);
    if (result.report !== null) console.log(`\nreport: ${result.report}`);
  },
};

function checkSeeds(seeds: number): void {
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > 1000) {
    throw new UserInputError(`--seeds: expected an integer in [1, 1000], got ${seeds}`);
  }
}

/**
 * The trained policy of --policy, checked against the scenario, with its
 * training curves when saved: a single-agent policy (named dqn), or a team
 * bundle (`sspe train --method idqn|vdn`; named after its method) whose
 * agents decide together (TeamPolicy).
 */
async function loadLearned(dir: string, backend: TfBackendChoice, scenario: Scenario) {
  const { tf } = await initTf({ backend });
  const curvesPath = join(dir, 'curves.json');
  const curves = existsSync(curvesPath) ? (JSON.parse(readFileSync(curvesPath, 'utf8')) as TrainingCurves) : null;
  if (isTeamBundle(dir)) {
    const team = await loadTeamPolicy(dir, scenario, { tf });
    for (const warning of team.warnings) process.stderr.write(`sspe evaluate: warning: ${warning}\n`);
    return { name: team.policy.name, policy: team.policy, encoding: 'absolute' as const, curves: null };
  }
  const loaded = await loadPolicy(dir, { tf });
  const { warnings } = checkCompatible(loaded.metadata, scenario, dir);
  for (const warning of warnings) process.stderr.write(`sspe evaluate: warning: ${warning}\n`);
  return { name: 'dqn', policy: new LearnedPolicy('dqn', tf, loaded.model), encoding: loaded.metadata.actionSpace.encoding, curves };
}

/** Evaluates and writes the report; returns what --json prints. */
export async function runEvaluate(args: EvaluateOptions) {
  checkSeeds(args.seeds);
  if (args.steps !== undefined && (!Number.isInteger(args.steps) || args.steps < 1 || args.steps > 100_000)) {
    throw new UserInputError(`--steps: expected an integer in [1, 100000], got ${args.steps}`);
  }
  if (args.interval !== undefined) throw new UserInputError('--interval: only used with --trace');
  if (args.report !== undefined) checkReportPath(args.report);
  const scenario = await loadScenario(args.scenario);
  const baselines = baselinesFrom(args.baselines);
  const factories: Record<string, PolicyFactory> = {};
  let curves: TrainingCurves | null = null;
  if (args.policy !== undefined) {
    const learned = await loadLearned(args.policy, args.backend, scenario);
    factories[learned.name] = () => learned.policy;
    curves = learned.curves;
  }
  for (const name of baselines) factories[name] = (seed) => makeBaseline(name, { scenario, seed });
  if (Object.keys(factories).length === 0) throw new UserInputError('--baselines: nothing to evaluate: give --policy or at least one baseline');
  const seeds = Array.from({ length: args.seeds }, (_, i) => i + 1);
  const meta = { command: 'evaluate', scenario: scenario.name, scenarioHash: scenarioHash(scenario), policy: args.policy ?? null, seed: args.seed ?? null, backend: 'simulated' } as const;
  const levels: EvaluationLevel[] = await withCommandRun({ runLog: args.runLog, meta }, async ({ log, runId, end }) => {
    const interrupt = catchInterrupt('sspe evaluate: stopping after this episode; the run is marked interrupted and no report is written (Ctrl-C again to exit now)', {
      // Signals are handled between tasks, never inside a run-log write, so the log can be closed here.
      exit: (code) => {
        end('interrupted');
        process.exit(code);
      },
    });
    const bar = progressBar('evaluate', 1);
    const pending: Parameters<RunLog['logTrials']>[1] = [];
    try {
      const levels = await evaluatePolicies({
        scenario,
        policies: factories,
        seeds,
        steps: args.steps,
        shouldStop: () => interrupt.requested,
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
      return levels;
    } catch (error) {
      if (error instanceof InterruptedError) {
        log.logTrials(runId, pending.splice(0));
        throw new InterruptedError(`evaluate: ${error.message}; run ${runId} marked interrupted in the run log, no report written`, { cause: error });
      }
      throw error;
    } finally {
      bar.stop();
      interrupt.dispose();
    }
  });
  if (args.report !== undefined) {
    const html = await renderReport({
      scenario: { name: scenario.name, hash: scenarioHash(scenario), sloPerFrameMs: scenario.slo.perFrameMs },
      createdAt: new Date().toISOString(),
      seeds,
      levels,
      training: curves,
    });
    await writeReport(args.report, html);
  }
  return { scenario: scenario.name, seeds, levels, report: args.report ?? null };
}

/** cores / MB / instances, or 'varies' with each setting's range when the measured decisions did not agree (random). */
function chosenConfig(p: EvaluationLevel['policies'][string]): string {
  const r = p.chosen_range;
  if (r === undefined || [r.cores, r.memory_mb, r.instances].every((x) => x.min === x.max)) return `${p.cores} / ${p.memory_mb} / ${p.instances}`;
  const span = (x: { min: number; max: number }) => (x.min === x.max ? String(x.min) : `${x.min}-${x.max}`);
  return `varies: ${span(r.cores)} / ${span(r.memory_mb)} / ${span(r.instances)}`;
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
        chosenConfig(p),
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

/** Trace mode: checks the flags and the output path, runs evaluateTrace, writes the report. */
export async function runTraceEvaluate(args: EvaluateOptions): Promise<TraceEvaluation & { report: string | null }> {
  checkSeeds(args.seeds);
  if (args.steps !== undefined) throw new UserInputError('--steps: not used with --trace (policies decide every --interval through the whole trace)');
  const intervalMs = args.interval === undefined ? undefined : parseDurationMs(args.interval, '--interval');
  if (args.report !== undefined) checkReportPath(args.report);
  const scenario = await loadScenario(args.scenario);
  if (intervalMs !== undefined && intervalMs > scenario.run.durationMs) {
    throw new UserInputError(`--interval: expected at most the trace's length (run.durationMs = ${scenario.run.durationMs / 1000} s), got ${args.interval}`);
  }
  const policies: Record<string, TracePolicy> = {};
  if (args.policy !== undefined) {
    const learned = await loadLearned(args.policy, args.backend, scenario);
    policies[learned.name] = { make: () => learned.policy, encoding: learned.encoding };
  }
  // Baselines set their target directly, as the autoscalers they imitate do.
  for (const name of baselinesFrom(args.baselines)) policies[name] = { make: (seed) => makeBaseline(name, { scenario, seed }), encoding: 'absolute' };
  const seeds = Array.from({ length: args.seeds }, (_, i) => i + 1);
  const bar = progressBar('evaluate --trace', 1);
  let result: TraceEvaluation;
  try {
    result = await evaluateTrace({
      scenario,
      policies,
      seeds,
      intervalMs,
      bestFixed: args.bestFixed,
      onProgress: (done, total) => {
        bar.setTotal?.(total);
        bar.update(done);
      },
    });
  } finally {
    bar.stop();
  }
  if (args.report !== undefined) {
    await writeReport(
      args.report,
      renderReport({
        scenario: { name: scenario.name, hash: scenarioHash(scenario), sloPerFrameMs: scenario.slo.perFrameMs },
        createdAt: new Date().toISOString(),
        seeds,
        levels: [],
        trace: result,
      }),
    );
  }
  return { ...result, report: args.report ?? null };
}

export function printTrace(result: TraceEvaluation): void {
  const { trace } = result;
  console.log(
    `${trace.scenario}: ${trace.kind} trace, ${formatNumber(trace.duration_s)} s, a decision every ${formatNumber(trace.interval_s)} s (${trace.decisions}), ` +
      `seeds ${trace.seeds.join(', ')}, SLO ${formatNumber(trace.slo_per_frame_ms)} ms per frame; ` +
      `requests at $${trace.pricing.vcpu_hour.toFixed(4)}/vCPU-h and $${trace.pricing.gb_hour.toFixed(4)}/GB-h (${trace.pricing.source})`,
  );
  const entries = Object.entries(result.policies);
  const best = Math.max(...entries.map(([, p]) => p.objective));
  const rows = entries.map(([name, p]) => [
    `${name}${p.config === null ? '' : ` (${fixedConfigLabel(p.config)})`}${p.objective === best ? ' *' : ''}`,
    p.objective.toFixed(3),
    `${(100 * p.slo_attainment).toFixed(1)} %`,
    p.request_cost_per_hour.toFixed(3),
    p.node_cost_per_hour.toFixed(3),
    `${formatNumber(p.reconfigurations)} (${formatNumber(p.reconfigurations_per_hour)}/h)`,
    p.dropped_frames,
    p.per_frame_ms,
  ]);
  console.log(formatTable(['policy', 'slo-cost', 'SLO attainment', 'request $/h', 'node $/h', 'reconfigurations', 'dropped', 'per-frame ms'], rows));
  const cost = result.trace.cost_basis === 'nodes' ? 'node cost / the largest node pool' : 'request cost / dearest configuration';
  console.log(`\n* best slo-cost score (mean per interval: 1 - ${cost} when within the SLO, -1 or less when not)`);
}
