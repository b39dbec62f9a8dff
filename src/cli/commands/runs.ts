import { existsSync } from 'node:fs';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UserInputError } from '../../errors.js';
import { configJson } from '../../report/run-json.js';
import { runLogOption, runLogPath } from '../../runlog/location.js';
import { RunLog, type BackendKind, type TrialRow } from '../../runlog/run-log.js';
import { KNOB_NAMES, KNOB_TABLE } from '../../space/knobs.js';
import { outcomeJson } from '../../space/outcome-fields.js';
import { formatTable } from '../table.js';

/** The knobs that live with the cluster, not Spark (node count, placement): a team's trials set them. */
const CLUSTER_KNOBS = KNOB_NAMES.filter((name) => KNOB_TABLE[name].home === 'cluster');
import type { GlobalOptions } from '../options.js';
import { checkPositiveInteger } from '../number-flags.js';

interface RunsOptions extends GlobalOptions {
  last: number;
  run?: number;
  backend?: string;
  runLog?: string;
}

/** One logged trial as scripts read it (snake_case, units in names; the outcome under its fields' keys, src/space/outcome-fields.ts). */
export function trialJson(t: TrialRow) {
  return {
    id: t.id,
    run_id: t.runId,
    step: t.step,
    episode: t.episode,
    backend: t.backend,
    policy: t.policy,
    seed: t.seed,
    fps: t.fps,
    cores: t.cores,
    memory_mb: t.memoryMb,
    instances: t.instances,
    config: configJson(t.config),
    /** Every knob the trial set, under its run-log column (node_count and placement are in no SparkConfig). */
    knobs: Object.fromEntries(KNOB_NAMES.filter((name) => t.knobs[name] !== undefined).map((name) => [KNOB_TABLE[name].column, t.knobs[name]])),
    ...outcomeJson(t),
    reward: t.reward,
    started_at: t.startedAt,
    ended_at: t.endedAt,
  };
}

// Checked here rather than with yargs `choices`, whose error spans several lines and the CLI prints one.
function checkBackend(value: string | undefined): BackendKind | undefined {
  if (value === undefined || value === 'simulated' || value === 'real') return value;
  throw new UserInputError(`--backend: expected simulated or real, got '${value}'`);
}

export const runsCommand = {
  command: 'runs',
  describe: 'Show the latest trials in the run log (read only): the trials of train, evaluate, collect, finetune and deploy; simulate and sweep are not logged',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .option('last', { type: 'number', default: 20, describe: 'show the latest N trials' })
      .option('run', { type: 'number', describe: 'only the trials of this run id' })
      .option('backend', { type: 'string', describe: 'only trials on this backend: simulated or real' })
      .option('run-log', runLogOption)
      .example('$0 runs --last 50', 'the latest 50 trials')
      .example('$0 runs --run 3 --backend real --json', "run 3's trials on the real cluster, as JSON"),
  handler: async (args: ArgumentsCamelCase<RunsOptions>) => {
    const filter = {
      last: checkPositiveInteger(args.last, '--last'),
      runId: checkPositiveInteger(args.run, '--run'),
      backend: checkBackend(args.backend),
    };
    const path = runLogPath({ flag: args.runLog });
    // Reading must not create the log: a missing file is simply an empty one.
    let trials: TrialRow[] = [];
    if (existsSync(path)) {
      const log = RunLog.openReadOnly(path);
      try {
        trials = log.query(filter);
      } finally {
        log.close();
      }
    }
    if (args.json) {
      console.log(JSON.stringify({ trials: trials.map(trialJson) }, null, 2));
      return;
    }
    if (trials.length === 0) {
      const filters = [
        filter.runId !== undefined ? `--run ${filter.runId}` : '',
        filter.backend !== undefined ? `--backend ${filter.backend}` : '',
      ].filter((f) => f !== '');
      console.log(
        !existsSync(path)
          ? `No trials logged yet: ${path} does not exist (commands that run trials create it).`
          : `No trials in ${path}${filters.length > 0 ? ` match ${filters.join(' ')}` : ' yet'}.`,
      );
      return;
    }
    console.log(`${trials.length === 1 ? 'The latest trial' : `The latest ${trials.length} trials`} in ${path}\n`);
    // Trials of a team (or any scenario with a node pool or placement) carry cluster knobs: shown only when some trial has them.
    const clusterOf = (t: TrialRow) =>
      CLUSTER_KNOBS.filter((name) => t.knobs[name] !== undefined)
        .map((name) => `${KNOB_TABLE[name].shortKey}=${String(t.knobs[name])}`)
        .join(' ');
    const withCluster = trials.some((t) => clusterOf(t) !== '');
    console.log(
      formatTable(
        ['time (UTC)', 'run', 'backend', 'policy', 'fps', 'cores/MB/instances', ...(withCluster ? ['cluster'] : []), 'per-frame ms', 'reward', 'failure'],
        trials.map((t) => [
          t.startedAt.slice(0, 19).replace('T', ' '),
          t.runId,
          t.backend,
          t.policy ?? '-',
          t.fps,
          `${t.cores} / ${t.memoryMb} / ${t.instances}`,
          ...(withCluster ? [clusterOf(t) || '-'] : []),
          t.perFrameMs.mean,
          t.reward ?? Number.NaN,
          t.failure ?? '',
        ]),
      ),
    );
  },
};
