/**
 * The Flink Kubernetes Operator's job autoscaler, on the parallelism knobs
 * (executor instances, and partitions when the scenario declares them), with
 * its job.autoscaler.* options and their defaults:
 *
 * 1. After the job (re)starts, no metrics for stabilization.interval; then
 *    no decision until metrics.window is full.
 * 2. True processing rate per executor = observed rate ÷ busy time share
 *    (DS2, shared with ds2.ts), averaged over the metrics window, as is the
 *    input rate.
 * 3. Target capacity = input rate ÷ target.utilization + backlog ÷
 *    catch-up.duration; scale factor = target capacity ÷ (true rate ×
 *    parallelism), bounded to [1 − scale-down.max-factor,
 *    1 + scale-up.max-factor]; new parallelism = ceil(parallelism × factor).
 * 4. No rescale while the true capacity lies within the capacities needed at
 *    target.utilization ± target.utilization.boundary.
 * 5. A scale-down waits scale-down.interval after it was first asked for,
 *    then takes the highest parallelism recommended within that interval;
 *    a scale-up or a "no change" cancels it.
 * https://nightlies.apache.org/flink/flink-kubernetes-operator-docs-main/docs/custom-resource/autoscaler/
 * https://nightlies.apache.org/flink/flink-kubernetes-operator-docs-main/docs/operations/configuration/#autoscaler-configuration
 * (AutoScalerOptions, JobVertexScaler.computeScaleTargetParallelism and
 * applyScaleDownInterval in flink-autoscaler.)
 *
 * A Spark application is one vertex here; partitions follow the new executor
 * count (one task per task slot, rounded up to the grid), as Flink aligns a
 * vertex's parallelism with its key groups. Left out: restart.time in the
 * target (Spark changes its executor count without a restart), ineffective
 * scale-up detection and memory tuning (both off by default).
 * flinkAutoscalerStack pairs it with the VPA recommender and the Cluster
 * Autoscaler of k8s-stack for the knobs it does not own.
 */
import type { TrialOutcome } from '../../backend/backend.js';
import type { OptionValues } from '../../config/options.js';
import type { Scenario } from '../../scenario/schema.js';
import type { KnobPoint } from '../../space/grid.js';
import type { KnobValues } from '../../space/knobs.js';
import type { DecisionContext } from '../agent.js';
import { ClusterAutoscaler, type ClusterAutoscalerOptions } from './cluster-autoscaler.js';
import { trueRatePerExecutorFps } from './ds2.js';
import { resolveOptions } from './options.js';
import { measuredInputFps } from './scaling.js';
import { AutoscalerStack, declaredKnob, gridValueAtLeast, type KnobRecommender } from './stack.js';
import { VpaRecommender, type VpaOptions } from './vpa.js';
import { WindowClock } from './window-clock.js';

const MINUTE_MS = 60_000;

export const FLINK_AUTOSCALER_OPTIONS = {
  targetUtilization: { kind: 'number', default: 0.7, min: 0.01, max: 1, description: 'share of the true processing capacity to plan for (job.autoscaler.target.utilization, now utilization.target)' },
  targetUtilizationBoundary: { kind: 'number', default: 0.3, min: 0, max: 1, description: 'no rescale while utilisation stays within target ± this (job.autoscaler.target.utilization.boundary)' },
  stabilizationIntervalMs: { kind: 'number', default: 5 * MINUTE_MS, min: 0, max: 86_400_000, integer: true, description: 'after a (re)start no metrics are collected and no rescale happens for this long, ms (job.autoscaler.stabilization.interval, 5m)' },
  metricsWindowMs: { kind: 'number', default: 15 * MINUTE_MS, min: 1, max: 86_400_000, integer: true, description: 'metrics are averaged over this long, and no decision is made before it is full, ms (job.autoscaler.metrics.window, 15m)' },
  scaleDownIntervalMs: { kind: 'number', default: 60 * MINUTE_MS, min: 0, max: 86_400_000, integer: true, description: 'a scale-down waits this long after it was first asked for, ms; 0 scales down at once (job.autoscaler.scale-down.interval, 1h)' },
  scaleUpMaxFactor: { kind: 'number', default: 100_000, min: 0, max: 1_000_000, description: 'parallelism grows at most by this factor of itself per rescale (job.autoscaler.scale-up.max-factor)' },
  scaleDownMaxFactor: { kind: 'number', default: 0.6, min: 0, max: 1, description: 'parallelism shrinks at most by this share of itself per rescale (job.autoscaler.scale-down.max-factor)' },
  catchUpDurationMs: { kind: 'number', default: 30 * MINUTE_MS, min: 0, max: 86_400_000, integer: true, description: 'plan capacity to clear the backlog within this long, ms; 0 ignores backlog (job.autoscaler.catch-up.duration, 30m)' },
} as const;

export type FlinkAutoscalerOptions = OptionValues<typeof FLINK_AUTOSCALER_OPTIONS>;

/** One window's metrics, kept from the end of stabilisation on. */
interface MetricSample {
  startMs: number;
  windowMs: number;
  trueRatePerExecutorFps: number;
  inputFps: number;
}

/** A scale-down asked for and waiting for scale-down.interval. */
interface DelayedScaleDown {
  firstTriggerMs: number;
  recommended: { atMs: number; parallelism: number; outsideUtilizationBound: boolean }[];
}

/** What the autoscaler evaluated from a full metrics window. */
export interface FlinkEvaluation {
  parallelism: number;
  /** Executors' true processing capacity at 100 % busy, fps. */
  trueCapacityFps: number;
  targetCapacityFps: number;
  scaleFactor: number;
  /** ceil(parallelism × bounded scale factor), before the grid. */
  newParallelism: number;
  outsideUtilizationBound: boolean;
}

export class FlinkParallelismAutoscaler implements KnobRecommender {
  readonly name = 'flink-autoscaler';
  readonly options: FlinkAutoscalerOptions;
  private readonly clock = new WindowClock();
  private samples: MetricSample[] = [];
  private jobStartMs = 0;
  /** Start of the first window measured after stabilisation (the metrics window fills from there). */
  private firstCollectedMs: number | null = null;
  private runningParallelism: string | null = null;
  private delayed: DelayedScaleDown | null = null;
  /** The executor count decided after a window (a decision may be asked for twice, or evaluated first). */
  private decided: { after: TrialOutcome; instances: number } | null = null;

  constructor(options: Partial<FlinkAutoscalerOptions> = {}) {
    this.options = resolveOptions('flink-autoscaler', FLINK_AUTOSCALER_OPTIONS, options);
  }

  reset(): void {
    this.clock.reset();
    this.samples = [];
    this.jobStartMs = 0;
    this.firstCollectedMs = null;
    this.runningParallelism = null;
    this.delayed = null;
    this.decided = null;
  }

  recommend(ctx: DecisionContext, planned: KnobPoint): KnobValues {
    const instances = declaredKnob(ctx, 'executorInstances');
    if (instances === undefined) return {};
    const wanted = this.desiredInstances(ctx);
    if (wanted === ctx.config.executorInstances) return {};
    const out: KnobValues = { executorInstances: gridValueAtLeast(instances, wanted) };
    const partitions = declaredKnob(ctx, 'partitions');
    if (partitions !== undefined) out.partitions = gridValueAtLeast(partitions, out.executorInstances! * planned.executorCores);
    return out;
  }

  /** The executor count after the last window. */
  desiredInstances(ctx: DecisionContext): number {
    this.observe(ctx);
    if (ctx.last === null) return ctx.config.executorInstances;
    if (this.decided?.after !== ctx.last) this.decided = { after: ctx.last, instances: this.decide(ctx) };
    return this.decided.instances;
  }

  /** What the last full metrics window says (recording the last window first), or null while stabilising or filling it. */
  evaluate(ctx: DecisionContext): FlinkEvaluation | null {
    this.observe(ctx);
    const nowMs = this.clock.nowMs;
    if (this.firstCollectedMs === null || nowMs - this.firstCollectedMs < this.options.metricsWindowMs) return null;
    const inWindow = this.samples;
    const totalMs = inWindow.reduce((sum, s) => sum + s.windowMs, 0);
    if (!(totalMs > 0)) return null;
    const mean = (field: 'trueRatePerExecutorFps' | 'inputFps') => inWindow.reduce((sum, s) => sum + s[field] * s.windowMs, 0) / totalMs;
    const parallelism = ctx.config.executorInstances;
    const trueCapacityFps = mean('trueRatePerExecutorFps') * parallelism;
    const inputFps = mean('inputFps');
    const { targetUtilization, targetUtilizationBoundary, scaleUpMaxFactor, scaleDownMaxFactor } = this.options;
    const targetCapacityFps = this.capacityFor(inputFps, ctx.last!.backlogFrames, targetUtilization);
    const factor = Math.min(1 + scaleUpMaxFactor, Math.max(1 - scaleDownMaxFactor, targetCapacityFps / trueCapacityFps));
    // The bounds are the capacities needed at the highest and lowest utilisation still accepted.
    const scaleUpBelowFps = this.capacityFor(inputFps, ctx.last!.backlogFrames, targetUtilization + targetUtilizationBoundary);
    const scaleDownAboveFps = this.capacityFor(inputFps, ctx.last!.backlogFrames, targetUtilization - targetUtilizationBoundary);
    return {
      parallelism,
      trueCapacityFps,
      targetCapacityFps,
      scaleFactor: factor,
      // Less a rounding hair, so that an exact fit is not rounded up by float error.
      newParallelism: Math.max(1, Math.ceil(parallelism * factor - 1e-9)),
      outsideUtilizationBound: trueCapacityFps < scaleUpBelowFps || trueCapacityFps > scaleDownAboveFps,
    };
  }

  /** Capacity to process `inputFps` at `utilization` and clear `backlogFrames` within catch-up.duration, fps. */
  private capacityFor(inputFps: number, backlogFrames: number, utilization: number): number {
    const u = Math.min(1, Math.max(0, utilization));
    if (u === 0) return Infinity;
    const catchUpS = this.options.catchUpDurationMs / 1000;
    const catchUpFps = catchUpS > 0 ? backlogFrames / catchUpS : 0;
    return inputFps / u + catchUpFps;
  }

  /** Records the last window once; a change of parallelism restarts stabilisation. True when the window was new. */
  private observe(ctx: DecisionContext): boolean {
    const last = ctx.last;
    if (!this.clock.observe(last) || last === null) return false;
    const startMs = this.clock.nowMs - last.windowMs;
    const parallelism = `${ctx.config.executorInstances}/${ctx.config.partitions}`;
    if (this.runningParallelism !== null && parallelism !== this.runningParallelism) {
      // The window just measured began with the rescale: the job "restarted" then.
      this.jobStartMs = startMs;
      this.firstCollectedMs = null;
      this.samples = [];
      this.delayed = null;
    }
    this.runningParallelism = parallelism;
    const rate = trueRatePerExecutorFps(last);
    const stabilising = startMs < this.jobStartMs + this.options.stabilizationIntervalMs;
    if (!stabilising && Number.isFinite(rate) && last.windowMs > 0) {
      this.firstCollectedMs ??= startMs;
      this.samples.push({ startMs, windowMs: last.windowMs, trueRatePerExecutorFps: rate, inputFps: measuredInputFps(last) });
    }
    // The metrics window: samples that started within it.
    const windowStartMs = this.clock.nowMs - this.options.metricsWindowMs;
    this.samples = this.samples.filter((s) => s.startMs >= windowStartMs - 1e-9);
    return true;
  }

  /** The scaling decision from a full window: the guards of JobVertexScaler in turn. */
  private decide(ctx: DecisionContext): number {
    const current = ctx.config.executorInstances;
    const evaluation = this.evaluate(ctx);
    if (evaluation === null) return current;
    const target = this.onGrid(ctx, evaluation.newParallelism);
    if (target === current) {
      this.delayed = null;
      return current;
    }
    if (target > current) {
      this.delayed = null;
      return evaluation.outsideUtilizationBound ? target : current;
    }
    return this.afterScaleDownInterval(current, target, evaluation.outsideUtilizationBound);
  }

  /** A scale-down only once scale-down.interval has passed since it was first asked for, to the highest count asked for since. */
  private afterScaleDownInterval(current: number, target: number, outsideUtilizationBound: boolean): number {
    const nowMs = this.clock.nowMs;
    const intervalMs = this.options.scaleDownIntervalMs;
    if (intervalMs <= 0) return outsideUtilizationBound ? target : current;
    this.delayed ??= { firstTriggerMs: nowMs, recommended: [] };
    this.delayed.recommended.push({ atMs: nowMs, parallelism: target, outsideUtilizationBound });
    const windowStartMs = nowMs - intervalMs;
    if (windowStartMs < this.delayed.firstTriggerMs) return current;
    const within = this.delayed.recommended.filter((r) => r.atMs >= windowStartMs);
    const highest = within.reduce((best, r) => (r.parallelism >= best.parallelism ? r : best));
    if (!highest.outsideUtilizationBound) return current;
    this.delayed = null;
    return highest.parallelism;
  }

  /** A parallelism on the executor grid, rounded up as Flink rounds key-group alignment up. */
  private onGrid(ctx: DecisionContext, parallelism: number): number {
    const knob = declaredKnob(ctx, 'executorInstances');
    return knob === undefined ? parallelism : gridValueAtLeast(knob, parallelism);
  }
}

export interface FlinkAutoscalerStackOptions {
  flink?: Partial<FlinkAutoscalerOptions>;
  vpa?: Partial<VpaOptions>;
  clusterAutoscaler?: Partial<ClusterAutoscalerOptions>;
}

/**
 * The Flink autoscaler as a Flink-on-Kubernetes operator runs it: it owns
 * parallelism; the VPA recommender sizes the pods (first, so that partitions
 * follow the cores it chooses) and the Cluster Autoscaler the nodes.
 */
export function flinkAutoscalerStack(scenario: Scenario, options: FlinkAutoscalerStackOptions = {}): AutoscalerStack {
  return new AutoscalerStack('flink-autoscaler', [
    new VpaRecommender(options.vpa),
    new FlinkParallelismAutoscaler(options.flink),
    new ClusterAutoscaler(scenario, options.clusterAutoscaler),
  ]);
}
