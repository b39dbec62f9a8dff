/**
 * The flags that point a command at a real Spark cluster (`sspe finetune`,
 * `sspe deploy`, and `sspe collect` for those it shares), declared once, and
 * the backend they build.
 */
import { join } from 'node:path';
import { makeRealBackend } from '../backend/factory.js';
import { FAST_START_DESCRIPTION } from '../spark/fast-start.js';
import type { Backend } from '../../src/backend/backend.js';
import { UserInputError } from '../../src/errors.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { parseMaster } from '../spark/parse-master.js';
import { checkRunFlags } from '../spark/run-flags.js';

export interface RealClusterFlags {
  master: string;
  inputDir: string;
  outputDir?: string;
  batches: number;
  warmupBatches: number;
  timeout: string;
  sparkRuns?: string;
  namespace: string;
  image?: string;
  serviceAccount: string;
  driverHost?: string;
  pvc?: string[];
  conf?: string[];
  /** JVM settings for short runs (bridge/spark/fast-start.ts); default true, as `sspe collect`. */
  fastStart?: boolean;
}

export const REAL_CLUSTER_FLAGS = {
  master: {
    type: 'string',
    demandOption: true,
    describe: 'the real cluster: local-cluster[workers,cores,memoryMb] (executor JVMs on this machine), spark://host:port, or k8s://https://host:port',
    group: 'Real cluster:',
  },
  'input-dir': { type: 'string', demandOption: true, describe: 'the video store, as the driver and the executors see it', group: 'Real cluster:' },
  'output-dir': { type: 'string', describe: "where the job writes its frames (deleted after each run); default <spark-runs>/frames", group: 'Real cluster:' },
  batches: { type: 'number', default: 6, describe: 'measured batches per real run (as `sspe collect`: a batch adds a fraction of a second to a run and cuts its noise)', group: 'Real cluster:' },
  'warmup-batches': { type: 'number', default: 1, describe: 'batches run first and left out of the measurement', group: 'Real cluster:' },
  timeout: { type: 'string', default: '10m', describe: 'kill a real run after this long (a killed run counts as failed), e.g. 90s, 5m', group: 'Real cluster:' },
  'spark-runs': { type: 'string', describe: 'folder for spark-submit output and event logs; default runs/<command>', group: 'Real cluster:' },
  namespace: { type: 'string', default: 'default', describe: 'k8s: namespace of the executor pods', group: 'Real cluster:' },
  image: { type: 'string', describe: 'k8s: executor image (Python with the same pyspark, numpy, OpenCV)', group: 'Real cluster:' },
  'service-account': { type: 'string', default: 'default', describe: 'k8s: service account of the executor pods', group: 'Real cluster:' },
  'driver-host': { type: 'string', describe: 'k8s: address at which executor pods reach this machine', group: 'Real cluster:' },
  pvc: { type: 'string', array: true, describe: 'k8s: name:claim:/mount/path[:ro] mounted into every executor (repeatable)', group: 'Real cluster:' },
  conf: { type: 'string', array: true, describe: 'more Spark settings, spark.key=value (repeatable)', group: 'Real cluster:' },
  'fast-start': { type: 'boolean', default: true, describe: `${FAST_START_DESCRIPTION}; keep it as the runs the profile was calibrated on had it`, group: 'Real cluster:' },
} as const;

export type RealClusterFlagName = keyof typeof REAL_CLUSTER_FLAGS;

/**
 * Some of the real-cluster flags for a command that lists them among its own
 * (`sspe collect`: no group), with its own words where a flag means more
 * there; type, default and repeatability stay the table's.
 */
export function realClusterFlagsFor(names: readonly RealClusterFlagName[], describe: Partial<Record<RealClusterFlagName, string>> = {}) {
  return Object.fromEntries(
    names.map((name) => {
      const { group: _group, ...flag } = REAL_CLUSTER_FLAGS[name];
      return [name, { ...flag, describe: describe[name] ?? flag.describe }];
    }),
  );
}

/** Checks every real-cluster flag and returns a function that builds the backend (nothing runs before it is called). */
export function realBackendFrom(flags: RealClusterFlags, scenario: Scenario, command: string): () => Backend {
  const master = parseMaster(flags.master, flags);
  const { batches, warmupBatches, timeoutMs, extraConf } = checkRunFlags(flags);
  if (flags.inputDir.trim() === '') throw new UserInputError('--input-dir: expected the video store folder, got an empty value');
  const runsDir = flags.sparkRuns ?? join('runs', command);
  return () =>
    makeRealBackend({
      master,
      scenario,
      inputDir: flags.inputDir,
      outputDir: flags.outputDir ?? join(runsDir, 'frames'),
      batches,
      warmupBatches,
      timeoutMs,
      runsDir,
      extraConf,
      runIdPrefix: command,
    });
}
