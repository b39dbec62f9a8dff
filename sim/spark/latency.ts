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
  /** Executors running on the executor's node, this one included (each adds its background CPU). */
  nodeExecutors: number;
  nodeVcpu: number;
  /** Tasks running in the whole cluster, this one included (they share the NFS store). */
  clusterBusySlots: number;
  /** True when the executor's node is not the one that serves the shared store. */
  remoteStorage: boolean;
}

export interface TaskCost {
  /** Wall time of the attempt before noise, ms. */
  durationMs: number;
  /** CPU time spent on frames (no I/O, no overhead), ms, for utilisation. */
  cpuMs: number;
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

  const serializerFactor = c.serializer === 'java' ? p.javaSerializerFactor : 1;
  const cpuMs = c.partitionMegapixels * p.frameCpuMsPerMegapixel * serializerFactor;

  const inputMb = c.partitionMegapixels * p.frameInputMbPerMegapixel;
  const outputMb = c.partitionMegapixels * p.frameOutputMbPerMegapixel;
  const nfsShareMbPerS = p.nfsBandwidthMbPerS / Math.max(1, c.clusterBusySlots);
  let ioMs = ((inputMb + outputMb) / nfsShareMbPerS) * 1000;
  if (c.remoteStorage) ioMs += ((inputMb + outputMb) / p.networkMbPerS) * 1000;

  // Stop-the-world GC and CPU contention stall all of the task's JVM work (its
  // launch and deserialisation too), but not its wait on the shared store.
  const jvmSlowdown = gcSlowdown * contentionSlowdown;
  const overheadMs = p.taskOverheadMs * jvmSlowdown;
  const frameWorkMs = cpuMs * jvmSlowdown + spillMs;
  const durationMs = oom ? overheadMs + ioMs / 2 + frameWorkMs / 2 : overheadMs + ioMs + frameWorkMs;
  return {
    durationMs,
    cpuMs: oom ? cpuMs / 2 : cpuMs,
    memoryPressure: pressure,
    memoryNeedMb: need,
    usableMemoryPerTaskMb: usable,
    oom,
    gcSlowdown,
    contentionSlowdown,
    ioMs,
    spillMs,
  };
}
