/**
 * The typed input of one simulation run. src/scenario builds these from YAML
 * (with validation and defaults); the simulator trusts them.
 */
import type { LatencyProfile } from './profile.js';

/**
 * Where the scheduler puts executor pods: `pack` fills the fullest node that
 * fits, `spread` the emptiest; `storage-affinity` prefers the storage node
 * (no network hop to the shared store) and spreads what does not fit there.
 */
export type PlacementPolicy = 'pack' | 'spread' | 'storage-affinity';

export const PLACEMENT_POLICIES: readonly PlacementPolicy[] = ['pack', 'spread', 'storage-affinity'];

export interface NodeSpec {
  name: string;
  vcpu: number;
  memoryMb: number;
  costPerHour: number;
}

/** Scheduled or random faults. */
export interface FailureSpec {
  /** Mean time between failures of each node, ms; 0 disables random node failures. */
  nodeMtbfMs: number;
  /** How long a failed node stays down before it rejoins, ms. */
  nodeRepairMs: number;
  /** Mean time between random kills of each executor pod, ms; 0 disables. */
  podMtbfMs: number;
  /** Faults at fixed times, on top of the random ones. */
  scheduled: ScheduledFault[];
}

export interface ScheduledFault {
  atMs: number;
  kind: 'node-down' | 'node-up' | 'pod-kill';
  /** Node name for node faults; for pod-kill, the index (0-based) among Running pods in creation order. */
  target: string;
}

export interface ClusterSpec {
  nodes: NodeSpec[];
  placement: PlacementPolicy;
  /** CPU the kubelet and system pods keep on every node, vCPU. */
  systemReservedCpu: number;
  /** Memory the kubelet and system pods keep on every node, MB. */
  systemReservedMemoryMb: number;
  /** Name of the node that serves the shared (NFS) video store; executors elsewhere pay network cost. */
  storageNode: string;
  /** Template for nodes the cluster autoscaler adds. */
  nodeTemplate: Omit<NodeSpec, 'name'>;
  /** Upper bound on the number of nodes. */
  maxNodes: number;
  /** Lower bound on the number of nodes the node pool scales in to; default 1. */
  minNodes?: number;
  /** Boot delay of a requested node until it is Ready, ms; default: drawn from the profile (nodeProvisionMedianMs, nodeProvisionSigma). */
  nodeProvisioningMs?: number;
  /** How long a drained node waits for its pods to leave before it is removed with them, ms; default 600 000 (Cluster Autoscaler's --max-graceful-termination-sec). */
  drainTimeoutMs?: number;
  failures: FailureSpec;
}

export interface DynamicAllocationSpec {
  enabled: boolean;
  minExecutors: number;
  maxExecutors: number;
  /** spark.dynamicAllocation.schedulerBacklogTimeout, ms. */
  schedulerBacklogTimeoutMs: number;
  /** spark.dynamicAllocation.sustainedSchedulerBacklogTimeout, ms. */
  sustainedBacklogTimeoutMs: number;
  /** spark.dynamicAllocation.executorIdleTimeout, ms. */
  executorIdleTimeoutMs: number;
}

export type Serializer = 'java' | 'kryo';

/** The Spark application's configuration: the agents' action space lives here. */
export interface SparkConfig {
  /** spark.executor.cores: task slots per executor. */
  executorCores: number;
  /** spark.executor.memory, MB (heap; the pod adds overhead). */
  executorMemoryMb: number;
  /** spark.executor.memoryOverhead, MB: the pod's memory beyond the heap; absent = Spark's rule, max(384 MB, 10% of heap). */
  executorMemoryOverheadMb?: number;
  /** spark.executor.instances. */
  executorInstances: number;
  /** Partitions (tasks) per micro-batch. */
  partitions: number;
  /** Frames each partition collects before the batch goes to Spark; 'fps' = one second of video at the current load. */
  framesPerPartition: number | 'fps';
  /** Micro-batch interval, ms: a batch is cut when it is full or this long after its first frame; 0 = only when full. */
  batchIntervalMs: number;
  /** spark.memory.fraction: share of (heap − reserved) usable for execution and storage. */
  memoryFraction: number;
  /** Micro-batch jobs that may run at once (the demonstrator's --concurrent-jobs; Spark Streaming calls it spark.streaming.concurrentJobs). */
  concurrentJobs: number;
  /** spark.task.maxFailures: attempts per task before its partition's frames are dropped. */
  taskMaxFailures: number;
  /** spark.serializer. */
  serializer: Serializer;
  /** CPU each executor pod requests, as a fraction of executorCores (spark.kubernetes.executor.request.cores). */
  cpuRequestRatio: number;
  /**
   * CPU limit of each executor pod as a multiple of executorCores
   * (spark.kubernetes.executor.limit.cores); 0 = no limit, Spark's default.
   * Tasks above the limit are throttled by the CFS quota.
   */
  cpuLimitRatio: number;
  dynamicAllocation: DynamicAllocationSpec;
}

export interface VideoSource {
  name: string;
  kind: 'camera' | 'cctv' | 'drone';
  /** Share of the total frame rate this source contributes (shares are normalised). */
  weight: number;
  widthPx: number;
  heightPx: number;
}

/** Frame rate over time, frames per second summed over all sources. */
export type LoadTrace =
  | { kind: 'constant'; fps: number }
  | { kind: 'step'; steps: { atMs: number; fps: number }[] }
  | { kind: 'ramp'; fromFps: number; toFps: number; durationMs: number }
  | { kind: 'diurnal'; minFps: number; maxFps: number; periodMs: number; phaseMs: number }
  | { kind: 'spike'; baseFps: number; spikeFps: number; atMs: number; durationMs: number }
  /** Piecewise-constant replay of (time, fps) points, sorted by time. */
  | { kind: 'replay'; points: { atMs: number; fps: number }[] };

/**
 * How frames reach Spark. `live`: frames arrive at the trace's rate and a
 * batch is cut when full (a camera stream). `stored`: the video already lies
 * on the shared store (the case study's trials: spark-submit over a video
 * chunk); the driver cuts the next batch as soon as a job slot is free, so
 * the application runs as fast as its configuration allows, and the trace's
 * fps only sets the video's frame rate (framesPerPartition: fps = one second
 * of video).
 */
export type ArrivalMode = 'live' | 'stored';

export interface WorkloadSpec {
  sources: VideoSource[];
  trace: LoadTrace;
  arrival: ArrivalMode;
  /** Bounds for framesPerPartition = 'fps' (one second of video, clamped). */
  minFramesPerPartition: number;
  maxFramesPerPartition: number;
}

export interface RunSpec {
  cluster: ClusterSpec;
  spark: SparkConfig;
  workload: WorkloadSpec;
  profile: LatencyProfile;
  /** Simulated duration, ms. */
  durationMs: number;
  /** Frames whose batch reaches Spark before this time are not counted (start-up settling), ms. */
  warmupMs: number;
  /** When true, executors are already running at t=0 (steady state); otherwise they start with the run. */
  warmStart: boolean;
  /** SLO on per-frame processing time, ms (for violation counts). */
  sloPerFrameMs: number;
  seed: string | number;
  /** Record a hash of every processed event (slightly slower). */
  traceHash: boolean;
}
