/**
 * The Kubernetes HorizontalPodAutoscaler on CPU, applied to the executor
 * count, one recommendation per decision:
 *
 *   desiredReplicas = ceil(currentReplicas × currentCpuUtil / targetCpuUtil)
 *
 * skipped while the ratio is within the tolerance of 1; when scaling up with
 * pods not yet ready (here: executor pods Pending), those count as using 0 %
 * of the target, and the scale-up is dropped if it then no longer holds.
 * Scale-down is stabilised: the HPA acts on the highest recommendation of the
 * last downscaleStabilizationMs (recommendations within the tolerance count
 * as the replicas they keep), so a short dip does not remove executors.
 * https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 * https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#stabilization-window
 *
 * Time is the measured windows' (WindowClock), one recommendation per window.
 * Left out: the default scale-up rate limit (100 % or 4 pods per 15 s), which
 * the grid of executor counts a scenario declares already bounds.
 */
import type { OptionValues } from '../../config/options.js';
import type { KnobValues } from '../../space/knobs.js';
import { snapToGrid, type DecisionContext, type Policy } from '../agent.js';
import { resolveOptions } from './options.js';
import { towardInstances } from './scaling.js';
import type { KnobRecommender } from './stack.js';
import { WindowClock } from './window-clock.js';

export const HPA_OPTIONS = {
  targetCpuUtil: { kind: 'number', default: 0.6, min: 0.01, max: 1, description: 'target mean CPU utilisation of the executors (the HPA averageUtilization)' },
  tolerance: { kind: 'number', default: 0.1, min: 0, max: 1, description: 'no scaling while |utilisation ÷ target − 1| is at most this (kube-controller-manager --horizontal-pod-autoscaler-tolerance)' },
  downscaleStabilizationMs: {
    kind: 'number',
    default: 300_000,
    min: 0,
    max: 86_400_000,
    integer: true,
    description: 'scale-down follows the highest recommendation of this much past time, ms (kube-controller-manager --horizontal-pod-autoscaler-downscale-stabilization, 5m)',
  },
} as const;

export type HpaOptions = OptionValues<typeof HPA_OPTIONS>;

/** One recommendation and when it was made (end of the window it read). */
interface Recommendation {
  atMs: number;
  replicas: number;
}

export class HpaPolicy implements Policy, KnobRecommender {
  readonly name = 'hpa';
  readonly options: HpaOptions;
  private readonly clock = new WindowClock();
  private recommendations: Recommendation[] = [];

  constructor(options: Partial<HpaOptions> = {}) {
    this.options = resolveOptions('hpa', HPA_OPTIONS, options);
  }

  reset(): void {
    this.clock.reset();
    this.recommendations = [];
  }

  act(ctx: DecisionContext): number {
    return towardInstances(ctx, this.desiredInstances(ctx));
  }

  /** As a part of an autoscaler stack (k8s-stack): the executor count, on the grid. */
  recommend(ctx: DecisionContext): KnobValues {
    return { executorInstances: snapToGrid(ctx.configuration, 'executorInstances', this.desiredInstances(ctx)) };
  }

  /** The executor count the HPA sets after the last window: the recommendation, stabilised for scale-down. */
  desiredInstances(ctx: DecisionContext): number {
    const recommended = this.recommendedInstances(ctx);
    if (ctx.last === null || recommended === null) return ctx.config.executorInstances;
    if (this.clock.observe(ctx.last)) this.recommendations.push({ atMs: this.clock.nowMs, replicas: recommended });
    // Kept: recommendations made after the window's start (the HPA's "After(cutoff)").
    const cutoffMs = this.clock.nowMs - this.options.downscaleStabilizationMs;
    this.recommendations = this.recommendations.filter((r) => r.atMs > cutoffMs || r.atMs === this.clock.nowMs);
    return Math.max(recommended, ...this.recommendations.map((r) => r.replicas));
  }

  /** The HPA algorithm's recommendation from the last window alone (no stabilisation); null without metrics. */
  recommendedInstances(ctx: DecisionContext): number | null {
    const current = ctx.config.executorInstances;
    const last = ctx.last;
    // No metrics (start of an episode, or no executor registered): the HPA does nothing.
    if (last === null || last.executorsRunning === 0) return null;
    const { targetCpuUtil, tolerance } = this.options;
    let usageRatio = last.cpuUtil / targetCpuUtil;
    if (Math.abs(usageRatio - 1) <= tolerance) return current;
    if (usageRatio > 1 && last.pendingPods > 0) {
      const ready = last.executorsRunning;
      usageRatio = (last.cpuUtil * ready) / (targetCpuUtil * (ready + last.pendingPods));
      if (usageRatio <= 1 + tolerance) return current;
    }
    // Less a rounding hair, so that exactly 6 × 0.9 ÷ 0.6 asks for 9, not 10.
    return Math.ceil(current * usageRatio - 1e-9);
  }
}
