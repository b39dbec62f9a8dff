import { describe, expect, it } from 'vitest';
import { Rng } from '../../../sim/random.js';
import { MultiDiscrete } from '../../../src/env/multi-discrete.js';
import { isMaskable } from '../../../src/env/space.js';
import { Box, Discrete } from '../../../src/env/spaces.js';

function counts(values: string[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const v of values) result.set(v, (result.get(v) ?? 0) + 1);
  return result;
}

describe('Discrete', () => {
  it('samples every action, and only the allowed ones under a mask', () => {
    const space = new Discrete(4);
    const rng = new Rng(1, 'test');
    expect([...counts(Array.from({ length: 400 }, () => String(space.sample(rng)))).keys()].sort()).toEqual(['0', '1', '2', '3']);
    const masked = counts(Array.from({ length: 400 }, () => String(space.sample(rng, Uint8Array.of(0, 1, 0, 1)))));
    expect([...masked.keys()].sort()).toEqual(['1', '3']);
    expect(space.describeAllowed(Uint8Array.of(0, 1, 0, 1))).toBe('1, 3');
  });

  it('says what is wrong with a mask', () => {
    const space = new Discrete(3);
    expect(space.maskProblem(Uint8Array.of(1, 1))).toBe('expected a mask of length 3 for Discrete(3), got 2');
    expect(space.maskProblem(Uint8Array.of(0, 2, 1))).toBe('expected mask entries 0 or 1, got 2 at index 1');
    expect(space.maskProblem(Uint8Array.of(0, 0, 0))).toBe('the mask allows no choice of Discrete(3)');
    expect(space.maskProblem(Uint8Array.of(0, 0, 1))).toBeNull();
    expect(() => space.sample(new Rng(1), Uint8Array.of(0, 0, 0))).toThrow('the mask allows no choice of Discrete(3)');
  });
});

describe('Box', () => {
  it('samples float32 values inside bounds that float32 cannot hold exactly', () => {
    // 0.3 rounds up to float32 and the low bound rounds down: a plain Math.fround would step outside.
    const low = 0.3 - 1e-7;
    expect([Math.fround(0.3) > 0.3, Math.fround(low) < low]).toEqual([true, true]);
    const space = new Box(low, 0.3, 2000);
    const sample = space.sample(new Rng(1, 'test'));
    expect(sample).toBeInstanceOf(Float32Array);
    expect(space.contains(sample)).toBe(true);
  });

  it('samples unbounded and half-bounded boxes', () => {
    const rng = new Rng(2, 'test');
    for (const space of [new Box(-Infinity, Infinity, 50), new Box(0, Infinity, 50), new Box(-Infinity, 1, 50)]) {
      const sample = space.sample(rng);
      expect(space.contains(sample)).toBe(true);
      expect(sample.every(Number.isFinite)).toBe(true);
    }
    expect(isMaskable(new Box(0, 1, 2))).toBe(false);
    expect(String(new Box(0, 1, 2))).toBe('Box(0, 1, [2])');
  });
});

describe('MultiDiscrete', () => {
  const space = new MultiDiscrete([2, 3]);

  it('contains integer vectors of its length inside nvec, and nothing else', () => {
    expect([[0, 0], [1, 2]].map((v) => space.contains(v))).toEqual([true, true]);
    expect([[2, 0], [0, 3], [0], [0, 0, 0], [0.5, 1], [-1, 0]].map((v) => space.contains(v))).toEqual([false, false, false, false, false, false]);
    expect(space.contains(Int32Array.of(0, 0) as unknown as number[])).toBe(false);
    expect(String(space)).toBe('MultiDiscrete([2, 3])');
    expect(space.maskLength).toBe(5);
    expect(isMaskable(space)).toBe(true);
  });

  it('refuses an empty or non-positive nvec', () => {
    expect(() => new MultiDiscrete([])).toThrow('expected at least one dimension in nvec, got none');
    expect(() => new MultiDiscrete([2, 0])).toThrow('expected a positive integer nvec[1], got 0');
  });

  it('samples every combination, and under a mask only the allowed choices of each dimension', () => {
    const rng = new Rng(3, 'test');
    expect(counts(Array.from({ length: 600 }, () => space.sample(rng).join())).size).toBe(6);
    const mask = Uint8Array.of(1, 0, 0, 1, 1);
    const masked = counts(Array.from({ length: 600 }, () => space.sample(rng, mask).join()));
    expect([...masked.keys()].sort()).toEqual(['0,1', '0,2']);
    expect([space.allows(mask, [0, 1]), space.allows(mask, [1, 1]), space.allows(mask, [0, 0])]).toEqual([true, false, false]);
    expect(space.describeAllowed(mask)).toBe('[0] × [1, 2]');
  });

  it('says which dimension a mask leaves without a choice', () => {
    expect(space.maskProblem(Uint8Array.of(1, 1, 0, 0, 0))).toBe('the mask allows no choice of dimension 1 of MultiDiscrete([2, 3])');
    expect(space.maskProblem(Uint8Array.of(1, 1, 1))).toBe('expected a mask of length 5 for MultiDiscrete([2, 3]), got 3');
    expect(() => space.sample(new Rng(1), Uint8Array.of(0, 0, 1, 1, 1))).toThrow('the mask allows no choice of dimension 0 of MultiDiscrete([2, 3])');
  });
});
