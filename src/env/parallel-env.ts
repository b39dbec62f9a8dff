import type { Space } from './space.js';

/** One value per agent, keyed by agent id; a map holds exactly the agents it is about (see ParallelEnv). */
export type PerAgent<AgentId extends string, T> = Partial<Record<AgentId, T>>;

export interface ParallelResetOptions<ResetOptions> {
  seed?: number | string;
  /** Environment-specific choices for this episode (typed, unlike Gymnasium's options dict). */
  options?: ResetOptions;
}

export interface ParallelResetResult<AgentId extends string, Obs, Info> {
  /** One entry per agent of `agents` after the reset. */
  observations: PerAgent<AgentId, Obs>;
  infos: PerAgent<AgentId, Info>;
}

/**
 * One joint step. Every map holds the agents that were live when the step was
 * taken (those that acted), including those it just terminated or truncated;
 * those leave `agents` and never return within the episode.
 */
export interface ParallelStepResult<AgentId extends string, Obs, Info> {
  observations: PerAgent<AgentId, Obs>;
  rewards: PerAgent<AgentId, number>;
  /** The agent reached a terminal state. */
  terminations: PerAgent<AgentId, boolean>;
  /** The agent's episode was cut (its step limit). */
  truncations: PerAgent<AgentId, boolean>;
  /** Typed per-agent info; an `actionMask` field, where present, restricts the agent's next action (checkParallelEnv checks it). */
  infos: PerAgent<AgentId, Info>;
}

/**
 * PettingZoo's ParallelEnv: every live agent acts at once, and everything
 * comes back as maps keyed by agent. Asynchronous, like Env, so that a real
 * cluster can stand behind it. Every implementation checks its action maps
 * with `validateActions` and passes `checkParallelEnv`.
 */
export interface ParallelEnv<AgentId extends string, Obs, Act, Info, State = Obs, ResetOptions = never> {
  /** Every agent the environment can ever have, in a fixed order; never changes. */
  readonly possibleAgents: readonly AgentId[];
  /**
   * The live agents (a subset of possibleAgents); empty before the first reset
   * and once every agent is done. Within an episode agents only leave
   * (PettingZoo also lets them join; none of ours does, and a joiner would
   * have no observation to act on).
   */
  readonly agents: readonly AgentId[];
  /** The same object on every call, for every possible agent. */
  observationSpace(agent: AgentId): Space<Obs>;
  /** The same object on every call, for every possible agent. */
  actionSpace(agent: AgentId): Space<Act>;
  /** Where `state()` lives; the same object on every read. */
  readonly stateSpace: Space<State>;
  reset(options?: ParallelResetOptions<ResetOptions>): Promise<ParallelResetResult<AgentId, Obs, Info>>;
  /** One action for each live agent, none for any other. */
  step(actions: PerAgent<AgentId, Act>): Promise<ParallelStepResult<AgentId, Obs, Info>>;
  /** The global state, for centralised training (a critic, a mixing network). */
  state(): State;
  close(): Promise<void>;
}
