import { describe, expect, it } from 'vitest';
import { leastSquares, nnls } from '../../../bridge/calibration/nnls.js';
import { Rng } from '../../../sim/random.js';

/** The reference: least squares on every subset of columns, keep the best feasible one (exponential, fine for 4 columns). */
function bruteForceNnls(a: number[][], b: number[]): { x: number[]; residualNorm: number } {
  const n = a[0].length;
  let best = { x: new Array<number>(n).fill(0), residualNorm: Math.hypot(...b) };
  for (let mask = 1; mask < 1 << n; mask++) {
    const columns = [...Array(n).keys()].filter((j) => mask & (1 << j));
    const z = leastSquares(a.map((row) => columns.map((j) => row[j])), b);
    if (z.some((v) => v < 0)) continue;
    const x = new Array<number>(n).fill(0);
    columns.forEach((j, k) => (x[j] = z[k]));
    const residualNorm = Math.hypot(...a.map((row, i) => b[i] - row.reduce((s, v, j) => s + v * x[j], 0)));
    if (residualNorm < best.residualNorm - 1e-12) best = { x, residualNorm };
  }
  return best;
}

describe('nnls (Lawson–Hanson)', () => {
  it('returns the exact solution when it is non-negative', () => {
    const a = [
      [1, 2, 0],
      [0, 1, 1],
      [3, 0, 1],
      [1, 1, 1],
      [2, 0, 5],
    ];
    const truth = [1.5, 0, 2];
    const b = a.map((row) => row.reduce((s, v, j) => s + v * truth[j], 0));
    const result = nnls(a, b);
    result.x.forEach((v, j) => expect(v).toBeCloseTo(truth[j], 10));
    expect(result.residualNorm).toBeLessThan(1e-10);
  });

  it('clamps a coefficient the unconstrained fit makes negative (worked examples)', () => {
    const a = [
      [1, 1],
      [1, 2],
      [1, 3],
    ];
    // Aᵀb = [0, -2]: no column improves the fit from x = 0.
    expect(nnls(a, [1, 0, -1]).x).toEqual([0, 0]);
    // Unconstrained x = [4, -1]. Lawson–Hanson takes column 2 first (Aᵀb = [6, 10]), then column 1,
    // steps back when column 2 goes negative, and ends at column 1 alone: x1 = mean(b) = 2,
    // residual [1, 0, -1] (norm √2), whose gradient on column 2 (1·1 + 3·(-1) = -2) keeps it out.
    const r = nnls(a, [3, 2, 1]);
    expect(r.x[0]).toBeCloseTo(2, 12);
    expect(r.x[1]).toBe(0);
    expect(r.residualNorm).toBeCloseTo(Math.SQRT2, 12);
  });

  it('matches brute force over active sets on random problems', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 200; trial++) {
      const m = rng.int(4, 9);
      const n = rng.int(1, 4);
      const a = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.between(-2, 3)));
      const b = Array.from({ length: m }, () => rng.between(-5, 5));
      const got = nnls(a, b);
      const want = bruteForceNnls(a, b);
      expect(got.x.every((v) => v >= 0)).toBe(true);
      expect(got.residualNorm).toBeCloseTo(want.residualNorm, 8);
    }
  });

  it('handles collinear and badly scaled columns (Ernest features of a one-configuration data set)', () => {
    // Columns 1 and 3 are equal up to scale 1e6; the fit still reaches the exact residual.
    const a = [
      [1, 10, 1e6],
      [1, 20, 1e6],
      [1, 40, 1e6],
    ];
    const b = [110, 120, 140];
    const r = nnls(a, b);
    expect(r.residualNorm).toBeLessThan(1e-8);
    expect(r.x[1]).toBeCloseTo(1, 10);
    expect(r.x[0] + 1e6 * r.x[2]).toBeCloseTo(100, 8);
  });

  it('refuses inputs of mismatched shape', () => {
    expect(() => nnls([[1, 2]], [1, 2])).toThrow(/expected b of length 1/);
    expect(() => nnls([[1, 2], [1]], [1, 2])).toThrow(/row 1 has 1/);
    expect(() => nnls([], [])).toThrow(/at least one row/);
  });
});
