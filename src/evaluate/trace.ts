/**
 * Trace mode of `sspe evaluate`: every policy runs one long-running
 * application through the scenario's whole load trace (the continuous
 * simulator: a redeploy costs its time, the backlog carries over) and decides
 * once per decision interval, seeing only the load arriving at that moment
 * and the last interval's outcome.
 *
 * Besides the policies given, it can add:
 * - best-fixed: every configuration of the action space, each held through
 *   the whole trace (all seeds), the one with the best objective;
 * - adaptive-oracle: the cheapest configuration meeting the SLO at the
 *   current load, from a per-level table swept once (SloCostOraclePolicy);
 * - redeploy-aware-oracle: the same table, but it redeploys (changes cores
 *   or memory) only when the SLO needs it or the saving is large
 *   (RedeployAwareOraclePolicy).
 *
 * The objective is the slo-cost reward (src/managers/reward.ts) of each
 * interval, averaged over the trace's intervals, with no change penalty (a
 * reconfiguration already costs its time here).
 */
import { declaredKnobs, gridSize, samePoint, type Configuration, type KnobPoint } from '../space/grid.js';
import type { SparkConfig } from '../../sim/config.js';
import { fpsAt } from '../../sim/workload/trace.js';
import type { Policy } from '../agents/agent.js';
import { RedeployAwareOraclePolicy } from '../agents/baselines/redeploy-aware-oracle.js';
import { SloCostOraclePolicy, sloCostSweep, type SloCostLevel, type SloCostOracleOptions } from '../agents/baselines/slo-cost-oracle.js';
import { StaticPolicy } from '../agents/baselines/static.js';
import type { TrialOutcome } from '../backend/backend.js';
import { windowMsFor } from '../backend/simulated.js';
import { TraceRun } from '../backend/trace-run.js';
import type { RewardOptions } from '../config/learning.js';
import { observationNormalisationFor } from '../env/config-env.js';
import { ConfigurationManager, type ActionEncoding } from '../managers/configuration.js';
import { RewardManager } from '../managers/reward.js';
import { StateManager } from '../managers/state.js';
import { maxRequestCostPerHour, requestPricing, sloCostScale } from '../scenario/pricing.js';
import { actionSpaceConfigs, type ExecutorConfig } from '../scenario/run-spec.js';
import type { Scenario } from '../scenario/schema.js';
import type { TraceDecision, TraceEvaluation, TraceFixedConfig, TraceInfo, TracePolicyResult } from '../report/types.js';

/** A policy for trace mode: how to build it per seed, and the action encoding it speaks. */
export interface TracePolicy {
  make: (seed: number) => Policy;
  /**
   * 'absolute' lets a policy jump to any configuration in one decision (what
   * an autoscaler setting a target does); a learned policy keeps the
   * encoding it was trained with.
   */
  encoding: ActionEncoding;
}

export interface TraceEvaluateOptions {
  scenario: Scenario;
  policies: Record<string, TracePolicy>;
  /** Seeds of the simulated application (and of random policies). */
  seeds: number[];
  /** Decision interval, ms; default defaultDecisionInterval(scenario). */
  intervalMs?: number;
  /** Search every fixed configuration and add the best as 'best-fixed'; default true. */
  bestFixed?: boolean;
  /** Search only these fixed configurations for 'best-fixed' (a large joint space); default: the whole grid. */
  fixedCandidates?: readonly KnobPoint[];
  /** Add the slo-cost adaptive oracle as 'adaptive-oracle' and its redeploy-aware variant as 'redeploy-aware-oracle'; default true. */
  adaptiveOracle?: boolean;
  /** Options of the adaptive oracles' table. */
  oracle?: SloCostOracleOptions & { minRedeploySaving?: number };
  /** After the trace, at most this long to finish the frames handed to Spark, ms; default 10 intervals. */
  drainMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export const BEST_FIXED_POLICY = 'best-fixed';
/** Grids larger than this are not searched exhaustively for 'best-fixed'. */
export const MAX_EXHAUSTIVE_FIXED = 200;
/** How many of the peak's cheapest SLO-meeting configurations a large grid's 'best-fixed' search tries. */
export const FIXED_CANDIDATES = 16;
export const ADAPTIVE_ORACLE_POLICY = 'adaptive-oracle';
export const REDEPLOY_AWARE_ORACLE_POLICY = 'redeploy-aware-oracle';
const FPS_SAMPLES = 240;

/**
 * The environment's continuous step: learning.env.settleMs plus one
 * measurement window (windowBatches batch fill times) of the starting
 * configuration at the trace's starting load.
 */
export function defaultDecisionInterval(scenario: Scenario): { intervalMs: number; source: string } {
  const env = scenario.learning.env;
  const fps0 = Math.max(scenario.workload.fpsLevels[0] / 10, fpsAt(scenario.workload.trace, 0));
  const windowMs = windowMsFor(scenario.spark, fps0, env.windowBatches, scenario);
  return {
    intervalMs: env.settleMs + windowMs,
    source: `learning.env.settleMs (${env.settleMs} ms) + ${env.windowBatches} batch fill times at ${round(fps0, 2)} fps (${windowMs} ms)`,
  };
}

/** Everything the evaluation of one policy on one seed collected. */
interface TraceEpisode {
  rewards: number[];
  decisions: TraceDecision[];
  reconfigurations: number;
  framesArrived: number;
  framesWithinSlo: number;
  framesProcessed: number;
  framesDropped: number;
  unfinishedFrames: number;
  perFrameMsSum: number;
  requestDollars: number;
  nodeDollars: number;
  tracedMs: number;
}

/** Runs every policy (plus best-fixed and the adaptive oracle) through the trace; same options, same figures. */
export async function evaluateTrace(options: TraceEvaluateOptions): Promise<TraceEvaluation> {
  const { scenario, seeds } = options;
  if (seeds.length === 0) throw new RangeError('evaluateTrace: expected at least one seed, got none');
  const fallback = defaultDecisionInterval(scenario);
  const intervalMs = options.intervalMs ?? fallback.intervalMs;
  const durationMs = scenario.run.durationMs;
  if (!(intervalMs > 0 && intervalMs <= durationMs)) {
    throw new RangeError(`evaluateTrace: expected a decision interval in (0, ${durationMs}] ms (the trace's length), got ${intervalMs}`);
  }
  const context: EpisodeContext = {
    scenario,
    intervalMs,
    drainMs: options.drainMs ?? 10 * intervalMs,
    rewards: objectiveFor(scenario),
    normalisation: new StateManager(observationNormalisationFor(scenario)),
  };
  // A configuration whose executor fits on no node never runs: the search skips it.
  const fits = new ConfigurationManager(scenario, 'absolute');
  const withOracle = options.adaptiveOracle !== false;
  // A large joint space is not searched exhaustively on the trace: the cheapest configurations that meet the SLO at the peak level are.
  const large = options.fixedCandidates === undefined && options.bestFixed !== false && gridSize(scenario.actionSpace) > MAX_EXHAUSTIVE_FIXED;
  const sweep = withOracle || large ? sloCostSweep(scenario, options.oracle) : null;
  const candidates = options.fixedCandidates ?? (large ? peakCandidates(sweep!, FIXED_CANDIDATES) : actionSpaceConfigs(scenario));
  const grid = options.bestFixed === false ? [] : candidates.filter((config) => fits.fitsOneExecutor(config));
  const names = Object.keys(options.policies);
  const total = (names.length + grid.length + (withOracle ? 2 : 0)) * seeds.length;
  let done = 0;
  const tick = () => options.onProgress?.(++done, total);

  const policies: Record<string, TracePolicyResult> = {};
  const runAll = async (policy: TracePolicy): Promise<TraceEpisode[]> => {
    const episodes: TraceEpisode[] = [];
    for (const seed of seeds) {
      episodes.push(runTraceEpisode(context, policy, seed));
      tick();
      // Lets the progress bar draw and Ctrl-C land between episodes.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return episodes;
  };

  for (const name of names) policies[name] = summarise(await runAll(options.policies[name]), null);
  if (grid.length > 0) {
    let best: { config: ExecutorConfig; result: TracePolicyResult } | null = null;
    for (const config of grid) {
      const result = summarise(await runAll(fixedPolicy(config)), fixedConfigJson(scenario, config));
      if (best === null || result.objective > best.result.objective + 1e-12 || (Math.abs(result.objective - best.result.objective) <= 1e-12 && result.request_cost_per_hour < best.result.request_cost_per_hour)) {
        best = { config, result };
      }
    }
    if (best !== null) policies[BEST_FIXED_POLICY] = best.result;
  }
  if (withOracle) {
    // One sweep serves both: neither keeps state between decisions.
    const oracle = new SloCostOraclePolicy(sweep!.map((level) => level.rows[0]));
    const aware = new RedeployAwareOraclePolicy(sweep!, options.oracle);
    policies[ADAPTIVE_ORACLE_POLICY] = summarise(await runAll({ make: () => oracle, encoding: 'absolute' }), null);
    policies[REDEPLOY_AWARE_ORACLE_POLICY] = summarise(await runAll({ make: () => aware, encoding: 'absolute' }), null);
  }
  return { trace: traceInfo(scenario, { intervalMs, source: options.intervalMs === undefined ? fallback.source : 'given' }, seeds, grid.length), policies };
}

/** A policy that holds one configuration from the start (the application is submitted with it). */
export function fixedPolicy(config: ExecutorConfig): TracePolicy {
  return { make: () => new StaticPolicy({ config }), encoding: 'absolute' };
}

/** The slo-cost reward, change penalty off, scaled to the scenario's dearest configuration. */
function objectiveFor(scenario: Scenario): RewardManager {
  const options: RewardOptions = { ...scenario.learning.reward, kind: 'slo-cost', changePenalty: 0 };
  return new RewardManager(options, scenario.slo.perFrameMs, sloCostScale(scenario));
}

interface EpisodeContext {
  scenario: Scenario;
  intervalMs: number;
  drainMs: number;
  rewards: RewardManager;
  normalisation: StateManager;
}

/** One policy, one seed, the whole trace. */
export function runTraceEpisode(context: EpisodeContext, spec: TracePolicy, seed: number): TraceEpisode {
  const { scenario, intervalMs } = context;
  const configuration = new ConfigurationManager(scenario, spec.encoding);
  const policy = spec.make(seed);
  policy.reset?.();
  const durationMs = scenario.run.durationMs;
  const trace = scenario.workload.trace;
  const decide = (fps: number, last: TrialOutcome | null): Configuration => {
    const config = configuration.config;
    const observation = context.normalisation.observe({ fps, config, last });
    const action = policy.act({ observation, mask: configuration.mask(), fps, config, last, configuration });
    return configuration.apply(action);
  };
  // The first decision picks the configuration the application is submitted with.
  const firstFps = fpsAt(trace, 0);
  let config = decide(firstFps, null);
  const run = new TraceRun({ scenario, config, seed: `trace/${seed}` });
  const episode: TraceEpisode = {
    rewards: [],
    decisions: [],
    reconfigurations: 0,
    framesArrived: 0,
    framesWithinSlo: 0,
    framesProcessed: 0,
    framesDropped: 0,
    unfinishedFrames: 0,
    perFrameMsSum: 0,
    requestDollars: 0,
    nodeDollars: 0,
    tracedMs: 0,
  };
  try {
    let last: TrialOutcome | null = null;
    for (let k = 0; k * intervalMs < durationMs; k++) {
      const fps = k === 0 ? firstFps : run.fpsNow();
      if (k > 0) {
        const next = decide(fps, last);
        if (!samePoint(scenario.actionSpace, configuration.point(config), configuration.point(next))) episode.reconfigurations++;
        config = next;
      }
      const startMs = run.nowMs;
      const outcome = run.interval(config, Math.min(durationMs, (k + 1) * intervalMs));
      const reward = context.rewards.reward(outcome);
      record(episode, outcome, true);
      episode.rewards.push(reward);
      episode.decisions.push({
        t_s: startMs / 1000,
        fps: round(fps, 3),
        cores: config.executorCores,
        memory_mb: config.executorMemoryMb,
        instances: config.executorInstances,
        ...(config.nodeCount !== undefined ? { nodes: config.nodeCount } : {}),
        ...(config.placement !== undefined ? { placement: config.placement } : {}),
        per_frame_ms: outcome.failure === null ? outcome.perFrameMs.mean : null,
        reward,
      });
      last = outcome;
    }
    const drained = run.drain(context.drainMs);
    record(episode, drained, false);
    episode.unfinishedFrames = drained.unfinishedFrames;
  } finally {
    run.close();
  }
  return episode;
}

/** Adds an interval's frames (and, within the trace, its cost) to the episode. */
function record(episode: TraceEpisode, outcome: TrialOutcome, withinTrace: boolean): void {
  episode.framesArrived += outcome.framesArrived;
  episode.framesProcessed += outcome.framesProcessed;
  episode.framesDropped += outcome.framesDropped;
  if (outcome.framesProcessed > 0 && Number.isFinite(outcome.perFrameMs.mean)) {
    episode.framesWithinSlo += Math.round(outcome.framesProcessed * (1 - outcome.sloViolationFraction));
    episode.perFrameMsSum += outcome.perFrameMs.mean * outcome.framesProcessed;
  }
  if (!withinTrace) return;
  const hours = outcome.windowMs / 3_600_000;
  episode.requestDollars += (outcome.requestCostPerHour ?? 0) * hours;
  episode.nodeDollars += outcome.costPerHour * hours;
  episode.tracedMs += outcome.windowMs;
}

function summarise(episodes: TraceEpisode[], config: TraceFixedConfig | null): TracePolicyResult {
  const mean = (f: (e: TraceEpisode) => number) => episodes.reduce((sum, e) => sum + f(e), 0) / episodes.length;
  const hoursOf = (e: TraceEpisode) => e.tracedMs / 3_600_000;
  return {
    objective: mean((e) => e.rewards.reduce((a, b) => a + b, 0) / e.rewards.length),
    // Frames that arrived in the trace: processed within the SLO, processed late, dropped or never finished.
    slo_attainment: mean((e) => {
      const frames = e.framesProcessed + e.framesDropped + e.unfinishedFrames;
      return frames > 0 ? e.framesWithinSlo / frames : 0;
    }),
    request_cost_per_hour: mean((e) => e.requestDollars / hoursOf(e)),
    node_cost_per_hour: mean((e) => e.nodeDollars / hoursOf(e)),
    reconfigurations: mean((e) => e.reconfigurations),
    reconfigurations_per_hour: mean((e) => e.reconfigurations / hoursOf(e)),
    dropped_frames: mean((e) => e.framesDropped),
    unfinished_frames: mean((e) => e.unfinishedFrames),
    per_frame_ms: mean((e) => (e.framesProcessed > 0 ? e.perFrameMsSum / e.framesProcessed : NaN)),
    seeds: episodes.length,
    config,
    decisions: episodes[0].decisions,
  };
}

/** A fixed configuration under the run log's column names: every knob the scenario declares that the point sets. */
function fixedConfigJson(scenario: Scenario, config: ExecutorConfig | KnobPoint): TraceFixedConfig {
  const out: Record<string, number | string> = { cores: config.executorCores, memory_mb: config.executorMemoryMb, instances: config.executorInstances };
  for (const knob of declaredKnobs(scenario.actionSpace)) {
    const value = (config as Partial<Record<string, number | string>>)[knob.name];
    if (value !== undefined && !(knob.declaration.column in out)) out[knob.declaration.column] = value;
  }
  return out as TraceFixedConfig;
}

function traceInfo(scenario: Scenario, interval: { intervalMs: number; source: string }, seeds: number[], searched: number): TraceInfo {
  const durationMs = scenario.run.durationMs;
  const pricing = requestPricing(scenario);
  const fps: { t_s: number; fps: number }[] = [];
  for (let i = 0; i <= FPS_SAMPLES; i++) {
    const tMs = (durationMs * i) / FPS_SAMPLES;
    fps.push({ t_s: round(tMs / 1000, 3), fps: round(fpsAt(scenario.workload.trace, Math.min(tMs, durationMs - 1)), 3) });
  }
  return {
    scenario: scenario.name,
    kind: scenario.workload.trace.kind,
    duration_s: durationMs / 1000,
    interval_s: interval.intervalMs / 1000,
    interval_source: interval.source,
    decisions: Math.ceil(durationMs / interval.intervalMs),
    seeds,
    objective: 'slo-cost',
    cost_basis: sloCostScale(scenario).costBasis,
    slo_per_frame_ms: scenario.slo.perFrameMs,
    pricing: { vcpu_hour: pricing.vcpuHour, gb_hour: pricing.gbHour, source: scenario.cluster.pricing !== undefined ? 'declared' : 'node price' },
    fps,
    fixed_configs_searched: searched,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The cheapest configurations that meet the SLO at the highest level (a fixed configuration must survive the peak); all of that level's best when none does. */
export function peakCandidates(sweep: readonly SloCostLevel[], count: number): KnobPoint[] {
  const peak = [...sweep].sort((a, b) => a.fps - b.fps)[sweep.length - 1];
  const meeting = peak.rows.filter((row) => row.meetsSlo);
  return (meeting.length > 0 ? meeting : peak.rows).slice(0, count).map((row) => row.config as KnobPoint);
}
