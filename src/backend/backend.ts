/**
 * The seam between the learning system and a Spark cluster: "run this
 * configuration on this load for one measurement window and say what
 * happened". The simulator and a real cluster both implement it; nothing
 * above it knows which one it talks to.
 */
import type { Configuration } from '../space/grid.js';
import type { Quantiles } from '../../sim/metrics/result.js';

export interface TrialRequest {
  /** The Spark configuration and, where the agents choose them, the cluster knobs (node count, placement). */
  config: Configuration;
  /** Load for the window, frames per second summed over sources. */
  fps: number;
}

/**
 * What one measurement window showed. Every field is declared, with its unit,
 * run-log column, decide-state key and JSON name, in
 * src/space/outcome-fields.ts; a field added here and not there fails to compile.
 */
export interface TrialOutcome {
  perFrameMs: Quantiles;
  throughputFps: number;
  /** Frames captured but neither processed nor dropped at the end of the window. */
  backlogFrames: number;
  framesArrived: number;
  framesProcessed: number;
  framesDropped: number;
  /**
   * CPU used ÷ CPU requested by the executor pods, as Kubernetes metrics
   * report it (what the HPA reads); a real run without those metrics reports
   * the busy share of task slots from its event log instead.
   */
  cpuUtil: number;
  /** Working set ÷ memory limit of the executor pods (NaN when not measured). */
  memUtil: number;
  /** Busy task slots ÷ slots of registered executors (Spark's view; absent when not measured). */
  slotUtil?: number;
  /** Time-averaged tasks waiting for a free slot (what Spark's dynamic allocation reacts to; absent when not measured). */
  pendingTasksMean?: number;
  executorsRunning: number;
  pendingPods: number;
  taskFailures: number;
  executorLosses: number;
  /** $ per hour of the nodes leased during the window. */
  costPerHour: number;
  /**
   * $ per hour of the CPU and memory the executor pods requested while bound to
   * a node, time-weighted over the window (serverless-style pricing, see
   * src/scenario/pricing.ts); absent when the backend does not measure it.
   */
  requestCostPerHour?: number;
  sloViolationFraction: number;
  /** True when the configuration change needed a redeploy. */
  redeployed: boolean;
  /** Length of the measured window, ms (simulated or real). */
  windowMs: number;
  /** Wall time the trial took on this machine, ms. */
  wallMs: number;
  /** Set when the trial produced no usable measurement (no frame processed, submission failed…). */
  failure: string | null;
}

export interface Backend {
  readonly kind: 'simulated' | 'real';
  /** Starts from scratch; `seed` drives every random choice after it. */
  reset(seed: string | number): Promise<void>;
  runTrial(request: TrialRequest): Promise<TrialOutcome>;
  close(): Promise<void>;
}
