/**
 * Kubernetes' view of an executor pod: its memory limit (heap + overhead)
 * holds the JVM and the Python workers with their decoded frames, and the
 * kernel OOM-kills a pod that outgrows it; a CPU limit throttles; utilisation
 * is reported as metrics-server would (CPU used ÷ requested, working set ÷
 * limit).
 */
import { describe, expect, it } from 'vitest';
import type { RunSpec, SparkConfig } from '../../../sim/config.js';
import type { ProfileParameters } from '../../../sim/profile.js';
import { simulateRun } from '../../../sim/model.js';
import { executorPodMemoryMb } from '../../../sim/spark/constants.js';
import { taskCost, type TaskContext } from '../../../sim/spark/latency.js';
import { meanFrameMegapixels } from '../../../sim/workload/batcher.js';
import { paperProfile, paperSpec } from '../fixtures.js';
import { NO_NOISE, withParameters } from './drive.js';

const megapixelsPerFrame = meanFrameMegapixels(paperSpec().workload);

/** Memory figures that make the arithmetic of a test easy to follow. */
const MEMORY: Partial<ProfileParameters> = {
  jvmBaseRssMb: 200,
  jvmHeapResidentFraction: 0.5,
  pythonWorkerBaseMb: 50,
  pythonFrameMbPerMegapixel: 4,
  taskMemoryBaseMb: 10,
  frameMemoryMbPerMegapixel: 0,
};

function spec(spark: Partial<SparkConfig>, fps: number, parameters: Partial<ProfileParameters> = {}): RunSpec {
  const base = paperSpec({ spark: { framesPerPartition: 'fps', partitions: 8, ...spark }, fps, durationMs: 60_000 });
  return withParameters(base, { ...NO_NOISE, ...MEMORY, ...parameters });
}

/** The pod's working set with every core running a task of `frames` frames, MB. */
function fullPodWorkingSetMb(cores: number, memoryMb: number, frames: number): number {
  const heap = Math.max(MEMORY.jvmHeapResidentFraction! * memoryMb, cores * MEMORY.taskMemoryBaseMb!);
  return MEMORY.jvmBaseRssMb! + heap + cores * (MEMORY.pythonWorkerBaseMb! + frames * megapixelsPerFrame * MEMORY.pythonFrameMbPerMegapixel!);
}

describe('pod memory limit', () => {
  it('OOM-kills a 3-core pod whose Python workers outgrow heap + overhead at 60 fps, and not at 10 fps', () => {
    // 3 cores x 60 frames of ~0.97 MP at 4 MB/MP is ~700 MB of frames: above 884 MB with the JVM.
    expect(fullPodWorkingSetMb(3, 500, 60)).toBeGreaterThan(executorPodMemoryMb(500));
    expect(fullPodWorkingSetMb(3, 500, 10)).toBeLessThan(executorPodMemoryMb(500));
    const sixty = simulateRun(spec({ executorCores: 3, executorMemoryMb: 500, executorInstances: 3 }, 60));
    expect(sixty.failures.podOomKills).toBeGreaterThan(0);
    expect(sixty.failures.oomKills).toBe(0);
    expect(sixty.failures.executorLosses).toBeGreaterThan(0);
    const ten = simulateRun(spec({ executorCores: 3, executorMemoryMb: 500, executorInstances: 3 }, 10));
    expect(ten.failures.podOomKills).toBe(0);
    expect(ten.framesDropped).toBe(0);
  });

  it('a 1-core pod with the same memory holds its single task at 60 fps: memory per pod grows with cores', () => {
    expect(fullPodWorkingSetMb(1, 500, 60)).toBeLessThan(executorPodMemoryMb(500));
    const result = simulateRun(spec({ executorCores: 1, executorMemoryMb: 500, executorInstances: 8 }, 60));
    expect(result.failures.podOomKills).toBe(0);
    expect(result.framesDropped).toBe(0);
  });

  it('reports working set ÷ limit as memory utilisation, and never above 1 for a pod that survives', () => {
    const result = simulateRun(spec({ executorCores: 1, executorMemoryMb: 1000, executorInstances: 8 }, 30));
    const idleFloor = (MEMORY.jvmBaseRssMb! + 0.5 * 1000 + MEMORY.pythonWorkerBaseMb!) / executorPodMemoryMb(1000);
    expect(result.memUtil).toBeGreaterThanOrEqual(idleFloor - 1e-9);
    expect(result.memUtil).toBeLessThan(fullPodWorkingSetMb(1, 1000, 30) / executorPodMemoryMb(1000) + 1e-9);
    for (const executor of result.executors) expect(executor.memUtil).toBeLessThanOrEqual(1);
  });

  it('profiles without the pod-memory parameters never OOM-kill a pod (they default to nothing resident)', () => {
    const bare = paperProfile().parameters;
    const zeroed = { ...bare, jvmBaseRssMb: 0, jvmHeapResidentFraction: 0, pythonWorkerBaseMb: 0, pythonFrameMbPerMegapixel: 0 };
    const result = simulateRun(withParameters(paperSpec({ spark: { executorCores: 3, executorMemoryMb: 500, executorInstances: 3 }, fps: 60 }), zeroed));
    expect(result.failures.podOomKills).toBe(0);
  });
});

describe('CPU requests, limits and utilisation', () => {
  const context: TaskContext = {
    partitionMegapixels: 30 * megapixelsPerFrame,
    executorCores: 2,
    executorMemoryMb: 1000,
    memoryFraction: 0.6,
    serializer: 'kryo',
    nodeBusySlots: 2,
    nodeExecutors: 1,
    nodeVcpu: 8,
    clusterBusySlots: 2,
    remoteStorage: false,
    podBusySlots: 2,
    podCpuLimit: 0,
    podMemoryLimitMb: Infinity,
    podWorkingSetMb: 0,
    podHeapHeldMb: 0,
  };
  const p = { ...paperProfile().parameters, executorBackgroundCpu: 0 };

  it('throttles tasks whose pod asks for more CPU than its limit (CFS quota), and not below it', () => {
    const free = taskCost(p, context);
    const limited = taskCost(p, { ...context, podCpuLimit: 1 });
    expect(free.throttleSlowdown).toBe(1);
    expect(limited.throttleSlowdown).toBeCloseTo(2, 12);
    expect(limited.durationMs).toBeGreaterThan(free.durationMs);
    // Throttling stretches wall time, not the CPU the task uses.
    expect(limited.cpuMs).toBe(free.cpuMs);
    expect(taskCost(p, { ...context, podCpuLimit: 2 }).throttleSlowdown).toBe(1);
  });

  it('CPU contention stretches CPU work, not the fixed non-CPU latency of a task', () => {
    const q = { ...p, frameCpuMsPerMegapixel: 0, taskCpuMs: 0, frameInputMbPerMegapixel: 0, frameOutputMbPerMegapixel: 0 };
    const crowded = taskCost(q, { ...context, nodeBusySlots: 16 });
    expect(crowded.contentionSlowdown).toBeGreaterThan(1);
    expect(crowded.durationMs).toBeCloseTo(taskCost(q, context).durationMs, 9);
  });

  it('a CPU limit slows a multi-core executor end to end', () => {
    const free = simulateRun(spec({ executorCores: 2, executorMemoryMb: 1000, executorInstances: 3, cpuLimitRatio: 0 }, 30));
    const limited = simulateRun(spec({ executorCores: 2, executorMemoryMb: 1000, executorInstances: 3, cpuLimitRatio: 0.5 }, 30));
    expect(limited.perFrameMs.mean).toBeGreaterThan(free.perFrameMs.mean);
  });

  it('reports CPU used ÷ requested: the frames’ CPU time over the window, per requested vCPU', () => {
    const parameters = { executorBackgroundCpu: 0, taskCpuMs: 0 };
    const s = spec({ executorCores: 1, executorMemoryMb: 1000, executorInstances: 8 }, 20, parameters);
    const result = simulateRun(s);
    const q = s.profile.parameters;
    const cpuMsPerFrame = megapixelsPerFrame * q.frameCpuMsPerMegapixel * q.cpuSpeedFactor;
    const requestedCpuMs = 8 * 1 * result.simulatedMs;
    // Every task that ended in the window counted its CPU; frames of tasks still running at the end did not.
    expect(result.cpuUtil).toBeCloseTo((result.framesProcessed * cpuMsPerFrame) / requestedCpuMs, 6);
    expect(result.slotUtil).toBeGreaterThan(result.cpuUtil);
  });
});
