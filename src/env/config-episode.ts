/**
 * One episode of tuning a streaming Spark application: the load it walks
 * through, the backend that runs each decision window, the metrics and the
 * reward. The single-agent environment (ConfigEnv) and the five-agent one
 * (TeamEnv) both step through this: one code path from a chosen point of the
 * action space to an outcome and a reward.
 */
import { Rng } from '../../sim/random.js';
import type { Backend, TrialOutcome } from '../backend/backend.js';
import type { EnvOptions, RewardOptions } from '../config/learning.js';
import { ConfigurationManager, type ActionEncoding } from '../managers/configuration.js';
import { MetricsManager } from '../managers/metrics.js';
import { RewardManager } from '../managers/reward.js';
import { StateManager, type ObservationNormalisation, type StatePartition } from '../managers/state.js';
import { maxRequestCostPerHour, sloCostScale } from '../scenario/pricing.js';
import type { Scenario } from '../scenario/schema.js';
import { samePoint, type Configuration } from '../space/grid.js';
import { fpsAt } from '../../sim/workload/trace.js';

export interface ConfigEpisodeOptions {
  scenario: Scenario;
  backend: Backend;
  env: EnvOptions;
  reward: RewardOptions;
  /** Defaults to env.encoding. */
  encoding?: ActionEncoding;
  /** How observations are scaled; defaults to the scenario's (observationNormalisationFor). */
  normalisation?: ObservationNormalisation;
}

/** What one decision window gave. */
export interface WindowResult {
  /** Load of the window just measured, fps. */
  fps: number;
  outcome: TrialOutcome;
  reward: number;
  /** Whether the decision changed any declared knob. */
  changed: boolean;
  /** The episode reached its step limit. */
  truncated: boolean;
}

/** How a scenario's observations are scaled (saved with a policy). */
export function observationNormalisationFor(scenario: Scenario): ObservationNormalisation {
  return StateManager.forScenario({
    maxFps: Math.max(...scenario.workload.fpsLevels),
    sloPerFrameMs: scenario.slo.perFrameMs,
    configuration: new ConfigurationManager(scenario, scenario.learning.env.encoding),
    requestCostScalePerHour: maxRequestCostPerHour(scenario),
  }).normalisation;
}

/**
 * loadSchedule 'walk': the longest ramp, in steps. Not a scenario option, so
 * that every scenario saved before the walk keeps its hash (a shipped policy
 * checks it); on diurnal-pool's 20-step episodes ten steps is the day's
 * fastest rise, about 5 fps a step, and one step a jump between extremes.
 */
const WALK_MAX_RAMP_STEPS = 10;

export class ConfigEpisode {
  readonly configuration: ConfigurationManager;
  readonly state: StateManager;
  readonly metrics = new MetricsManager();
  readonly rewards: RewardManager;
  private rng: Rng;
  private index = 0;
  private load = 0;
  private seed: number | string;
  private episodes = 0;
  /** Set by reset({fps}): every step of the episode runs at this load (evaluation per load level). */
  private pinnedFps: number | null = null;
  /** loadSchedule 'walk': the ramp under way: where it ends, its change per step, the steps it has left. */
  private ramp = { target: 0, perStep: 0, stepsLeft: 0 };

  constructor(private readonly options: ConfigEpisodeOptions) {
    const { scenario } = options;
    this.configuration = new ConfigurationManager(scenario, options.encoding ?? options.env.encoding);
    this.state = new StateManager(options.normalisation ?? observationNormalisationFor(scenario));
    this.rewards = new RewardManager(options.reward, scenario.slo.perFrameMs, sloCostScale(scenario));
    this.seed = scenario.seed;
    this.rng = new Rng(this.seed, 'env');
  }

  get scenario(): Scenario {
    return this.options.scenario;
  }

  /** Decisions taken in this episode. */
  get step(): number {
    return this.index;
  }

  /** The load the next decision faces, fps. */
  get fps(): number {
    return this.load;
  }

  /**
   * Sets the load the next decision faces, fps, for a load that comes from
   * outside the episode (a deployment's load source, fine-tuning's load
   * levels); the episode's own schedule is back after the next window.
   */
  setLoad(fps: number): void {
    if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`expected a positive number of frames per second, got ${fps}`);
    this.load = fps;
  }

  /** Starts an episode: a new seed when given, the scenario's starting configuration, the first load. */
  async reset(options: { seed?: number | string; fps?: number } = {}): Promise<void> {
    if (options.seed !== undefined) {
      this.seed = options.seed;
      this.episodes = 0;
    }
    const episodeSeed = `${this.seed}/episode-${this.episodes++}`;
    this.rng = new Rng(episodeSeed, 'env');
    await this.options.backend.reset(episodeSeed);
    this.configuration.set(this.configuration.startingPoint);
    this.metrics.reset();
    this.index = 0;
    this.pinnedFps = options.fps ?? null;
    this.ramp = { target: 0, perStep: 0, stepsLeft: 0 };
    this.load = this.loadAt(0, null);
  }

  /**
   * Runs one window with the configuration the Configuration Manager holds
   * now (the caller has applied the decision to it); `before` is the
   * configuration the decision started from.
   */
  async runWindow(before: Configuration): Promise<WindowResult> {
    const config = this.configuration.config;
    const space = this.scenario.actionSpace;
    const changed = !samePoint(space, this.configuration.point(before), this.configuration.point(config));
    const fps = this.load;
    const outcome = await this.options.backend.runTrial({ config, fps });
    this.metrics.record(outcome);
    const reward = this.rewards.reward(outcome, { changed });
    this.index++;
    this.load = this.loadAt(this.index, fps);
    return { fps, outcome, reward, changed, truncated: this.index >= this.options.env.stepsPerEpisode };
  }

  /** The observation (or one partition of it) for the current configuration, load and last outcome. */
  observe(partition?: StatePartition): Float32Array {
    return this.state.observe({ fps: this.load, config: this.configuration.config, last: this.metrics.lastOutcome }, partition);
  }

  async close(): Promise<void> {
    await this.options.backend.close();
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
    if (this.options.env.loadSchedule === 'walk') return this.walkFrom(previous, Math.min(...levels), Math.max(...levels));
    if (previous === null || this.rng.uniform() < this.options.env.levelChangeProbability) return this.rng.pick(levels);
    return previous;
  }

  /**
   * loadSchedule 'walk': the load holds, and with levelChangeProbability per
   * step starts a straight ramp to a target drawn uniformly in [min, max],
   * reached after 1 to WALK_MAX_RAMP_STEPS steps (a jump to a slow ramp).
   * Loads between the levels, and loads that move in a direction, as a
   * day's trace has them.
   */
  private walkFrom(previous: number | null, min: number, max: number): number {
    if (previous === null) return this.rng.between(min, max);
    if (this.ramp.stepsLeft > 0) {
      this.ramp.stepsLeft--;
      return this.ramp.stepsLeft === 0 ? this.ramp.target : previous + this.ramp.perStep;
    }
    if (!(this.rng.uniform() < this.options.env.levelChangeProbability)) return previous;
    const target = this.rng.between(min, max);
    const steps = this.rng.int(1, WALK_MAX_RAMP_STEPS);
    this.ramp = { target, perStep: (target - previous) / steps, stepsLeft: steps - 1 };
    return steps === 1 ? target : previous + this.ramp.perStep;
  }
}
