import type { EvaluationReportInput, PolicyLevelResult, TraceEvaluation, TracePolicyResult, TrainingCurves } from '../../../src/report/types.js';

/** A deterministic stand-in for a noise source: tests must not depend on Math.random. */
export function noise(i: number): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

export function result(perFrameMeanMs: number, overrides: Partial<PolicyLevelResult> = {}): PolicyLevelResult {
  return {
    per_frame_ms: { mean: perFrameMeanMs, std: perFrameMeanMs * 0.08, p95: perFrameMeanMs * 1.3 },
    cores: 2,
    memory_mb: 2048,
    instances: 3,
    cpu_util: 0.55,
    mem_util: 0.4,
    cost_per_hour: 0.42,
    slo_violation_fraction: 0.02,
    rescales_per_hour: 1.5,
    gap_to_oracle_pct: null,
    seeds: 3,
    ...overrides,
  };
}

function curves(steps: number): TrainingCurves {
  const stepRewards = Array.from({ length: steps }, (_, i) => -1 + (1.5 * i) / steps + noise(i) * 0.8);
  const episodes = Math.max(1, Math.floor(steps / 20));
  // Each episode at one of three levels; a level caps the reward (2, 1.5, 1), and the agent closes on the cap.
  const episodeFps = Array.from({ length: episodes }, (_, e) => [10, 20, 30][e % 3]);
  const cap = (fps: number) => ({ 10: 2, 20: 1.5, 30: 1 })[fps]!;
  return {
    stepRewards,
    episodeMeanRewards: episodeFps.map((fps, e) => cap(fps) - 0.8 * (1 - e / episodes) - Math.abs(noise(e + 7)) * 0.1),
    episodeEpsilons: Array.from({ length: episodes }, (_, e) => Math.max(0.05, 1 - (1.2 * e) / episodes)),
    episodeFps,
    keptEpisode: Math.max(1, episodes - 2),
    reward: { kind: 'inverse', changePenalty: 0.02, dropPenalty: 1, costWeight: 1 },
  };
}

/** Three levels, three policies (one of them the oracle); `dqn` wins at 10 and 30 fps, `static` at 20. */
export function syntheticInput(options: { steps?: number; policyName?: string } = {}): EvaluationReportInput {
  const dqn = options.policyName ?? 'dqn';
  const level = (fps: number, dqnMs: number, staticMs: number, oracleMs: number) => ({
    fps,
    policies: {
      [dqn]: result(dqnMs, {
        cores: 2 + fps / 10,
        instances: 2 + fps / 10,
        cpu_util: 0.35 + fps / 100,
        mem_util: 0.3 + fps / 200,
        gap_to_oracle_pct: ((dqnMs - oracleMs) / oracleMs) * 100,
      }),
      static: result(staticMs, {
        cores: 4,
        memory_mb: 4096,
        instances: 6,
        cpu_util: 0.1 + fps / 100,
        mem_util: 0.15 + fps / 300,
        cost_per_hour: 0.9,
        gap_to_oracle_pct: ((staticMs - oracleMs) / oracleMs) * 100,
      }),
      oracle: result(oracleMs, {
        cores: 1 + fps / 10,
        instances: 1 + fps / 10,
        cpu_util: 0.5 + fps / 100,
        mem_util: 0.45 + fps / 200,
        // A little above the best training episode at each level (see curves()).
        reward_per_step: { 10: 2, 20: 1.5, 30: 1 }[fps]! + 0.05,
      }),
    },
  });
  return {
    scenario: { name: 'paper-testbed', hash: 'fnv1a:9c0ffee1', sloPerFrameMs: 250 },
    createdAt: '2025-01-02T03:04:05Z',
    seeds: [1, 2, 3],
    levels: [level(10, 150, 190, 140), level(20, 205, 200, 180), level(30, 240, 330, 220)],
    training: curves(options.steps ?? 200),
    notes: ['synthetic data for the report test'],
  };
}

function policy(objective: number, instances: (t: number) => number, overrides: Partial<TracePolicyResult> = {}): TracePolicyResult {
  return {
    objective,
    slo_attainment: 0.9,
    request_cost_per_hour: 0.12,
    node_cost_per_hour: 0.5,
    reconfigurations: 2,
    reconfigurations_per_hour: 20,
    dropped_frames: 0,
    unfinished_frames: 3,
    per_frame_ms: 640,
    seeds: 2,
    config: null,
    decisions: Array.from({ length: 8 }, (_, i) => ({ t_s: i * 45, fps: i === 3 ? 60 : 15, cores: 1, memory_mb: 800, instances: instances(i), per_frame_ms: 600, reward: 0.5 })),
    ...overrides,
  };
}

/** A spike trace, three policies (the adaptive oracle best), two seeds. */
export function traceInput(): EvaluationReportInput {
  const trace: TraceEvaluation = {
    trace: {
      scenario: 'spike',
      kind: 'spike',
      duration_s: 360,
      interval_s: 45,
      interval_source: 'given',
      decisions: 8,
      seeds: [1, 2],
      objective: 'slo-cost',
      cost_basis: 'requests',
      slo_per_frame_ms: 500,
      pricing: { vcpu_hour: 0.0341, gb_hour: 0.0037, source: 'node price' },
      fps: Array.from({ length: 13 }, (_, i) => ({ t_s: i * 30, fps: i >= 4 && i < 8 ? 60 : 15 })),
      fixed_configs_searched: 72,
    },
    policies: {
      hpa: policy(0.2, () => 5),
      'best-fixed': policy(0.3, () => 8, { config: { cores: 1, memory_mb: 800, instances: 8 }, reconfigurations: 0, reconfigurations_per_hour: 0 }),
      'adaptive-oracle': policy(0.45, (i) => (i === 3 ? 8 : 5)),
    },
  };
  return { scenario: { name: 'spike', hash: 'abc', sloPerFrameMs: 500 }, createdAt: '2026-12-01T00:00:00Z', seeds: [1, 2], levels: [], trace };
}
