import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, type Tf } from '../../../src/agents/tf.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { epsilonAt, trainDqn } from '../../../src/train/train-dqn.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');
let tf: Tf;

beforeAll(async () => {
  ({ tf } = await initTf({ backend: 'wasm' }));
});

/** The paper testbed at a tiny budget: 2 envs, 3 episodes of 5 steps, learning from the 10th transition. */
function tiny(): { scenario: Scenario; dqn: Scenario['learning']['dqn'] } {
  const scenario: Scenario = { ...paper, learning: { ...paper.learning, env: { ...paper.learning.env, stepsPerEpisode: 5 } } };
  return { scenario, dqn: { ...paper.learning.dqn, numEnvs: 2, episodes: 3, learningStarts: 10, batchSize: 8, targetUpdateEvery: 2, epsilonDecay: 0.5 } };
}

describe('trainDqn (smoke run at a tiny budget)', () => {
  it('runs every episode in lock-step and is deterministic: same seed, same curves', async () => {
    const progress: number[] = [];
    const run = () => trainDqn({ ...tiny(), seed: 42, tf, onProgress: (p) => progress.push(p.episode) });
    const a = await run();
    const b = await run();
    expect(a.curves).toEqual(b.curves);
    expect(a.stoppedEarly).toBe(false);
    // Round 1: two episodes at once (10 transitions); round 2: the third episode alone.
    expect(a.envSteps).toBe(15);
    expect(a.curves.stepRewards).toHaveLength(10);
    expect(a.curves.episodeMeanRewards).toHaveLength(3);
    expect(a.curves.episodeEpsilons).toEqual([1, 1, 0.25]);
    // Learning starts once 10 transitions are stored: the last step of round 1, then every step of round 2.
    expect(a.agent.gradientSteps).toBe(6);
    expect(progress).toEqual([2, 3, 2, 3]);
    for (const reward of a.curves.stepRewards) expect(reward).toBeGreaterThan(0);
    const c = await trainDqn({ ...tiny(), seed: 43, tf });
    expect(c.curves.stepRewards).not.toEqual(a.curves.stepRewards);
  });

  it('stops early on shouldStop and on maxWallMs, and calls the checkpoint hook after each round', async () => {
    let polls = 0;
    const stopped = await trainDqn({ ...tiny(), seed: 1, tf, shouldStop: () => ++polls > 7 });
    expect(stopped.stoppedEarly).toBe(true);
    expect(stopped.envSteps).toBe(12); // a full round of 2 × 5, then 2 steps of the lone third episode
    expect(stopped.curves.episodeMeanRewards).toHaveLength(2);

    const timedOut = await trainDqn({ ...tiny(), seed: 1, tf, maxWallMs: 0 });
    expect(timedOut.stoppedEarly).toBe(true);
    expect(timedOut.envSteps).toBe(0);

    const hooked: number[] = [];
    await trainDqn({ ...tiny(), seed: 1, tf, onEpisodeEnd: async (_agent, curves) => void hooked.push(curves.episodeMeanRewards.length) });
    expect(hooked).toEqual([2, 3]);
  });

  it('decays epsilon per episode down to its floor', () => {
    const dqn = { epsilonStart: 1, epsilonMin: 0.01, epsilonDecay: 0.995 };
    expect(epsilonAt(0, dqn)).toBe(1);
    expect(epsilonAt(100, dqn)).toBeCloseTo(0.995 ** 100, 12);
    expect(epsilonAt(5000, dqn)).toBe(0.01);
  });
});
