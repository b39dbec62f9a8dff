import { describe, expect, it } from 'vitest';
import { REWARD_OPTIONS, type RewardOptions } from '../../../src/config/learning.js';
import { defaultsOf } from '../../../src/config/options.js';
import { RewardManager } from '../../../src/managers/reward.js';
import { outcome } from '../agents/baselines/context.js';

const SLO_MS = 500;
const SCALE = 0.4;

function sloCost(overrides: Partial<RewardOptions> = {}): RewardManager {
  return new RewardManager({ ...defaultsOf(REWARD_OPTIONS), kind: 'slo-cost', ...overrides }, SLO_MS, { requestCostScalePerHour: SCALE });
}

const within = (requestCostPerHour: number) => outcome({ perFrameMs: { mean: 300, p50: 300, p95: 450, p99: 480, max: 490 }, requestCostPerHour });
const over = (p95: number, requestCostPerHour: number) => outcome({ perFrameMs: { mean: p95 - 50, p50: p95 - 50, p95, p99: p95 + 10, max: p95 + 20 }, requestCostPerHour });

describe('RewardManager slo-cost', () => {
  it('within the SLO: 1 − request cost ÷ the dearest configuration', () => {
    const rewards = sloCost();
    expect(rewards.reward(within(0.1))).toBeCloseTo(0.75, 12);
    expect(rewards.reward(within(0))).toBe(1);
    expect(rewards.reward(within(SCALE))).toBe(0);
    expect(rewards.reward(within(0.1))).toBeGreaterThan(rewards.reward(within(0.2)));
  });

  it('a violation scores below every configuration that meets the SLO, however cheap the violator', () => {
    const rewards = sloCost();
    const dearestMeeting = rewards.reward(within(SCALE));
    for (const p95 of [501, 600, 1000, 5000]) {
      expect(rewards.reward(over(p95, 0))).toBeLessThan(dearestMeeting);
      expect(rewards.reward(over(p95, 0))).toBeLessThanOrEqual(-1);
    }
    // Among violators, the smaller overshoot scores higher; the cap keeps it above a failed trial.
    expect(rewards.reward(over(600, 0.1))).toBeGreaterThan(rewards.reward(over(900, 0.1)));
    expect(rewards.reward(over(1e6, 0))).toBe(-5);
    expect(rewards.floor).toBeLessThan(-5);
    expect(rewards.reward(outcome({ failure: 'no frame was processed in the window', requestCostPerHour: 0 }))).toBe(rewards.floor);
  });

  it('keeps the drop and change penalties of every kind', () => {
    const rewards = sloCost({ dropPenalty: 2, changePenalty: 0.1 });
    const dropping = outcome({ ...within(0.1), framesProcessed: 300, framesDropped: 100 });
    expect(rewards.reward(dropping, { changed: true })).toBeCloseTo(0.75 - 2 * 0.25 - 0.1, 12);
  });

  it('says what is missing: no cost scale, or a backend that does not measure the request cost', () => {
    expect(() => new RewardManager({ ...defaultsOf(REWARD_OPTIONS), kind: 'slo-cost' }, SLO_MS)).toThrow(/slo-cost.*requestCostScalePerHour/);
    expect(() => sloCost().reward(outcome({ perFrameMs: within(0).perFrameMs }))).toThrow(/requestCostPerHour.*got undefined/);
  });

  it('other kinds need no scale', () => {
    const inverse = new RewardManager(defaultsOf(REWARD_OPTIONS), SLO_MS);
    expect(inverse.reward(outcome())).toBeCloseTo(1, 12);
  });
});
