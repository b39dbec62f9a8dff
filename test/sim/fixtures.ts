import type { RunSpec, SparkConfig } from '../../sim/config.js';
import type { LatencyProfile } from '../../sim/profile.js';
import { readFileSync } from 'node:fs';

/** The shipped paper-testbed profile. */
export function paperProfile(): LatencyProfile {
  return JSON.parse(readFileSync(new URL('../../models/profiles/paper-testbed.json', import.meta.url), 'utf8')) as LatencyProfile;
}

/** A paper-testbed run spec built by hand (no YAML), so simulator tests stand alone. */
export function paperSpec(overrides: { spark?: Partial<SparkConfig>; fps?: number } & Partial<Omit<RunSpec, 'spark'>> = {}): RunSpec {
  const { spark, fps, ...rest } = overrides;
  const node = (i: number) => ({ name: `node-${i}`, vcpu: 4, memoryMb: 8192, costPerHour: 0.1664 });
  return {
    cluster: {
      nodes: [node(1), node(2), node(3)],
      placement: 'spread',
      systemReservedCpu: 0.1,
      systemReservedMemoryMb: 512,
      storageNode: 'node-1',
      nodeTemplate: { vcpu: 4, memoryMb: 8192, costPerHour: 0.1664 },
      maxNodes: 6,
      failures: { nodeMtbfMs: 0, nodeRepairMs: 60_000, podMtbfMs: 0, scheduled: [] },
    },
    spark: {
      executorCores: 2,
      executorMemoryMb: 800,
      executorInstances: 6,
      partitions: 8,
      framesPerPartition: 'fps',
      batchIntervalMs: 0,
      memoryFraction: 0.6,
      concurrentJobs: 1,
      taskMaxFailures: 4,
      serializer: 'kryo',
      cpuRequestRatio: 1,
      cpuLimitRatio: 0,
      dynamicAllocation: {
        enabled: false,
        minExecutors: 1,
        maxExecutors: 8,
        schedulerBacklogTimeoutMs: 1000,
        sustainedBacklogTimeoutMs: 1000,
        executorIdleTimeoutMs: 60_000,
      },
      ...spark,
    },
    workload: {
      sources: [
        { name: 'traffic', kind: 'camera', weight: 0.5, widthPx: 1280, heightPx: 720 },
        { name: 'cctv', kind: 'cctv', weight: 0.3, widthPx: 640, heightPx: 480 },
        { name: 'drone', kind: 'drone', weight: 0.2, widthPx: 1920, heightPx: 1080 },
      ],
      trace: { kind: 'constant', fps: fps ?? 10 },
      arrival: 'live',
      minFramesPerPartition: 10,
      maxFramesPerPartition: 60,
    },
    profile: paperProfile(),
    durationMs: 120_000,
    warmupMs: 0,
    warmStart: true,
    sloPerFrameMs: 500,
    seed: 1,
    traceHash: false,
    ...rest,
  };
}
