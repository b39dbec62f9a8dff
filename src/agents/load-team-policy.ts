/**
 * A team bundle (`sspe train --method idqn|vdn`) as one Policy, checked
 * against the scenario it will act in: what `sspe evaluate` and `sspe
 * deploy` do with `--policy <team bundle>`. Each agent's Q-values come from
 * a plain Dense forward pass when its network is a stack of Dense layers
 * (no tensor per decision), else from tfjs.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { Scenario } from '../scenario/schema.js';
import { denseForward, denseLayersOf } from '../policy/dense-forward.js';
import { checkTeamCompatible, loadTeam, type TeamMetadata } from '../policy/team-artifact.js';
import { TeamPolicy, type TeamMember } from './team-policy.js';
import type { Tf } from './tf.js';

export interface LoadedTeamPolicy {
  /** Named after the team's method (idqn, vdn). */
  policy: TeamPolicy;
  metadata: TeamMetadata;
  /** What differs from the scenario without stopping it (load scale, SLO, scenario name). */
  warnings: string[];
}

/** Loads the bundle in `dir`; a UserInputError when it is not one, or was trained for another action space. */
export async function loadTeamPolicy(dir: string, scenario: Scenario, options: { tf: Tf }): Promise<LoadedTeamPolicy> {
  const { tf } = options;
  const team = await loadTeam(dir, { tf });
  const { warnings } = checkTeamCompatible(team.metadata, scenario, dir);
  const members: TeamMember[] = team.metadata.agents.map((agent) => {
    const model = team.models[agent.name];
    const layers = denseLayersOf(model);
    const qValues =
      layers === null
        ? (observation: Float32Array) => tf.tidy(() => (model.predict(tf.tensor2d(observation, [1, observation.length])) as tfTypes.Tensor).dataSync())
        : (observation: Float32Array) => denseForward(layers, observation);
    return { agent: agent.name, features: agent.features, encoding: agent.encoding, qValues };
  });
  const name = team.metadata.method;
  return { policy: new TeamPolicy(name, team.metadata.observation, members), metadata: team.metadata, warnings };
}
