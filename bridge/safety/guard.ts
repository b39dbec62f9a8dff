/**
 * The one SLO/rollback guard of the real-cluster commands: `deploy` and
 * `finetune` judge every real window through it.
 *
 * Like Flink's `ScalingExecutor.scaleResource`, it reads as a chain of named
 * steps, each a function of its own:
 *   1. owedRollback        — is a rollback owed? Then the next window runs the
 *                            last good configuration and the policy waits.
 *   2. windowFailed        — did the window fail?
 *   3. sloBreach           — did it breach the SLO (slo.ts: p95 above the bound)?
 *   4. countsAgainst       — does that count against the configuration
 *                            (rollbackOn 'failure': only a failure does;
 *                            'breach': a breach too)?
 *   5. isSignificantChange — would going back change anything?
 *   6. rollbackTarget      — roll back to the last good configuration (never
 *                            from a rollback window: the policy decides from there).
 * guardWindow chains 2–6 and records the verdict in the guard's state, which
 * is plain data so that fine-tuning's checkpoint can carry it per load.
 */
import type { TrialOutcome } from '../../src/backend/backend.js';
import type { ExecutorConfig } from '../../src/space/grid.js';
import { sloBreach, type Slo } from './slo.js';

export { sloBreach } from './slo.js';

/** What sends the next window back to the last good configuration. */
export type RollbackOn = 'failure' | 'breach';

/** The guard's memory (per load level in fine-tuning): plain data, checkpointed as is. */
export interface GuardState<C> {
  /** The last configuration whose window did not count against it. */
  lastGood: C | null;
  /** Set after a bad window: the next window goes back here. */
  pendingRollback: C | null;
}

export interface GuardOptions<C> {
  slo: Slo;
  rollbackOn: RollbackOn;
  /** Whether two configurations are the same point of the action space. */
  same: (a: C, b: C) => boolean;
}

/** The window just run, as the guard sees it. */
export interface GuardedWindow<C> {
  config: C;
  outcome: TrialOutcome;
  /** The window was itself a rollback. */
  wasRollback: boolean;
}

export interface GuardVerdict<C> {
  /** Why the window broke the SLO or failed; null when it kept the SLO. */
  breach: string | null;
  /** The window counts against its configuration (see countsAgainst). */
  bad: boolean;
  /** Where the next window goes back to; null when the policy decides it. */
  rollbackTo: C | null;
}

/** A fresh guard: nothing known good yet, no rollback owed. */
export function newGuardState<C>(): GuardState<C> {
  return { lastGood: null, pendingRollback: null };
}

/** Step 1: the configuration the next window must run, or null when the policy decides. */
export function owedRollback<C>(state: GuardState<C>): C | null {
  return state.pendingRollback;
}

/** Step 2: whether the window failed (the backend's failure text says how). */
export function windowFailed(outcome: TrialOutcome): boolean {
  return outcome.failure !== null;
}

/** Step 4: whether the window counts against the configuration it ran. */
export function countsAgainst(outcome: TrialOutcome, breach: string | null, rollbackOn: RollbackOn): boolean {
  return windowFailed(outcome) || (rollbackOn === 'breach' && breach !== null);
}

/** Step 5: whether moving from `from` to `to` changes the configuration at all. */
export function isSignificantChange<C>(from: C, to: C, same: (a: C, b: C) => boolean): boolean {
  return !same(from, to);
}

/**
 * Step 6: the configuration to go back to after a bad window, or null: none
 * is known good, going back would change nothing, or the bad window was a
 * rollback already (rolling back again could loop; the policy decides).
 */
export function rollbackTarget<C>(state: GuardState<C>, window: GuardedWindow<C>, same: (a: C, b: C) => boolean): C | null {
  if (window.wasRollback || state.lastGood === null) return null;
  return isSignificantChange(window.config, state.lastGood, same) ? state.lastGood : null;
}

/** Judges one window (steps 2–6) and records the verdict in `state`. */
export function guardWindow<C>(state: GuardState<C>, window: GuardedWindow<C>, options: GuardOptions<C>): GuardVerdict<C> {
  const breach = sloBreach(window.outcome, options.slo);
  const bad = countsAgainst(window.outcome, breach, options.rollbackOn);
  const rollbackTo = bad ? rollbackTarget(state, window, options.same) : null;
  if (!bad) state.lastGood = window.config;
  state.pendingRollback = rollbackTo;
  return { breach, bad, rollbackTo };
}

/** The executor knobs agree: how deploy and fine-tuning compare configurations. */
export function sameExecutorConfig(a: ExecutorConfig, b: ExecutorConfig): boolean {
  return a.executorCores === b.executorCores && a.executorMemoryMb === b.executorMemoryMb && a.executorInstances === b.executorInstances;
}
