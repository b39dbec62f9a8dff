import { describe, expect, test } from 'vitest';
import { bayesOpt, cholesky, expectedImprovement, fitGp, normalisedFeatures } from '../../../bridge/finetune/bayes-opt.js';

describe('Gaussian process', () => {
  test('Cholesky of a known matrix', () => {
    // A = L Lᵀ with L = [[2, 0, 0], [1, 3, 0], [-1, 0.5, 1]].
    const a = Float64Array.from([4, 2, -2, 2, 10, 0.5, -2, 0.5, 2.25]);
    const l = cholesky(a, 3)!;
    expect(Array.from(l).map((v) => Number(v.toFixed(12)))).toEqual([2, 0, 0, 1, 3, 0, -1, 0.5, 1]);
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBeNull();
  });

  test('1-D toy: the posterior is the closed-form one for two points', () => {
    // Squared exponential, length-scale 0.5, noise ratio r: K = [[1 + r, k], [k, 1 + r]], k = exp(-0.5 / 0.25).
    const r = 1e-3;
    const k = Math.exp(-2);
    const det = (1 + r) ** 2 - k * k;
    const inverse = [[(1 + r) / det, -k / det], [-k / det, (1 + r) / det]];
    const y = [1, -1]; // already standardised: mean 0, std 1
    const alpha = [inverse[0][0] * y[0] + inverse[0][1] * y[1], inverse[1][0] * y[0] + inverse[1][1] * y[1]];
    const signal = (y[0] * alpha[0] + y[1] * alpha[1]) / 2;
    const gp = fitGp([[0], [1]], y, { kernel: 'squared-exponential', lengthScales: [0.5], noiseRatios: [r] });
    for (const x of [0, 0.3, 0.5, 1, 1.7]) {
      const ks = [Math.exp(-0.5 * (x / 0.5) ** 2), Math.exp(-0.5 * ((x - 1) / 0.5) ** 2)];
      const explained = ks[0] * (inverse[0][0] * ks[0] + inverse[0][1] * ks[1]) + ks[1] * (inverse[1][0] * ks[0] + inverse[1][1] * ks[1]);
      const { mean, variance } = gp.predict([x]);
      expect(mean).toBeCloseTo(ks[0] * alpha[0] + ks[1] * alpha[1], 10);
      expect(variance).toBeCloseTo(signal * (1 - explained), 10);
    }
  });

  test('1-D toy: the posterior interpolates the observations and is unsure between and beyond them', () => {
    const xs = Array.from({ length: 9 }, (_, i) => [i / 8]);
    const f = (x: number) => Math.sin(2 * Math.PI * x);
    const gp = fitGp(xs, xs.map(([x]) => f(x)), { noiseRatios: [1e-6] });
    for (const [x] of xs) {
      const { mean, variance } = gp.predict([x]);
      expect(mean).toBeCloseTo(f(x), 3);
      expect(variance).toBeLessThan(1e-4);
    }
    const between = gp.predict([1 / 16]);
    expect(between.variance).toBeGreaterThan(gp.predict([1 / 8]).variance);
    expect(Math.abs(between.mean - f(1 / 16))).toBeLessThan(0.05);
    expect(gp.predict([2]).variance).toBeGreaterThan(between.variance);
  });

  test('the length-scale is chosen by marginal likelihood: a wiggly function gets a shorter one than a smooth one', () => {
    const xs = Array.from({ length: 12 }, (_, i) => [i / 11]);
    const smooth = fitGp(xs, xs.map(([x]) => x * x));
    const wiggly = fitGp(xs, xs.map(([x]) => Math.sin(20 * x)));
    expect(wiggly.hyperparameters.lengthScale).toBeLessThan(smooth.hyperparameters.lengthScale);
  });
});

describe('expected improvement', () => {
  test('grows with a lower mean and with more uncertainty', () => {
    expect(expectedImprovement(1, 0.5, 2)).toBeGreaterThan(expectedImprovement(1.5, 0.5, 2));
    expect(expectedImprovement(2, 1, 2)).toBeGreaterThan(expectedImprovement(2, 0.1, 2));
    expect(expectedImprovement(1, 0, 2)).toBe(1);
    expect(expectedImprovement(3, 0, 2)).toBe(0);
  });

  test('prefers an unexplored, promising point over one between points already measured', () => {
    // Costs fall toward x = 0.3; nothing is known beyond it.
    const xs = [[0], [0.1], [0.2], [0.3]];
    const gp = fitGp(xs, [4, 3, 2, 1]);
    const ei = (x: number) => {
      const p = gp.predict([x]);
      return expectedImprovement(p.mean, Math.sqrt(p.variance), 1);
    };
    expect(ei(0.45)).toBeGreaterThan(ei(0.05));
    expect(ei(0.45)).toBeGreaterThan(ei(0.15));
  });
});

describe('bayesOpt', () => {
  const grid = Array.from({ length: 121 }, (_, i) => ({ x: (i % 11) / 10, y: Math.floor(i / 11) / 10 }));
  const cost = (c: { x: number; y: number }) => (c.x - 0.3) ** 2 + (c.y - 0.7) ** 2 + 0.1 * Math.sin(5 * c.x);
  const minimum = Math.min(...grid.map(cost));

  test('finds the minimum of a known function on an 11 x 11 grid in few evaluations', async () => {
    const history = await bayesOpt({ candidates: grid, evaluate: async (c) => cost(c), budget: 25, seed: 1 });
    const found = history.findIndex((h) => h.value === minimum) + 1;
    expect(found).toBeGreaterThan(0);
    expect(found).toBeLessThanOrEqual(20);
    expect(history.slice(0, 3).map((h) => h.phase)).toEqual(['initial', 'initial', 'initial']);
    expect(new Set(history.map((h) => h.candidateIndex)).size).toBe(history.length);
    expect(history.at(-1)!.bestValue).toBe(minimum);
  });

  test('is deterministic for a seed, and the seed moves the initial points', async () => {
    const run = (seed: number) => bayesOpt({ candidates: grid, evaluate: async (c) => cost(c), budget: 8, seed });
    const a = await run(1);
    expect((await run(1)).map((h) => h.candidateIndex)).toEqual(a.map((h) => h.candidateIndex));
    expect((await run(2)).slice(0, 3).map((h) => h.candidateIndex)).not.toEqual(a.slice(0, 3).map((h) => h.candidateIndex));
  });

  test('a failed run is never repeated and steers the search away', async () => {
    const fails = (c: { x: number; y: number }) => c.x >= 0.8;
    const history = await bayesOpt({ candidates: grid, evaluate: async (c) => (fails(c) ? null : cost(c)), budget: 30, seed: 3 });
    expect(new Set(history.map((h) => h.candidateIndex)).size).toBe(30);
    expect(history.filter((h) => h.value === null).length).toBeLessThan(6);
    expect(history.at(-1)!.bestValue).toBe(minimum);
  });

  test('scales numeric fields to [0, 1] over the candidates', () => {
    const features = normalisedFeatures([{ cores: 1, memoryMb: 500, name: 'a' }, { cores: 3, memoryMb: 1000, name: 'b' }]);
    expect(features({ cores: 2, memoryMb: 750, name: 'c' })).toEqual([0.5, 0.5]);
  });
});
