import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../sim/random.js';
import { DqnAgent } from '../../../src/agents/dqn.js';
import type { ReplayBatch } from '../../../src/agents/replay-buffer.js';
import { initTf, type Tf } from '../../../src/agents/tf.js';
import { DQN_OPTIONS } from '../../../src/config/learning.js';
import { defaultsOf } from '../../../src/config/options.js';

const OBS = 4;
const ACTIONS = 5;
let tf: Tf;

beforeAll(async () => {
  ({ tf } = await initTf({ backend: 'wasm' }));
});

function makeAgent(overrides: Partial<ReturnType<typeof defaultsOf<typeof DQN_OPTIONS>>> = {}, seed: number | string = 1) {
  return new DqnAgent({ obsSize: OBS, actionCount: ACTIONS, options: { ...defaultsOf(DQN_OPTIONS), hiddenUnits: 16, ...overrides }, seed, tf });
}

/** A fixed batch of n transitions drawn from `seed`. */
function fixedBatch(n: number, seed: number, done: (row: number) => boolean): ReplayBatch {
  const rng = new Rng(seed, 'batch');
  const nextMasks = new Uint8Array(n * ACTIONS).map(() => (rng.uniform() < 0.6 ? 1 : 0));
  for (let row = 0; row < n; row++) nextMasks[row * ACTIONS + (row % ACTIONS)] = 1;
  return {
    size: n,
    observations: new Float32Array(n * OBS).map(() => rng.uniform()),
    actions: Int32Array.from({ length: n }, () => rng.int(0, ACTIONS - 1)),
    rewards: Float32Array.from({ length: n }, () => rng.between(0.5, 2.5)),
    nextObservations: new Float32Array(n * OBS).map(() => rng.uniform()),
    nextMasks,
    dones: Uint8Array.from({ length: n }, (_, row) => (done(row) ? 1 : 0)),
  };
}

function huber(x: number): number {
  return Math.abs(x) <= 1 ? 0.5 * x * x : Math.abs(x) - 0.5;
}

describe('DqnAgent', () => {
  it('starts from the same weights for the same seed, and other weights for another seed', () => {
    const obs = new Float32Array([0.1, 0.2, 0.3, 0.4]);
    const a = makeAgent({}, 'x').qValues(obs, 1);
    const b = makeAgent({}, 'x').qValues(obs, 1);
    const c = makeAgent({}, 'y').qValues(obs, 1);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('actBatch never picks a masked action, exploring or not', () => {
    const agent = makeAgent();
    const row = fc.tuple(
      fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: OBS, maxLength: OBS }),
      fc.array(fc.boolean(), { minLength: ACTIONS, maxLength: ACTIONS }).filter((mask) => mask.some(Boolean)),
    );
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(), (rows, epsilon, seed) => {
        const observations = Float32Array.from(rows.flatMap(([obs]) => obs));
        const masks = Uint8Array.from(rows.flatMap(([, mask]) => mask.map(Number)));
        const actions = agent.actBatch(observations, masks, epsilon, new Rng(seed, 'explore'));
        expect(actions.length).toBe(rows.length);
        actions.forEach((action, i) => expect(masks[i * ACTIONS + action]).toBe(1));
      }),
      { numRuns: 200 },
    );
  });

  it('acts greedily with epsilon 0: the allowed action of highest Q-value, the same as act()', () => {
    const agent = makeAgent();
    const observation = new Float32Array([0.3, 0.9, 0.1, 0.5]);
    const q = agent.qValues(observation, 1);
    const mask = Uint8Array.from([1, 0, 1, 0, 1]);
    const best = [0, 2, 4].reduce((a, b) => (q[b] > q[a] ? b : a));
    expect(agent.actBatch(observation, mask, 0, new Rng(1))[0]).toBe(best);
    expect(agent.act({ observation, mask } as Parameters<DqnAgent['act']>[0])).toBe(best);
  });

  it('refuses an all-zero mask and a mask of the wrong length with what it expected', () => {
    const agent = makeAgent();
    expect(() => agent.actBatch(new Float32Array(OBS), new Uint8Array(ACTIONS), 0, new Rng(1))).toThrow(/every action is masked: the current configuration cannot run on this cluster/);
    expect(() => agent.actBatch(new Float32Array(OBS), new Uint8Array(3), 0, new Rng(1))).toThrow('expected 5 mask values for 1 observations, got 3');
  });

  it('learn() returns the Huber loss of the Double DQN target over allowed next actions', () => {
    const agent = makeAgent({ gamma: 0.9, targetUpdateEvery: 1_000_000 });
    // Make the online and target networks differ, so Double DQN's split between them matters.
    for (let i = 0; i < 5; i++) agent.learn(fixedBatch(16, 100 + i, () => false));
    const batch = fixedBatch(16, 7, (row) => row % 3 === 0);
    const n = batch.size;
    const q = agent.qValues(batch.observations, n);
    const nextOnline = agent.qValues(batch.nextObservations, n);
    const nextTarget = tf.tidy(() => (agent.targetNetwork.predict(tf.tensor2d(batch.nextObservations, [n, OBS])) as ReturnType<typeof tf.tensor2d>).dataSync());
    let expected = 0;
    for (let row = 0; row < n; row++) {
      let best = -1;
      for (let a = 0; a < ACTIONS; a++) {
        if (batch.nextMasks[row * ACTIONS + a] === 1 && (best < 0 || nextOnline[row * ACTIONS + a] > nextOnline[row * ACTIONS + best])) best = a;
      }
      const tdTarget = batch.rewards[row] + 0.9 * (1 - batch.dones[row]) * nextTarget[row * ACTIONS + best];
      expected += huber(tdTarget - q[row * ACTIONS + batch.actions[row]]) / n;
    }
    expect(agent.learn(batch)).toBeCloseTo(expected, 4);
  });

  it('learn() drives the TD error of a fixed batch down', () => {
    const agent = makeAgent({ learningRate: 0.01 });
    const batch = fixedBatch(8, 3, () => true);
    const first = agent.learn(batch);
    let last = first;
    for (let i = 0; i < 300; i++) last = agent.learn(batch);
    expect(first).toBeGreaterThan(0.1);
    expect(last).toBeLessThan(first / 20);
  });

  it('copies the online network into the target network every targetUpdateEvery gradient steps', () => {
    const agent = makeAgent({ targetUpdateEvery: 3 });
    const probe = new Float32Array([0.5, 0.5, 0.5, 0.5]);
    const target = () => Array.from(tf.tidy(() => (agent.targetNetwork.predict(tf.tensor2d(probe, [1, OBS])) as ReturnType<typeof tf.tensor2d>).dataSync()));
    const before = target();
    agent.learn(fixedBatch(8, 1, () => true));
    agent.learn(fixedBatch(8, 2, () => true));
    expect(target()).toEqual(before);
    agent.learn(fixedBatch(8, 3, () => true));
    expect(agent.gradientSteps).toBe(3);
    expect(target()).toEqual(Array.from(agent.qValues(probe, 1)));
  });

  it('keeps the tensor count flat over 100 learning and acting steps', () => {
    const agent = makeAgent({ targetUpdateEvery: 10 });
    const rng = new Rng(5, 'memory');
    const masks = new Uint8Array(3 * ACTIONS).fill(1);
    // The first step creates Adam's moment estimates; after it nothing may accumulate.
    agent.learn(fixedBatch(32, 0, () => false));
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      agent.learn(fixedBatch(32, i, (row) => row % 5 === 0));
      agent.actBatch(new Float32Array(3 * OBS).fill(i / 100), masks, 0.5, rng);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    agent.dispose();
  });
});
