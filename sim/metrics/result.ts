/** What one simulation run reports. All times in ms of simulated time. */

export interface Quantiles {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ExecutorReport {
  id: number;
  node: string | null;
  /** Busy task-slot time ÷ (cores × time registered). */
  cpuUtil: number;
  /** Mean memory need of running tasks ÷ usable execution memory, time-weighted while registered. */
  memUtil: number;
  tasksRun: number;
  tasksFailed: number;
}

export interface NodeReport {
  name: string;
  /** CPU-busy time of tasks on the node ÷ (vCPU × time up). */
  cpuUtil: number;
  /** Requested pod memory ÷ allocatable memory, time-weighted while up. */
  memUtil: number;
  /** Peak of requested pod memory, MB (never above allocatable). */
  peakMemoryRequestedMb: number;
  allocatableMemoryMb: number;
  upMs: number;
}

export interface RunResult {
  /** Per-frame processing time: from the frame's batch reaching Spark to its partition's output written. */
  perFrameMs: Quantiles;
  /** End-to-end latency: from the frame's capture at its source to its output written. */
  endToEndMs: Quantiles;
  framesArrived: number;
  framesProcessed: number;
  framesDropped: number;
  /** Frames arrived but neither processed nor dropped when the run ended (in a partial batch or queued). */
  backlogFrames: number;
  throughputFps: number;
  /** Mean over executors, time-weighted. */
  cpuUtil: number;
  memUtil: number;
  executors: ExecutorReport[];
  nodes: NodeReport[];
  /** Executor pods Pending at the end of the run. */
  pendingPods: number;
  /** Time-averaged number of Pending executor pods. */
  pendingPodsMean: number;
  failures: {
    taskFailures: number;
    oomKills: number;
    executorLosses: number;
    nodeFailures: number;
    /** Jobs Spark aborted after a task failed taskMaxFailures times; their unfinished partitions were dropped. */
    jobsAborted: number;
  };
  /** Node cost of the run, $ (costPerHour × hours each node was up). */
  cost: number;
  sloViolations: { frames: number; fraction: number };
  batches: number;
  simulatedMs: number;
  events: number;
  /** FNV-1a hash of every processed (time, kind, arg), when traceHash was set. */
  traceHash: string | null;
}
