/**
 * The configuration knobs this project tunes, read from the "Spark Properties"
 * of a SparkListenerEnvironmentUpdate. A property that is absent is null (Spark
 * used its default, which depends on the cluster manager); a property that is
 * present but malformed is an error naming it.
 */

export interface SparkConfig {
  /** spark.master, e.g. 'k8s://https://10.0.0.1:6443', 'local[4]'. */
  master: string | null;
  executorInstances: number | null;
  executorCores: number | null;
  /** spark.executor.memory (JVM heap) in MB. */
  executorMemoryMb: number | null;
  /** spark.executor.memoryOverhead in MB; null → Spark derives it (max(384 MB, factor × heap)). */
  executorMemoryOverheadMb: number | null;
  executorMemoryOverheadFactor: number | null;
  driverCores: number | null;
  driverMemoryMb: number | null;
  taskCpus: number | null;
  dynamicAllocationEnabled: boolean | null;
  dynamicAllocationMinExecutors: number | null;
  dynamicAllocationMaxExecutors: number | null;
  dynamicAllocationInitialExecutors: number | null;
  defaultParallelism: number | null;
  sqlShufflePartitions: number | null;
  memoryFraction: number | null;
  serializer: string | null;
  /** spark.streaming.concurrentJobs (DStreams). */
  streamingConcurrentJobs: number | null;
  taskMaxFailures: number | null;
  localityWaitMs: number | null;
  kubernetesNamespace: string | null;
}

/** A Spark property whose value cannot be what Spark would accept. */
export class SparkPropertyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SparkPropertyError';
  }
}

export function emptySparkConfig(): SparkConfig {
  return readSparkConfig({});
}

export function readSparkConfig(properties: Readonly<Record<string, string>>): SparkConfig {
  const get = (key: string): string | null => properties[key] ?? null;
  const int = (key: string): number | null => {
    const text = get(key);
    if (text === null) return null;
    if (!/^\s*-?\d+\s*$/.test(text)) throw new SparkPropertyError(`${key}: expected an integer, got '${text}'`);
    return Number(text);
  };
  const fraction = (key: string): number | null => {
    const text = get(key);
    if (text === null) return null;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new SparkPropertyError(`${key}: expected a number, got '${text}'`);
    return value;
  };
  const bool = (key: string): boolean | null => {
    const text = get(key);
    if (text === null) return null;
    const lower = text.trim().toLowerCase();
    if (lower !== 'true' && lower !== 'false') throw new SparkPropertyError(`${key}: expected true or false, got '${text}'`);
    return lower === 'true';
  };
  const memoryMb = (key: string): number | null => {
    const text = get(key);
    return text === null ? null : parseSparkMemoryMb(text, key);
  };
  const timeMs = (key: string): number | null => {
    const text = get(key);
    return text === null ? null : parseSparkTimeMs(text, key);
  };
  return {
    master: get('spark.master'),
    executorInstances: int('spark.executor.instances'),
    executorCores: int('spark.executor.cores'),
    executorMemoryMb: memoryMb('spark.executor.memory'),
    executorMemoryOverheadMb: memoryMb('spark.executor.memoryOverhead'),
    executorMemoryOverheadFactor: fraction('spark.executor.memoryOverheadFactor'),
    driverCores: int('spark.driver.cores'),
    driverMemoryMb: memoryMb('spark.driver.memory'),
    taskCpus: int('spark.task.cpus'),
    dynamicAllocationEnabled: bool('spark.dynamicAllocation.enabled'),
    dynamicAllocationMinExecutors: int('spark.dynamicAllocation.minExecutors'),
    dynamicAllocationMaxExecutors: int('spark.dynamicAllocation.maxExecutors'),
    dynamicAllocationInitialExecutors: int('spark.dynamicAllocation.initialExecutors'),
    defaultParallelism: int('spark.default.parallelism'),
    sqlShufflePartitions: int('spark.sql.shuffle.partitions'),
    memoryFraction: fraction('spark.memory.fraction'),
    serializer: get('spark.serializer'),
    streamingConcurrentJobs: int('spark.streaming.concurrentJobs'),
    taskMaxFailures: int('spark.task.maxFailures'),
    localityWaitMs: timeMs('spark.locality.wait'),
    kubernetesNamespace: get('spark.kubernetes.namespace'),
  };
}

const BYTE_SUFFIX_MB: Readonly<Record<string, number>> = {
  b: 2 ** -20,
  k: 2 ** -10,
  kb: 2 ** -10,
  m: 1,
  mb: 1,
  g: 2 ** 10,
  gb: 2 ** 10,
  t: 2 ** 20,
  tb: 2 ** 20,
  p: 2 ** 30,
  pb: 2 ** 30,
};

/**
 * Spark's size strings ('4g', '512m', '1024', '2gb'; JavaUtils.byteStringAs),
 * a bare number meaning MB as it does for the *.memory properties. Spark
 * rejects fractions ('1.5g'), and so do we.
 */
export function parseSparkMemoryMb(text: string, key: string): number {
  const match = /^(\d+)([a-z]*)$/.exec(text.trim().toLowerCase());
  const multiplier = match === null ? undefined : match[2] === '' ? 1 : BYTE_SUFFIX_MB[match[2]];
  if (match === null || multiplier === undefined) {
    throw new SparkPropertyError(`${key}: expected a size like '4g', '512m' or '1024' (MB), got '${text}'`);
  }
  return Number(match[1]) * multiplier;
}

const TIME_SUFFIX_MS: Readonly<Record<string, number>> = {
  us: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Spark's time strings ('3s', '100ms', '1min'; JavaUtils.timeStringAs), a bare number meaning ms. */
export function parseSparkTimeMs(text: string, key: string): number {
  const match = /^(\d+)([a-z]*)$/.exec(text.trim().toLowerCase());
  const multiplier = match === null ? undefined : match[2] === '' ? 1 : TIME_SUFFIX_MS[match[2]];
  if (match === null || multiplier === undefined) {
    throw new SparkPropertyError(`${key}: expected a time like '3s' or '100ms', got '${text}'`);
  }
  return Number(match[1]) * multiplier;
}
