/**
 * `sspe deploy`: runs the application on a real Spark cluster with a policy
 * choosing its configuration window after window as the load changes. Every
 * decision and what it led to is printed and goes to the run log; a failed
 * window is followed by a rollback to the last good configuration; Ctrl-C
 * finishes the window in flight and stops.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { deploy, type ActorDeployPolicy, type DeployDecision, type DeployResult, type NetworkDeployPolicy } from '../../deploy/deploy.js';
import { formatSlo, parseSlo } from '../../safety/slo.js';
import { loadSourceFrom } from '../../deploy/load-source.js';
import { initTf, type Tf, type TfBackendChoice } from '../../../src/agents/tf.js';
import type { Backend } from '../../../src/backend/backend.js';
import { UserInputError } from '../../../src/errors.js';
import { loadTeamPolicy } from '../../../src/agents/load-team-policy.js';
import { checkCompatible, loadPolicy, scenarioHash } from '../../../src/policy/artifact.js';
import { isTeamBundle } from '../../../src/policy/team-artifact.js';
import { pointJson, pointKey, type ActionSpace } from '../../../src/space/grid.js';
import { withCommandRun } from '../../../src/runlog/command-run.js';
import { runLogOption } from '../../../src/runlog/location.js';
import { loadScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { TF_BACKEND_OPTION, type GlobalOptions } from '../../../src/cli/options.js';
import { REAL_CLUSTER_FLAGS, realBackendFrom, type RealClusterFlags } from '../real-cluster-flags.js';
import { formatNumber, plural } from '../../../src/cli/table.js';

export interface DeployCommandOptions extends GlobalOptions, RealClusterFlags {
  policy: string;
  scenario: string;
  slo?: string;
  windows?: number;
  load: string;
  rollbackOn: string;
  backend: TfBackendChoice;
  runLog?: string;
}

/** What tests swap: the backend, the TensorFlow.js instance, the clock the trace is read by, and the stop signal. */
export interface DeployDeps {
  makeBackend?: (scenario: Scenario) => Backend;
  tf?: Tf;
  nowMs?: () => number;
  signal?: AbortSignal;
}

/** Checks every flag, deploys until --windows or Ctrl-C; returns what --json prints. */
export async function runDeploy(args: DeployCommandOptions, deps: DeployDeps = {}) {
  if (args.windows !== undefined && (!Number.isSafeInteger(args.windows) || args.windows < 1)) {
    throw new UserInputError(`--windows: expected a positive integer, got ${String(args.windows)}`);
  }
  if (args.rollbackOn !== 'failure' && args.rollbackOn !== 'breach') throw new UserInputError(`--rollback-on: expected failure or breach, got '${args.rollbackOn}'`);
  const rollbackOn = args.rollbackOn;
  const scenario = await loadScenario(args.scenario);
  const slo = parseSlo(args.slo ?? `per_frame_ms=${scenario.slo.perFrameMs}`, { fallbackPerFrameMs: scenario.slo.perFrameMs });
  const loadSource = loadSourceFrom(args.load, scenario, deps.nowMs ?? (() => Date.now()));
  const realBackend = realBackendFrom(args, scenario, 'deploy');
  const tf = deps.tf ?? (await initTf({ backend: args.backend })).tf;
  const { policy, warnings } = await deployPolicy(args.policy, scenario, tf);
  for (const warning of warnings) process.stderr.write(`sspe deploy: warning: ${warning}\n`);
  const space = scenario.actionSpace;

  const backend = deps.makeBackend !== undefined ? deps.makeBackend(scenario) : realBackend();
  const seed = args.seed ?? scenario.seed;
  const meta = { command: 'deploy', backend: backend.kind, scenario: scenario.name, scenarioHash: scenarioHash(scenario), policy: args.policy, seed } as const;
  if (!args.json) console.log(`deploying ${args.policy} on ${args.master}, SLO ${formatSlo(slo)}; Ctrl-C stops after the window in flight`);
  let runLog = '';
  const result: DeployResult = await withCommandRun(
    { runLog: args.runLog, meta, statusOf: (r: DeployResult) => (r.stoppedBy === 'signal' ? 'interrupted' : 'ok') },
    async ({ log, runId }) => {
      runLog = log.path;
      try {
        return await deploy({
          policy,
          backend,
          scenario,
          slo,
          windows: args.windows,
          loadSource,
          rollbackOn,
          seed,
          signal: deps.signal,
          onStopRequested: () => process.stderr.write('\nsspe deploy: stopping after the window in flight (Ctrl-C again to abort)\n'),
          onDecision: (d) => {
            log.logTrial(runId, {
              request: { config: { ...scenario.spark, ...d.config }, fps: d.fps },
              outcome: d.outcome,
              reward: d.reward,
              step: d.window,
              policy: `deploy:${d.kind}`,
              startedAt: new Date(d.startedAt),
              endedAt: new Date(d.endedAt),
            });
            if (!args.json) console.log(decisionLine(d, space));
          },
        });
      } finally {
        await backend.close();
      }
    },
  );
  return {
    policy: args.policy,
    slo: formatSlo(slo),
    run_log: runLog,
    windows: result.decisions.length,
    stopped_by: result.stoppedBy,
    rollbacks: result.rollbacks,
    breaches: result.decisions.filter((d) => d.breach !== null).length,
    warnings,
    decisions: result.decisions.map((d) => ({
      window: d.window,
      fps: d.fps,
      kind: d.kind,
      from: pointKey(space, d.from),
      config: pointJson(space, d.config),
      decide_ms: d.decideMs,
      per_frame_ms: Number.isFinite(d.outcome.perFrameMs.mean) ? d.outcome.perFrameMs.mean : null,
      p95_ms: Number.isFinite(d.outcome.perFrameMs.p95) ? d.outcome.perFrameMs.p95 : null,
      reward: d.reward,
      breach: d.breach,
      rollback_to: d.rollbackTo === null ? null : pointKey(space, d.rollbackTo),
      failure: d.outcome.failure,
      started_at: d.startedAt,
      ended_at: d.endedAt,
    })),
  };
}

/**
 * The policy of --policy: a team bundle (`sspe train --method idqn|vdn`), whose
 * agents choose every declared knob together, or a single agent's network;
 * checked against the scenario either way.
 */
async function deployPolicy(dir: string, scenario: Scenario, tf: Tf): Promise<{ policy: NetworkDeployPolicy | ActorDeployPolicy; warnings: string[] }> {
  if (isTeamBundle(dir)) {
    const team = await loadTeamPolicy(dir, scenario, { tf });
    return { policy: { actor: team.policy, observation: team.metadata.observation }, warnings: team.warnings };
  }
  const policy = await loadPolicy(dir, { tf });
  const { warnings } = checkCompatible(policy.metadata, scenario, dir);
  return { policy, warnings };
}

function decisionLine(d: DeployDecision, space: ActionSpace): string {
  const [from, to] = [pointKey(space, d.from), pointKey(space, d.config)];
  const change = from === to ? `keep ${to}` : `${from} -> ${to}`;
  const measured = d.outcome.failure === null
    ? `per-frame ${formatNumber(d.outcome.perFrameMs.mean)} ms (p95 ${formatNumber(d.outcome.perFrameMs.p95)})`
    : 'no measurement';
  const verdict = d.breach === null ? 'ok' : `BREACH: ${d.breach}${d.rollbackTo !== null ? ` -> rolling back to ${pointKey(space, d.rollbackTo)}` : ''}`;
  return `window ${d.window + 1}  ${formatNumber(d.fps)} fps  ${d.kind === 'rollback' ? 'ROLLBACK ' : ''}${change}  (decided in ${formatNumber(d.decideMs)} ms)  ${measured}  ${verdict}`;
}

export const deployCommand = {
  command: 'deploy',
  describe: 'Run the application on a real Spark cluster with a policy choosing the configuration for the load, window after window (Ctrl-C stops after the window)',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .option('policy', { type: 'string', demandOption: true, describe: 'policy folder (`sspe train`, `sspe export` or `sspe finetune`)' })
      .option('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML of the real cluster (action space, starting configuration, load trace)' })
      .option('slo', { type: 'string', describe: "per_frame_ms=<ms> and/or p95_ms=<ms>; default the scenario's" })
      .option('windows', { type: 'number', describe: 'windows to run; default until Ctrl-C' })
      .option('load', { type: 'string', default: 'trace', describe: "the load of each window: 'trace' = the scenario's trace by wall-clock time since the start, or a constant fps" })
      .option('rollback-on', { type: 'string', choices: ['failure', 'breach'], default: 'failure', describe: 'what sends the next window back to the last good configuration' })
      .option('backend', TF_BACKEND_OPTION)
      .option('run-log', runLogOption)
      .options(REAL_CLUSTER_FLAGS)
      .example(
        '$0 deploy --policy models/policies/local-cluster-dqn-tuned --scenario scenarios/local-cluster.yaml --master "local-cluster[2,2,2048]" --input-dir runs/collect/videos --windows 5',
        'five windows on this machine with the policy `sspe finetune` tuned',
      ),
  handler: async (args: ArgumentsCamelCase<DeployCommandOptions>) => {
    const summary = await runDeploy(args);
    if (args.json) console.log(JSON.stringify(summary, null, 2));
    else console.log(`\n${plural(summary.windows, 'window')}, ${plural(summary.breaches, 'SLO breach', 'SLO breaches')}, ${plural(summary.rollbacks, 'rollback')} (stopped by ${summary.stopped_by === 'signal' ? 'Ctrl-C' : '--windows'})`);
  },
};
