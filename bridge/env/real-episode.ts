/**
 * The environment `deploy` and `finetune` drive on a real cluster: the same
 * ConfigEpisode the simulator trains in (Configuration, State, Metrics and
 * Reward Managers, one window per decision), over the real backend, with the
 * policy's own action encoding and observation scaling so that it sees what
 * it saw in training. Loads come from outside (a load source, fine-tuning's
 * load levels) through ConfigEpisode.setLoad.
 */
import type { DecisionContext } from '../../src/agents/agent.js';
import type { Backend, TrialOutcome } from '../../src/backend/backend.js';
import { ConfigEpisode } from '../../src/env/config-episode.js';
import type { ActionEncoding } from '../../src/managers/configuration.js';
import type { ObservationNormalisation } from '../../src/managers/state.js';
import type { Scenario } from '../../src/scenario/schema.js';

export interface RealEpisodeOptions {
  scenario: Scenario;
  /** The real cluster (bridge/backend/real.ts), or a stand-in in tests. */
  backend: Backend;
  /**
   * The policy's action encoding and observation scaling; with its action
   * count, checked against the scenario's (a team's space is checked
   * against the scenario's declared knobs when it is loaded).
   */
  metadata: { actionSpace: { encoding: ActionEncoding; actionCount?: number }; observation: ObservationNormalisation };
}

/** A ConfigEpisode over `backend` in the policy's encoding; throws when the policy's action count is not the scenario's. */
export function realEpisode(options: RealEpisodeOptions): ConfigEpisode {
  const { scenario, backend, metadata } = options;
  const episode = new ConfigEpisode({
    scenario,
    backend,
    env: scenario.learning.env,
    reward: scenario.learning.reward,
    encoding: metadata.actionSpace.encoding,
    normalisation: metadata.observation,
  });
  if (metadata.actionSpace.actionCount !== undefined && episode.configuration.actionCount !== metadata.actionSpace.actionCount) {
    throw new RangeError(`the policy has ${metadata.actionSpace.actionCount} actions, the scenario's action space ${episode.configuration.actionCount}`);
  }
  return episode;
}

/**
 * What Policy.act sees at the episode's current configuration and load.
 * Fine-tuning overrides the observation (its last outcome, per load and
 * grounded in the simulator's units) and the mask (configurations seen to
 * break the SLO at that load left out).
 */
export function decisionContext(
  episode: ConfigEpisode,
  overrides: { observation?: Float32Array; mask?: Uint8Array; last?: TrialOutcome | null } = {},
): DecisionContext {
  return {
    observation: overrides.observation ?? episode.observe(),
    mask: overrides.mask ?? episode.configuration.mask(),
    fps: episode.fps,
    config: episode.configuration.config,
    last: overrides.last !== undefined ? overrides.last : episode.metrics.lastOutcome,
    configuration: episode.configuration,
  };
}
