/**
 * Spark's dynamic allocation (core ExecutorAllocationManager), one decision
 * per measured window instead of one tick per 100 ms:
 *
 * - pending work (tasks waiting longer than schedulerBacklogTimeout) adds
 *   executors, 1, 2, 4… on consecutive windows with backlog, never beyond
 *   the executors the running and pending tasks could use;
 * - otherwise the doubling starts over, and an idle pool (Spark: executors
 *   without a task for executorIdleTimeout) gives back one executor.
 *
 * https://spark.apache.org/docs/latest/job-scheduling.html#resource-allocation-policy
 * (sim/spark/app.ts allocationTick is the simulator's own, per-tick version.)
 *
 * A window is measured over whole batch fill times, so when it closes the
 * last batch has just been cut: up to one batch of frames in flight is the
 * normal state of an application that keeps up, not pending work.
 */
import type { OptionValues } from '../../config/options.js';
import type { Scenario } from '../../scenario/schema.js';
import type { DecisionContext, Policy } from '../agent.js';
import { resolveOptions } from './options.js';
import { batchIntervalMs, measuredInputFps, towardInstances } from './scaling.js';

export const SPARK_DA_OPTIONS = {
  backlogToleranceBatches: { kind: 'number', default: 1, min: 0, max: 1000, description: 'frames still unprocessed at the end of a window, in micro-batches, that are not yet pending work (the batch just cut)' },
  idleCpuUtil: { kind: 'number', default: 0.02, min: 0, max: 1, description: 'below this busy share of the executors\' task slots the pool counts as idle and one executor goes (Spark: an executor with no task for executorIdleTimeout)' },
} as const;

export type SparkDaOptions = OptionValues<typeof SPARK_DA_OPTIONS>;

export class SparkDynamicAllocationPolicy implements Policy {
  readonly name = 'spark-da';
  readonly options: SparkDaOptions;
  /** Executors the next add asks for (numExecutorsToAdd): doubles while the backlog lasts. */
  private executorsToAdd = 1;

  constructor(
    private readonly scenario: Scenario,
    options: Partial<SparkDaOptions> = {},
  ) {
    this.options = resolveOptions('spark-da', SPARK_DA_OPTIONS, options);
  }

  reset(): void {
    this.executorsToAdd = 1;
  }

  act(ctx: DecisionContext): number {
    return towardInstances(ctx, this.desiredInstances(ctx));
  }

  /** The executor target after the last window (updates the doubling state). */
  desiredInstances(ctx: DecisionContext): number {
    const current = ctx.config.executorInstances;
    const last = ctx.last;
    if (last === null) return current;
    const cores = ctx.config.executorCores;
    // Spark never asks for more executors than the tasks of the running and queued jobs could occupy.
    const maxNeeded = Math.ceil((ctx.config.partitions * ctx.config.concurrentJobs) / cores);
    if (current > maxNeeded) {
      this.executorsToAdd = 1;
      return maxNeeded;
    }
    if (this.hadPendingWork(ctx)) {
      const target = Math.min(maxNeeded, current + this.executorsToAdd);
      this.executorsToAdd = target - current === this.executorsToAdd ? this.executorsToAdd * 2 : 1;
      return target;
    }
    this.executorsToAdd = 1;
    return (last.slotUtil ?? last.cpuUtil) < this.options.idleCpuUtil ? current - 1 : current;
  }

  /**
   * Whether work waited in the last window: tasks pending for a slot longer,
   * in all, than Spark's schedulerBacklogTimeout; more backlog than the batch
   * just cut; or batches slower than they arrive.
   */
  private hadPendingWork(ctx: DecisionContext): boolean {
    const last = ctx.last!;
    const pendingTaskMs = (last.pendingTasksMean ?? 0) * last.windowMs;
    if (pendingTaskMs >= this.scenario.spark.dynamicAllocation.schedulerBacklogTimeoutMs) return true;
    const fps = measuredInputFps(last);
    if (fps <= 0) return false;
    const intervalMs = batchIntervalMs(this.scenario, ctx.config, fps);
    const framesPerBatch = (fps * intervalMs) / 1000;
    return last.backlogFrames > this.options.backlogToleranceBatches * framesPerBatch || last.perFrameMs.mean > intervalMs;
  }
}
