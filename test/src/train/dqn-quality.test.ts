/**
 * Does the DQN learn the paper testbed? Trains at the tuned budget, then runs
 * the greedy policy with the load pinned at each level, 10 to 60 fps, and compares its
 * per-frame time with the best configuration of the whole grid, measured the
 * same way (the environment with every absolute action).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DqnAgent } from '../../../src/agents/dqn.js';
import { initTf, type Tf } from '../../../src/agents/tf.js';
import { SimulatedBackend } from '../../../src/backend/simulated.js';
import { ConfigEnv } from '../../../src/env/config-env.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { trainDqn } from '../../../src/train/train-dqn.js';

/** The shipped scenario, learning section included (its tuned budget is what `sspe train` runs). */
const scenario = loadScenarioSync('scenarios/paper-testbed.yaml');
/** Greedy evaluations every round from episode 250 on; the best-scoring weights are kept. */
const EVALUATION = { everyEpisodes: 8, fromEpisode: 250 };
const LEVELS = scenario.workload.fpsLevels;
const TRIALS_PER_CONFIG = 10;

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await initTf({ backend: 'wasm' }));
});

function makeEnv(overrides: Partial<Scenario['learning']['env']> = {}): ConfigEnv {
  const env = { ...scenario.learning.env, ...overrides };
  const backend = new SimulatedBackend(scenario, { mode: env.backendMode, windowBatches: env.windowBatches, settleMs: env.settleMs });
  return new ConfigEnv({ scenario, backend, env, reward: scenario.learning.reward });
}

/** Mean per-frame time of the best configuration of the grid at `fps`, ms. */
async function bestPerFrameMs(fps: number): Promise<number> {
  const env = makeEnv({ encoding: 'absolute', stepsPerEpisode: 100_000 });
  await env.reset({ seed: 'oracle', fps });
  let best = Infinity;
  for (let action = 0; action < env.actionSpace.n; action++) {
    let sum = 0;
    for (let i = 0; i < TRIALS_PER_CONFIG; i++) sum += (await env.step(action)).info.outcome!.perFrameMs.mean;
    // A configuration that processed no frame in some trial (OOM-killed over and over) has no per-frame time: never the best.
    if (!Number.isNaN(sum)) best = Math.min(best, sum / TRIALS_PER_CONFIG);
  }
  return best;
}

/** Mean per-frame time over the second half of a greedy episode at `fps`, ms (the policy has settled by then). */
async function greedyPerFrameMs(agent: DqnAgent, fps: number): Promise<{ perFrameMs: number; config: string }> {
  const env = makeEnv();
  let { observation } = await env.reset({ seed: 'greedy', fps });
  const steps = scenario.learning.env.stepsPerEpisode;
  let sum = 0;
  for (let step = 0; step < steps; step++) {
    const action = agent.act({ observation, mask: env.actionMask(), fps, config: env.configuration.config, last: env.metrics.lastOutcome, configuration: env.configuration });
    const result = await env.step(action);
    observation = result.observation;
    if (step >= steps / 2) sum += result.info.outcome!.perFrameMs.mean;
  }
  const c = env.configuration.config;
  return { perFrameMs: sum / (steps / 2), config: `${c.executorCores} cores / ${c.executorMemoryMb} MB / ${c.executorInstances} instances` };
}

describe('DQN on the paper testbed', () => {
  it('trains a greedy policy within 10% of the best configuration at every load level, 10 to 60 fps', async () => {
    const { agent, wallMs } = await trainDqn({ scenario, dqn: scenario.learning.dqn, seed: 1, tf, evaluation: EVALUATION });
    for (const fps of LEVELS) {
      const best = await bestPerFrameMs(fps);
      const greedy = await greedyPerFrameMs(agent, fps);
      const gap = greedy.perFrameMs / best - 1;
      expect(gap, `${fps} fps: greedy ${greedy.config} at ${greedy.perFrameMs.toFixed(0)} ms vs best ${best.toFixed(0)} ms (trained in ${(wallMs / 1000).toFixed(1)} s)`).toBeLessThan(0.1);
    }
    agent.dispose();
  }, 120_000);
});
