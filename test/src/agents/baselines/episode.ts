import type { Policy } from '../../../../src/agents/agent.js';
import type { TrialOutcome } from '../../../../src/backend/backend.js';
import { SimulatedBackend } from '../../../../src/backend/simulated.js';
import { ConfigEnv } from '../../../../src/env/config-env.js';
import type { ExecutorConfig } from '../../../../src/scenario/run-spec.js';
import type { Scenario } from '../../../../src/scenario/schema.js';

export interface EpisodeStep {
  action: number;
  config: ExecutorConfig;
  outcome: TrialOutcome;
}

/**
 * One episode of `policy` on the simulated scenario, from its starting
 * configuration; every step recorded. A masked action fails the episode.
 */
export async function runEpisode(options: {
  scenario: Scenario;
  policy: Policy;
  encoding: 'delta' | 'absolute';
  steps: number;
  seed: number | string;
  /** Pins the load; otherwise the scenario's random levels. */
  fps?: number;
}): Promise<EpisodeStep[]> {
  const { scenario, policy } = options;
  const envOptions = { ...scenario.learning.env, encoding: options.encoding, stepsPerEpisode: options.steps };
  const backend = new SimulatedBackend(scenario, { mode: envOptions.backendMode, windowBatches: envOptions.windowBatches, settleMs: envOptions.settleMs });
  const env = new ConfigEnv({ scenario, backend, env: envOptions, reward: scenario.learning.reward });
  policy.reset?.();
  let { observation, info } = await env.reset({ seed: options.seed, fps: options.fps });
  const steps: EpisodeStep[] = [];
  for (let step = 0; step < options.steps; step++) {
    const mask = env.actionMask();
    const action = policy.act({ observation, mask, fps: info.nextFps, config: env.configuration.config, last: env.metrics.lastOutcome, configuration: env.configuration });
    if (mask[action] !== 1) {
      const allowed = [...mask.keys()].filter((a) => mask[a] === 1);
      throw new Error(`${policy.name} picked masked action ${action} at step ${step}; allowed: ${allowed.join(', ')}`);
    }
    const result = await env.step(action);
    const { executorCores, executorMemoryMb, executorInstances } = result.info.config;
    steps.push({ action, config: { executorCores, executorMemoryMb, executorInstances }, outcome: result.info.outcome! });
    observation = result.observation;
    info = result.info;
  }
  await env.close();
  return steps;
}
