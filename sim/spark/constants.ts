/**
 * Spark's own rules (not latency parameters): these are how Spark sizes pods.
 * https://spark.apache.org/docs/latest/configuration.html (spark.executor.memoryOverhead)
 */
export const MEMORY_OVERHEAD_MIN_MB = 384;
export const MEMORY_OVERHEAD_FACTOR = 0.1;

/** The SparkConfig fields that size an executor pod's memory. */
export interface PodMemoryConfig {
  executorMemoryMb: number;
  /** spark.executor.memoryOverhead, MB; undefined = Spark's rule, max(384 MB, 10% of heap). */
  executorMemoryOverheadMb?: number;
}

/** The executor pod's memory beyond the heap (the Python workers' frames live here), MB. */
export function executorMemoryOverheadMb(config: PodMemoryConfig): number {
  // Spark truncates: max((overheadFactor * executorMemory).toLong, MEMORY_OVERHEAD_MIN) in its resource profile.
  return config.executorMemoryOverheadMb ?? Math.max(MEMORY_OVERHEAD_MIN_MB, Math.floor(MEMORY_OVERHEAD_FACTOR * config.executorMemoryMb));
}

/**
 * Memory an executor pod requests (and its limit): heap plus overhead. A bare
 * heap, MB, gets Spark's default overhead.
 */
export function executorPodMemoryMb(config: PodMemoryConfig | number): number {
  const memory = typeof config === 'number' ? { executorMemoryMb: config } : config;
  return memory.executorMemoryMb + executorMemoryOverheadMb(memory);
}

/** CPU an executor pod requests, vCPU. */
export function executorPodCpu(executorCores: number, cpuRequestRatio: number): number {
  return executorCores * cpuRequestRatio;
}

/** How often Spark's ExecutorAllocationManager re-evaluates its target, ms. */
export const ALLOCATION_INTERVAL_MS = 100;
