import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, type Tf } from '../../../src/agents/tf.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { epsilonAt, GreedyEvaluator, trainDqn } from '../../../src/train/train-dqn.js';

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
    // One load level per episode (levelChangeProbability 0), recorded so the report can compare like with like.
    expect(a.curves.episodeFps).toHaveLength(3);
    for (const fps of a.curves.episodeFps!) expect(paper.workload.fpsLevels).toContain(fps);
    expect(a.curves.keptEpisode).toBeNull(); // no evaluation: the last weights are kept
    expect(a.curves.reward).toEqual({ ...paper.learning.reward });
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

  it('with evaluation, returns the best-scoring weights of the greedy evaluations', async () => {
    const scores: number[] = [];
    const { scenario, dqn } = tiny();
    const probe = new GreedyEvaluator(scenario, 'probe');
    const result = await trainDqn({
      scenario,
      dqn: { ...dqn, episodes: 6 },
      seed: 7,
      tf,
      evaluation: { everyEpisodes: 2, fromEpisode: 2 },
      onEpisodeEnd: async (agent) => void scores.push(await probe.score(agent)),
    });
    // Rounds end at episodes 2, 4 and 6: three evaluations of six levels × five steps.
    expect(result.evaluationEnvSteps).toBe(3 * 6 * 5);
    expect(result.best).not.toBeNull();
    expect([2, 4, 6]).toContain(result.best!.episode);
    expect(result.curves.keptEpisode).toBe(result.best!.episode);
    // The agent now holds the weights that scored best, so scoring it again gives that score.
    expect(await new GreedyEvaluator(scenario, '7/evaluation').score(result.agent)).toBeCloseTo(result.best!.score, 10);
    expect(scores).toHaveLength(3);
    await probe.close();

    result.agent.dispose();
    const tensors = tf.memory().numTensors;
    const again = await trainDqn({ scenario, dqn: { ...dqn, episodes: 6 }, seed: 7, tf, evaluation: { everyEpisodes: 2, fromEpisode: 2 } });
    expect(again.best).toEqual(result.best);
    // The weight snapshots are freed: only the agent's own tensors outlive training.
    again.agent.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    // A start past the last episode still evaluates the last round (a short run keeps a checked policy).
    const late = await trainDqn({ scenario, dqn: { ...dqn, episodes: 4 }, seed: 7, tf, evaluation: { everyEpisodes: 2, fromEpisode: 250 } });
    expect(late.best?.episode).toBe(4);
    expect(late.evaluationEnvSteps).toBe(6 * 5);
    late.agent.dispose();
    await expect(trainDqn({ scenario, dqn, seed: 7, tf, evaluation: { everyEpisodes: 0 } })).rejects.toThrow(
      'expected a positive integer evaluation.everyEpisodes, got 0',
    );
  });

  it('decays epsilon per episode down to its floor', () => {
    const dqn = { epsilonStart: 1, epsilonMin: 0.01, epsilonDecay: 0.995 };
    expect(epsilonAt(0, dqn)).toBe(1);
    expect(epsilonAt(100, dqn)).toBeCloseTo(0.995 ** 100, 12);
    expect(epsilonAt(5000, dqn)).toBe(0.01);
  });
});
