/**
 * The options that point a command at a real Spark cluster, declared once
 * (src/config/options.ts): `sspe finetune` and `sspe deploy` take them all
 * (bridge/cli/real-cluster-flags.ts), `sspe collect` the ones a collection
 * shares. The run-shaping ones are checked here, so that the three commands
 * accept the same values and say the same thing.
 */
import { parseDurationMs } from '../../src/cli/duration.js';
import { checkOption, flagOf, type OptionTable, type OptionValues } from '../../src/config/options.js';
import { UserInputError } from '../../src/errors.js';
import { FAST_START_DESCRIPTION } from './fast-start.js';
import { sparkConfFrom } from './spark-conf.js';

export const REAL_CLUSTER_OPTIONS = {
  master: {
    kind: 'text',
    required: true,
    description: 'the real cluster: local-cluster[workers,cores,memoryMb] (executor JVMs on this machine), spark://host:port, or k8s://https://host:port',
  },
  inputDir: { kind: 'text', required: true, description: 'the video store, as the driver and the executors see it' },
  outputDir: { kind: 'text', description: 'where the job writes its frames (deleted after each run); default <spark-runs>/frames' },
  batches: {
    kind: 'number',
    integer: true,
    min: 1,
    max: 10_000,
    default: 6,
    description: 'measured batches per real run (as `sspe collect`: a batch adds a fraction of a second to a run and cuts its noise)',
  },
  warmupBatches: { kind: 'number', integer: true, min: 0, max: 10_000, default: 1, description: 'batches run first and left out of the measurement' },
  timeout: { kind: 'text', default: '10m', description: 'kill a real run after this long (a killed run counts as failed), e.g. 90s, 5m' },
  sparkRuns: { kind: 'text', description: 'folder for spark-submit output and event logs; default runs/<command>' },
  namespace: { kind: 'text', default: 'default', description: 'k8s: namespace of the executor pods' },
  image: { kind: 'text', description: 'k8s: executor image (Python with the same pyspark, numpy, OpenCV)' },
  serviceAccount: { kind: 'text', default: 'default', description: 'k8s: service account of the executor pods' },
  driverHost: { kind: 'text', description: 'k8s: address at which executor pods reach this machine' },
  pvc: { kind: 'texts', description: 'k8s: name:claim:/mount/path[:ro] mounted into every executor (repeatable)' },
  conf: { kind: 'texts', description: 'more Spark settings, spark.key=value (repeatable)' },
  fastStart: { kind: 'boolean', default: true, description: `${FAST_START_DESCRIPTION}; keep it as the runs the profile was calibrated on had it` },
} as const satisfies OptionTable;

export type RealClusterOptionName = keyof typeof REAL_CLUSTER_OPTIONS;
export type RealClusterValues = OptionValues<typeof REAL_CLUSTER_OPTIONS>;

export interface RunFlags {
  batches: number;
  warmupBatches: number;
  timeout: string;
  conf?: string[];
  fastStart?: boolean;
}

export interface CheckedRunFlags {
  batches: number;
  warmupBatches: number;
  timeoutMs: number;
  /** The fast-start settings unless --no-fast-start, then every --conf. */
  extraConf: Record<string, string>;
}

function checked<K extends 'batches' | 'warmupBatches'>(key: K, value: number): number {
  const problem = checkOption(REAL_CLUSTER_OPTIONS[key], value);
  if (problem !== null) throw new UserInputError(`--${flagOf(key)}: ${problem}`);
  return value;
}

/** --batches, --warmup-batches, --timeout, --conf and --fast-start, checked; nothing runs. */
export function checkRunFlags(flags: RunFlags): CheckedRunFlags {
  return {
    batches: checked('batches', flags.batches),
    warmupBatches: checked('warmupBatches', flags.warmupBatches),
    timeoutMs: parseDurationMs(flags.timeout, '--timeout'),
    extraConf: sparkConfFrom(flags),
  };
}
