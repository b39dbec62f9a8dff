import type { SparkConfig } from '../config.js';
import type { Simulation } from '../engine/simulation.js';

/**
 * The configuration the application runs with now, and the window in which
 * a redeploy has it down (no executors, no scheduling). Every part of the
 * Spark model reads the configuration from here, so a reconfiguration is
 * seen by all of them at once.
 */
export class Deployment {
  private downUntilMs = 0;

  constructor(
    private readonly sim: Simulation,
    public config: SparkConfig,
  ) {}

  /** True while a redeploy keeps the application down. */
  get down(): boolean {
    return this.sim.nowMs < this.downUntilMs;
  }

  /** The application goes down for `downMs` from now (a later call extends an earlier one). */
  takeDown(downMs: number): void {
    this.downUntilMs = this.sim.nowMs + downMs;
  }
}

/** Changing cores, memory or its overhead, the serializer, the memory fraction or the CPU request means new executor pods: a redeploy. */
export function needsRedeploy(previous: SparkConfig, next: SparkConfig): boolean {
  return (
    next.executorCores !== previous.executorCores ||
    next.executorMemoryMb !== previous.executorMemoryMb ||
    next.executorMemoryOverheadMb !== previous.executorMemoryOverheadMb ||
    next.serializer !== previous.serializer ||
    next.memoryFraction !== previous.memoryFraction ||
    next.cpuRequestRatio !== previous.cpuRequestRatio
  );
}

/** Spark's initial executor count: with dynamic allocation, instances clamped to [min, max]. */
export function initialExecutorTarget(config: SparkConfig): number {
  const da = config.dynamicAllocation;
  return da.enabled ? Math.min(da.maxExecutors, Math.max(da.minExecutors, config.executorInstances)) : config.executorInstances;
}
