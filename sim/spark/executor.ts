import type { SparkConfig } from '../config.js';
import type { ProfileParameters } from '../profile.js';
import { executorPodCpu, executorPodMemoryMb } from './constants.js';

export type ExecutorPhase = 'requested' | 'running' | 'gone';

/** One executor: its pod's shape, its task slots, and its time integrals for the reports. */
export interface ExecutorState {
  id: number;
  podId: number;
  cores: number;
  memoryMb: number;
  phase: ExecutorPhase;
  freeSlots: number;
  node: number;
  runningTasks: Set<number>;
  /** Memory held by running tasks, capped per task at the usable share, MB. */
  memoryHeldMb: number;
  usableMemoryMb: number;
  /** Python-worker memory held by running tasks (their decoded frames), MB. */
  pythonHeldMb: number;
  /** The pod's working set outside the heap with no task running: JVM non-heap and one idle Python worker per core, MB. */
  baseWorkingSetMb: number;
  /** The pod's memory limit (= request), MB. */
  podMemoryLimitMb: number;
  /** The pod's CPU request and limit (0 = none), vCPU. */
  cpuRequest: number;
  cpuLimit: number;
  idleSinceMs: number;
  /** Spark removes it on purpose: its loss is not replaced. */
  removing: boolean;
  /** Its node is drained: it takes no new tasks, and leaves (to be replaced) once its running tasks finish. */
  decommissioning: boolean;
  // Time integrals since the last metrics reset.
  lastChangeMs: number;
  registeredMs: number;
  busySlotMs: number;
  memoryHeldMbMs: number;
  /** CPU time used (tasks' CPU plus the executor's background threads), ms. */
  cpuUsedMs: number;
  /** Integral of the pod's working set, MB·ms. */
  workingSetMbMs: number;
  tasksRun: number;
  tasksFailed: number;
}

/** A requested executor of the configuration's shape, not yet bound to a pod. */
export function newExecutor(id: number, config: SparkConfig, p: ProfileParameters, nowMs: number): ExecutorState {
  return {
    id,
    podId: -1,
    cores: config.executorCores,
    memoryMb: config.executorMemoryMb,
    phase: 'requested',
    freeSlots: 0,
    node: -1,
    runningTasks: new Set(),
    memoryHeldMb: 0,
    usableMemoryMb: 0,
    pythonHeldMb: 0,
    baseWorkingSetMb: p.jvmBaseRssMb + config.executorCores * p.pythonWorkerBaseMb,
    podMemoryLimitMb: executorPodMemoryMb(config),
    cpuRequest: executorPodCpu(config.executorCores, config.cpuRequestRatio),
    cpuLimit: config.cpuLimitRatio * config.executorCores,
    idleSinceMs: nowMs,
    removing: false,
    decommissioning: false,
    lastChangeMs: nowMs,
    registeredMs: 0,
    busySlotMs: 0,
    memoryHeldMbMs: 0,
    cpuUsedMs: 0,
    workingSetMbMs: 0,
    tasksRun: 0,
    tasksFailed: 0,
  };
}

/** The pod's working set now: JVM non-heap, resident heap, Python workers and their frames, MB. */
function workingSetMb(executor: ExecutorState, p: ProfileParameters): number {
  const heapResidentMb = Math.max(p.jvmHeapResidentFraction * executor.memoryMb, executor.memoryHeldMb);
  // A pod never holds more than its limit: at the limit the kernel kills it.
  return Math.min(executor.podMemoryLimitMb, executor.baseWorkingSetMb + heapResidentMb + executor.pythonHeldMb);
}

/** Brings the executor's time integrals up to `nowMs` (call before any change to what they integrate). */
export function accountExecutor(executor: ExecutorState, nowMs: number, p: ProfileParameters): void {
  const dt = nowMs - executor.lastChangeMs;
  if (dt > 0 && executor.phase === 'running') {
    executor.registeredMs += dt;
    executor.busySlotMs += (executor.cores - executor.freeSlots) * dt;
    executor.memoryHeldMbMs += executor.memoryHeldMb * dt;
    // An executor's own threads work while it runs tasks (the PySpark pipe, GC, JIT); idle, they are nearly still.
    if (executor.runningTasks.size > 0) executor.cpuUsedMs += p.executorBackgroundCpu * dt;
    executor.workingSetMbMs += workingSetMb(executor, p) * dt;
  }
  executor.lastChangeMs = nowMs;
}

/** Zeroes the executor's time integrals and counts (a new measurement window). */
export function resetExecutorIntegrals(executor: ExecutorState): void {
  executor.registeredMs = 0;
  executor.busySlotMs = 0;
  executor.memoryHeldMbMs = 0;
  executor.cpuUsedMs = 0;
  executor.workingSetMbMs = 0;
  executor.tasksRun = 0;
  executor.tasksFailed = 0;
}
