import type { TrialOutcome } from '../backend/backend.js';

/**
 * The Metrics Manager: the one place observations come from. It keeps the
 * last outcome and running summaries of an episode; it never calls a backend.
 */
export class MetricsManager {
  private last: TrialOutcome | null = null;
  private count = 0;
  private perFrameSum = 0;
  private failures = 0;

  record(outcome: TrialOutcome): void {
    this.last = outcome;
    this.count++;
    if (outcome.failure === null) this.perFrameSum += outcome.perFrameMs.mean;
    else this.failures++;
  }

  get lastOutcome(): TrialOutcome | null {
    return this.last;
  }

  get trials(): number {
    return this.count;
  }

  /** Mean per-frame time over the successful trials since reset, ms (NaN before any). */
  get meanPerFrameMs(): number {
    return this.count > this.failures ? this.perFrameSum / (this.count - this.failures) : NaN;
  }

  get failedTrials(): number {
    return this.failures;
  }

  reset(): void {
    this.last = null;
    this.count = 0;
    this.perFrameSum = 0;
    this.failures = 0;
  }
}
