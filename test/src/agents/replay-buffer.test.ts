import { describe, expect, it } from 'vitest';
import { Rng } from '../../../sim/random.js';
import { ReplayBuffer } from '../../../src/agents/replay-buffer.js';

/** A transition whose every field encodes `id`, so a sampled row says which transition it came from. */
function transition(id: number) {
  return {
    observation: Float32Array.from([id, id + 0.5]),
    action: id % 3,
    reward: id * 10,
    nextObservation: Float32Array.from([id + 1, id + 1.5]),
    nextMask: Uint8Array.from([1, id % 2, 1]),
    done: id % 4 === 0,
  };
}

describe('ReplayBuffer', () => {
  it('wraps around at capacity, overwriting the oldest transitions', () => {
    const buffer = new ReplayBuffer(4, 2, 3);
    for (let id = 0; id < 6; id++) buffer.add(transition(id));
    expect(buffer.size).toBe(4);
    // Slots 0 and 1 now hold transitions 4 and 5; slots 2 and 3 still hold 2 and 3.
    expect(Array.from(buffer.rewards)).toEqual([40, 50, 20, 30]);
    expect(Array.from(buffer.observations)).toEqual([4, 4.5, 5, 5.5, 2, 2.5, 3, 3.5]);
    expect(Array.from(buffer.nextMasks)).toEqual([1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1]);
    expect(Array.from(buffer.dones)).toEqual([1, 0, 0, 0]);
  });

  it('samples only stored transitions, each row consistent across the arrays', () => {
    const buffer = new ReplayBuffer(100, 2, 3);
    for (let id = 0; id < 7; id++) buffer.add(transition(id));
    const batch = buffer.sample(500, new Rng(1, 'test'));
    expect(batch.size).toBe(500);
    const seen = new Set<number>();
    for (let row = 0; row < batch.size; row++) {
      const id = batch.observations[row * 2];
      seen.add(id);
      const expected = transition(id);
      expect(id).toBeGreaterThanOrEqual(0);
      expect(id).toBeLessThan(7);
      expect(batch.observations[row * 2 + 1]).toBe(id + 0.5);
      expect(batch.actions[row]).toBe(expected.action);
      expect(batch.rewards[row]).toBe(expected.reward);
      expect(Array.from(batch.nextObservations.subarray(row * 2, row * 2 + 2))).toEqual(Array.from(expected.nextObservation));
      expect(Array.from(batch.nextMasks.subarray(row * 3, row * 3 + 3))).toEqual(Array.from(expected.nextMask));
      expect(batch.dones[row]).toBe(expected.done ? 1 : 0);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('samples the same rows for the same seed', () => {
    const buffer = new ReplayBuffer(50, 2, 3);
    for (let id = 0; id < 50; id++) buffer.add(transition(id));
    const a = buffer.sample(32, new Rng(9, 'replay'));
    const b = buffer.sample(32, new Rng(9, 'replay'));
    expect(Array.from(a.rewards)).toEqual(Array.from(b.rewards));
  });

  it('refuses bad sizes, actions and empty sampling with what it expected', () => {
    expect(() => new ReplayBuffer(0, 2, 3)).toThrow('expected a positive integer capacity, got 0');
    const buffer = new ReplayBuffer(4, 2, 3);
    expect(() => buffer.sample(1, new Rng(1))).toThrow(/empty replay buffer/);
    expect(() => buffer.add({ ...transition(1), action: 3 })).toThrow('expected an action in [0, 2], got 3');
    expect(() => buffer.add({ ...transition(1), observation: new Float32Array(5) })).toThrow('expected observations of 2 values, got 5 and 2');
    buffer.add(transition(1));
    expect(() => buffer.sample(-3, new Rng(1))).toThrow('expected a positive integer batch size, got -3');
  });
});
