import { UserInputError } from '../errors.js';
import { describeValue as describe } from './describe-value.js';
import type { PerAgent } from './parallel-env.js';
import { isMaskable, type Space } from './space.js';

/**
 * A bad action map: an unknown agent, a live agent without an action, an
 * action outside the agent's space or masked, an action for an agent that is
 * done. One line naming the agent and what is allowed; a UserInputError,
 * because the map may come from a user (`decide`, `--config`).
 */
export class InvalidActionsError extends UserInputError {
  constructor(
    /** The agent the problem is about; null when it is about the whole map. */
    readonly agent: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidActionsError';
  }
}

/** What the rules of an action map depend on: a ParallelEnv has all of it. */
export interface ActionRules<AgentId extends string, Act> {
  readonly possibleAgents: readonly AgentId[];
  readonly agents: readonly AgentId[];
  actionSpace(agent: AgentId): Space<Act>;
}

/**
 * The one check of an action map, shared by every ParallelEnv: throws an
 * InvalidActionsError on the first problem. `masks`, where an agent has one,
 * restrict that agent's action further.
 */
export function validateActions<AgentId extends string, Act>(
  env: ActionRules<AgentId, Act>,
  actions: unknown,
  options: { masks?: PerAgent<AgentId, Uint8Array> } = {},
): void {
  const live = env.agents;
  if (typeof actions !== 'object' || actions === null || Array.isArray(actions)) {
    throw new InvalidActionsError(null, `actions: expected an object with one action per live agent (${list(live)}), got ${describe(actions)}`);
  }
  const given = Object.keys(actions);
  for (const agent of given) {
    if (!(env.possibleAgents as readonly string[]).includes(agent)) {
      throw new InvalidActionsError(agent, `actions: unknown agent '${agent}'; allowed: ${list(env.possibleAgents)}`);
    }
  }
  if (live.length === 0) {
    throw new InvalidActionsError(null, 'actions: no live agents; call reset() first (again once every agent is done)');
  }
  for (const agent of given as AgentId[]) {
    if (!live.includes(agent)) {
      throw new InvalidActionsError(agent, `actions: agent '${agent}' is done (terminated or truncated) and acts no more this episode; live agents: ${list(live)}`);
    }
    const action = (actions as Record<AgentId, Act>)[agent];
    const space = env.actionSpace(agent);
    if (!space.contains(action)) {
      throw new InvalidActionsError(agent, `actions.${agent}: expected an action in ${space}, got ${describe(action)}`);
    }
    const mask = options.masks?.[agent];
    if (mask !== undefined && isMaskable(space)) {
      const problem = space.maskProblem(mask);
      // A broken mask is the environment's bug, not the caller's.
      if (problem !== null) throw new Error(`actionMask of agent '${agent}': ${problem}`);
      if (!space.allows(mask, action)) {
        throw new InvalidActionsError(agent, `actions.${agent}: action ${describe(action)} is masked; allowed: ${space.describeAllowed(mask)}`);
      }
    }
  }
  for (const agent of live) {
    if (!Object.hasOwn(actions, agent)) {
      throw new InvalidActionsError(agent, `actions: no action for live agent '${agent}'; expected one for each of: ${list(live)}`);
    }
  }
}

function list(agents: readonly string[]): string {
  return agents.length === 0 ? 'none' : agents.join(', ');
}
