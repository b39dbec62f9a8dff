import { describe, expect, it } from 'vitest';
import { Rng } from '../../sim/random.js';

function draws(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.uniform());
}

function mean(values: number[]): number {
  return values.reduce((sum, x) => sum + x, 0) / values.length;
}

describe('Rng', () => {
  it('gives the same stream for the same seed and path', () => {
    expect(draws(new Rng(42).split('executors'), 100)).toEqual(draws(new Rng(42).split('executors'), 100));
    expect(draws(new Rng('s').split('a').split('b'), 50)).toEqual(draws(new Rng('s', 'root/a/b'), 50));
  });

  it('gives different streams for different seeds or paths', () => {
    const base = draws(new Rng(42).split('executors'), 10);
    expect(draws(new Rng(43).split('executors'), 10)).not.toEqual(base);
    expect(draws(new Rng(42).split('driver'), 10)).not.toEqual(base);
    expect(draws(new Rng(42), 10)).not.toEqual(base);
  });

  it('keeps a split stream independent of other components and of creation order', () => {
    const alone = new Rng(7);
    const expected = draws(alone.split('arrivals'), 100);

    // Another component created first and drawn from, and the parent drawn from, shift nothing.
    const crowded = new Rng(7);
    const services = crowded.split('services');
    draws(services, 1_000);
    draws(crowded, 1_000);
    const arrivals = crowded.split('arrivals');
    const interleaved: number[] = [];
    for (let i = 0; i < 100; i++) {
      interleaved.push(arrivals.uniform());
      services.uniform();
    }
    expect(interleaved).toEqual(expected);
  });

  it('draws with roughly the right means and ranges', () => {
    const rng = new Rng('moments');
    const n = 200_000;
    const uniforms = Array.from({ length: n }, () => rng.uniform());
    expect(uniforms.every((u) => u >= 0 && u < 1)).toBe(true);
    expect(mean(uniforms)).toBeCloseTo(0.5, 2);

    expect(mean(Array.from({ length: n }, () => rng.exponential(3)))).toBeCloseTo(3, 1);
    expect(mean(Array.from({ length: n }, () => rng.between(-2, 6)))).toBeCloseTo(2, 1);

    const normals = Array.from({ length: n }, () => rng.normal());
    expect(mean(normals)).toBeCloseTo(0, 2);
    expect(mean(normals.map((x) => x * x))).toBeCloseTo(1, 1);

    const lognormals = Array.from({ length: n }, () => rng.lognormal(100, 0.5)).sort((a, b) => a - b);
    expect(lognormals[n / 2] / 100).toBeCloseTo(1, 1);
    expect(rng.lognormal(100, 0)).toBe(100);

    const ints = Array.from({ length: n }, () => rng.int(1, 6));
    expect(new Set(ints)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(mean(ints)).toBeCloseTo(3.5, 1);

    const picks = Array.from({ length: 3_000 }, () => rng.pick(['x', 'y', 'z']));
    expect(new Set(picks)).toEqual(new Set(['x', 'y', 'z']));
  });

  it('rejects picking from an empty list', () => {
    expect(() => new Rng(1).pick([])).toThrow('expected a non-empty list to pick from, got an empty one');
  });
});
