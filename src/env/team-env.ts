/**
 * The five agents of the reference design as one PettingZoo-style parallel
 * environment: each agent owns the knobs the knob table gives it, sees its
 * partition of the state (src/managers/state-partitions.ts) and acts on its
 * knobs only; one joint step applies every agent's decision at once, runs one
 * window through the same ConfigEpisode as the single-agent ConfigEnv, and
 * gives every agent the team's reward (one SLO, one reward).
 *
 * Agents whose knobs the scenario does not declare do not exist here; an
 * agent left out with `agents` keeps its knobs at their starting values.
 */
import type { Backend, TrialOutcome } from '../backend/backend.js';
import type { EnvOptions, RewardOptions } from '../config/learning.js';
import type { ActionEncoding, ConfigurationManager } from '../managers/configuration.js';
import { ALL_FEATURES, type ObservationFeature } from '../managers/state.js';
import { partitionOf } from '../managers/state-partitions.js';
import { maxRequestCostPerHour } from '../scenario/pricing.js';
import type { Scenario } from '../scenario/schema.js';
import { declaredKnobs, type Configuration, type KnobPoint } from '../space/grid.js';
import { AGENTS, type AgentName, type KnobValues } from '../space/knobs.js';
import { AgentActions } from './agent-actions.js';
import { ConfigEpisode, observationNormalisationFor } from './config-episode.js';
import type { ParallelEnv, ParallelResetOptions, ParallelResetResult, ParallelStepResult, PerAgent } from './parallel-env.js';
import { Box, Discrete } from './spaces.js';
import { validateActions } from './validate-actions.js';
import { UserInputError } from '../errors.js';

/** What each agent learns after a step or a reset (typed, unlike Gymnasium's info). */
export interface TeamInfo {
  step: number;
  /** Load of the window just measured (at reset: of the first one), fps. */
  fps: number;
  /** Load the next decision faces, fps. */
  nextFps: number;
  config: Configuration;
  outcome: TrialOutcome | null;
  /** 1 where this agent's next action is allowed, the other agents' knobs as they are. */
  actionMask: Uint8Array;
  /** Whether the last joint decision changed any knob. */
  changed: boolean;
}

/** What reset may choose besides the seed. */
export interface TeamResetOptions {
  /** Pin every step of the episode to this load (evaluation per level). */
  fps?: number;
}

export interface TeamEnvOptions {
  scenario: Scenario;
  backend: Backend;
  env: EnvOptions;
  reward: RewardOptions;
  /** The agents that learn; default: every agent that owns a declared knob. */
  agents?: readonly AgentName[];
  /** Each agent's encoding over its own knobs; default: the scenario's learning.env.encoding. */
  encoding?: ActionEncoding;
}

/** The agents a scenario has: those owning at least one declared knob, in the table's agent order. */
export function teamAgents(scenario: Scenario): AgentName[] {
  const declared = declaredKnobs(scenario.actionSpace);
  return AGENTS.filter((agent) => declared.some((k) => k.declaration.agent === agent));
}

export class TeamEnv implements ParallelEnv<AgentName, Float32Array, number, TeamInfo, Float32Array, TeamResetOptions> {
  readonly possibleAgents: readonly AgentName[];
  readonly stateSpace: Box;
  readonly episode: ConfigEpisode;
  /** Each agent's features, in order. */
  readonly partitions: Readonly<Record<AgentName, readonly ObservationFeature[]>>;
  private readonly actionsOf = new Map<AgentName, AgentActions>();
  private readonly observationSpaces = new Map<AgentName, Box>();
  private readonly actionSpaces = new Map<AgentName, Discrete>();
  private live: AgentName[] = [];
  private lastChanged = false;

  constructor(private readonly options: TeamEnvOptions) {
    const { scenario } = options;
    const available = teamAgents(scenario);
    const chosen = options.agents ?? available;
    for (const agent of chosen) {
      if (!available.includes(agent)) {
        throw new UserInputError(
          `agents: '${agent}' owns no knob that ${scenario.name} declares in actionSpace; agents here: ${available.join(', ')}`,
        );
      }
    }
    this.possibleAgents = Object.freeze(AGENTS.filter((a) => chosen.includes(a)));
    // The full state holds every feature any partition uses, so state() serves a centralised critic.
    const base = observationNormalisationFor(scenario);
    const declared = declaredKnobs(scenario.actionSpace).map((k) => k.name);
    const partitions = {} as Record<AgentName, ObservationFeature[]>;
    for (const agent of this.possibleAgents) partitions[agent] = partitionOf(agent, declared);
    const features = ALL_FEATURES.filter(
      (f) => base.features.includes(f) || this.possibleAgents.some((a) => partitions[a].includes(f)),
    );
    const normalisation = { ...base, features, requestCostScalePerHour: base.requestCostScalePerHour ?? maxRequestCostPerHour(scenario) };
    this.episode = new ConfigEpisode({ ...options, encoding: 'absolute', normalisation });
    this.partitions = partitions;
    this.stateSpace = new Box(0, 1, features.length);
    for (const agent of this.possibleAgents) {
      const actions = new AgentActions(agent, this.episode.configuration, options.encoding ?? options.env.encoding);
      this.actionsOf.set(agent, actions);
      this.observationSpaces.set(agent, new Box(0, 1, partitions[agent].length));
      this.actionSpaces.set(agent, new Discrete(actions.actionCount));
    }
  }

  get scenario(): Scenario {
    return this.options.scenario;
  }

  get configuration(): ConfigurationManager {
    return this.episode.configuration;
  }

  get agents(): readonly AgentName[] {
    return this.live;
  }

  /** How one agent's actions map to its knobs. */
  actions(agent: AgentName): AgentActions {
    return this.known(this.actionsOf, agent);
  }

  observationSpace(agent: AgentName): Box {
    return this.known(this.observationSpaces, agent);
  }

  actionSpace(agent: AgentName): Discrete {
    return this.known(this.actionSpaces, agent);
  }

  async reset(options: ParallelResetOptions<TeamResetOptions> = {}): Promise<ParallelResetResult<AgentName, Float32Array, TeamInfo>> {
    await this.episode.reset({ seed: options.seed, fps: options.options?.fps });
    this.live = [...this.possibleAgents];
    this.lastChanged = false;
    return { observations: this.observeAll(), infos: this.infos(this.episode.fps, null) };
  }

  /** Every agent's mask now (what infos carry). */
  masks(): PerAgent<AgentName, Uint8Array> {
    const out: PerAgent<AgentName, Uint8Array> = {};
    for (const agent of this.live) out[agent] = this.actions(agent).mask();
    return out;
  }

  async step(actions: PerAgent<AgentName, number>): Promise<ParallelStepResult<AgentName, Float32Array, TeamInfo>> {
    validateActions(this, actions, { masks: this.masks() });
    const before = this.configuration.config;
    let point: KnobValues = {};
    for (const agent of this.live) point = { ...point, ...this.actions(agent).target(actions[agent]!) };
    this.configuration.set(point as KnobPoint);
    const window = await this.episode.runWindow(before);
    this.lastChanged = window.changed;
    const done = window.truncated;
    const rewards: PerAgent<AgentName, number> = {};
    const terminations: PerAgent<AgentName, boolean> = {};
    const truncations: PerAgent<AgentName, boolean> = {};
    for (const agent of this.live) {
      rewards[agent] = window.reward;
      terminations[agent] = false;
      truncations[agent] = done;
    }
    const observations = this.observeAll();
    const infos = this.infos(window.fps, window.outcome);
    if (done) this.live = [];
    return { observations, rewards, terminations, truncations, infos };
  }

  /** The full observation (every feature of every partition), for centralised training. */
  state(): Float32Array {
    return this.episode.observe();
  }

  async close(): Promise<void> {
    await this.episode.close();
  }

  private observeAll(): PerAgent<AgentName, Float32Array> {
    const out: PerAgent<AgentName, Float32Array> = {};
    for (const agent of this.live) out[agent] = this.episode.observe(this.partitions[agent]);
    return out;
  }

  private infos(fps: number, outcome: TrialOutcome | null): PerAgent<AgentName, TeamInfo> {
    const out: PerAgent<AgentName, TeamInfo> = {};
    const masks = this.masks();
    for (const agent of this.live) {
      out[agent] = {
        step: this.episode.step,
        fps,
        nextFps: this.episode.fps,
        config: this.configuration.config,
        outcome,
        actionMask: masks[agent]!,
        changed: this.lastChanged,
      };
    }
    return out;
  }

  private known<T>(map: Map<AgentName, T>, agent: AgentName): T {
    const value = map.get(agent);
    if (value === undefined) {
      throw new UserInputError(`agent '${String(agent)}' is not in this environment; agents: ${this.possibleAgents.join(', ')}`);
    }
    return value;
  }
}
