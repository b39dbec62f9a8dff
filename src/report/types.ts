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
  /** Fraction of frames over the scenario's per-frame SLO (0.1 = 10 %). */
  slo_violation_fraction: number;
  /** Configuration changes per simulated hour. */
  rescales_per_hour: number;
  /** (mean − oracle mean) ÷ oracle mean × 100; null for the oracle itself or when there is no oracle. */
  gap_to_oracle_pct: number | null;
  /** How many seeds the numbers aggregate. */
  seeds: number;
}

/** Every policy evaluated at one input rate. */
export interface EvaluationLevel {
  fps: number;
  /** Keyed by policy name; a policy named `oracle` is drawn and treated as the reference. */
  policies: Record<string, PolicyLevelResult>;
}

/** What training logged, one entry per vector step or per finished episode. */
export interface TrainingCurves {
  stepRewards: number[];
  episodeMeanRewards: number[];
  /** Exploration rate at the end of each episode; same length as `episodeMeanRewards`. */
  episodeEpsilons: number[];
}

export interface EvaluationReportInput {
  scenario: { name: string; hash: string; sloPerFrameMs: number };
  /** Shown as given (ISO 8601 expected); the report never reads a clock. */
  createdAt: string;
  seeds: number[];
  levels: EvaluationLevel[];
  training?: TrainingCurves | null;
  /** Free-text lines shown under the summary, escaped. */
  notes?: string[];
}
