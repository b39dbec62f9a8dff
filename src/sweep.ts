import type { RunSpec } from '../sim/config.js';
import type { Quantiles, RunResult } from '../sim/metrics/result.js';
import { simulateRun } from '../sim/model.js';

/** One point of the paper's action space. */
export interface ConfigPoint {
  cores: number;
  memoryMb: number;
  instances: number;
}

export interface SweepRow {
  cores: number;
  memory_mb: number;
  instances: number;
  per_frame_ms: Quantiles;
  end_to_end_ms: Quantiles;
  throughput_fps: number;
  backlog_frames: number;
  dropped_frames: number;
  /** CPU used ÷ requested by the executor pods. */
  cpu_util: number;
  /** Pod working set ÷ memory limit. */
  mem_util: number;
  /** Busy task slots ÷ slots. */
  slot_util: number;
  pending_pods: number;
  executors_running: number;
  cost: number;
  slo_violation_fraction: number;
}

export interface SweepResult {
  /** Best first: no dropped frames before any drop, then by mean per-frame time. */
  results: SweepRow[];
  /** Mean per-frame time of a uniformly random configuration (the reference comparison). */
  random_mean_per_frame_ms: number;
  /** Configurations that dropped frames (a task failed taskMaxFailures times, e.g. of OutOfMemoryError). */
  configs_dropping_frames: number;
  /** Configurations that processed no frame at all (left out of the random mean). */
  configs_without_output: number;
}

export function sweepRow(config: ConfigPoint, result: RunResult): SweepRow {
  return {
    cores: config.cores,
    memory_mb: config.memoryMb,
    instances: config.instances,
    per_frame_ms: result.perFrameMs,
    end_to_end_ms: result.endToEndMs,
    throughput_fps: result.throughputFps,
    backlog_frames: result.backlogFrames,
    dropped_frames: result.framesDropped,
    cpu_util: result.cpuUtil,
    mem_util: result.memUtil,
    slot_util: result.slotUtil,
    pending_pods: result.pendingPods,
    executors_running: result.executors.length,
    cost: result.cost,
    slo_violation_fraction: result.sloViolations.fraction,
  };
}

/** Simulates every configuration (the exhaustive oracle) and ranks them. */
export function sweep(options: {
  configs: readonly ConfigPoint[];
  specFor: (config: ConfigPoint) => RunSpec;
  onProgress?: (done: number, total: number) => void;
  /** How one configuration's run is simulated; default simulateRun (to spec.durationMs). */
  run?: (spec: RunSpec) => RunResult;
}): SweepResult {
  const rows: SweepRow[] = [];
  const run = options.run ?? simulateRun;
  for (const config of options.configs) {
    rows.push(sweepRow(config, run(options.specFor(config))));
    options.onProgress?.(rows.length, options.configs.length);
  }
  // A configuration that processed nothing has no per-frame time: it ranks last,
  // and the random mean is over the configurations that processed frames.
  const meanOf = (row: SweepRow) => (Number.isNaN(row.per_frame_ms.mean) ? Infinity : row.per_frame_ms.mean);
  const measured = rows.filter((row) => !Number.isNaN(row.per_frame_ms.mean));
  const random = measured.reduce((sum, row) => sum + row.per_frame_ms.mean, 0) / measured.length;
  rows.sort((a, b) => Number(a.dropped_frames > 0) - Number(b.dropped_frames > 0) || meanOf(a) - meanOf(b));
  return {
    results: rows,
    random_mean_per_frame_ms: random,
    configs_dropping_frames: rows.filter((row) => row.dropped_frames > 0).length,
    configs_without_output: rows.length - measured.length,
  };
}
