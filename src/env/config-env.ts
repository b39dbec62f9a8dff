import type { SparkConfig } from '../../sim/config.js';
import type { Backend, TrialOutcome } from '../backend/backend.js';
import type { EnvOptions, RewardOptions } from '../config/learning.js';
import type { ConfigurationManager } from '../managers/configuration.js';
import type { MetricsManager } from '../managers/metrics.js';
import type { RewardManager } from '../managers/reward.js';
import type { StateManager } from '../managers/state.js';
import type { Scenario } from '../scenario/schema.js';
import { ConfigEpisode } from './config-episode.js';
import type { Env, StepResult } from './env.js';
import { Box, Discrete } from './spaces.js';

export { observationNormalisationFor } from './config-episode.js';

/** What every step reports besides the reward (typed, unlike Gymnasium's info dict). */
export interface ConfigEnvInfo {
  step: number;
  /** Load of the window just measured (for reset: of the first window), fps. */
  fps: number;
  /** Load the next action will face, fps (what the observation shows). */
  nextFps: number;
  config: SparkConfig;
  /** The trial's outcome (null after reset). */
  outcome: TrialOutcome | null;
  actionMask: Uint8Array;
}

export interface ConfigEnvOptions {
  scenario: Scenario;
  backend: Backend;
  env: EnvOptions;
  reward: RewardOptions;
}

/**
 * Tuning a streaming Spark application as an episodic environment. Each step
 * is one decision interval: the agent's action changes the configuration
 * (through the Configuration Manager), the backend runs one measurement
 * window at the step's load, and the Reward Manager scores it. An episode
 * walks through the load: random levels of the scenario, or its trace.
 */
export class ConfigEnv implements Env<Float32Array, number, ConfigEnvInfo> {
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly episode: ConfigEpisode;

  constructor(private readonly options: ConfigEnvOptions) {
    this.episode = new ConfigEpisode(options);
    this.observationSpace = new Box(0, 1, this.episode.state.size);
    this.actionSpace = new Discrete(this.episode.configuration.actionCount);
  }

  get scenario(): Scenario {
    return this.options.scenario;
  }

  get configuration(): ConfigurationManager {
    return this.episode.configuration;
  }

  get state(): StateManager {
    return this.episode.state;
  }

  get metrics(): MetricsManager {
    return this.episode.metrics;
  }

  get rewards(): RewardManager {
    return this.episode.rewards;
  }

  async reset(options: { seed?: number | string; fps?: number } = {}): Promise<{ observation: Float32Array; info: ConfigEnvInfo }> {
    await this.episode.reset(options);
    return { observation: this.observe(), info: this.info(this.episode.fps, null) };
  }

  actionMask(): Uint8Array {
    return this.configuration.mask();
  }

  async step(action: number): Promise<StepResult<Float32Array, ConfigEnvInfo>> {
    const before = this.configuration.config;
    this.configuration.apply(action);
    const window = await this.episode.runWindow(before);
    return {
      observation: this.observe(),
      reward: window.reward,
      terminated: false,
      truncated: window.truncated,
      info: this.info(window.fps, window.outcome),
    };
  }

  async close(): Promise<void> {
    await this.episode.close();
  }

  /** The observation for the current configuration, load and last outcome. */
  observe(): Float32Array {
    return this.episode.observe();
  }

  private info(fps: number, outcome: TrialOutcome | null): ConfigEnvInfo {
    return {
      step: this.episode.step,
      fps,
      nextFps: this.episode.fps,
      config: this.configuration.config,
      outcome,
      actionMask: this.configuration.mask(),
    };
  }
}
