import type { SparkConfig } from '../../sim/config.js';
import { Rng } from '../../sim/random.js';
import type { Backend, TrialOutcome } from '../backend/backend.js';
import type { EnvOptions, RewardOptions } from '../config/learning.js';
import { ConfigurationManager } from '../managers/configuration.js';
import { MetricsManager } from '../managers/metrics.js';
import { RewardManager } from '../managers/reward.js';
import { StateManager, type ObservationNormalisation } from '../managers/state.js';
import { maxRequestCostPerHour } from '../scenario/pricing.js';
import type { Scenario } from '../scenario/schema.js';
import { fpsAt } from '../../sim/workload/trace.js';
import type { Env, StepResult } from './env.js';
import { Box, Discrete } from './spaces.js';
import { samePoint } from '../space/grid.js';

/** How a scenario's observations are scaled (saved with a policy). */
export function observationNormalisationFor(scenario: Scenario): ObservationNormalisation {
  return StateManager.forScenario({
    maxFps: Math.max(...scenario.workload.fpsLevels),
    sloPerFrameMs: scenario.slo.perFrameMs,
    configuration: new ConfigurationManager(scenario, scenario.learning.env.encoding),
    requestCostScalePerHour: maxRequestCostPerHour(scenario),
  }).normalisation;
}

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
  readonly configuration: ConfigurationManager;
  readonly state: StateManager;
  readonly metrics = new MetricsManager();
  readonly rewards: RewardManager;
  private rng: Rng;
  private stepIndex = 0;
  private fps = 0;
  private seed: number | string;
  private episodes = 0;
  /** Set by reset({fps}): every step of the episode runs at this load (evaluation per load level). */
  private pinnedFps: number | null = null;

  constructor(private readonly options: ConfigEnvOptions) {
    const { scenario } = options;
    this.configuration = new ConfigurationManager(scenario, options.env.encoding);
    this.state = new StateManager(observationNormalisationFor(scenario));
    this.rewards = new RewardManager(options.reward, scenario.slo.perFrameMs, { requestCostScalePerHour: maxRequestCostPerHour(scenario) });
    this.observationSpace = new Box(0, 1, this.state.size);
    this.actionSpace = new Discrete(this.configuration.actionCount);
    this.seed = scenario.seed;
    this.rng = new Rng(this.seed, 'env');
  }

  get scenario(): Scenario {
    return this.options.scenario;
  }

  async reset(options: { seed?: number | string; fps?: number } = {}): Promise<{ observation: Float32Array; info: ConfigEnvInfo }> {
    if (options.seed !== undefined) {
      this.seed = options.seed;
      this.episodes = 0;
    }
    const episodeSeed = `${this.seed}/episode-${this.episodes++}`;
    this.rng = new Rng(episodeSeed, 'env');
    await this.options.backend.reset(episodeSeed);
    this.configuration.set(this.configuration.startingPoint);
    this.metrics.reset();
    this.stepIndex = 0;
    this.pinnedFps = options.fps ?? null;
    this.fps = this.loadAt(0, null);
    const observation = this.observe();
    return { observation, info: this.info(this.fps, null) };
  }

  actionMask(): Uint8Array {
    return this.configuration.mask();
  }

  async step(action: number): Promise<StepResult<Float32Array, ConfigEnvInfo>> {
    const before = this.configuration.point();
    const config = this.configuration.apply(action);
    const changed = !samePoint(this.scenario.actionSpace, before, this.configuration.point());
    const fps = this.fps;
    const outcome = await this.options.backend.runTrial({ config, fps });
    this.metrics.record(outcome);
    const reward = this.rewards.reward(outcome, { changed });
    this.stepIndex++;
    this.fps = this.loadAt(this.stepIndex, fps);
    return {
      observation: this.observe(),
      reward,
      terminated: false,
      truncated: this.stepIndex >= this.options.env.stepsPerEpisode,
      info: this.info(fps, outcome),
    };
  }

  async close(): Promise<void> {
    await this.options.backend.close();
  }

  /** The observation for the current configuration, load and last outcome. */
  observe(): Float32Array {
    return this.state.observe({ fps: this.fps, config: this.configuration.config, last: this.metrics.lastOutcome });
  }

  private info(fps: number, outcome: TrialOutcome | null): ConfigEnvInfo {
    return {
      step: this.stepIndex,
      fps,
      nextFps: this.fps,
      config: this.configuration.config,
      outcome,
      actionMask: this.configuration.mask(),
    };
  }

  /** The load of step `index`. */
  private loadAt(index: number, previous: number | null): number {
    if (this.pinnedFps !== null) return this.pinnedFps;
    const levels = this.scenario.workload.fpsLevels;
    if (this.options.env.loadSchedule === 'trace') {
      // Sample the trace at the start of each window; windows are as long as the scenario's run divided by the steps.
      const stepMs = this.scenario.run.durationMs / this.options.env.stepsPerEpisode;
      return Math.max(levels[0] / 10, fpsAt(this.scenario.workload.trace, index * stepMs));
    }
    if (previous === null || this.rng.uniform() < this.options.env.levelChangeProbability) return this.rng.pick(levels);
    return previous;
  }
}
