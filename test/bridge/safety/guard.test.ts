import { describe, expect, test } from 'vitest';
import {
  countsAgainst,
  guardWindow,
  isSignificantChange,
  newGuardState,
  owedRollback,
  rollbackTarget,
  sameExecutorConfig,
  windowFailed,
  type GuardState,
  type RollbackOn,
} from '../../../bridge/safety/guard.js';
import type { TrialOutcome } from '../../../src/backend/backend.js';
import type { ExecutorConfig } from '../../../src/space/grid.js';

const slo = { perFrameMs: 500 };

function outcome(p95: number, failure: string | null = null): TrialOutcome {
  return { perFrameMs: { mean: p95 / 2, p50: p95 / 2, p95, p99: p95, max: p95 }, failure } as TrialOutcome;
}

const ok = outcome(400);
const slow = outcome(900);
const failed = outcome(Number.NaN, 'executor lost');

function config(instances: number): ExecutorConfig {
  return { executorCores: 1, executorMemoryMb: 800, executorInstances: instances };
}

const key = (c: ExecutorConfig | null) => (c === null ? null : `${c.executorCores}/${c.executorMemoryMb}/${c.executorInstances}`);

describe('guard steps', () => {
  test('owedRollback: the pending rollback, or null when the policy decides', () => {
    expect(owedRollback(newGuardState<ExecutorConfig>())).toBeNull();
    expect(owedRollback({ lastGood: config(6), pendingRollback: config(6) })).toEqual(config(6));
  });

  test('windowFailed: only a failure, not a slow window', () => {
    expect([windowFailed(ok), windowFailed(slow), windowFailed(failed)]).toEqual([false, false, true]);
  });

  test("countsAgainst: a failure always; a breach only with rollbackOn 'breach'", () => {
    const table = (rollbackOn: RollbackOn) => [
      countsAgainst(ok, null, rollbackOn),
      countsAgainst(slow, 'p95 per-frame time 900 ms > SLO 500 ms', rollbackOn),
      countsAgainst(failed, 'failed: executor lost', rollbackOn),
    ];
    expect(table('failure')).toEqual([false, false, true]);
    expect(table('breach')).toEqual([false, true, true]);
  });

  test('isSignificantChange: whether any knob moves', () => {
    expect(isSignificantChange(config(6), config(6), sameExecutorConfig)).toBe(false);
    expect(isSignificantChange(config(6), config(7), sameExecutorConfig)).toBe(true);
    expect(isSignificantChange(config(6), { ...config(6), executorMemoryMb: 700 }, sameExecutorConfig)).toBe(true);
  });

  test('rollbackTarget: the last good configuration, unless none is known, it is where the window ran, or the window was a rollback', () => {
    const state: GuardState<ExecutorConfig> = { lastGood: config(6), pendingRollback: null };
    const window = (instances: number, wasRollback = false) => ({ config: config(instances), outcome: failed, wasRollback });
    expect(rollbackTarget(state, window(8), sameExecutorConfig)).toEqual(config(6));
    expect(rollbackTarget(state, window(6), sameExecutorConfig)).toBeNull();
    expect(rollbackTarget(state, window(8, true), sameExecutorConfig)).toBeNull();
    expect(rollbackTarget(newGuardState<ExecutorConfig>(), window(8), sameExecutorConfig)).toBeNull();
  });
});

describe('guardWindow', () => {
  /** Runs a sequence of windows through the guard, as deploy does: a rollback is served before the policy's next choice. */
  function replay(rollbackOn: RollbackOn, windows: { policyChoice: number; outcome: TrialOutcome }[]) {
    const state = newGuardState<ExecutorConfig>();
    return windows.map(({ policyChoice, outcome }) => {
      const rollback = owedRollback(state);
      const ran = rollback ?? config(policyChoice);
      const verdict = guardWindow(state, { config: ran, outcome, wasRollback: rollback !== null }, { slo, rollbackOn, same: sameExecutorConfig });
      return [key(ran), rollback !== null ? 'rollback' : 'policy', verdict.breach, verdict.bad, key(verdict.rollbackTo), key(state.lastGood)];
    });
  }

  test("rollbackOn 'failure': a failed window sends the next one back; a breach is only reported", () => {
    expect(
      replay('failure', [
        { policyChoice: 6, outcome: ok },
        { policyChoice: 7, outcome: slow },
        { policyChoice: 8, outcome: failed },
        { policyChoice: 9, outcome: ok },
        { policyChoice: 9, outcome: ok },
      ]),
    ).toEqual([
      ['1/800/6', 'policy', null, false, null, '1/800/6'],
      ['1/800/7', 'policy', 'p95 per-frame time 900 ms > SLO 500 ms', false, null, '1/800/7'],
      ['1/800/8', 'policy', 'failed: executor lost', true, '1/800/7', '1/800/7'],
      ['1/800/7', 'rollback', null, false, null, '1/800/7'],
      ['1/800/9', 'policy', null, false, null, '1/800/9'],
    ]);
  });

  test("rollbackOn 'breach' (fine-tuning's): a breach rolls back too; a rollback that breaches is not rolled back again", () => {
    expect(
      replay('breach', [
        { policyChoice: 6, outcome: ok },
        { policyChoice: 7, outcome: slow },
        { policyChoice: 7, outcome: slow },
        { policyChoice: 8, outcome: slow },
        { policyChoice: 8, outcome: ok },
      ]),
    ).toEqual([
      ['1/800/6', 'policy', null, false, null, '1/800/6'],
      ['1/800/7', 'policy', 'p95 per-frame time 900 ms > SLO 500 ms', true, '1/800/6', '1/800/6'],
      ['1/800/6', 'rollback', 'p95 per-frame time 900 ms > SLO 500 ms', true, null, '1/800/6'],
      ['1/800/8', 'policy', 'p95 per-frame time 900 ms > SLO 500 ms', true, '1/800/6', '1/800/6'],
      ['1/800/6', 'rollback', null, false, null, '1/800/6'],
    ]);
  });

  test('before any good window there is nothing to roll back to', () => {
    expect(replay('breach', [{ policyChoice: 7, outcome: failed }, { policyChoice: 8, outcome: ok }])).toEqual([
      ['1/800/7', 'policy', 'failed: executor lost', true, null, null],
      ['1/800/8', 'policy', null, false, null, '1/800/8'],
    ]);
  });

  test("the guard's state is plain data: fine-tuning's checkpoint carries it per load and resumes with it", () => {
    const state = newGuardState<ExecutorConfig>();
    guardWindow(state, { config: config(6), outcome: ok, wasRollback: false }, { slo, rollbackOn: 'breach', same: sameExecutorConfig });
    guardWindow(state, { config: config(7), outcome: slow, wasRollback: false }, { slo, rollbackOn: 'breach', same: sameExecutorConfig });
    const restored = JSON.parse(JSON.stringify(state)) as GuardState<ExecutorConfig>;
    expect(restored).toEqual({ lastGood: config(6), pendingRollback: config(6) });
    expect(owedRollback(restored)).toEqual(config(6));
  });
});
