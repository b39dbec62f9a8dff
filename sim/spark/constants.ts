/**
 * Spark's own rules (not latency parameters): these are how Spark sizes pods.
 * https://spark.apache.org/docs/latest/configuration.html (spark.executor.memoryOverhead)
 */
export const MEMORY_OVERHEAD_MIN_MB = 384;
export const MEMORY_OVERHEAD_FACTOR = 0.1;

/** Memory an executor pod requests: heap plus overhead = max(384 MB, 10% of heap). */
export function executorPodMemoryMb(executorMemoryMb: number): number {
  return executorMemoryMb + Math.max(MEMORY_OVERHEAD_MIN_MB, Math.ceil(MEMORY_OVERHEAD_FACTOR * executorMemoryMb));
}

/** CPU an executor pod requests, vCPU. */
export function executorPodCpu(executorCores: number, cpuRequestRatio: number): number {
  return executorCores * cpuRequestRatio;
}

/** How often Spark's ExecutorAllocationManager re-evaluates its target, ms. */
export const ALLOCATION_INTERVAL_MS = 100;
