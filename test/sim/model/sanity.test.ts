import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeSpec, RunSpec, SparkConfig } from '../../../sim/config.js';
import type { ProfileParameters } from '../../../sim/profile.js';
import type { RunResult } from '../../../sim/metrics/result.js';
import { simulateRun } from '../../../sim/model.js';
import { taskCost, type TaskContext } from '../../../sim/spark/latency.js';
import { meanFrameMegapixels } from '../../../sim/workload/batcher.js';
import { paperProfile, paperSpec } from '../fixtures.js';
import { burst, NO_NOISE, node, withNodes, withParameters } from './drive.js';

// Without executor background CPU, so that node load is exactly its busy slots.
const p = { ...paperProfile().parameters, executorBackgroundCpu: 0 };
const megapixelsPerFrame = meanFrameMegapixels(paperSpec().workload);
const MEMORY_FRACTION = 0.6;

/** Heap a task of `frames` frames holds, MB (the latency model's rule). */
function taskNeedMb(frames: number): number {
  return p.taskMemoryBaseMb + frames * megapixelsPerFrame * p.frameMemoryMbPerMegapixel;
}

/** Executor memory at which a task of `frames` frames runs at memory pressure `pressure` with `cores` slots. */
function memoryForPressure(pressure: number, cores: number, frames: number): number {
  return Math.ceil(p.reservedMemoryMb + (taskNeedMb(frames) * cores) / (MEMORY_FRACTION * pressure));
}

const BIG = [node('node-1', 16, 65_536), node('node-2', 16, 65_536), node('node-3', 16, 65_536)];

/**
 * One micro-batch of partitions × framesPerPartition frames, cut at t = 1 s,
 * then no more load; no noise, so results compare exactly.
 */
function singleBatch(
  spark: Partial<SparkConfig> & { partitions: number; framesPerPartition: number },
  options: { nodes?: NodeSpec[]; storageNode?: string; placement?: 'pack' | 'spread'; parameters?: Partial<ProfileParameters> } = {},
): { spec: RunSpec; result: RunResult } {
  let spec = paperSpec({
    spark: { batchIntervalMs: 0, memoryFraction: MEMORY_FRACTION, ...spark },
    durationMs: 60_000,
  });
  spec.workload.trace = burst(spark.partitions * spark.framesPerPartition, 1000);
  spec = withParameters(withNodes(spec, options.nodes ?? BIG, options.storageNode), { ...NO_NOISE, ...options.parameters });
  spec.cluster.placement = options.placement ?? 'spread';
  const result = simulateRun(spec);
  expect(result.batches).toBe(1);
  return { spec, result };
}

function context(overrides: Partial<TaskContext> = {}): TaskContext {
  return {
    partitionMegapixels: 10 * megapixelsPerFrame,
    executorCores: 1,
    executorMemoryMb: 4096,
    memoryFraction: MEMORY_FRACTION,
    serializer: 'kryo',
    nodeBusySlots: 1,
    nodeExecutors: 1,
    nodeVcpu: 4,
    clusterBusySlots: 1,
    remoteStorage: false,
    podBusySlots: 1,
    podCpuLimit: 0,
    podMemoryLimitMb: Infinity,
    podWorkingSetMb: 0,
    podHeapHeldMb: 0,
    ...overrides,
  };
}

function expectNonDecreasing(values: number[], what: string, relativeTolerance = 0): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i] < values[i - 1] * (1 - relativeTolerance) - 1e-9) {
      throw new Error(`${what}: expected non-decreasing, got ${values.map((v) => v.toFixed(1)).join(', ')} (drop at index ${i})`);
    }
  }
}

describe('latency model (taskCost)', () => {
  it('without contention, the cost of a task does not depend on how many slots the node has left', () => {
    const alone = taskCost(p, context({ nodeBusySlots: 1, nodeVcpu: 4 }));
    const full = taskCost(p, context({ nodeBusySlots: 4, nodeVcpu: 4 }));
    expect(full.contentionSlowdown).toBe(1);
    expect(full.durationMs).toBe(alone.durationMs);
  });

  it('slows tasks down as memory shrinks (GC, then spill) and fails them with OOM far below the need', () => {
    const frames = 20;
    const pressures = [0.1, 0.4, 0.8, 1.5, 3, 0.9 * p.oomPressure, 1.2 * p.oomPressure];
    const costs = pressures.map((pressure) =>
      taskCost(p, context({ executorMemoryMb: memoryForPressure(pressure, 1, frames), partitionMegapixels: frames * megapixelsPerFrame })),
    );
    const healthy = costs.filter((c) => !c.oom);
    expect(healthy.length).toBeGreaterThan(3);
    expectNonDecreasing(
      healthy.map((c) => c.memoryPressure),
      'pressure',
    );
    expectNonDecreasing(
      healthy.map((c) => c.durationMs),
      'duration as memory shrinks',
    );
    expect(healthy[0].gcSlowdown).toBe(1);
    expect(healthy[healthy.length - 1].gcSlowdown).toBeGreaterThan(1);
    expect(healthy[healthy.length - 1].spillMs).toBeGreaterThan(0);
    expect(healthy[healthy.length - 1].durationMs).toBeGreaterThan(healthy[0].durationMs);
    expect(costs[costs.length - 1].oom).toBe(true);
    // Below Spark's reserved memory nothing is usable: always OOM.
    expect(taskCost(p, context({ executorMemoryMb: p.reservedMemoryMb })).oom).toBe(true);
  });

  it('slows tasks when more of them run on a node than it has vCPUs', () => {
    const at = (busy: number) => taskCost(p, context({ nodeBusySlots: busy, nodeVcpu: 4 }));
    expect(at(4).contentionSlowdown).toBe(1);
    expect(at(6).contentionSlowdown).toBeCloseTo(Math.pow(6 / 4, p.cpuContentionExponent), 12);
    expect(at(6).durationMs).toBeGreaterThan(at(4).durationMs);
    expect(at(8).durationMs).toBeGreaterThan(at(6).durationMs);
  });

  it("counts each executor's background CPU toward the node's load: more executors on a full node, slower tasks", () => {
    const q = { ...p, executorBackgroundCpu: 0.25, cpuContentionExponent: 1 };
    const at = (busy: number, executors: number) => taskCost(q, context({ nodeBusySlots: busy, nodeExecutors: executors, nodeVcpu: 2 }));
    // One task and its executor fit two vCPUs; two tasks in one executor or in two do not, and two JVMs cost more.
    expect(at(1, 1).contentionSlowdown).toBe(1);
    expect(at(2, 1).contentionSlowdown).toBeCloseTo(2.25 / 2, 12);
    expect(at(2, 2).contentionSlowdown).toBeCloseTo(2.5 / 2, 12);
    expect(at(2, 2).durationMs).toBeGreaterThan(at(2, 1).durationMs);
    // Profiles written before the parameter existed have none: executors cost nothing beyond their tasks.
    expect(taskCost({ ...p, executorBackgroundCpu: 0 }, context({ nodeBusySlots: 4, nodeExecutors: 4, nodeVcpu: 4 })).contentionSlowdown).toBe(1);
  });

  it('charges remote storage and the Java serializer', () => {
    expect(taskCost(p, context({ remoteStorage: true })).durationMs).toBeGreaterThan(taskCost(p, context()).durationMs);
    expect(taskCost(p, context({ serializer: 'java' })).durationMs).toBeGreaterThan(taskCost(p, context()).durationMs);
  });
});

describe('whole model, one batch', () => {
  it('more executor cores never make a batch slower (enough memory, no contention)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 3 }),
        (partitions, framesPerPartition, executorInstances) => {
          // Enough memory for 4 cores at low pressure, the same for every core count.
          const executorMemoryMb = memoryForPressure(p.gcOnsetPressure / 2, 4, framesPerPartition);
          const means = [1, 2, 3, 4].map(
            (executorCores) =>
              singleBatch({ partitions, framesPerPartition, executorCores, executorInstances, executorMemoryMb }).result.perFrameMs.mean,
          );
          expectNonDecreasing([...means].reverse(), `per-frame mean for cores 4..1 (P=${partitions}, ${executorInstances} executors)`);
          if (partitions > executorInstances) expect(means[3]).toBeLessThan(means[0]);
        },
      ),
      { numRuns: 30, seed: 5 },
    );
  });

  it('slows down as executor memory falls below what a partition needs (GC and spill)', () => {
    const framesPerPartition = 20;
    const pressures = [0.25, 0.5, 1, 2, 3, 4, 5].map((x) => (x / 5) * 0.95 * p.oomPressure);
    const runs = pressures.map((pressure) =>
      singleBatch({
        partitions: 4,
        framesPerPartition,
        executorCores: 1,
        executorInstances: 2,
        executorMemoryMb: memoryForPressure(pressure, 1, framesPerPartition),
      }),
    );
    for (const { result } of runs) {
      expect(result.failures.oomKills).toBe(0);
      expect(result.framesProcessed).toBe(80);
    }
    const means = runs.map(({ result }) => result.perFrameMs.mean);
    expectNonDecreasing(means, 'per-frame mean as memory shrinks');
    expect(means[means.length - 1]).toBeGreaterThan(means[0] * 1.2);
    // Held memory is capped at what is usable, so memory utilisation rises towards 1 as memory shrinks.
    expectNonDecreasing(
      runs.map(({ result }) => result.memUtil),
      'memory utilisation as memory shrinks',
    );
  });

  it('far below the need, every attempt dies of OOM: executors are killed, tasks retried, the job aborted and its frames dropped', () => {
    const framesPerPartition = 20;
    const { result } = singleBatch({
      partitions: 4,
      framesPerPartition,
      executorCores: 1,
      executorInstances: 2,
      taskMaxFailures: 3,
      executorMemoryMb: memoryForPressure(1.5 * p.oomPressure, 1, framesPerPartition),
    });
    expect(result.failures.oomKills).toBeGreaterThanOrEqual(3);
    expect(result.failures.taskFailures).toBe(result.failures.oomKills);
    expect(result.failures.executorLosses).toBeGreaterThanOrEqual(result.failures.oomKills);
    expect(result.failures.jobsAborted).toBe(1);
    expect(result.framesProcessed).toBe(0);
    expect(result.framesDropped).toBe(80);
    expect(result.backlogFrames).toBe(0);
    expect(result.perFrameMs.mean).toBeNaN();
    // The replacements of the killed executors came up and are registered at the end.
    expect(result.executors.length).toBeGreaterThan(2);
  });

  it('CPU contention slows tasks when cpuRequestRatio < 1 packs more slots than vCPUs on a node', () => {
    // 3 executors × 2 cores requesting 1 vCPU each fit on one node: 6 slots.
    const spark = { partitions: 6, framesPerPartition: 10, executorCores: 2, executorInstances: 3, cpuRequestRatio: 0.5 };
    const memory = { executorMemoryMb: memoryForPressure(p.gcOnsetPressure / 2, 2, 10) };
    const crowded = singleBatch({ ...spark, ...memory }, { nodes: [node('node-1', 4, 16_384)] });
    const roomy = singleBatch({ ...spark, ...memory }, { nodes: [node('node-1', 8, 16_384)] });
    for (const run of [crowded, roomy]) {
      expect(run.result.executors.map((e) => e.node)).toEqual(['node-1', 'node-1', 'node-1']);
      expect(run.result.framesProcessed).toBe(60);
    }
    expect(crowded.result.perFrameMs.mean).toBeGreaterThan(roomy.result.perFrameMs.mean);
    expect(crowded.result.perFrameMs.max).toBeGreaterThan(roomy.result.perFrameMs.max);
  });

  it("with executorBackgroundCpu, two 1-core executors on a full node are slower than one 2-core executor; without it, alike", () => {
    const memory = { executorMemoryMb: memoryForPressure(p.gcOnsetPressure / 2, 2, 10) };
    const run = (cores: number, instances: number, executorBackgroundCpu: number) =>
      singleBatch(
        { partitions: 2, framesPerPartition: 10, executorCores: cores, executorInstances: instances, cpuRequestRatio: 0.5, ...memory },
        { nodes: [node('node-1', 2, 16_384)], parameters: { executorBackgroundCpu } },
      ).result.perFrameMs.mean;
    expect(run(1, 2, 0)).toBeCloseTo(run(2, 1, 0), 9);
    expect(run(1, 2, 0.25)).toBeGreaterThan(run(2, 1, 0.25));
    expect(run(2, 1, 0.25)).toBeGreaterThan(run(2, 1, 0));
  });

  it('an over-committed node does no more CPU work than its vCPUs allow', () => {
    // 3 executors × 4 cores requesting 1 vCPU each on one 4 vCPU node: 12 slots for 12 equal, CPU-only tasks.
    const framesPerPartition = 20;
    const { result } = singleBatch(
      {
        partitions: 12,
        framesPerPartition,
        executorCores: 4,
        executorInstances: 3,
        cpuRequestRatio: 0.25,
        executorMemoryMb: memoryForPressure(p.gcOnsetPressure / 2, 4, framesPerPartition),
      },
      { nodes: [node('node-1', 4, 16_384)], parameters: { taskOverheadMs: 0, jobOverheadMs: 0, nfsBandwidthMbPerS: 1e6, networkMbPerS: 1e6 } },
    );
    expect(result.executors.map((e) => e.node)).toEqual(['node-1', 'node-1', 'node-1']);
    const workMs = taskCost(p, context({ partitionMegapixels: framesPerPartition * megapixelsPerFrame })).cpuMs;
    // Even the best schedule on 4 CPUs finishes 4 tasks after 1 × work, 4 after 2 ×, 4 after 3 ×: a mean of 2 × work
    // (processor sharing: all 12 after 3 × work). Per-frame time runs from the batch's submission, when the tasks start.
    expect(result.perFrameMs.max).toBeGreaterThanOrEqual(3 * workMs * 0.99);
    expect(result.perFrameMs.mean).toBeGreaterThanOrEqual(2 * workMs * 0.99);
  });

  it('executors away from the storage node are slower than those on it', () => {
    const spark = {
      partitions: 8,
      framesPerPartition: 10,
      executorCores: 2,
      executorInstances: 2,
      executorMemoryMb: memoryForPressure(p.gcOnsetPressure / 2, 2, 10),
    };
    const nodes = [node('node-1', 16, 65_536), node('node-2', 16, 65_536)];
    const local = singleBatch(spark, { nodes, storageNode: 'node-1', placement: 'pack' });
    const remote = singleBatch(spark, { nodes, storageNode: 'node-2', placement: 'pack' });
    expect(local.result.executors.map((e) => e.node)).toEqual(['node-1', 'node-1']);
    expect(remote.result.executors.map((e) => e.node)).toEqual(['node-1', 'node-1']);
    expect(remote.result.perFrameMs.mean).toBeGreaterThan(local.result.perFrameMs.mean);
  });

  it('the Java serializer is slower than Kryo', () => {
    const spark = {
      partitions: 8,
      framesPerPartition: 10,
      executorCores: 2,
      executorInstances: 2,
      executorMemoryMb: memoryForPressure(p.gcOnsetPressure / 2, 2, 10),
    };
    const kryo = singleBatch({ ...spark, serializer: 'kryo' });
    const java = singleBatch({ ...spark, serializer: 'java' });
    expect(java.result.perFrameMs.mean).toBeGreaterThan(kryo.result.perFrameMs.mean);
  });
});

describe('whole model, steady load on the paper testbed', () => {
  const levels = [10, 20, 30, 40, 50, 60, 70, 80];

  it('more load never lowers the per-frame time of a fixed configuration (noise off)', () => {
    for (const executorCores of [1, 2, 3]) {
      const means = levels.map(
        // 2 GB of heap: enough pod memory for three tasks of 60 frames each.
        (fps) => simulateRun(withParameters(paperSpec({ fps, spark: { executorCores, executorMemoryMb: 2000 } }), NO_NOISE)).perFrameMs.mean,
      );
      expectNonDecreasing(means, `per-frame mean over ${levels.join('/')} fps with ${executorCores} cores`);
      expect(means[5]).toBeGreaterThan(means[0]);
    }
  });

  it('more load never lowers the per-frame time beyond noise (paper profile, task jitter on)', () => {
    for (const seed of [1, 2]) {
      const results = levels.map((fps) => simulateRun(paperSpec({ fps, seed })));
      expectNonDecreasing(
        results.map((r) => r.perFrameMs.mean),
        `per-frame mean, seed ${seed}`,
        0.02,
      );
      // A p95 is noisier than a mean (and HdrHistogram buckets it): 3 %.
      expectNonDecreasing(
        results.map((r) => r.perFrameMs.p95),
        `per-frame p95, seed ${seed}`,
        0.03,
      );
    }
  });
});
