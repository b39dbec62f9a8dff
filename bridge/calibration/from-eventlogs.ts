/**
 * RealRun records from Spark event logs alone, for `sspe calibrate
 * --eventlogs <dir>`: no metrics file, no run log needed.
 *
 * - The configuration comes from the "Spark Properties" of the log's
 *   SparkListenerEnvironmentUpdate: spark.master, spark.executor.cores,
 *   spark.executor.memory, spark.executor.instances, and the workload keys the
 *   sspe launcher adds (SSPE_PROPERTIES). A log without any spark.sspe.* key
 *   is another application's and is skipped; one with some but not all of
 *   the required keys, or a malformed value, is a UserInputError.
 * - Each micro-batch of the job (bridge/jobs/video_grayscale.py) is one Spark
 *   job; the first warmupBatches jobs are left out. A frame's processing time
 *   is its partition's task Finish Time − its job's Submission Time (the
 *   driver's clock for both), as the job's own metrics define it; every
 *   partition of a batch holds framesPerPartition frames, and the quantiles
 *   are frame-weighted with nearest rank, like the job's summary.
 * - A log that does not end with ApplicationEnd, a failed job, an executor
 *   lost before the last job ended, or no measured batch gives a run with
 *   `failure` set (calibration leaves it out and counts it).
 * - A corrupt log is the parser's UserInputError (file and line).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserInputError } from '../../src/errors.js';
import { parseEventLog, type EventLog } from '../eventlog/parse.js';
import { parseSparkMemoryMb, SparkPropertyError } from '../eventlog/spark-config.js';
import type { RealRun } from './real-run.js';

/** The Spark properties the launcher sets so that a log describes its run's workload (spark-submit --conf). */
export const SSPE_PROPERTIES = {
  /** The run id (spark.app.name carries it too, after a prefix). Optional: the app id stands in. */
  runId: 'spark.sspe.runId',
  /** Partitions (tasks) per micro-batch: --partitions of the job. */
  partitions: 'spark.sspe.partitions',
  /** Frames per partition: --frames-per-partition. */
  framesPerPartition: 'spark.sspe.framesPerPartition',
  /** The load the batches are paced at, fps: --fps. */
  fps: 'spark.sspe.fps',
  /** Mean megapixels of an input frame (width × height / 10⁶, over the input store). */
  megapixelsPerFrame: 'spark.sspe.megapixelsPerFrame',
  /** First batches left out of the measurement: --warmup-batches. Optional, default 0. */
  warmupBatches: 'spark.sspe.warmupBatches',
} as const;

const REQUIRED_SSPE_KEYS = ['partitions', 'framesPerPartition', 'fps', 'megapixelsPerFrame'] as const;

export interface EventLogRuns {
  /** One run per log of the sspe job, in file-name order. */
  runs: RealRun[];
  /** Logs of other applications (no spark.sspe.* property), with why they were skipped. */
  skipped: { path: string; reason: string }[];
}

/** Reads every event log in a directory (files, and eventlog_v2_* rolling-log folders). */
export async function realRunsFromEventLogs(dir: string): Promise<EventLogRuns> {
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new UserInputError(`--eventlogs: expected a directory of Spark event logs, got a file: ${dir}`);
    names = await readdir(dir);
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserInputError(
      code === 'ENOENT' ? `event-log directory not found: ${dir}` : `cannot read the event-log directory ${dir}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const runs: RealRun[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
    const path = join(dir, name);
    const isDirectory = (await stat(path)).isDirectory();
    if (isDirectory && !name.startsWith('eventlog_v2_')) {
      skipped.push({ path, reason: 'a directory that is not a rolling event log (eventlog_v2_<appId>)' });
      continue;
    }
    const run = await realRunFromEventLog(path);
    if (run === null) skipped.push({ path, reason: `no ${SSPE_PROPERTIES.partitions} property: not a run of the sspe job` });
    else runs.push(run);
  }
  return { runs, skipped };
}

/** The run one event log records; null when the log has no spark.sspe.* property (another application). */
export async function realRunFromEventLog(path: string): Promise<RealRun | null> {
  // A half-written last line is what Spark leaves while it is still writing; elsewhere it is corruption.
  const log = await parseEventLog(path, { allowPartialLastLine: path.endsWith('.inprogress') });
  return realRunFromParsedLog(log, path);
}

export function realRunFromParsedLog(log: EventLog, path: string): RealRun | null {
  const properties = log.sparkProperties;
  if (!Object.keys(properties).some((key) => key.startsWith('spark.sspe.'))) return null;
  const where = `${path}: Spark property`;
  const get = (key: string): string | undefined => properties[key];
  const require = (key: string): string => {
    const value = get(key);
    if (value === undefined) {
      throw new UserInputError(`${where} ${key}: expected it (the sspe launcher sets it with the other spark.sspe.* keys), got none`);
    }
    return value;
  };
  const positiveInteger = (key: string): number => {
    const text = require(key);
    if (!/^\s*\d+\s*$/.test(text) || Number(text) < 1) throw new UserInputError(`${where} ${key}: expected a positive integer, got '${text}'`);
    return Number(text);
  };
  const positiveNumber = (key: string): number => {
    const text = require(key);
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UserInputError(`${where} ${key}: expected a positive number, got '${text}'`);
    return value;
  };
  for (const key of REQUIRED_SSPE_KEYS) require(SSPE_PROPERTIES[key]);
  const partitions = positiveInteger(SSPE_PROPERTIES.partitions);
  const framesPerPartition = positiveInteger(SSPE_PROPERTIES.framesPerPartition);
  const fps = positiveNumber(SSPE_PROPERTIES.fps);
  const megapixelsPerFrame = positiveNumber(SSPE_PROPERTIES.megapixelsPerFrame);
  const warmupText = get(SSPE_PROPERTIES.warmupBatches);
  if (warmupText !== undefined && !/^\s*\d+\s*$/.test(warmupText)) {
    throw new UserInputError(`${where} ${SSPE_PROPERTIES.warmupBatches}: expected a non-negative integer, got '${warmupText}'`);
  }
  const warmupBatches = warmupText === undefined ? 0 : Number(warmupText);
  const cores = positiveInteger('spark.executor.cores');
  const instances = positiveInteger('spark.executor.instances');
  let memoryMb: number;
  try {
    memoryMb = parseSparkMemoryMb(require('spark.executor.memory'), 'spark.executor.memory');
  } catch (error) {
    if (error instanceof SparkPropertyError) throw new UserInputError(`${where} ${error.message}`, { cause: error });
    throw error;
  }

  const runId = get(SSPE_PROPERTIES.runId) ?? log.application.appId ?? basename(path);
  const jobs = [...log.jobs].sort((a, b) => a.submissionTimeMs - b.submissionTimeMs || a.jobId - b.jobId);
  const measuredJobs = jobs.slice(warmupBatches);
  const firstMeasuredMs = measuredJobs[0]?.submissionTimeMs ?? null;

  const samples: { valueMs: number; frames: number }[] = [];
  let failure: string | null = null;
  if (!log.complete) failure = 'the event log has no ApplicationEnd: the driver died, was killed, or is still running';
  const failedJob = jobs.find((job) => job.result !== 'succeeded');
  if (failure === null && failedJob !== undefined) {
    failure =
      failedJob.result === 'failed'
        ? `job ${failedJob.jobId} failed: ${failedJob.failureMessage ?? 'no reason given'}`
        : `job ${failedJob.jobId} never ended`;
  }
  const lastJobEndMs = Math.max(-Infinity, ...jobs.map((job) => job.completionTimeMs ?? -Infinity));
  const lost = log.executors.filter((e) => e.removedTimeMs !== null && e.removedTimeMs <= lastJobEndMs);
  if (failure === null && lost.length > 0) {
    failure = `executor ${lost[0].executorId} was lost during the run: ${lost[0].removedReason ?? 'no reason given'}`;
  }
  if (failure === null && measuredJobs.length === 0) {
    failure = `the log has ${jobs.length} batch jobs, all warm-up (${warmupBatches}): no measured batch`;
  }
  if (failure === null) {
    for (const job of measuredJobs) {
      const finished = new Map<number, number>();
      for (const task of log.tasks) {
        if (task.jobId !== job.jobId || task.status !== 'success') continue;
        // A retried or speculative partition counts once, when its first copy succeeded.
        const previous = finished.get(task.index);
        if (previous === undefined || task.finishTimeMs < previous) finished.set(task.index, task.finishTimeMs);
      }
      if (finished.size !== partitions) {
        failure = `job ${job.jobId} has ${finished.size} successful partitions, expected ${partitions} (${SSPE_PROPERTIES.partitions})`;
        break;
      }
      for (const finishMs of finished.values()) samples.push({ valueMs: finishMs - job.submissionTimeMs, frames: framesPerPartition });
    }
  }

  return {
    runId,
    master: log.config.master ?? properties['spark.master'] ?? 'unknown',
    cores,
    memoryMb,
    instances,
    partitions,
    framesPerPartition,
    fps,
    batches: failure === null ? measuredJobs.length : 0,
    megapixelsPerFrame,
    perFrameMs: failure === null ? weightedQuantiles(samples) : null,
    executorsRunning: firstMeasuredMs === null ? 0 : executorsAliveAt(log, firstMeasuredMs),
    wallMs: log.application.durationMs ?? 0,
    eventLogPath: path,
    failure,
  };
}

/** Executors (the driver not counted) registered at time t, from the log's add/remove timeline. */
function executorsAliveAt(log: EventLog, tMs: number): number {
  const alive = new Set<string>();
  for (const entry of log.executorTimeline) {
    if (entry.timeMs > tMs || entry.executorId === 'driver') continue;
    if (entry.change === 'added') alive.add(entry.executorId);
    else alive.delete(entry.executorId);
  }
  return alive.size;
}

/** Frame-weighted mean and nearest-rank p50/p95/p99 (video_grayscale.py's `quantiles`). */
export function weightedQuantiles(samples: readonly { valueMs: number; frames: number }[]): { mean: number; p50: number; p95: number; p99: number } | null {
  const total = samples.reduce((sum, s) => sum + s.frames, 0);
  if (total === 0) return null;
  const ordered = samples.slice().sort((a, b) => a.valueMs - b.valueMs);
  const rank = (q: number): number => {
    const target = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (const s of ordered) {
      seen += s.frames;
      if (seen >= target) return s.valueMs;
    }
    return ordered[ordered.length - 1].valueMs;
  };
  const mean = ordered.reduce((sum, s) => sum + s.valueMs * s.frames, 0) / total;
  return { mean, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99) };
}
