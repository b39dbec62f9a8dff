/** What one simulation run reports. All times in ms of simulated time. */

export interface Quantiles {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Utilisation, as Kubernetes metrics report it (metrics-server, cAdvisor):
 * `cpuUtil` = CPU time used ÷ CPU requested, `memUtil` = working set ÷ memory
 * limit, each over the time the pod ran in the window. Spark's own view is
 * beside it: `slotUtil` = busy task slots ÷ slots, `heapUtil` = execution
 * memory held by tasks ÷ usable execution memory.
 */
export interface ExecutorReport {
  id: number;
  node: string | null;
  /** CPU time used (tasks and the executor's background threads) ÷ (CPU request × time registered). */
  cpuUtil: number;
  /** Pod working set (JVM, Python workers, their frames) ÷ memory limit, time-weighted while registered. */
  memUtil: number;
  /** Busy task-slot time ÷ (cores × time registered). */
  slotUtil: number;
  /** Execution memory held by running tasks ÷ usable execution memory, time-weighted while registered. */
  heapUtil: number;
  tasksRun: number;
  tasksFailed: number;
}

export interface NodeReport {
  name: string;
  /** CPU time used by executor pods on the node ÷ (allocatable vCPU × time up) (kubectl top node). */
  cpuUtil: number;
  /** Requested pod memory ÷ allocatable memory, time-weighted while up. */
  memUtil: number;
  /** Working set of executor pods on the node ÷ allocatable memory, time-weighted while up. */
  workingSetUtil: number;
  /** Peak of requested pod memory, MB (never above allocatable). */
  peakMemoryRequestedMb: number;
  allocatableMemoryMb: number;
  /** Time Ready in the window, ms. */
  upMs: number;
  /** Time leased (billed) in the window, ms: from the node's request to its removal, booting and down time included. */
  leasedMs: number;
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
  /** CPU used ÷ CPU requested over all executor pods, time-weighted (what Kubernetes' HPA reads). */
  cpuUtil: number;
  /** Working set ÷ memory limit over all executor pods, time-weighted. */
  memUtil: number;
  /** Busy task slots ÷ task slots, time-weighted (Spark's view of CPU). */
  slotUtil: number;
  /** Execution memory held ÷ usable execution memory, time-weighted (Spark's view of memory). */
  heapUtil: number;
  executors: ExecutorReport[];
  nodes: NodeReport[];
  /** Executor pods Pending at the end of the run. */
  pendingPods: number;
  /** Time-averaged number of Pending executor pods. */
  pendingPodsMean: number;
  /** Time-averaged number of tasks waiting for a free slot (Spark's pending tasks). */
  pendingTasksMean: number;
  failures: {
    taskFailures: number;
    /** Tasks that died of OutOfMemoryError in the JVM heap (the executor with them). */
    oomKills: number;
    /** Executor pods the kernel OOM-killed (working set above the pod's memory limit: Kubernetes' OOMKilled). */
    podOomKills: number;
    executorLosses: number;
    nodeFailures: number;
    /** Jobs Spark aborted after a task failed taskMaxFailures times; their unfinished partitions were dropped. */
    jobsAborted: number;
  };
  /** Node cost of the window, $: costPerHour × hours each node was leased (from its request to its removal). */
  cost: number;
  /** Node-hours leased in the window (the hours `cost` bills). */
  nodeHours: number;
  sloViolations: { frames: number; fraction: number };
  batches: number;
  simulatedMs: number;
  events: number;
  /** FNV-1a hash of every processed (time, kind, arg), when traceHash was set. */
  traceHash: string | null;
}
