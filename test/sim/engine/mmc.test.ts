import { describe, expect, it } from 'vitest';
import { erlangC, mmcMeanWaitMs, simulateMmc } from '../../../sim/models/mmc.js';
import { Rng } from '../../../sim/random.js';

// ρ = λ / (cμ) = 0.8 / (4 · 0.25) = 0.8, offered load a = λ/μ = 3.2.
const MODEL = { arrivalRatePerMs: 0.8, serviceRatePerMs: 0.25, servers: 4 };
const T_975_19_DOF = 2.093; // Student t quantile for a 95% interval from 20 batch means

function batchMeansHalfWidth(batchMeans: number[]): number {
  const n = batchMeans.length;
  const mean = batchMeans.reduce((sum, x) => sum + x, 0) / n;
  const variance = batchMeans.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (n - 1);
  return T_975_19_DOF * Math.sqrt(variance / n);
}

describe('Erlang C theory', () => {
  it('matches hand-computed values', () => {
    expect(erlangC(1, 0.8)).toBeCloseTo(0.8, 12); // M/M/1: P(wait) = ρ
    // c = 2, a = 1: P0 = 1/3, C = (a^2/2!) · (c/(c−a)) · P0 = 1/3.
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    // c = 4, a = 3.2 by the factorial form: (a^4/4! · 4/0.8) / (Σ_{k<4} a^k/k! + a^4/4! · 4/0.8).
    expect(erlangC(4, 3.2)).toBeCloseTo(0.5964324718, 9);
    expect(mmcMeanWaitMs({ arrivalRatePerMs: 0.8, serviceRatePerMs: 1, servers: 1 })).toBeCloseTo(4, 12); // ρ/(μ−λ)
    expect(mmcMeanWaitMs(MODEL)).toBeCloseTo(0.5964324718 / (4 * 0.25 - 0.8), 9);
  });

  it('rejects unstable loads and bad server counts, naming what it got', () => {
    expect(() => erlangC(4, 4)).toThrow('expected an offeredLoad in [0, servers = 4) for a stable queue, got 4');
    expect(() => erlangC(0, 0.5)).toThrow('expected a positive integer servers, got 0');
    expect(() => mmcMeanWaitMs({ ...MODEL, serviceRatePerMs: 0 })).toThrow('expected a finite positive serviceRatePerMs, got 0');
  });
});

describe('simulateMmc', () => {
  it('matches the Erlang-C mean wait within 2% at ρ = 0.8, c = 4, with a 95% CI tighter than 2%', () => {
    const customers = 8_000_000; // ~1 s; at 2e6 the batch-means CI half-width is itself about 2%
    const result = simulateMmc({ ...MODEL, customers, rng: new Rng('mmc-erlang-c') });
    const theoryWaitMs = mmcMeanWaitMs(MODEL);

    expect(result.customersServed).toBe(customers);
    expect(result.events).toBe(2 * customers);
    expect(result.batchMeans).toHaveLength(20);
    expect(batchMeansHalfWidth(result.batchMeans) / theoryWaitMs).toBeLessThan(0.02);
    expect(Math.abs(result.meanWaitMs / theoryWaitMs - 1)).toBeLessThan(0.02);
    const theorySystemMs = theoryWaitMs + 1 / MODEL.serviceRatePerMs;
    expect(Math.abs(result.meanSystemMs / theorySystemMs - 1)).toBeLessThan(0.02);
  });

  it('is reproducible from its seed and differs across seeds', () => {
    const run = (seed: string) => simulateMmc({ ...MODEL, customers: 5_000, rng: new Rng(seed) });
    expect(run('a')).toEqual(run('a'));
    expect(run('a').meanWaitMs).not.toBe(run('b').meanWaitMs);
  });

  it('grows its waiting line past the initial ring buffer under overload', () => {
    // ρ = 10: nearly every customer queues, so the line reaches thousands.
    const result = simulateMmc({ arrivalRatePerMs: 10, serviceRatePerMs: 1, servers: 1, customers: 5_000, rng: new Rng(1) });
    expect(result.customersServed).toBe(5_000);
    expect(result.events).toBe(10_000);
    // FIFO wait of the k-th customer is about k·(1/μ − 1/λ); the mean over k is about half the last.
    expect(result.meanWaitMs).toBeGreaterThan(0.4 * 5_000 * 0.9);
    expect(result.meanSystemMs - result.meanWaitMs).toBeCloseTo(1, 1);
  });

  it('rejects invalid options, naming what it got', () => {
    const rng = new Rng(1);
    expect(() => simulateMmc({ ...MODEL, customers: 0, rng })).toThrow('expected a positive integer customers, got 0');
    expect(() => simulateMmc({ ...MODEL, servers: 1.5, customers: 10, rng })).toThrow('expected a positive integer servers, got 1.5');
    expect(() => simulateMmc({ ...MODEL, arrivalRatePerMs: NaN, customers: 10, rng })).toThrow(
      'expected a finite positive arrivalRatePerMs, got NaN',
    );
    expect(() => simulateMmc({ ...MODEL, customers: 10, batches: 20, rng })).toThrow('expected batches <= customers (10), got 20');
  });
});
