/**
 * What `sspe evaluate` hands to the HTML report. snake_case fields match the
 * `--json` contract (see run-json.ts); every number must be finite — the
 * report refuses NaN and Infinity rather than plot around them.
 */

/** One policy at one load level, aggregated over `seeds` runs. */
export interface PolicyLevelResult {
  /** Per-frame processing time, ms: mean and std across seeds, p95 of the pooled frames. */
  per_frame_ms: { mean: number; std: number; p95: number };
  /** Cores per executor the policy chose. */
  cores: number;
  /** Memory per executor the policy chose, MB. */
  memory_mb: number;
  /** Executor instances the policy chose. */
  instances: number;
  /** CPU utilisation, a fraction (0.5 = 50 %). */
  cpu_util: number;
  /** Memory utilisation, a fraction (0.5 = 50 %). */
  mem_util: number;
  /** Node cost, $ per simulated hour. */
  cost_per_hour: number;
  /** Cost of what the executor pods requested (serverless-style pricing), $ per simulated hour; absent in reports written before it existed. */
  request_cost_per_hour?: number;
  /** Fraction of frames over the scenario's per-frame SLO (0.1 = 10 %). */
  slo_violation_fraction: number;
  /** Configuration changes per simulated hour. */
  rescales_per_hour: number;
  /**
   * Lowest and highest value of each setting over the measured decisions of
   * every seed: min < max when the policy kept changing (random does every
   * decision), so `cores`, `memory_mb`, `instances` (the configuration most
   * seeds ended in) are not the whole story. Absent in older reports.
   */
  chosen_range?: { cores: ValueRange; memory_mb: ValueRange; instances: ValueRange };
  /** Mean reward per decision over whole episodes (the unit training logs), mean over seeds; absent in older reports. */
  reward_per_step?: number;
  /** (mean − oracle mean) ÷ oracle mean × 100; null for the oracle itself or when there is no oracle. */
  gap_to_oracle_pct: number | null;
  /** How many seeds the numbers aggregate. */
  seeds: number;
}

export interface ValueRange {
  min: number;
  max: number;
}

/** Every policy evaluated at one input rate. */
export interface EvaluationLevel {
  fps: number;
  /** Keyed by policy name; a policy named `oracle` is drawn and treated as the reference. */
  policies: Record<string, PolicyLevelResult>;
}

/** What training logged (a policy's curves.json), one entry per vector step or per finished episode. */
export interface TrainingCurves {
  /** Mean reward over the environments, per vector step. */
  stepRewards: number[];
  /** Mean reward per step of each finished episode, in episode order. */
  episodeMeanRewards: number[];
  /** Exploration rate of each finished episode; same length as `episodeMeanRewards`. */
  episodeEpsilons: number[];
  /** The load level each episode ran at, fps (null when the level changed within the episode); same length as `episodeMeanRewards`. Absent in curves written before it existed. */
  episodeFps?: (number | null)[];
  /** The episode whose weights were saved (the best greedy evaluation); null when training kept the last weights. Absent in older curves. */
  keptEpisode?: number | null;
  /** The reward the episodes were scored with (scenario learning.reward). Absent in older curves. */
  reward?: { kind: string; changePenalty: number; dropPenalty: number; costWeight?: number };
}

/** One decision of a policy on the trace and the interval after it. */
export interface TraceDecision {
  /** When the decision was taken, s from the trace's start. */
  t_s: number;
  /** Load arriving then, fps (what the policy saw). */
  fps: number;
  cores: number;
  memory_mb: number;
  instances: number;
  /** Nodes in the pool (scenarios whose agents choose it). */
  nodes?: number;
  /** Executor placement (scenarios whose agents choose it). */
  placement?: string;
  /** The interval's mean per-frame time, ms (null when it processed nothing). */
  per_frame_ms: number | null;
  /** The interval's objective score. */
  reward: number;
}

/** One policy over the whole trace (`sspe evaluate --trace --json`: policies.<name>), means over seeds. */
export interface TracePolicyResult {
  /** Mean objective score per decision interval (slo-cost: in [0, 1] when an interval meets the SLO, ≤ −1 when not); higher is better. */
  objective: number;
  /** Share of the trace's frames processed within the per-frame SLO (dropped and unfinished frames count as missed). */
  slo_attainment: number;
  /** Requested CPU and memory, $ per hour, time-weighted over the trace. */
  request_cost_per_hour: number;
  /** Nodes leased, $ per hour, time-weighted over the trace. */
  node_cost_per_hour: number;
  /** Decisions that changed cores, memory or instances (the first, which picks the configuration submitted, is not one). */
  reconfigurations: number;
  reconfigurations_per_hour: number;
  dropped_frames: number;
  /** Frames handed to Spark and still unprocessed when the drain after the trace stopped (the last partial batch, never cut because the trace ended, is left out). */
  unfinished_frames: number;
  /** Mean per-frame processing time over every processed frame, ms. */
  per_frame_ms: number;
  seeds: number;
  /**
   * For a fixed configuration (best-fixed), the configuration: the three
   * executor knobs, then every other knob the scenario declares under its
   * run-log column name (`node_count`, `placement`, `serializer`, …).
   */
  config: TraceFixedConfig | null;
  /** Every decision of the first seed. */
  decisions: TraceDecision[];
}

/** A fixed configuration as trace results print it (see TracePolicyResult.config). */
export type TraceFixedConfig = { cores: number; memory_mb: number; instances: number } & Record<string, number | string>;

/** The trace itself and how it was run (`--json`: trace). */
export interface TraceInfo {
  scenario: string;
  kind: string;
  duration_s: number;
  /** Decision interval, s. */
  interval_s: number;
  /** Where the interval came from. */
  interval_source: string;
  decisions: number;
  seeds: number[];
  objective: string;
  /** What the objective bills: the nodes leased (a node pool) or the executor pods' requests. */
  cost_basis: 'nodes' | 'requests';
  slo_per_frame_ms: number;
  /** $ per vCPU-hour and per GB-hour of requests, and whether the scenario declared them or they were split from the node price. */
  pricing: { vcpu_hour: number; gb_hour: number; source: 'declared' | 'node price' };
  /** The load over time, evenly sampled. */
  fps: { t_s: number; fps: number }[];
  /** Configurations the best-fixed search tried (0 when it did not run). */
  fixed_configs_searched: number;
}

export interface TraceEvaluation {
  trace: TraceInfo;
  policies: Record<string, TracePolicyResult>;
}

export interface EvaluationReportInput {
  scenario: { name: string; hash: string; sloPerFrameMs: number };
  /** Shown as given (ISO 8601 expected); the report never reads a clock. */
  createdAt: string;
  seeds: number[];
  /** Per load level; may be empty when `trace` is given. */
  levels: EvaluationLevel[];
  /** Trace mode (`sspe evaluate --trace`): every policy through the scenario's load trace. */
  trace?: TraceEvaluation | null;
  training?: TrainingCurves | null;
  /** Free-text lines shown under the summary, escaped. */
  notes?: string[];
}
