import { describe, expect, it } from 'vitest';
import { Rng } from '../../../sim/random.js';
import { epsilonGreedy, maskedArgmax, randomAllowed } from '../../../src/agents/masked-choice.js';

describe('masked choice', () => {
  it('never picks a masked action, however high its value, and breaks ties toward the lowest index', () => {
    expect(maskedArgmax([9, 1, 5, 5], Uint8Array.from([0, 1, 1, 1]))).toBe(2);
    expect(maskedArgmax([-3, -1], Uint8Array.from([1, 1]))).toBe(1);
  });

  it('reads one row of a batch', () => {
    const q = [1, 2, 3, 3, 2, 1];
    const masks = Uint8Array.from([1, 1, 1, 1, 1, 0]);
    expect(maskedArgmax(q, masks, 0, 3)).toBe(2);
    expect(maskedArgmax(q, masks, 1, 3)).toBe(0);
  });

  it('says so when every action is masked', () => {
    expect(() => maskedArgmax([1, 2], Uint8Array.from([0, 0]))).toThrow('every action is masked: the current configuration cannot run on this cluster');
    expect(() => randomAllowed(Uint8Array.from([1, 0, 0, 0]), new Rng(1, 't'), 1, 2)).toThrow('every action is masked in row 1');
  });

  it('explores only among allowed actions, uniformly', () => {
    const rng = new Rng(7, 'explore');
    const mask = Uint8Array.from([0, 1, 0, 1, 1]);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[randomAllowed(mask, rng)]++;
    expect(counts[0] + counts[2]).toBe(0);
    for (const a of [1, 3, 4]) expect(counts[a]).toBeGreaterThan(900);
  });

  it('runs no forward pass when every row explores, and one for the greedy rows otherwise', () => {
    let passes = 0;
    const qValues = () => {
      passes++;
      return [0, 1, 1, 0];
    };
    const masks = Uint8Array.from([1, 1, 1, 1]);
    epsilonGreedy({ masks, rows: 2, actionCount: 2, epsilon: 1, rng: new Rng(1, 'e'), qValues });
    expect(passes).toBe(0);
    expect(Array.from(epsilonGreedy({ masks, rows: 2, actionCount: 2, epsilon: 0, rng: new Rng(1, 'e'), qValues }))).toEqual([1, 0]);
    expect(passes).toBe(1);
  });
});
