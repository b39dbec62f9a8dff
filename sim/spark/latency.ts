import type { ProfileParameters } from '../profile.js';
import type { Serializer } from '../config.js';

/** Everything the latency model needs to know about one task attempt when it starts. */
export interface TaskContext {
  /** Megapixels of all frames in the partition. */
  partitionMegapixels: number;
  executorCores: number;
  executorMemoryMb: number;
  memoryFraction: number;
  serializer: Serializer;
  /** Tasks running on the executor's node, this one included. */
  nodeBusySlots: number;
  /** Executors running tasks on the executor's node, this one included (each adds its background CPU). */
  nodeExecutors: number;
  nodeVcpu: number;
  /** Tasks running in the whole cluster, this one included (they share the NFS store). */
  clusterBusySlots: number;
  /** True when the executor's node is not the one that serves the shared store. */
  remoteStorage: boolean;
  /** Tasks running in this executor's pod, this one included (they share its CPU limit). */
  podBusySlots: number;
  /** The pod's CPU limit, vCPU; 0 = none (Spark's default: requests only). */
  podCpuLimit: number;
  /** The pod's memory limit, MB (Spark sets request = limit = heap + overhead). */
  podMemoryLimitMb: number;
  /** The pod's working set outside the JVM heap before this task starts, MB (JVM non-heap, idle Python workers, other tasks' frames). */
  podWorkingSetMb: number;
  /** Execution memory other running tasks of the pod hold in the JVM heap, MB. */
  podHeapHeldMb: number;
}

export interface TaskCost {
  /** Wall time of the attempt before noise, ms. */
  durationMs: number;
  /** CPU time the attempt uses (frames and the task's fixed CPU; no I/O, no waiting), ms, for utilisation. */
  cpuMs: number;
  /** Python-worker memory the task holds while it runs (its decoded frames), MB. */
  pythonMemoryMb: number;
  /** The pod's working set with this task running, MB. */
  podWorkingSetMb: number;
  /** The pod's working set exceeds its memory limit: the kernel OOM-kills the container (Kubernetes reports OOMKilled). */
  podOom: boolean;
  /** CFS throttling factor from the pod's CPU limit (1 = none). */
  throttleSlowdown: number;
  /** need / usable memory per task. */
  memoryPressure: number;
  /** Heap the task holds, MB. */
  memoryNeedMb: number;
  usableMemoryPerTaskMb: number;
  oom: boolean;
  gcSlowdown: number;
  contentionSlowdown: number;
  ioMs: number;
  spillMs: number;
}

/** Usable execution memory per concurrently running task: (heap − reserved) × fraction ÷ cores. */
export function usableMemoryPerTaskMb(p: ProfileParameters, executorMemoryMb: number, memoryFraction: number, executorCores: number): number {
  return (Math.max(0, executorMemoryMb - p.reservedMemoryMb) * memoryFraction) / executorCores;
}

/**
 * The cost of one task attempt. Deterministic: noise is applied by the caller.
 * An attempt that runs out of memory fails half-way through its frame work.
 */
export function taskCost(p: ProfileParameters, c: TaskContext): TaskCost {
  const usable = usableMemoryPerTaskMb(p, c.executorMemoryMb, c.memoryFraction, c.executorCores);
  const need = p.taskMemoryBaseMb + c.partitionMegapixels * p.frameMemoryMbPerMegapixel;
  const pressure = usable > 0 ? need / usable : Infinity;
  const oom = pressure >= p.oomPressure;
  const gcSlowdown = 1 + p.gcSlowdownPerPressure * Math.max(0, Math.min(pressure, p.oomPressure) - p.gcOnsetPressure);
  const spillMs = p.spillMsPerMb * Math.max(0, need - usable);
  const nodeLoad = c.nodeBusySlots + c.nodeExecutors * p.executorBackgroundCpu;
  const contentionSlowdown = nodeLoad > c.nodeVcpu ? Math.pow(nodeLoad / c.nodeVcpu, p.cpuContentionExponent) : 1;
  // CFS quota: the pod's tasks and its JVM's background threads share its limit.
  const podDemand = c.podBusySlots + p.executorBackgroundCpu;
  const throttleSlowdown = c.podCpuLimit > 0 && podDemand > c.podCpuLimit ? podDemand / c.podCpuLimit : 1;

  // The decoded frames live in the Python worker: outside the heap, inside the pod's limit.
  const pythonMemoryMb = c.partitionMegapixels * p.pythonFrameMbPerMegapixel;
  const heapResidentMb = Math.max(p.jvmHeapResidentFraction * c.executorMemoryMb, c.podHeapHeldMb + Math.min(need, usable));
  const podWorkingSetMb = c.podWorkingSetMb + pythonMemoryMb + heapResidentMb;
  const podOom = podWorkingSetMb > c.podMemoryLimitMb;

  const serializerFactor = c.serializer === 'java' ? p.javaSerializerFactor : 1;
  const frameCpuMs = c.partitionMegapixels * p.frameCpuMsPerMegapixel * serializerFactor * p.cpuSpeedFactor;
  const fixedCpuMs = p.taskCpuMs * p.cpuSpeedFactor;
  const cpuMs = frameCpuMs + fixedCpuMs;

  const inputMb = c.partitionMegapixels * p.frameInputMbPerMegapixel;
  const outputMb = c.partitionMegapixels * p.frameOutputMbPerMegapixel;
  const nfsShareMbPerS = p.nfsBandwidthMbPerS / Math.max(1, c.clusterBusySlots);
  let ioMs = ((inputMb + outputMb) / nfsShareMbPerS) * 1000;
  if (c.remoteStorage) ioMs += ((inputMb + outputMb) / p.networkMbPerS) * 1000;

  // CPU contention (or throttling) stretches the task's CPU work; a
  // stop-the-world GC pause stalls everything the JVM does for the task, its
  // launch and result handling too. Neither stretches the wait on the shared
  // store, nor the task's fixed latency beyond GC.
  const cpuSlowdown = gcSlowdown * Math.max(contentionSlowdown, throttleSlowdown);
  const overheadMs = p.taskOverheadMs * gcSlowdown;
  const frameWorkMs = cpuMs * cpuSlowdown + spillMs;
  const failed = oom || podOom;
  // A failing attempt dies half-way through its frame work (the heap or the
  // pod fills as frames are decoded).
  const durationMs = failed ? overheadMs + ioMs / 2 + frameWorkMs / 2 : overheadMs + ioMs + frameWorkMs;
  return {
    durationMs,
    cpuMs: failed ? fixedCpuMs + frameCpuMs / 2 : cpuMs,
    memoryPressure: pressure,
    memoryNeedMb: need,
    usableMemoryPerTaskMb: usable,
    oom,
    gcSlowdown,
    contentionSlowdown,
    ioMs,
    spillMs,
    pythonMemoryMb,
    podWorkingSetMb,
    podOom,
    throttleSlowdown,
  };
}
