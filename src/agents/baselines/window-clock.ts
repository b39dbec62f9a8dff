/**
 * Time as the autoscalers of a baseline see it: the measured windows so far
 * (outcome.windowMs summed), not a wall clock, so that "5 minutes" means
 * 5 minutes of simulated or measured cluster time. Each window counts once,
 * however often a policy looks at the same decision.
 */
import type { TrialOutcome } from '../../backend/backend.js';

export class WindowClock {
  private elapsedMs = 0;
  private seen: TrialOutcome | null = null;

  /** Time at the end of the last window counted, ms since the episode started. */
  get nowMs(): number {
    return this.elapsedMs;
  }

  /** Counts `last` if it is a window not counted yet; true when it was new. */
  observe(last: TrialOutcome | null): boolean {
    if (last === null || last === this.seen) return false;
    if (!(Number.isFinite(last.windowMs) && last.windowMs >= 0)) {
      throw new RangeError(`expected a window length in ms >= 0, got ${last.windowMs}`);
    }
    this.seen = last;
    this.elapsedMs += last.windowMs;
    return true;
  }

  reset(): void {
    this.elapsedMs = 0;
    this.seen = null;
  }
}
