/**
 * Random run specs in and around the paper's action space, for the property
 * tests: any executor shape, batch shape, placement, load, start, with or
 * without dynamic allocation and failures; short runs so that many fit.
 */
import fc from 'fast-check';
import type { PlacementPolicy, RunSpec, SparkConfig } from '../../../sim/config.js';
import { executorPodCpu, executorPodMemoryMb } from '../../../sim/spark/constants.js';
import { paperSpec } from '../fixtures.js';

/** Configurations in and around the paper's action space, with the knobs a user or agent may turn. */
export const sparkArb: fc.Arbitrary<Partial<SparkConfig>> = fc
  .record({
    executorCores: fc.integer({ min: 1, max: 4 }),
    executorMemoryMb: fc.integer({ min: 3, max: 20 }).map((hundreds) => hundreds * 100),
    executorInstances: fc.integer({ min: 1, max: 10 }),
    partitions: fc.integer({ min: 1, max: 16 }),
    framesPerPartition: fc.oneof(fc.constant<'fps'>('fps'), fc.integer({ min: 1, max: 60 })),
    batchIntervalMs: fc.oneof(fc.constant(0), fc.integer({ min: 200, max: 5000 })),
    concurrentJobs: fc.integer({ min: 1, max: 3 }),
    taskMaxFailures: fc.integer({ min: 1, max: 4 }),
    serializer: fc.constantFrom<'java' | 'kryo'>('java', 'kryo'),
    cpuRequestRatio: fc.constantFrom(0.25, 0.5, 0.75, 1),
    dynamic: fc.boolean(),
    minExecutors: fc.integer({ min: 0, max: 3 }),
    extraMax: fc.integer({ min: 0, max: 6 }),
  })
  .map(({ dynamic, minExecutors, extraMax, ...spark }) => {
    const maxExecutors = Math.max(1, minExecutors + extraMax);
    return {
      ...spark,
      // Spark starts dynamic allocation from spark.executor.instances, which must lie in [min, max].
      executorInstances: dynamic ? Math.min(maxExecutors, Math.max(minExecutors, spark.executorInstances)) : spark.executorInstances,
      dynamicAllocation: {
        enabled: dynamic,
        minExecutors,
        maxExecutors,
        schedulerBacklogTimeoutMs: 1000,
        sustainedBacklogTimeoutMs: 1000,
        executorIdleTimeoutMs: 5000,
      },
    };
  });

export interface Case {
  spec: RunSpec;
  failures: boolean;
}

export const caseArb: fc.Arbitrary<Case> = fc
  .record({
    spark: sparkArb,
    fps: fc.integer({ min: 1, max: 80 }),
    placement: fc.constantFrom<PlacementPolicy>('pack', 'spread', 'storage-affinity'),
    failures: fc.boolean(),
    warmStart: fc.boolean(),
    durationS: fc.integer({ min: 15, max: 60 }),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  })
  .map(({ spark, fps, placement, failures, warmStart, durationS, seed }) => {
    const spec = paperSpec({ spark, fps, warmStart, durationMs: durationS * 1000, seed });
    spec.cluster.placement = placement;
    if (failures) {
      spec.cluster.failures = {
        nodeMtbfMs: 30_000,
        nodeRepairMs: 8_000,
        podMtbfMs: 20_000,
        scheduled: [
          { atMs: 5_000, kind: 'pod-kill', target: '0' },
          { atMs: 9_000, kind: 'node-down', target: 'node-2' },
          { atMs: 12_000, kind: 'node-up', target: 'node-2' },
        ],
      };
    }
    return { spec, failures };
  });

/** How many executor pods of this shape fit on the empty, healthy cluster. */
export function executorCapacity(spec: RunSpec): number {
  const cpu = executorPodCpu(spec.spark.executorCores, spec.spark.cpuRequestRatio);
  const memoryMb = executorPodMemoryMb(spec.spark.executorMemoryMb);
  let pods = 0;
  for (const n of spec.cluster.nodes) {
    const allocatableCpu = n.vcpu - spec.cluster.systemReservedCpu;
    const allocatableMemoryMb = n.memoryMb - spec.cluster.systemReservedMemoryMb;
    pods += Math.min(Math.floor((allocatableCpu + 1e-9) / cpu), Math.floor(allocatableMemoryMb / memoryMb));
  }
  return pods;
}
