/**
 * One real run of the demonstrator, as calibration and fine-tuning read it:
 * the configuration it ran, the workload, and what was measured. `sspe
 * collect` writes these (a CSV beside the event logs, and the run log);
 * `sspe calibrate --runs` reads them.
 */
import type { CpuProbe } from './cpu-probe.js';

export interface RealRun {
  runId: string;
  /** The master as given, e.g. 'local-cluster[2,1,1024]'. */
  master: string;
  cores: number;
  memoryMb: number;
  instances: number;
  partitions: number;
  framesPerPartition: number;
  /** Batch jobs the driver kept in Spark at once (--concurrent-jobs); absent for 1, as in every run from before the knob was enacted. */
  concurrentJobs?: number;
  /** Load the job paced its batches at (or the nominal load), fps. */
  fps: number;
  /** Batches measured (warm-up batches excluded). */
  batches: number;
  /** Mean megapixels of an input frame. */
  megapixelsPerFrame: number;
  /** Measured per-frame processing time over the measured batches, ms (null when the run failed). */
  perFrameMs: { mean: number; p50: number; p95: number; p99: number } | null;
  /** Executors registered when the first measured batch started. */
  executorsRunning: number;
  /** spark-submit wall time, JVM start-up included, ms. */
  wallMs: number;
  /** The run's Spark event log, if one was written. */
  eventLogPath: string | null;
  /** Why the run gave no usable measurement; null when it did. */
  failure: string | null;
  /**
   * The machine's speed just before the run (cpu-probe.ts); absent or null
   * for runs collected before probes were recorded, or not by `sspe collect`.
   */
  cpuProbe?: CpuProbe | null;
}

/** The concurrentJobs field of a record: absent for 1 (or unknown), so a one-job run's record is what it always was. */
export function concurrentJobsField(concurrentJobs: number | undefined): Pick<RealRun, 'concurrentJobs'> {
  return concurrentJobs === undefined || concurrentJobs === 1 ? {} : { concurrentJobs };
}
