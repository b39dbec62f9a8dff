/**
 * Spark Streaming's dynamic allocation (streaming ExecutorAllocationManager,
 * spark.streaming.dynamicAllocation.*), one decision per measured window
 * instead of one per scalingInterval:
 *
 *   ratio = average batch processing time ÷ batch interval
 *   ratio ≥ scaleUpRatio   → ask for max(round(ratio), 1) more executors
 *   ratio ≤ scaleDownRatio → give back one executor
 *
 * It exists because core dynamic allocation waits for executors to go idle,
 * which steady micro-batches never let happen.
 * https://github.com/apache/spark/blob/master/streaming/src/main/scala/org/apache/spark/streaming/scheduler/ExecutorAllocationManager.scala
 *
 * The outcome has no per-batch processing time, so the window's mean
 * per-frame time (a frame's batch reaching Spark to its partition written)
 * stands in for it, over the batch fill time at the window's load. A window
 * with no processed frame has no completed batch, and, as in Spark, no
 * decision.
 */
import type { OptionValues } from '../../config/options.js';
import { UserInputError } from '../../errors.js';
import type { Scenario } from '../../scenario/schema.js';
import type { DecisionContext, Policy } from '../agent.js';
import { resolveOptions } from './options.js';
import { batchIntervalMs, measuredInputFps, towardInstances } from './scaling.js';

export const SPARK_STREAMING_DA_OPTIONS = {
  scaleUpRatio: { kind: 'number', default: 0.9, min: 0.001, max: 100, description: 'add executors when processing time ÷ batch interval is at least this (spark.streaming.dynamicAllocation.scalingUpRatio)' },
  scaleDownRatio: { kind: 'number', default: 0.3, min: 0.001, max: 100, description: 'remove one executor when processing time ÷ batch interval is at most this (spark.streaming.dynamicAllocation.scalingDownRatio)' },
} as const;

export type SparkStreamingDaOptions = OptionValues<typeof SPARK_STREAMING_DA_OPTIONS>;

export class SparkStreamingDynamicAllocationPolicy implements Policy {
  readonly name = 'spark-streaming-da';
  readonly options: SparkStreamingDaOptions;

  constructor(
    private readonly scenario: Scenario,
    options: Partial<SparkStreamingDaOptions> = {},
  ) {
    this.options = resolveOptions('spark-streaming-da', SPARK_STREAMING_DA_OPTIONS, options);
    const { scaleUpRatio, scaleDownRatio } = this.options;
    if (scaleUpRatio <= scaleDownRatio) {
      throw new UserInputError(`spark-streaming-da.scaleUpRatio: expected more than scaleDownRatio (${scaleDownRatio}), got ${scaleUpRatio}`);
    }
  }

  act(ctx: DecisionContext): number {
    return towardInstances(ctx, this.desiredInstances(ctx));
  }

  /** Processing time ÷ batch interval of the last window; NaN when it processed nothing. */
  processingRatio(ctx: DecisionContext): number {
    const last = ctx.last;
    if (last === null || last.failure !== null || !(last.perFrameMs.mean >= 0)) return NaN;
    const fps = measuredInputFps(last);
    if (fps <= 0) return NaN;
    return last.perFrameMs.mean / batchIntervalMs(this.scenario, ctx.config, fps);
  }

  /** The executor count after the last window. */
  desiredInstances(ctx: DecisionContext): number {
    const current = ctx.config.executorInstances;
    const ratio = this.processingRatio(ctx);
    if (Number.isNaN(ratio)) return current;
    if (ratio >= this.options.scaleUpRatio) return current + Math.max(Math.round(ratio), 1);
    if (ratio <= this.options.scaleDownRatio) return current - 1;
    return current;
  }
}
