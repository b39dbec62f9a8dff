import { describe, expect, it } from 'vitest';
import { VpaRecommender, weightedPercentile } from '../../../../src/agents/baselines/vpa.js';
import { loadScenarioSync } from '../../../../src/scenario/load.js';
import { decision, outcome } from './context.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');
const twoCores = { executorCores: 2, executorMemoryMb: 800, executorInstances: 6 };

/** Feeds one-minute windows (CPU used ÷ requested, working set ÷ limit) and returns the last decision. */
function after(vpa: VpaRecommender, windows: { cpuUtil: number; memUtil?: number }[], config = twoCores) {
  let ctx = decision({ scenario: paper, config, last: null });
  for (const w of windows) {
    ctx = decision({ scenario: paper, config, last: outcome({ cpuUtil: w.cpuUtil, memUtil: w.memUtil ?? 0.3, windowMs: 60_000 }) });
    vpa.target(ctx);
  }
  return ctx;
}

describe('the VPA recommender', () => {
  it('recommends the 90th percentile of CPU used × 1.15, rounded up to the cores grid', () => {
    // 2 cores requested, 90 % used: 1.8 cores × 1.15 = 2.07, so 3 cores.
    const vpa = new VpaRecommender();
    const ctx = after(vpa, Array(5).fill({ cpuUtil: 0.9 }));
    expect(vpa.target(ctx).cpuCores).toBeCloseTo(2.07, 9);
    expect(vpa.recommend(ctx, ctx.configuration.point(ctx.config))).toMatchObject({ executorCores: 3 });
    // 60 % used: 1.2 × 1.15 = 1.38, so 2 cores.
    const calm = new VpaRecommender();
    const calmCtx = after(calm, Array(5).fill({ cpuUtil: 0.6 }));
    expect(calm.recommend(calmCtx, calmCtx.configuration.point(calmCtx.config))).toMatchObject({ executorCores: 2 });
  });

  it('takes the 90th percentile, not the peak: one busy window in ten does not count, two do', () => {
    // The busy windows come first, so that newer (heavier) samples do not tip the 90 % line.
    const once = new VpaRecommender();
    expect(once.target(after(once, [{ cpuUtil: 0.95 }, ...Array(9).fill({ cpuUtil: 0.5 })])).cpuCores).toBeCloseTo(1 * 1.15, 9);
    const twice = new VpaRecommender();
    expect(twice.target(after(twice, [{ cpuUtil: 0.95 }, { cpuUtil: 0.95 }, ...Array(8).fill({ cpuUtil: 0.5 })])).cpuCores).toBeCloseTo(1.9 * 1.15, 9);
  });

  it('sizes memory from the peak working set × 1.15: the smallest heap whose pod (heap + 384 MB overhead) holds it', () => {
    // 800 MB heap: a 1184 MB pod; 90 % of it is 1065.6 MB, × 1.15 = 1225.4 MB, so a 900 MB heap (1284 MB pod).
    const vpa = new VpaRecommender();
    const ctx = after(vpa, [{ cpuUtil: 0.6, memUtil: 0.5 }, { cpuUtil: 0.6, memUtil: 0.9 }, { cpuUtil: 0.6, memUtil: 0.5 }]);
    expect(vpa.target(ctx).memoryMb).toBeCloseTo(1184 * 0.9 * 1.15, 6);
    expect(vpa.recommend(ctx, ctx.configuration.point(ctx.config))).toEqual({ executorCores: 2, executorMemoryMb: 900 });
  });

  it('never recommends below its minimum resources (25 millicores, 250 MB), and nothing before any usage', () => {
    const idle = new VpaRecommender();
    const target = idle.target(after(idle, [{ cpuUtil: 0.001, memUtil: 0.01 }]));
    expect(target).toEqual({ cpuCores: 0.025, memoryMb: 250 });
    const fresh = new VpaRecommender();
    const ctx = decision({ scenario: paper, config: twoCores, last: null });
    expect(fresh.recommend(ctx, ctx.configuration.point(ctx.config))).toEqual({});
    expect(() => new VpaRecommender({ recommendationMarginFraction: -1 })).toThrow('vpa.recommendationMarginFraction: expected a number in [0, 10], got -1');
  });

  it('weights by time and the CPU requested, and counts a window once however often it is asked', () => {
    expect(weightedPercentile([{ value: 1, weight: 1 }, { value: 2, weight: 9 }], 0.5)).toBe(2);
    expect(weightedPercentile([], 0.9)).toBeNaN();
    const vpa = new VpaRecommender();
    const ctx = after(vpa, [{ cpuUtil: 0.5 }]);
    for (let i = 0; i < 5; i++) vpa.target(ctx);
    // One more window at 0.9: were the first counted six times, the 90th percentile would stay at 1 core.
    const next = decision({ scenario: paper, config: twoCores, last: outcome({ cpuUtil: 0.9, windowMs: 60_000 }) });
    expect(vpa.target(next).cpuCores).toBeCloseTo(1.8 * 1.15, 9);
  });
});
