/**
 * DS2 (Kalavri et al., "Three steps is all you need: fast, accurate,
 * automatic scaling decisions for distributed streaming dataflows", OSDI'18),
 * for one operator: measure each instance's true processing rate (records
 * processed per unit of useful, i.e. busy, time, not per unit of wall time),
 * then run as many instances as the input rate needs at that rate:
 *
 *   trueRatePerExecutor = throughput ÷ (busy share of task slots × executors running)
 *   instances = ceil(input rate ÷ (trueRatePerExecutor × targetUtilization))
 *
 * The target utilisation is the headroom Flink's Kubernetes-operator
 * autoscaler, which implements DS2, keeps (job.autoscaler.target.utilization).
 * The input rate is the load the action will face.
 */
import type { TrialOutcome } from '../../backend/backend.js';
import type { OptionValues } from '../../config/options.js';
import type { DecisionContext, Policy } from '../agent.js';
import { resolveOptions } from './options.js';
import { towardInstances } from './scaling.js';

export const DS2_OPTIONS = {
  targetUtilization: { kind: 'number', default: 0.7, min: 0.01, max: 1, description: 'share of each executor\'s true processing rate to plan for (Flink autoscaler job.autoscaler.target.utilization)' },
} as const;

export type Ds2Options = OptionValues<typeof DS2_OPTIONS>;

export class Ds2Policy implements Policy {
  readonly name = 'ds2';
  readonly options: Ds2Options;

  constructor(options: Partial<Ds2Options> = {}) {
    this.options = resolveOptions('ds2', DS2_OPTIONS, options);
  }

  act(ctx: DecisionContext): number {
    return towardInstances(ctx, this.desiredInstances(ctx));
  }

  /** Frames one executor processes per second of busy time, from the last window; NaN without a measurement. */
  trueRatePerExecutorFps(ctx: DecisionContext): number {
    return trueRatePerExecutorFps(ctx.last);
  }

  /** The executor count DS2 computes for the load ahead. */
  desiredInstances(ctx: DecisionContext): number {
    const rate = this.trueRatePerExecutorFps(ctx);
    if (Number.isNaN(rate)) return ctx.config.executorInstances;
    // Less a rounding hair, so that an exact fit is not rounded up by float error.
    return Math.ceil(ctx.fps / (rate * this.options.targetUtilization) - 1e-9);
  }
}

/**
 * DS2's true processing rate of one executor in a window: frames processed
 * per second of busy time (throughput ÷ (busy share × executors)); NaN
 * without a measurement. The Flink autoscaler reads its busy time the same way.
 */
export function trueRatePerExecutorFps(last: TrialOutcome | null): number {
  if (last === null) return NaN;
  // Useful time is the time the executors' task slots are busy (DS2's "useful time"), not CPU used ÷ requested.
  const busy = last.slotUtil ?? last.cpuUtil;
  if (last.throughputFps <= 0 || !(busy > 0) || last.executorsRunning === 0) return NaN;
  return last.throughputFps / (busy * last.executorsRunning);
}
