import type { SparkConfig } from '../../../sim/config.js';
import type { TrialOutcome } from '../../../src/backend/backend.js';
import type { TrialInput } from '../../../src/runlog/run-log.js';

export const sparkConfig: SparkConfig = {
  executorCores: 2,
  executorMemoryMb: 800,
  executorInstances: 6,
  partitions: 12,
  framesPerPartition: 'fps',
  batchIntervalMs: 1000,
  memoryFraction: 0.6,
  concurrentJobs: 1,
  taskMaxFailures: 4,
  serializer: 'kryo',
  cpuRequestRatio: 1,
  cpuLimitRatio: 0,
  dynamicAllocation: {
    enabled: false,
    minExecutors: 0,
    maxExecutors: 10,
    schedulerBacklogTimeoutMs: 1000,
    sustainedBacklogTimeoutMs: 1000,
    executorIdleTimeoutMs: 60_000,
  },
};

export const outcome: TrialOutcome = {
  perFrameMs: { mean: 512.5, p50: 480, p95: 900.25, p99: 1200, max: 1500 },
  throughputFps: 29.5,
  backlogFrames: 14,
  framesArrived: 1800,
  framesProcessed: 1770,
  framesDropped: 16,
  cpuUtil: 0.72,
  memUtil: 0.41,
  executorsRunning: 6,
  pendingPods: 0,
  taskFailures: 1,
  executorLosses: 0,
  costPerHour: 0.384,
  sloViolationFraction: 0.05,
  redeployed: true,
  windowMs: 60_000,
  wallMs: 12.5,
  failure: null,
};

/** Trial i of a synthetic run: the configuration and metrics vary with i, timestamps one minute apart. */
export function trial(i: number, overrides: Partial<TrialInput> = {}): TrialInput {
  const startedAt = new Date(Date.UTC(2025, 0, 1, 0, i));
  return {
    request: { config: { ...sparkConfig, executorCores: 1 + (i % 3), executorInstances: 1 + (i % 8) }, fps: 10 * (1 + (i % 6)) },
    outcome: { ...outcome, perFrameMs: { ...outcome.perFrameMs, mean: 100 + i } },
    reward: -(100 + i) / 1000,
    step: i,
    episode: Math.floor(i / 10),
    startedAt,
    endedAt: new Date(startedAt.getTime() + 30_000),
    ...overrides,
  };
}

/** A clock that ticks one second per call from 2025-01-01T00:00:00Z. */
export function tickingClock(): () => Date {
  let tick = 0;
  return () => new Date(Date.UTC(2025, 0, 1) + 1000 * tick++);
}
