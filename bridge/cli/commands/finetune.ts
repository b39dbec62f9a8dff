/**
 * `sspe finetune`: carries a simulator-trained policy to a real Spark cluster
 * and fine-tunes it there with a hard budget of real runs, guard rails
 * (trust-region exploration, rollback after an SLO breach) and a checkpoint
 * after every run; `--resume` continues a fine-tuning that was stopped. The
 * policy is a single agent's network or a team bundle (`sspe train --method
 * idqn|vdn`), whose agents choose every declared knob, the cluster's too.
 */
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { finetune, configKey, type FinetuneResult, type FinetuneRun } from '../../finetune/finetune.js';
import { checkTeamFinetunable, finetuneTeam, type TeamFinetuneResult, type TeamFinetuneRun } from '../../finetune/team-finetune.js';
import type { BestAt, RealRunOf } from '../../finetune/real-runs.js';
import type { FinetuneResultOf } from '../../finetune/finetune.js';
import { FINETUNE_OPTIONS, type FinetuneSettings } from '../../finetune/options.js';
import { recalibrationHook } from '../../finetune/recalibrate.js';
import { formatSlo, parseSlo } from '../../safety/slo.js';
import { initTf, type Tf, type TfBackendChoice } from '../../../src/agents/tf.js';
import type { Backend } from '../../../src/backend/backend.js';
import { checkOption, yargsOf } from '../../../src/config/options.js';
import { UserInputError } from '../../../src/errors.js';
import { checkOutputDir } from '../../../src/output-dir.js';
import { loadPolicy, savePolicy, scenarioHash } from '../../../src/policy/artifact.js';
import { isTeamBundle, loadTeam, saveTeam, TEAM_FILE } from '../../../src/policy/team-artifact.js';
import type { TrialOutcome } from '../../../src/backend/backend.js';
import { pointJson, pointKey, type ActionSpace, type KnobPoint } from '../../../src/space/grid.js';
import { runLogOption } from '../../../src/runlog/location.js';
import { withCommandRun } from '../../../src/runlog/command-run.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { MAX_FPS, type Scenario } from '../../../src/scenario/schema.js';
import { TF_BACKEND_OPTION, type GlobalOptions } from '../../../src/cli/options.js';
import { catchInterrupt } from '../../../src/cli/interrupt.js';
import { progressBar } from '../../../src/cli/progress.js';
import { REAL_CLUSTER_FLAGS, realBackendFrom, type RealClusterFlags } from '../real-cluster-flags.js';
import { formatNumber, plural } from '../../../src/cli/table.js';

export interface FinetuneCommandOptions extends GlobalOptions, RealClusterFlags {
  policy: string;
  scenario: string;
  budget: number;
  slo?: string;
  out?: string;
  checkpoint?: string;
  resume: boolean;
  force: boolean;
  recalibrate: boolean;
  fps?: string;
  backend: TfBackendChoice;
  runLog?: string;
  [flag: string]: unknown;
}

/** What tests swap: the backend (a simulator standing in for the cluster) and the TensorFlow.js instance. */
export interface FinetuneDeps {
  makeBackend?: (scenario: Scenario) => Backend;
  tf?: Tf;
}

const MAX_BUDGET = 100_000;

/** `--fps 10,30,60`: load levels to tune at. */
export function parseFpsLevels(text: string, flag = '--fps'): number[] {
  const levels = text.split(',').map((part) => part.trim());
  const values = levels.map(Number);
  const bad = levels.findIndex((part, i) => part === '' || !Number.isFinite(values[i]) || values[i] <= 0 || values[i] > MAX_FPS);
  if (bad >= 0) throw new UserInputError(`${flag}: expected a comma-separated list of frames per second in (0, ${MAX_FPS}], got '${levels[bad]}'`);
  const twice = values.find((v, i) => values.indexOf(v) !== i);
  if (twice !== undefined) throw new UserInputError(`${flag}: expected distinct load levels, got ${twice} twice`);
  return values;
}

/** The FINETUNE_OPTIONS given as flags, each checked against its range. */
function settingsFrom(args: Record<string, unknown>): Partial<FinetuneSettings> {
  const settings: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(FINETUNE_OPTIONS)) {
    const value = args[key];
    if (value === undefined) continue;
    const problem = checkOption(spec, value);
    if (problem !== null) throw new UserInputError(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${problem}`);
    settings[key] = value;
  }
  return settings as Partial<FinetuneSettings>;
}

export type FinetuneSummary = ReturnType<typeof summaryOf>;
export type TeamFinetuneSummary = ReturnType<typeof teamSummaryOf>;

/** Checks every flag, fine-tunes, saves the tuned policy; returns what --json prints. */
export async function runFinetune(args: FinetuneCommandOptions, deps: FinetuneDeps = {}) {
  if (!Number.isSafeInteger(args.budget) || args.budget < 1 || args.budget > MAX_BUDGET) {
    throw new UserInputError(`--budget: expected an integer number of real runs in [1, ${MAX_BUDGET}], got ${String(args.budget)}`);
  }
  const settings = settingsFrom(args);
  const scenario = await loadScenario(args.scenario);
  const slo = parseSlo(args.slo ?? `per_frame_ms=${scenario.slo.perFrameMs}`, { fallbackPerFrameMs: scenario.slo.perFrameMs });
  const fpsLevels = args.fps !== undefined ? parseFpsLevels(args.fps) : scenario.workload.fpsLevels;
  const out = args.out ?? `${args.policy.replace(/[/\\]+$/, '')}-tuned`;
  const checkpointPath = args.checkpoint ?? `${out}.finetune-checkpoint.json`;
  if (existsSync(checkpointPath) && !args.resume) {
    throw new UserInputError(`--checkpoint: ${checkpointPath} holds a fine-tuning in progress; pass --resume to continue it, or move it away to start over`);
  }
  if (!existsSync(checkpointPath) && args.resume) throw new UserInputError(`--resume: no checkpoint at ${checkpointPath} to resume (give --checkpoint, or leave out --resume)`);
  // --out of a resumed fine-tuning is its own (written when an earlier budget was spent): it is replaced; a new one must not overwrite a folder.
  checkOutputDir(out, '--out');
  checkOutputDir(dirname(checkpointPath), '--checkpoint');
  if (!args.resume && existsSync(out) && readdirSync(out).length > 0 && !args.force) {
    throw new UserInputError(`--out: ${out} already holds files; pass --force to replace it`);
  }
  // Every real-cluster flag is checked before anything runs; tests stand a simulator in for the cluster.
  const realBackend = realBackendFrom(args, scenario, 'finetune');
  const makeBackend = deps.makeBackend !== undefined ? () => deps.makeBackend!(scenario) : realBackend;

  const tf = deps.tf ?? (await initTf({ backend: args.backend })).tf;
  const seed = args.seed ?? scenario.seed;
  const common = { scenario, budget: args.budget, fpsLevels, slo, checkpointPath, seed, name: basename(out) } as const;
  const context = { out, checkpointPath, budget: args.budget, slo: formatSlo(slo) };
  if (isTeamBundle(args.policy)) {
    const space = scenario.actionSpace;
    // Every refusal of the team comes before the run log and the backend.
    const team = await loadTeam(args.policy, { tf });
    try {
      checkTeamFinetunable(team, scenario);
    } catch (error) {
      for (const model of Object.values(team.models)) model.dispose();
      throw error;
    }
    const { result, runLog } = await withFinetuneRun(args, scenario, seed, makeBackend(), async (hooks, backend) => {
      let result: TeamFinetuneResult;
      try {
        result = await finetuneTeam({ ...settings, ...common, policy: team, realBackend: backend, tf, shouldStop: hooks.shouldStop, recalibrate: hooks.recalibrate, onRealRun: hooks.onRealRun });
      } finally {
        // finetuneTeam tunes copies: the loaded networks are the command's to free.
        for (const model of Object.values(team.models)) model.dispose();
      }
      try {
        // Stopped early, the checkpoint is what to keep: the team is written once the budget is spent.
        if (!result.stoppedEarly) {
          await saveTeam(out, { metadata: result.policy.metadata, models: result.policy.models, tf, overwrite: args.force || args.resume });
          await writeFile(join(out, 'finetune.json'), `${JSON.stringify(teamHistoryJson(result, space), null, 2)}\n`);
        }
      } finally {
        for (const model of Object.values(result.policy.models)) model.dispose();
      }
      return result;
    }, (run: TeamFinetuneRun) => ({ key: pointKey(space, run.config), line: teamRunLine(run, args.budget, space) }));
    return teamSummaryOf(result, space, { ...context, runLog, method: result.policy.metadata.method });
  }
  const policy = await loadPolicy(args.policy, { tf });
  const { result, runLog } = await withFinetuneRun(args, scenario, seed, makeBackend(), async (hooks, backend) => {
    const result = await finetune({ ...settings, ...common, policy, realBackend: backend, shouldStop: hooks.shouldStop, recalibrate: hooks.recalibrate, onRealRun: hooks.onRealRun });
    try {
      // Stopped early, the checkpoint is what to keep: the policy is written once the budget is spent.
      if (!result.stoppedEarly) {
        await savePolicy(out, {
          model: result.policy.model,
          metadata: result.policy.metadata,
          overwrite: args.force || args.resume,
          extraFiles: { 'finetune.json': `${JSON.stringify(historyJson(result), null, 2)}\n` },
        });
      }
    } finally {
      result.policy.model.dispose();
    }
    return result;
  }, (run: FinetuneRun) => ({ key: configKey(run.config), line: runLine(run, args.budget) }));
  return summaryOf(result, { ...context, runLog });
}

/** A real run as the run log, the progress bar and the screen see it, single agent or team. */
type LoggedRun = Pick<FinetuneRun, 'index' | 'fps' | 'kind' | 'outcome' | 'reward' | 'startedAt' | 'endedAt'> & { config: FinetuneRun['config'] | KnobPoint };

/** What both kinds of fine-tuning get from the command: Ctrl-C, the recalibration hook, and the report of every real run. */
interface FinetuneHooks<Run> {
  shouldStop: () => boolean;
  recalibrate: ReturnType<typeof recalibrationHook> | undefined;
  onRealRun: (run: Run) => void;
}

/**
 * Runs `body` as one command run of the run log: every real run it reports
 * is logged, shown (one line each, or a bar on stderr with --json), the
 * first Ctrl-C stops after the real run in flight, and the backend is
 * closed at the end.
 */
async function withFinetuneRun<Run extends LoggedRun, Result extends { stoppedEarly: boolean; warnings: string[] }>(
  args: FinetuneCommandOptions,
  scenario: Scenario,
  seed: number | string,
  backend: Backend,
  body: (hooks: FinetuneHooks<Run>, backend: Backend) => Promise<Result>,
  describe: (run: Run) => { key: string; line: string },
): Promise<{ result: Result; runLog: string }> {
  const meta = { command: 'finetune', backend: 'real', scenario: scenario.name, scenarioHash: scenarioHash(scenario), policy: args.policy, seed } as const;
  let runLog = '';
  const result = await withCommandRun(
    { runLog: args.runLog, meta, statusOf: (r: Result) => (r.stoppedEarly ? 'interrupted' : 'ok') },
    async ({ log, runId }) => {
      runLog = log.path;
      // First Ctrl-C: finish the real run in flight, checkpoint it, stop.
      const interrupt = catchInterrupt('sspe finetune: stopping after this real run (it is checkpointed; continue with --resume). Ctrl-C again to abort');
      // A real run takes minutes: one line per run on screen; with --json, a bar on stderr.
      const bar = args.json ? progressBar('finetune', args.budget, ' | {run}') : { update() {}, stop() {} };
      try {
        return await body(
          {
            shouldStop: () => interrupt.requested,
            recalibrate: args.recalibrate
              ? recalibrationHook({
                  scenario,
                  master: args.master,
                  batches: args.batches,
                  seed,
                  onWarning: (message) => process.stderr.write(`sspe finetune: ${message}\n`),
                  onFit: (fit) =>
                    process.stderr.write(
                      `sspe finetune: recalibrated the simulator on ${fit.runs} real runs: error ${formatNumber(fit.startMapeTrainPct)} % -> ${formatNumber(fit.mapeTrainPct)} %` +
                        `${fit.mapeHoldoutPct === null ? '' : ` (held-out runs: ${formatNumber(fit.mapeHoldoutPct)} %)`}\n`,
                    ),
                })
              : undefined,
            onRealRun: (run) => {
              log.logTrial(runId, {
                request: { config: { ...scenario.spark, ...run.config }, fps: run.fps },
                outcome: run.outcome,
                reward: run.reward,
                step: run.index,
                policy: `finetune:${run.kind}`,
                startedAt: new Date(run.startedAt),
                endedAt: new Date(run.endedAt),
              });
              const shown = describe(run);
              bar.update(run.index + 1, { run: shown.key });
              if (!args.json) console.log(shown.line);
            },
          },
          backend,
        );
      } finally {
        bar.stop();
        interrupt.dispose();
        await backend.close();
      }
    },
  );
  for (const warning of result.warnings) process.stderr.write(`sspe finetune: warning: ${warning}\n`);
  return { result, runLog };
}

/** What --json prints of every fine-tuning, single agent or team, before its runs. */
function summaryFields(result: FinetuneResultOf<unknown, { kind: string }, unknown>, context: { out: string; checkpointPath: string; budget: number; slo: string; runLog: string }) {
  return {
    policy: result.stoppedEarly ? null : context.out,
    checkpoint: context.checkpointPath,
    run_log: context.runLog,
    slo: context.slo,
    budget: context.budget,
    real_runs: result.history.length,
    resumed_from: result.resumedFrom,
    rollbacks: result.rollbacks,
    stopped_early: result.stoppedEarly,
    warnings: result.warnings,
  };
}

function summaryOf(result: FinetuneResult, context: { out: string; checkpointPath: string; budget: number; slo: string; runLog: string }) {
  return { ...summaryFields(result, context), ...historyJson(result) };
}

function knobsJson(config: { executorCores: number; executorMemoryMb: number; executorInstances: number }) {
  return { cores: config.executorCores, memory_mb: config.executorMemoryMb, instances: config.executorInstances };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** How one kind of fine-tuning prints its points: a single agent's as {cores, memory_mb, instances}, a team's as deploy prints them. */
interface PointsJson<C, Run, P, K, B, A> {
  config: (config: C) => P;
  rollbackTo: (config: C) => K;
  /** Fields before `config` and after `policy_choice` in each run's entry. */
  before: (run: Run) => B;
  after: (run: Run) => A;
}

function runsJsonOf<C, Run extends RealRunOf<C>, P, K, B extends object, A extends object>(result: { best: BestAt<C>[]; history: Run[] }, points: PointsJson<C, Run, P, K, B, A>) {
  return {
    best: result.best.map((b) => ({
      fps: b.fps,
      config: points.config(b.config),
      per_frame_ms: finiteOrNull(b.perFrameMs),
      p95_ms: finiteOrNull(b.p95Ms),
      reward: b.reward,
      meets_slo: b.meetsSlo,
      run: b.run,
    })),
    history: result.history.map((run) => ({
      run: run.index,
      fps: run.fps,
      kind: run.kind,
      ...points.before(run),
      config: points.config(run.config),
      policy_choice: run.greedyConfig === null ? null : points.config(run.greedyConfig),
      ...points.after(run),
      per_frame_ms: finiteOrNull(run.outcome.perFrameMs.mean),
      p95_ms: finiteOrNull(run.outcome.perFrameMs.p95),
      reward: run.reward,
      breach: run.breach,
      rollback_to: run.rollbackTo === null ? null : points.rollbackTo(run.rollbackTo),
      failure: run.outcome.failure,
      started_at: run.startedAt,
      ended_at: run.endedAt,
    })),
  };
}

function historyJson(result: FinetuneResult) {
  return runsJsonOf(result, { config: knobsJson, rollbackTo: knobsJson, before: () => ({}), after: () => ({}) });
}

function measuredText(outcome: TrialOutcome): string {
  return outcome.failure === null ? `per-frame ${formatNumber(outcome.perFrameMs.mean)} ms (p95 ${formatNumber(outcome.perFrameMs.p95)})` : 'no measurement';
}

function verdictText(breach: string | null, rollbackTo: string | null): string {
  return breach === null ? 'ok' : `BREACH: ${breach}${rollbackTo !== null ? ` -> rolling back to ${rollbackTo}` : ''}`;
}

function runLine(run: FinetuneRun, budget: number): string {
  const verdict = verdictText(run.breach, run.rollbackTo === null ? null : configKey(run.rollbackTo));
  return `run ${run.index + 1}/${budget}  ${run.fps} fps  ${configKey(run.config).padEnd(10)} ${run.kind.padEnd(8)} ${measuredText(run.outcome)}  reward ${formatNumber(run.reward)}  ${verdict}`;
}

function teamRunLine(run: TeamFinetuneRun, budget: number, space: ActionSpace): string {
  const verdict = verdictText(run.breach, run.rollbackTo === null ? null : pointKey(space, run.rollbackTo));
  return `run ${run.index + 1}/${budget}  ${run.fps} fps  ${pointKey(space, run.config)}  ${run.kind.padEnd(8)} ${measuredText(run.outcome)}  reward ${formatNumber(run.reward)}  ${verdict}`;
}

/** A team's runs for --json and finetune.json: points as pointKey (from, rollback_to) and pointJson (config, policy_choice), as deploy prints a team's. */
function teamHistoryJson(result: TeamFinetuneResult, space: ActionSpace) {
  return runsJsonOf(result, {
    config: (point: KnobPoint) => pointJson(space, point),
    rollbackTo: (point: KnobPoint) => pointKey(space, point),
    before: (run: TeamFinetuneRun) => ({ from: pointKey(space, run.from) }),
    after: (run: TeamFinetuneRun) => ({ actions: run.actions }),
  });
}

function teamSummaryOf(result: TeamFinetuneResult, space: ActionSpace, context: { out: string; checkpointPath: string; budget: number; slo: string; runLog: string; method: string }) {
  return {
    ...summaryFields(result, context),
    team: { method: context.method, agents: result.policy.metadata.agents.map((a) => a.name) },
    latency_ratio: result.latencyRatio,
    ...teamHistoryJson(result, space),
  };
}

export function printFinetuneSummary(summary: FinetuneSummary | TeamFinetuneSummary): void {
  const resumed = summary.resumed_from > 0 ? ` (resumed after ${summary.resumed_from})` : '';
  console.log(`\n${plural(summary.real_runs, 'real run')}${resumed}, ${plural(summary.rollbacks, 'rollback')}, SLO ${summary.slo}`);
  for (const best of summary.best) {
    const c = best.config!;
    const point = 'team' in summary
      ? Object.entries(c).map(([k, v]) => `${k} ${String(v)}`).join(', ')
      : `${c.cores} cores / ${c.memory_mb} MB / ${c.instances} instances`;
    console.log(`best at ${best.fps} fps: ${point}, per-frame ${formatNumber(best.per_frame_ms ?? NaN)} ms (p95 ${formatNumber(best.p95_ms ?? NaN)})${best.meets_slo ? '' : ' - breaks the SLO'}`);
  }
  if (summary.policy !== null) console.log(`tuned ${'team' in summary ? 'team' : 'policy'}: ${summary.policy}`);
  else console.log(`stopped early; continue with the same command and --resume (checkpoint ${summary.checkpoint})`);
}

export const finetuneCommand = {
  command: 'finetune',
  describe: 'Fine-tune a trained policy or team bundle on a real Spark cluster with a hard budget of real runs, trust-region exploration and rollback after an SLO breach',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .option('policy', {
        type: 'string',
        demandOption: true,
        describe: `policy folder written by \`sspe train\` or \`sspe export\`, or a team bundle (a folder with ${TEAM_FILE}: \`sspe train --method idqn|vdn\`), whose agents then choose every declared knob, node count and placement too (those need a k8s:// master)`,
      })
      .option('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML of the real cluster (action space, loads, SLO, starting configuration)' })
      .option('budget', { type: 'number', demandOption: true, describe: 'real runs in all (a resumed fine-tuning counts the runs already done)' })
      .option('slo', { type: 'string', describe: "per_frame_ms=<ms> (each frame within it; breached when a run's p95 is above) and/or p95_ms=<ms>; default the scenario's" })
      .option('out', { type: 'string', describe: 'folder for the tuned policy (or team bundle); default <policy>-tuned' })
      .option('checkpoint', { type: 'string', describe: 'checkpoint file, written after every real run; default <out>.finetune-checkpoint.json' })
      .option('resume', { type: 'boolean', default: false, describe: 'continue the fine-tuning in the checkpoint' })
      .option('force', { type: 'boolean', default: false, describe: 'replace a non-empty --out folder' })
      .option('recalibrate', { type: 'boolean', default: true, describe: "refit the simulator's latency profile to the real runs every --recalibrate-every runs (--no-recalibrate: keep the scenario's)" })
      .option('fps', { type: 'string', describe: "load levels to tune at, comma-separated (visited in turn); default the scenario's fpsLevels" })
      .option('backend', TF_BACKEND_OPTION)
      .option('run-log', runLogOption)
      .options(yargsOf(FINETUNE_OPTIONS, 'Fine-tuning:'))
      .options(REAL_CLUSTER_FLAGS)
      .example(
        '$0 finetune --policy models/policies/local-cluster-dqn --scenario scenarios/local-cluster.yaml --master "local-cluster[2,2,2048]" --input-dir runs/collect/videos --budget 10',
        'ten real runs on executor JVMs here: the policy `sspe train scenarios/local-cluster.yaml` wrote, on the videos `sspe collect --out runs/collect` made; the tuned policy goes to models/policies/local-cluster-dqn-tuned',
      )
      .example(
        '$0 finetune --policy models/policies/local-cluster-dqn --scenario scenarios/local-cluster.yaml --master "local-cluster[2,2,2048]" --input-dir runs/collect/videos --budget 10 --resume',
        'continue after a stop',
      ),
  handler: async (args: ArgumentsCamelCase<FinetuneCommandOptions>) => {
    const summary = await runFinetune(args);
    if (args.json) console.log(JSON.stringify(summary, null, 2));
    else printFinetuneSummary(summary);
    if (summary.stopped_early) process.exitCode = 130;
  },
};
