import type { Env } from './env.js';
import type { ParallelEnv, ParallelResetOptions, ParallelResetResult, ParallelStepResult, PerAgent } from './parallel-env.js';
import type { Box, Discrete } from './spaces.js';
import { validateActions } from './validate-actions.js';

/**
 * A single-agent Env seen as a ParallelEnv with one agent, so that the
 * single-agent environment is the multi-agent contract's special case: the
 * same checker, the same action validation, the same training loops. The
 * agent's observation is the whole state (state() gives it to a centralised
 * critic); the Env's action mask is the agent's mask.
 */
export class SingleAgentParallelEnv<AgentId extends string, Info> implements ParallelEnv<AgentId, Float32Array, number, Info, Float32Array> {
  readonly possibleAgents: readonly [AgentId];
  private live: AgentId[] = [];
  private lastObservation: Float32Array | null = null;

  constructor(
    readonly env: Env<Float32Array, number, Info>,
    readonly agent: AgentId,
  ) {
    this.possibleAgents = Object.freeze([agent]) as readonly [AgentId];
  }

  get agents(): readonly AgentId[] {
    return this.live;
  }

  get stateSpace(): Box {
    return this.env.observationSpace;
  }

  observationSpace(agent: AgentId): Box {
    this.expectKnown(agent);
    return this.env.observationSpace;
  }

  actionSpace(agent: AgentId): Discrete {
    this.expectKnown(agent);
    return this.env.actionSpace;
  }

  async reset(options: ParallelResetOptions<never> = {}): Promise<ParallelResetResult<AgentId, Float32Array, Info>> {
    const { observation, info } = await this.env.reset(options.seed === undefined ? {} : { seed: options.seed });
    this.live = [this.agent];
    this.lastObservation = observation;
    return { observations: this.one(observation), infos: this.one(info) };
  }

  async step(actions: PerAgent<AgentId, number>): Promise<ParallelStepResult<AgentId, Float32Array, Info>> {
    validateActions(this, actions, { masks: this.live.length === 0 ? {} : this.one(this.env.actionMask()) });
    const result = await this.env.step(actions[this.agent]!);
    this.lastObservation = result.observation;
    if (result.terminated || result.truncated) this.live = [];
    return {
      observations: this.one(result.observation),
      rewards: this.one(result.reward),
      terminations: this.one(result.terminated),
      truncations: this.one(result.truncated),
      infos: this.one(result.info),
    };
  }

  state(): Float32Array {
    if (this.lastObservation === null) throw new Error('state(): no state before the first reset()');
    return this.lastObservation;
  }

  async close(): Promise<void> {
    await this.env.close();
  }

  private one<T>(value: T): PerAgent<AgentId, T> {
    return { [this.agent]: value } as PerAgent<AgentId, T>;
  }

  private expectKnown(agent: string): void {
    if (agent !== this.agent) throw new RangeError(`unknown agent '${agent}'; allowed: ${this.agent}`);
  }
}
