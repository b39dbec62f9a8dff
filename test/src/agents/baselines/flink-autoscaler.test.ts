import { describe, expect, it } from 'vitest';
import { FlinkParallelismAutoscaler, flinkAutoscalerStack, type FlinkAutoscalerOptions } from '../../../../src/agents/baselines/flink-autoscaler.js';
import { decision, outcome } from './context.js';
import { nodePoolScenario } from './node-pool.js';

const wide = nodePoolScenario({ instances: { min: 1, max: 40 }, partitions: true });
const at = (executorInstances: number) => ({ nodeCount: 3, executorCores: 1, executorMemoryMb: 800, executorInstances, partitions: 8 });

/**
 * A one-minute window at `instances` executors, each busy half the time and
 * truly processing 4 frames per busy second (a capacity of 4 fps per
 * executor), under `inputFps` arriving.
 */
function minute(instances: number, inputFps: number) {
  const last = outcome({ throughputFps: 2 * instances, slotUtil: 0.5, executorsRunning: instances, framesArrived: inputFps * 60, backlogFrames: 0, windowMs: 60_000 });
  return decision({ scenario: wide, config: at(instances), last });
}

/** The executor counts the autoscaler sets after each of `count` minutes at `instances` and `inputFps`. */
function minutes(flink: FlinkParallelismAutoscaler, count: number, instances: number, inputFps: number): number[] {
  return Array.from({ length: count }, () => flink.desiredInstances(minute(instances, inputFps)));
}

/** Decides on the first full window: no stabilisation, a one-minute metrics window. */
const quick = (options: Partial<FlinkAutoscalerOptions> = {}) =>
  new FlinkParallelismAutoscaler({ stabilizationIntervalMs: 0, metricsWindowMs: 60_000, scaleDownIntervalMs: 0, ...options });

describe('the Flink autoscaler', () => {
  it('plans parallelism = ceil(P × input ÷ target utilisation ÷ true capacity), after stabilization.interval and a full metrics.window', () => {
    const flink = new FlinkParallelismAutoscaler();
    // 10 executors of 4 fps true capacity under 60 fps: 10 × (60 / 0.7) / 40 = 21.4 → 22.
    // 5 minutes of stabilisation, then 15 of metrics: nothing before minute 20.
    expect(minutes(flink, 20, 10, 60)).toEqual([...Array(19).fill(10), 22]);
    expect(flink.evaluate(minute(10, 60))).toMatchObject({ trueCapacityFps: 40, scaleFactor: 60 / 0.7 / 40, newParallelism: 22, outsideUtilizationBound: true });
  });

  it('restarts stabilisation when the parallelism changes', () => {
    const flink = new FlinkParallelismAutoscaler();
    minutes(flink, 20, 10, 60);
    // At 22 executors under 120 fps: 22 × (120 / 0.7) / 88 = 42.9, the grid's 40, again only after 20 minutes.
    expect(minutes(flink, 20, 22, 120)).toEqual([...Array(19).fill(22), 40]);
  });

  it('bounds a rescale by scale-up.max-factor and scale-down.max-factor', () => {
    expect(quick().desiredInstances(minute(10, 60))).toBe(22);
    expect(quick({ scaleUpMaxFactor: 0.5 }).desiredInstances(minute(10, 60))).toBe(15);
    // 5 fps would need 10 × (5 / 0.7) / 40 = 1.8 → 2 executors; the default 0.6 lets it shrink to 40 % at most.
    expect(quick().desiredInstances(minute(10, 5))).toBe(4);
    expect(quick({ scaleDownMaxFactor: 1 }).desiredInstances(minute(10, 5))).toBe(2);
  });

  it('holds still while utilisation stays within target.utilization ± boundary (0.4 to 1.0)', () => {
    // 25 fps on 40 fps of capacity is 62.5 % busy: 9 executors would do, but no rescale.
    expect(quick().evaluate(minute(10, 25))).toMatchObject({ newParallelism: 9, outsideUtilizationBound: false });
    expect(quick().desiredInstances(minute(10, 25))).toBe(10);
    // 42 fps is 105 % of capacity: out of bounds, 10 × (42 / 0.7) / 40 = 15.
    expect(quick().desiredInstances(minute(10, 42))).toBe(15);
  });

  it('scales down only scale-down.interval (1 h) after it was first asked for; a scale-up cancels it', () => {
    const flink = quick({ scaleDownIntervalMs: 60 * 60_000 });
    expect(minutes(flink, 61, 10, 5)).toEqual([...Array(60).fill(10), 4]);
    const cancelled = quick({ scaleDownIntervalMs: 60 * 60_000 });
    // Asked for from minute 1; at minute 31 a scale-up is due instead; asked for again from minute 32, due at minute 92.
    const wanted = [...minutes(cancelled, 30, 10, 5), ...minutes(cancelled, 1, 10, 60), ...minutes(cancelled, 61, 10, 5)];
    expect(wanted).toEqual([...Array(30).fill(10), 22, ...Array(60).fill(10), 4]);
  });

  it('takes the highest parallelism asked for within the interval when the scale-down is due', () => {
    const flink = quick({ scaleDownIntervalMs: 10 * 60_000 });
    // 12 fps asks for 10 × (12 / 0.7) / 40 = 4.3 → 5 executors for 5 minutes, then 5 fps for 4: 10 minutes after the first ask, 5.
    expect([...minutes(flink, 5, 10, 12), ...minutes(flink, 6, 10, 5)]).toEqual([...Array(10).fill(10), 5]);
  });

  it('decides once per window, whether asked for the evaluation first or twice', () => {
    const flink = quick();
    const ctx = minute(10, 60);
    expect(flink.evaluate(ctx)).toMatchObject({ newParallelism: 22 });
    expect([flink.desiredInstances(ctx), flink.desiredInstances(ctx)]).toEqual([22, 22]);
    flink.reset();
    expect(flink.desiredInstances(decision({ scenario: wide, config: at(10), last: null }))).toBe(10);
  });

  it('sets partitions to one task per task slot of the new executors, rounded up to the grid', () => {
    const ctx = minute(10, 60);
    expect(quick().recommend(ctx, ctx.configuration.point(ctx.config))).toEqual({ executorInstances: 22, partitions: 24 });
  });

  it('is paired with the VPA recommender and the Cluster Autoscaler for the knobs it does not own', () => {
    const stack = flinkAutoscalerStack(wide);
    expect(stack.name).toBe('flink-autoscaler');
    expect(stack.parts.map((p) => p.name)).toEqual(['vpa', 'flink-autoscaler', 'cluster-autoscaler']);
    expect(() => new FlinkParallelismAutoscaler({ scaleDownMaxFactor: 2 })).toThrow('flink-autoscaler.scaleDownMaxFactor: expected a number in [0, 1], got 2');
  });
});
