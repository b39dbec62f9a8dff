import type { TrialOutcome } from '../backend/backend.js';
import type { RewardOptions } from '../config/learning.js';

/** What some reward kinds need besides the options and the SLO. */
export interface RewardScale {
  /**
   * slo-cost: $/hour of the most expensive configuration's requests
   * (maxRequestCostPerHour of the scenario); a saving is measured against it.
   */
  requestCostScalePerHour?: number;
  /** slo-cost: what counts as cost, the nodes leased (a node pool) or the pods' requests (default). */
  costBasis?: 'nodes' | 'requests';
  /** slo-cost with costBasis 'nodes': $/hour of the largest node pool. */
  nodeCostScalePerHour?: number;
}

/** The slo-cost reward of a window that misses the SLO is at most this: below every window that meets it (≥ 0). */
export const SLO_COST_VIOLATION_REWARD = -1;

/**
 * The Reward Manager: scores a trial toward the SLO.
 *
 * - inverse (the paper's): 1000 / mean per-frame ms — 2.39 at 419 ms;
 * - slo: +1 when p95 ≤ SLO, else −(p95 / SLO − 1), capped at −4;
 * - cost: inverse − costWeight × cluster $/hour;
 * - slo-cost: the SLO first, then the price of what the application
 *   requests: 1 − requestCost ÷ scale (in [0, 1]) when p95 ≤ SLO, else
 *   −1 − (p95 / SLO − 1) capped at −5. A saving is worth at most 1 and a
 *   violation costs at least 1 more than the dearest configuration that
 *   meets the SLO, so no saving pays for a violation.
 *
 * Every kind loses dropPenalty × the fraction of frames dropped, and
 * changePenalty when the decision changed the configuration (operators hate
 * flapping); a trial with no measurement scores `floor`. The dip after a redeploy is kept out of the
 * measurement by the backend (a steady-state trial, or a settling window in
 * continuous mode), not corrected here.
 */
export class RewardManager {
  /** Reward of a failed trial: below anything a working configuration can score. */
  readonly floor: number;
  private readonly requestCostScalePerHour: number;
  private readonly costBasis: 'nodes' | 'requests';
  private readonly nodeCostScalePerHour: number;

  constructor(
    private readonly options: RewardOptions,
    private readonly sloPerFrameMs: number,
    scale: RewardScale = {},
  ) {
    this.floor = options.kind === 'slo' ? -5 : options.kind === 'slo-cost' ? -6 : -options.dropPenalty;
    this.requestCostScalePerHour = scale.requestCostScalePerHour ?? NaN;
    this.costBasis = scale.costBasis ?? 'requests';
    this.nodeCostScalePerHour = scale.nodeCostScalePerHour ?? NaN;
    if (options.kind === 'slo-cost' && this.costBasis === 'nodes' && !(this.nodeCostScalePerHour > 0 && Number.isFinite(this.nodeCostScalePerHour))) {
      throw new RangeError(`reward kind 'slo-cost' on nodes: expected a positive nodeCostScalePerHour, got ${scale.nodeCostScalePerHour}`);
    }
    if (options.kind === 'slo-cost' && !(this.requestCostScalePerHour > 0 && Number.isFinite(this.requestCostScalePerHour))) {
      throw new RangeError(
        `reward kind 'slo-cost': expected a positive requestCostScalePerHour (the $/hour of the dearest configuration), got ${scale.requestCostScalePerHour}`,
      );
    }
  }

  /** `changed`: the decision changed the configuration (costs changePenalty). */
  reward(outcome: TrialOutcome, decision: { changed: boolean } = { changed: false }): number {
    if (outcome.failure !== null) return this.floor;
    const dropped = outcome.framesDropped / Math.max(1, outcome.framesProcessed + outcome.framesDropped);
    let reward: number;
    switch (this.options.kind) {
      case 'inverse':
        reward = 1000 / outcome.perFrameMs.mean;
        break;
      case 'slo': {
        const ratio = outcome.perFrameMs.p95 / this.sloPerFrameMs;
        reward = ratio <= 1 ? 1 : -Math.min(4, ratio - 1);
        break;
      }
      case 'cost':
        reward = 1000 / outcome.perFrameMs.mean - this.options.costWeight * outcome.costPerHour;
        break;
      case 'slo-cost':
        reward = this.sloCost(outcome);
        break;
    }
    return reward - this.options.dropPenalty * dropped - (decision.changed ? this.options.changePenalty : 0);
  }

  private sloCost(outcome: TrialOutcome): number {
    const ratio = outcome.perFrameMs.p95 / this.sloPerFrameMs;
    if (ratio > 1) return SLO_COST_VIOLATION_REWARD - Math.min(4, ratio - 1);
    if (this.costBasis === 'nodes') return Math.max(0, 1 - outcome.costPerHour / this.nodeCostScalePerHour);
    const cost = outcome.requestCostPerHour;
    if (cost === undefined || !Number.isFinite(cost)) {
      throw new Error(`reward kind 'slo-cost': expected the trial's requestCostPerHour ($/hour of the requested CPU and memory), got ${cost}; this backend does not measure it`);
    }
    return Math.max(0, 1 - cost / this.requestCostScalePerHour);
  }
}
