/**
 * A trained team acting as one Policy: each agent builds its own
 * observation (its partition of the state), picks its best allowed action
 * over its own knobs, and the joint decision is the point all of them chose.
 * Decentralised: no agent reads another's observation or Q-values.
 */
import type { ConfigurationManager } from '../managers/configuration.js';
import { StateManager, type ObservationFeature, type ObservationNormalisation } from '../managers/state.js';
import type { KnobPoint } from '../space/grid.js';
import type { AgentName, KnobValues } from '../space/knobs.js';
import { AgentActions } from '../env/agent-actions.js';
import type { ActionEncoding } from '../managers/configuration.js';
import { actionToward, type DecisionContext, type Policy } from './agent.js';
import { maskedArgmax } from './masked-choice.js';

/** What a team member needs to act: its features and its Q-values. */
export interface TeamMember {
  agent: AgentName;
  features: readonly ObservationFeature[];
  encoding: ActionEncoding;
  qValues(observation: Float32Array): ArrayLike<number>;
}

export class TeamPolicy implements Policy {
  private readonly state: StateManager;
  private actionsCache: { configuration: ConfigurationManager; actions: AgentActions[] } | null = null;

  constructor(
    readonly name: string,
    normalisation: ObservationNormalisation,
    private readonly members: readonly TeamMember[],
  ) {
    this.state = new StateManager(normalisation);
  }

  /** Each agent's choice of its knobs, from the decision's load, configuration and last outcome. */
  decide(ctx: DecisionContext): KnobValues {
    const actions = this.actionsFor(ctx.configuration);
    let point: KnobValues = {};
    this.members.forEach((member, i) => {
      const observation = this.state.observe({ fps: ctx.fps, config: ctx.config, last: ctx.last }, member.features);
      const action = maskedArgmax(member.qValues(observation), actions[i].mask());
      point = { ...point, ...actions[i].target(action) };
    });
    return point;
  }

  act(ctx: DecisionContext): number {
    const point = { ...ctx.configuration.point(ctx.config), ...this.decide(ctx) } as KnobPoint;
    return actionToward(ctx, point);
  }

  private actionsFor(configuration: ConfigurationManager): AgentActions[] {
    if (this.actionsCache?.configuration !== configuration) {
      this.actionsCache = { configuration, actions: this.members.map((m) => new AgentActions(m.agent, configuration, m.encoding)) };
    }
    return this.actionsCache.actions;
  }
}
