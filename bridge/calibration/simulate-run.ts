/**
 * A real run replayed in the simulator: the run's executor configuration and
 * workload (partitions, frames per partition, concurrent jobs, load, frame
 * size, batch count)
 * on the scenario's cluster, as one short steady-state trial like the
 * simulated backend's trial mode (src/backend/simulated.ts): executors already
 * up, every batch measured, the trial over when its batches are done.
 */
import type { RunSpec } from '../../sim/config.js';
import { SparkOnK8sModel } from '../../sim/model.js';
import type { LatencyProfile } from '../../sim/profile.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { toRunSpec } from '../../src/scenario/run-spec.js';
import type { RealRun } from './real-run.js';

/** A trial whose batches are not done this many windows after its window is cut off (as in the simulated backend). */
const DRAIN_LIMIT_WINDOWS = 20;

export type RunSetting = Pick<RealRun, 'cores' | 'memoryMb' | 'instances' | 'partitions' | 'framesPerPartition' | 'concurrentJobs' | 'fps' | 'batches' | 'megapixelsPerFrame'>;

export interface SimulateRealRunOptions {
  /** Batches simulated at most per replication, whatever the run measured: the cost of one objective evaluation stays bounded. */
  maxBatches: number;
  /**
   * Batches simulated at least, in all: the run's setting is replayed in
   * independent replications (each as long as the run) until there are this
   * many, and their means averaged. The prediction is then the model's
   * expected mean, not one noisy draw of it; default 1 (one replication).
   */
  minBatches?: number;
  seed: string | number;
}

/** The simulator's input for a real run's setting. */
export function realRunSpec(scenario: Scenario, run: RunSetting, profile: LatencyProfile, options: SimulateRealRunOptions): RunSpec {
  const batches = Math.max(1, Math.min(run.batches, options.maxBatches));
  const windowMs = Math.ceil((batches * run.partitions * run.framesPerPartition * 1000) / run.fps);
  // Not through toRunSpec's overrides: a real run may lie outside the scenario's
  // action space (its latency still says something about the model).
  const spec = toRunSpec(scenario, { seed: options.seed });
  spec.spark = {
    ...spec.spark,
    executorCores: run.cores,
    executorMemoryMb: run.memoryMb,
    executorInstances: run.instances,
    partitions: run.partitions,
    framesPerPartition: run.framesPerPartition,
    // What the real job ran, not the scenario's: it keeps this many batch jobs in Spark (absent: one).
    concurrentJobs: run.concurrentJobs ?? 1,
    // The real job cuts a batch only when it is full.
    batchIntervalMs: 0,
    dynamicAllocation: { ...spec.spark.dynamicAllocation, enabled: false },
  };
  // One source whose frames have the run's mean size; the simulator reads only width × height.
  const sidePx = Math.sqrt(run.megapixelsPerFrame * 1e6);
  spec.workload = {
    ...spec.workload,
    sources: [{ name: 'real-run', kind: 'camera', weight: 1, widthPx: sidePx, heightPx: sidePx }],
    trace: { kind: 'constant', fps: run.fps },
  };
  spec.profile = profile;
  spec.durationMs = windowMs;
  spec.warmupMs = 0;
  spec.warmStart = true;
  spec.traceHash = false;
  return spec;
}

/**
 * Mean simulated per-frame time of a real run's setting, ms (the mean of the
 * replications' means); NaN when a replication processed no frame.
 */
export function simulateRealRun(scenario: Scenario, run: RunSetting, profile: LatencyProfile, options: SimulateRealRunOptions): number {
  const batchesPerReplication = Math.max(1, Math.min(run.batches, options.maxBatches));
  const replications = Math.max(1, Math.ceil((options.minBatches ?? 1) / batchesPerReplication));
  let sum = 0;
  for (let r = 0; r < replications; r++) {
    // Replication 0 keeps the plain seed, so a single replication is the run it always was.
    const spec = realRunSpec(scenario, run, profile, { ...options, seed: r === 0 ? options.seed : `${options.seed}/replication-${r}` });
    const model = new SparkOnK8sModel(spec);
    try {
      model.runUntil(spec.durationMs);
      model.drain(DRAIN_LIMIT_WINDOWS * spec.durationMs);
      const mean = model.result().perFrameMs.mean;
      if (!Number.isFinite(mean)) return NaN;
      sum += mean;
    } finally {
      model.destroy();
    }
  }
  return sum / replications;
}
