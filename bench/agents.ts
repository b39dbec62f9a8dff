/**
 * `sspe bench agents`: the five agents against the autoscalers operators run,
 * on diurnal-pool (a compressed day on a pool of 1-6 VMs) under slo-cost.
 *
 * 1. Best known per load level: exhaustive search of the joint grid at every
 *    level (trial windows: each configuration measured in steady state), the yardstick of the gaps.
 * 2. Training, the same wall budget for each: IDQN and VDN on the TeamEnv,
 *    and one DQN over the joint absolute space (joint-dqn) on ConfigEnv.
 * 3. Every policy on the day's trace (one long-running application,
 *    redeploys and node boots included): SLO attainment, node cost,
 *    reconfigurations per load change; plus the static best (the best fixed
 *    configuration among the cheapest ones that meet the SLO at peak).
 * 4. Per level, each policy's settled objective against the best known.
 */
import { join } from 'node:path';
import * as ss from 'simple-statistics';
import type { DecisionContext, Policy } from '../src/agents/agent.js';
import { makeBaseline } from '../src/agents/baselines/index.js';
import { sloCostSweep, type SloCostLevel } from '../src/agents/baselines/slo-cost-oracle.js';
import { TeamPolicy } from '../src/agents/team-policy.js';
import type { DqnAgent } from '../src/agents/dqn.js';
import { denseForward, denseLayersOf } from '../src/policy/dense-forward.js';
import { initTf, type TfBackendChoice } from '../src/agents/tf.js';
import { SimulatedBackend } from '../src/backend/simulated.js';
import { formatTable } from '../src/cli/table.js';
import type { DqnOptions } from '../src/config/learning.js';
import { ConfigEnv } from '../src/env/config-env.js';
import { evaluateTrace, peakCandidates, BEST_FIXED_POLICY, FIXED_CANDIDATES, type TracePolicy } from '../src/evaluate/trace.js';
import { RewardManager } from '../src/managers/reward.js';
import { sloCostScale } from '../src/scenario/pricing.js';
import { loadScenarioSync } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/schema.js';
import { gridSize } from '../src/space/grid.js';
import { trainDqn } from '../src/train/train-dqn.js';
import { trainTeam, type TrainedTeam } from '../src/train/train-team.js';
import { fpsAt } from '../sim/workload/trace.js';
import { levelFor } from '../src/agents/baselines/slo-cost-oracle.js';
import { repoRoot } from './sim-workloads.js';

export interface BenchAgentsOptions {
  quick?: boolean;
  backend?: TfBackendChoice;
  /** Wall budget of each learning method, s; default 150 (30 with quick). */
  trainSeconds?: number;
  onProgress?: (stage: string) => void;
}

export interface BenchAgentsPolicy {
  slo_attainment: number;
  cost_usd: number;
  node_cost_per_hour: number;
  reconfigurations: number;
  reconfigurations_per_load_change: number;
  per_frame_ms: number;
  /** Worst gap to the best known over the fixed load levels, % of the best known's objective; null for the fixed policy. */
  gap_to_best_known_pct_max: number | null;
  gaps_pct_by_fps: Record<string, number> | null;
  /** Actions the policy picks from (learned policies). */
  action_count?: number | Record<string, number>;
  train_s?: number;
  env_steps?: number;
}

export interface BenchAgentsResult {
  scenario: string;
  train_s: number;
  decide_ms_p99: number;
  decide_ms_p50: number;
  peak_rss_mb: number;
  policies: Record<string, BenchAgentsPolicy>;
  best_known: { method: string; configs_searched: number; objective_by_fps: Record<string, number>; config_by_fps: Record<string, string> };
  static_best: { candidates_searched: number };
  load_changes: number;
  seeds: number[];
  quick: boolean;
  node_version: string;
}

export async function benchAgents(options: BenchAgentsOptions = {}): Promise<BenchAgentsResult> {
  const quick = options.quick ?? false;
  const progress = options.onProgress ?? (() => {});
  const scenario = loadScenarioSync(join(repoRoot(), 'scenarios', 'diurnal-pool.yaml'));
  const { tf } = await initTf({ backend: options.backend ?? 'auto' });
  let peakRss = process.memoryUsage().rss;
  const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  const rssTimer = setInterval(sampleRss, 200);
  try {
    const levels = quick ? [10, 60] : scenario.workload.fpsLevels;
    progress(`best known: exhaustive search of ${gridSize(scenario.actionSpace)} configurations at ${levels.length} load levels`);
    const sweep = sloCostSweep(scenario, { levels });
    const objective = objectiveFor(scenario);
    const bestKnown = bestKnownByLevel(sweep, scenario);

    const trainSeconds = options.trainSeconds ?? (quick ? 20 : 150);
    const dqn: DqnOptions = quick ? { ...scenario.learning.dqn, episodes: 32, evalEvery: 16, evalFrom: 16, learningStarts: 50 } : { ...scenario.learning.dqn, episodes: 100_000 };
    const learned: Record<string, { policy: Policy; trainS: number; envSteps: number; actionCount: number | Record<string, number> }> = {};
    const teams: TrainedTeam[] = [];
    for (const method of ['idqn', 'vdn'] as const) {
      progress(`training ${method} for ${trainSeconds} s`);
      const team = await trainTeam({ scenario, method, dqn, seed: scenario.seed, tf, maxWallMs: trainSeconds * 1000 });
      teams.push(team);
      learned[method] = {
        policy: teamPolicy(team),
        trainS: team.wallMs / 1000,
        envSteps: team.envSteps,
        actionCount: Object.fromEntries(team.agents.map((a) => [a, team.env.actionSpace(a).n])),
      };
      sampleRss();
    }
    progress(`training joint-dqn for ${trainSeconds} s`);
    const joint = await trainDqn({ scenario, dqn, seed: scenario.seed, tf, maxWallMs: trainSeconds * 1000, evaluation: { everyEpisodes: dqn.evalEvery, fromEpisode: dqn.evalFrom } });
    learned['joint-dqn'] = { policy: joint.agent, trainS: joint.wallMs / 1000, envSteps: joint.envSteps, actionCount: joint.agent.actionCount };
    sampleRss();

    progress('decide latency: five agents, one joint decision');
    const decideMs = decideLatency(learned.vdn.policy, scenario, quick ? 200 : 5000);

    const seeds = quick ? [1] : [1, 2];
    const candidates = peakCandidates(sweep, quick ? 4 : FIXED_CANDIDATES);
    const tracePolicies: Record<string, TracePolicy> = {
      'k8s-stack': { make: () => makeBaseline('k8s-stack', { scenario }), encoding: 'absolute' },
      'flink-autoscaler': { make: () => makeBaseline('flink-autoscaler', { scenario }), encoding: 'absolute' },
    };
    for (const [name, entry] of Object.entries(learned)) tracePolicies[name] = { make: () => entry.policy, encoding: 'absolute' };
    progress(`the day's trace: ${Object.keys(tracePolicies).length} policies and ${candidates.length} fixed candidates × ${seeds.length} seeds`);
    const trace = await evaluateTrace({ scenario, policies: tracePolicies, seeds, fixedCandidates: candidates, adaptiveOracle: false });
    const loadChanges = countLoadChanges(scenario, trace.trace.interval_s * 1000, sweep);

    const policies: Record<string, BenchAgentsPolicy> = {};
    for (const [name, result] of Object.entries(trace.policies)) {
      const key = name === BEST_FIXED_POLICY ? 'static-best' : name;
      progress(`gaps to the best known at every level: ${key}`);
      const gaps = key === 'static-best' ? null : await levelGaps(levelPolicy(name, tracePolicies, learned), scenario, bestKnown, objective, levels);
      const hours = trace.trace.duration_s / 3600;
      policies[key] = {
        slo_attainment: result.slo_attainment,
        cost_usd: result.node_cost_per_hour * hours,
        node_cost_per_hour: result.node_cost_per_hour,
        reconfigurations: result.reconfigurations,
        reconfigurations_per_load_change: result.reconfigurations / Math.max(1, loadChanges),
        per_frame_ms: result.per_frame_ms,
        gap_to_best_known_pct_max: gaps === null ? null : Math.max(...Object.values(gaps)),
        gaps_pct_by_fps: gaps,
        ...(learned[name] !== undefined ? { action_count: learned[name].actionCount, train_s: learned[name].trainS, env_steps: learned[name].envSteps } : {}),
      };
    }
    for (const team of teams) team.dispose();
    joint.agent.dispose();
    sampleRss();
    return {
      scenario: scenario.name,
      train_s: Math.max(...Object.values(learned).map((l) => l.trainS)),
      decide_ms_p99: decideMs.p99,
      decide_ms_p50: decideMs.p50,
      peak_rss_mb: peakRss / 2 ** 20,
      policies,
      best_known: {
        method: 'exhaustive search of the joint grid per load level (trial windows)',
        configs_searched: gridSize(scenario.actionSpace) * levels.length,
        objective_by_fps: Object.fromEntries(levels.map((fps) => [String(fps), bestKnown.get(fps)!.objective])),
        config_by_fps: Object.fromEntries(levels.map((fps) => [String(fps), bestKnown.get(fps)!.label])),
      },
      static_best: { candidates_searched: candidates.length },
      load_changes: loadChanges,
      seeds,
      quick,
      node_version: process.version,
    };
  } finally {
    clearInterval(rssTimer);
  }
}

function teamPolicy(team: TrainedTeam): TeamPolicy {
  return new TeamPolicy(
    team.method,
    team.env.episode.state.normalisation,
    team.agents.map((agent) => ({
      agent,
      features: team.env.partitions[agent],
      encoding: team.env.actions(agent).encoding,
      qValues: fastQValues(team.networks[agent]),
    })),
  );
}

/** The network's forward pass in plain JavaScript when it is a Dense stack (no tensor per decision), else through tfjs. */
function fastQValues(network: DqnAgent): (observation: Float32Array) => ArrayLike<number> {
  const layers = denseLayersOf(network.onlineNetwork);
  return layers === null ? (observation) => network.qValues(observation, 1) : (observation) => denseForward(layers, observation);
}

/** The slo-cost objective without the change penalty: what the gaps and the trace score. */
function objectiveFor(scenario: Scenario): RewardManager {
  return new RewardManager({ ...scenario.learning.reward, kind: 'slo-cost', changePenalty: 0 }, scenario.slo.perFrameMs, sloCostScale(scenario));
}

/** The best configuration of each level and its objective (the cheapest one that meets the SLO). */
function bestKnownByLevel(sweep: SloCostLevel[], scenario: Scenario): Map<number, { objective: number; label: string }> {
  const scale = sloCostScale(scenario);
  const out = new Map<number, { objective: number; label: string }>();
  for (const level of sweep) {
    const best = level.rows[0];
    const value = best.meetsSlo ? Math.max(0, 1 - best.costPerHour / scale.nodeCostScalePerHour) : -1;
    const c = best.config as Record<string, unknown>;
    out.set(level.fps, { objective: value, label: `${c.nodeCount} nodes, ${c.executorInstances} × ${c.executorCores} cores / ${c.executorMemoryMb} MB, ${c.placement}, ${c.serializer}` });
  }
  return out;
}

/** Decision points at which the load moves to another level of the scenario. */
function countLoadChanges(scenario: Scenario, intervalMs: number, sweep: SloCostLevel[]): number {
  let changes = 0;
  let previous: number | null = null;
  for (let t = 0; t < scenario.run.durationMs; t += intervalMs) {
    const level = levelFor(sweep, fpsAt(scenario.workload.trace, t)).fps;
    if (previous !== null && level !== previous) changes++;
    previous = level;
  }
  return changes;
}

function levelPolicy(name: string, trace: Record<string, TracePolicy>, learned: Record<string, { policy: Policy }>): () => Policy {
  if (learned[name] !== undefined) return () => learned[name].policy;
  return () => trace[name].make(1);
}

/**
 * Each level: the policy decides for the scenario's episode length from the
 * starting configuration at a constant load; its settled objective (the
 * second half) against the best known's, in % of the best known.
 */
async function levelGaps(make: () => Policy, scenario: Scenario, bestKnown: Map<number, { objective: number }>, objective: RewardManager, levels: readonly number[]): Promise<Record<string, number>> {
  const gaps: Record<string, number> = {};
  const steps = scenario.learning.env.stepsPerEpisode;
  for (const fps of levels) {
    const env = new ConfigEnv({
      scenario,
      backend: new SimulatedBackend(scenario, { mode: 'trial', windowBatches: scenario.learning.env.windowBatches, settleMs: 0 }),
      env: { ...scenario.learning.env, encoding: 'absolute' },
      reward: scenario.learning.reward,
    });
    const policy = make();
    policy.reset?.();
    await env.reset({ seed: `${scenario.seed}/level-${fps}`, fps });
    const scores: number[] = [];
    for (let step = 0; step < steps; step++) {
      const ctx: DecisionContext = { observation: env.observe(), mask: env.actionMask(), fps, config: env.configuration.config, last: env.metrics.lastOutcome, configuration: env.configuration };
      const result = await env.step(policy.act(ctx));
      if (step >= steps / 2) scores.push(objective.reward(result.info.outcome!));
    }
    const best = bestKnown.get(fps)!.objective;
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    // A policy noisier or luckier than the search's one window can score above it: no gap then.
    gaps[String(fps)] = Math.max(0, ((best - mean) / Math.abs(best)) * 100);
  }
  return gaps;
}

function decideLatency(policy: Policy, scenario: Scenario, decisions: number): { p50: number; p99: number } {
  const env = new ConfigEnv({
    scenario,
    backend: new SimulatedBackend(scenario, { mode: 'trial', windowBatches: 1, settleMs: 0 }),
    env: { ...scenario.learning.env, encoding: 'absolute' },
    reward: scenario.learning.reward,
  });
  const times: number[] = [];
  const configuration = env.configuration;
  // The first decisions compile the code paths; they are not what a running deployment pays.
  const warmUp = Math.min(500, decisions);
  for (let i = -warmUp; i < decisions; i++) {
    const fps = scenario.workload.fpsLevels[i % scenario.workload.fpsLevels.length];
    const ctx: DecisionContext = { observation: env.observe(), mask: configuration.mask(), fps, config: configuration.config, last: null, configuration };
    const started = performance.now();
    policy.act(ctx);
    if (i >= 0) times.push(performance.now() - started);
  }
  return { p50: ss.quantile(times, 0.5), p99: ss.quantile(times, 0.99) };
}

export function formatBenchAgentsTable(result: BenchAgentsResult): string {
  const rows = Object.entries(result.policies).map(([name, p]) => [
    name,
    p.slo_attainment.toFixed(3),
    p.cost_usd.toFixed(4),
    p.node_cost_per_hour.toFixed(3),
    p.reconfigurations_per_load_change.toFixed(2),
    p.gap_to_best_known_pct_max === null ? '-' : p.gap_to_best_known_pct_max.toFixed(1),
    p.action_count === undefined ? '-' : typeof p.action_count === 'number' ? String(p.action_count) : Object.values(p.action_count).join('+'),
  ]);
  return [
    `bench agents on ${result.scenario} (slo-cost on node cost; ${result.load_changes} load-level changes; seeds ${result.seeds.join(', ')})`,
    formatTable(['policy', 'SLO attainment', 'cost $', 'nodes $/h', 'reconfig / load change', 'worst gap to best known %', 'actions'], rows),
    `training: ${result.train_s.toFixed(0)} s per method; joint decide p99 ${result.decide_ms_p99.toFixed(3)} ms; peak RSS ${result.peak_rss_mb.toFixed(0)} MB`,
  ].join('\n');
}
