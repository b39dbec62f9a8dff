import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as ss from 'simple-statistics';
import type { Policy } from '../agents/agent.js';
import type { TrialOutcome } from '../backend/backend.js';
import { SimulatedBackend } from '../backend/simulated.js';
import { ConfigEnv } from '../env/config-env.js';
import { InterruptedError } from '../errors.js';
import type { EvaluationLevel, PolicyLevelResult } from '../report/types.js';
import type { Scenario } from '../scenario/schema.js';

/** Builds a fresh policy for one evaluation episode (baselines with state or a seed get a new one each time). */
export type PolicyFactory = (seed: number) => Policy;

export interface EvaluateOptions {
  scenario: Scenario;
  policies: Record<string, PolicyFactory>;
  seeds: number[];
  /** Load levels, fps; default the scenario's fpsLevels. */
  levels?: number[];
  /** Decisions per evaluation episode; default the scenario's stepsPerEpisode. */
  steps?: number;
  /** The last this-many steps are measured (the policy has settled by then); default half the episode. */
  measuredSteps?: number;
  /** Name of the oracle policy, for the gap column. */
  oracle?: string;
  onProgress?: (done: number, total: number) => void;
  /** Polled after every episode; true stops the evaluation with an InterruptedError (what is done so far is not summarised). */
  shouldStop?: () => boolean;
  /** Every trial, for the run log. */
  onTrial?: (trial: { policy: string; seed: number; fps: number; step: number; outcome: TrialOutcome; reward: number; config: { executorCores: number; executorMemoryMb: number; executorInstances: number } }) => void;
}

interface EpisodeSummary {
  perFrameMs: number;
  p95Ms: number;
  cores: number;
  memoryMb: number;
  instances: number;
  cpuUtil: number;
  memUtil: number;
  costPerHour: number;
  requestCostPerHour: number;
  sloViolationFraction: number;
  rescalesPerHour: number;
  failedTrials: number;
  rewardPerStep: number;
  /** Every configuration of the measured trials. */
  measuredConfigs: { cores: number; memoryMb: number; instances: number }[];
}

/**
 * Every policy at every load level, several seeds each: an episode with the
 * load pinned at the level, starting from the scenario's configuration; the
 * last `measuredSteps` trials are measured. Same options and seeds, same
 * figures.
 */
export async function evaluatePolicies(options: EvaluateOptions): Promise<EvaluationLevel[]> {
  const { scenario } = options;
  const levels = options.levels ?? scenario.workload.fpsLevels;
  const steps = options.steps ?? scenario.learning.env.stepsPerEpisode;
  const measured = Math.max(1, Math.min(steps, options.measuredSteps ?? Math.ceil(steps / 2)));
  const names = Object.keys(options.policies);
  const total = levels.length * names.length * options.seeds.length;
  let done = 0;
  const out: EvaluationLevel[] = [];
  for (const fps of levels) {
    const policies: Record<string, PolicyLevelResult> = {};
    for (const name of names) {
      const episodes: EpisodeSummary[] = [];
      for (const seed of options.seeds) {
        episodes.push(await runEpisode({ ...options, name, seed, fps, steps, measured }));
        options.onProgress?.(++done, total);
        // The simulator never waits on I/O: let signal handlers run between episodes.
        await yieldToEventLoop();
        if (options.shouldStop?.()) throw new InterruptedError(`evaluation stopped after ${done} of ${total} episodes`);
      }
      policies[name] = summarise(episodes);
    }
    const oracle = options.oracle !== undefined ? policies[options.oracle] : undefined;
    for (const [name, result] of Object.entries(policies)) {
      result.gap_to_oracle_pct =
        oracle && name !== options.oracle ? (100 * (result.per_frame_ms.mean - oracle.per_frame_ms.mean)) / oracle.per_frame_ms.mean : null;
    }
    out.push({ fps, policies });
  }
  return out;
}

async function runEpisode(
  options: EvaluateOptions & { name: string; seed: number; fps: number; steps: number; measured: number },
): Promise<EpisodeSummary> {
  const { scenario } = options;
  const envOptions = { ...scenario.learning.env, stepsPerEpisode: options.steps };
  const backend = new SimulatedBackend(scenario, { mode: envOptions.backendMode, windowBatches: envOptions.windowBatches, settleMs: envOptions.settleMs });
  const env = new ConfigEnv({ scenario, backend, env: envOptions, reward: scenario.learning.reward });
  const policy = options.policies[options.name](options.seed);
  policy.reset?.();
  let { observation, info } = await env.reset({ seed: `eval/${options.seed}`, fps: options.fps });
  const tail: TrialOutcome[] = [];
  let rescales = 0;
  let simulatedMs = 0;
  let failed = 0;
  let rewardSum = 0;
  const measuredConfigs: EpisodeSummary['measuredConfigs'] = [];
  for (let step = 0; step < options.steps; step++) {
    const before = env.configuration.config;
    const action = policy.act({
      observation,
      mask: env.actionMask(),
      fps: info.nextFps,
      config: before,
      last: env.metrics.lastOutcome,
      configuration: env.configuration,
    });
    const result = await env.step(action);
    const after = result.info.config;
    if (after.executorCores !== before.executorCores || after.executorMemoryMb !== before.executorMemoryMb || after.executorInstances !== before.executorInstances) {
      rescales++;
    }
    const outcome = result.info.outcome!;
    simulatedMs += outcome.windowMs;
    options.onTrial?.({ policy: options.name, seed: options.seed, fps: options.fps, step, outcome, reward: result.reward, config: after });
    rewardSum += result.reward;
    if (step >= options.steps - options.measured) {
      measuredConfigs.push({ cores: after.executorCores, memoryMb: after.executorMemoryMb, instances: after.executorInstances });
      if (outcome.failure === null) tail.push(outcome);
      else failed++;
    }
    observation = result.observation;
    info = result.info;
  }
  await env.close();
  const mean = (f: (o: TrialOutcome) => number) => (tail.length > 0 ? ss.mean(tail.map(f)) : NaN);
  const final = env.configuration.config;
  return {
    perFrameMs: mean((o) => o.perFrameMs.mean),
    p95Ms: mean((o) => o.perFrameMs.p95),
    cores: final.executorCores,
    memoryMb: final.executorMemoryMb,
    instances: final.executorInstances,
    cpuUtil: mean((o) => o.cpuUtil),
    memUtil: mean((o) => o.memUtil),
    costPerHour: mean((o) => o.costPerHour),
    requestCostPerHour: mean((o) => o.requestCostPerHour ?? NaN),
    sloViolationFraction: mean((o) => o.sloViolationFraction),
    rescalesPerHour: simulatedMs > 0 ? rescales / (simulatedMs / 3_600_000) : 0,
    failedTrials: failed,
    rewardPerStep: rewardSum / options.steps,
    measuredConfigs,
  };
}

function summarise(episodes: EpisodeSummary[]): PolicyLevelResult {
  const values = (f: (e: EpisodeSummary) => number) => episodes.map(f).filter((x) => Number.isFinite(x));
  const mean = (f: (e: EpisodeSummary) => number) => {
    const xs = values(f);
    return xs.length > 0 ? ss.mean(xs) : NaN;
  };
  const perFrame = values((e) => e.perFrameMs);
  // The configuration most episodes ended in (ties: the first seen).
  const counts = new Map<string, number>();
  for (const e of episodes) {
    const key = `${e.cores}/${e.memoryMb}/${e.instances}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const [modeKey] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  const [cores, memoryMb, instances] = modeKey.split('/').map(Number);
  const measured = episodes.flatMap((e) => e.measuredConfigs);
  const range = (pick: (c: EpisodeSummary['measuredConfigs'][number]) => number, fallback: number) =>
    measured.length > 0 ? { min: Math.min(...measured.map(pick)), max: Math.max(...measured.map(pick)) } : { min: fallback, max: fallback };
  return {
    per_frame_ms: {
      mean: perFrame.length > 0 ? ss.mean(perFrame) : NaN,
      std: perFrame.length > 1 ? ss.sampleStandardDeviation(perFrame) : 0,
      p95: mean((e) => e.p95Ms),
    },
    cores,
    memory_mb: memoryMb,
    instances,
    cpu_util: mean((e) => e.cpuUtil),
    mem_util: mean((e) => e.memUtil),
    cost_per_hour: mean((e) => e.costPerHour),
    request_cost_per_hour: mean((e) => e.requestCostPerHour),
    slo_violation_fraction: mean((e) => e.sloViolationFraction),
    rescales_per_hour: mean((e) => e.rescalesPerHour),
    chosen_range: { cores: range((c) => c.cores, cores), memory_mb: range((c) => c.memoryMb, memoryMb), instances: range((c) => c.instances, instances) },
    reward_per_step: mean((e) => e.rewardPerStep),
    gap_to_oracle_pct: null,
    seeds: episodes.length,
  };
}
