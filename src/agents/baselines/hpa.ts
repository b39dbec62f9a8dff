/**
 * The Kubernetes HorizontalPodAutoscaler on CPU, applied to the executor
 * count, one recommendation per decision:
 *
 *   desiredReplicas = ceil(currentReplicas × currentCpuUtil / targetCpuUtil)
 *
 * skipped while the ratio is within the tolerance of 1; when scaling up with
 * pods not yet ready (here: executor pods Pending), those count as using 0 %
 * of the target, and the scale-up is dropped if it then no longer holds.
 * https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 *
 * Left out: the 5-minute scale-down stabilisation window, since every
 * decision here is already one measured window.
 */
import type { OptionValues } from '../../config/options.js';
import type { DecisionContext, Policy } from '../agent.js';
import { resolveOptions } from './options.js';
import { towardInstances } from './scaling.js';

export const HPA_OPTIONS = {
  targetCpuUtil: { kind: 'number', default: 0.6, min: 0.01, max: 1, description: 'target mean CPU utilisation of the executors (the HPA averageUtilization)' },
  tolerance: { kind: 'number', default: 0.1, min: 0, max: 1, description: 'no scaling while |utilisation ÷ target − 1| is at most this (kube-controller-manager --horizontal-pod-autoscaler-tolerance)' },
} as const;

export type HpaOptions = OptionValues<typeof HPA_OPTIONS>;

export class HpaPolicy implements Policy {
  readonly name = 'hpa';
  readonly options: HpaOptions;

  constructor(options: Partial<HpaOptions> = {}) {
    this.options = resolveOptions('hpa', HPA_OPTIONS, options);
  }

  act(ctx: DecisionContext): number {
    return towardInstances(ctx, this.desiredInstances(ctx));
  }

  /** The executor count the HPA would ask for after the last window. */
  desiredInstances(ctx: DecisionContext): number {
    const current = ctx.config.executorInstances;
    const last = ctx.last;
    // No metrics (start of an episode, or no executor registered): the HPA does nothing.
    if (last === null || last.executorsRunning === 0) return current;
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
