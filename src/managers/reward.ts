import type { TrialOutcome } from '../backend/backend.js';
import type { RewardOptions } from '../config/learning.js';

/**
 * The Reward Manager: scores a trial toward the SLO.
 *
 * - inverse (the paper's): 1000 / mean per-frame ms — 2.39 at 419 ms;
 * - slo: +1 when p95 ≤ SLO, else −(p95 / SLO − 1), capped at −4;
 * - cost: inverse − costWeight × cluster $/hour.
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

  constructor(
    private readonly options: RewardOptions,
    private readonly sloPerFrameMs: number,
  ) {
    this.floor = options.kind === 'slo' ? -5 : -options.dropPenalty;
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
    }
    return reward - this.options.dropPenalty * dropped - (decision.changed ? this.options.changePenalty : 0);
  }
}
