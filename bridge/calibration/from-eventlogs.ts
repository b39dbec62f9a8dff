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
 * - spark.sspe.megapixelsPerFrame 0 (older `sspe collect` wrote it when it
 *   did not know the store's frame size) reads as unknown: NaN.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserInputError } from '../../src/errors.js';
import { parseEventLog, type EventLog } from '../eventlog/parse.js';
import { parseSparkMemoryMb, SparkPropertyError } from '../eventlog/spark-config.js';
import { concurrentJobsField, type RealRun } from './real-run.js';
import { describeExecutorLosses, oneLine } from '../spark/executor-loss.js';

/** A failure message's first non-empty line (Spark's job failures go on with the executor's stack trace). */
function firstLine(message: string | null | undefined): string {
  return oneLine((message ?? '').split('\n').find((line) => line.trim() !== '') ?? '');
}

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
  /** Batch jobs kept in Spark at once: --concurrent-jobs. Optional (logs from before it), default 1. */
  concurrentJobs: 'spark.sspe.concurrentJobs',
} as const;

const REQUIRED_SSPE_KEYS = ['partitions', 'framesPerPartition', 'fps', 'megapixelsPerFrame'] as const;

export interface EventLogRuns {
  /** One run per log of the sspe job, in file-name order. */
  runs: RealRun[];
  /** Logs of other applications (no spark.sspe.* property), with why they were skipped. */
  skipped: { path: string; reason: string }[];
  /** Files under the directory that are not Spark event logs (left alone). */
  otherFiles: number;
}

/** Extensions of Spark's compressed event logs (spark.eventLog.compression.codec): their first bytes are not JSON. */
const COMPRESSED_LOG = /\.(gz|lz4|lzf|snappy|zstd|zst)$/;

/** Whether a file is a Spark event log: compressed, or its first line a SparkListener event. */
async function looksLikeEventLog(path: string): Promise<boolean> {
  if (COMPRESSED_LOG.test(path)) return true;
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(64), position: 0 });
    return /^\s*\{\s*"Event"\s*:\s*"SparkListener/.test(buffer.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await file.close();
  }
}

/**
 * Every event log under a directory, sub-folders included (one folder per
 * run is a common layout; so is sspe collect's --out folder): plain and
 * compressed files and eventlog_v2_* rolling-log folders, in path order.
 * Files that are not event logs (stdout, CSVs, videos) are counted, not read.
 */
async function findEventLogs(dir: string): Promise<{ logs: string[]; otherFiles: number }> {
  const logs: string[] = [];
  let otherFiles = 0;
  const walk = async (at: string): Promise<void> => {
    const entries = (await readdir(at, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(at, entry.name);
      // A link is followed to a file, never to a folder (no cycles).
      const kind = entry.isSymbolicLink() ? ((await stat(path).catch(() => null))?.isFile() ? 'file' : 'other') : entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
      if (kind === 'dir' && entry.name.startsWith('eventlog_v2_')) logs.push(path);
      else if (kind === 'dir') await walk(path);
      else if (kind === 'file' && (await looksLikeEventLog(path))) logs.push(path);
      else otherFiles++;
    }
  };
  await walk(dir);
  return { logs, otherFiles };
}

/** Reads every event log under a directory and its sub-folders (files, and eventlog_v2_* rolling-log folders). */
export async function realRunsFromEventLogs(dir: string): Promise<EventLogRuns> {
  let found: { logs: string[]; otherFiles: number };
  try {
    if (!(await stat(dir)).isDirectory()) throw new UserInputError(`--eventlogs: expected a directory of Spark event logs, got a file: ${dir}`);
    found = await findEventLogs(dir);
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
  for (const path of found.logs) {
    const run = await realRunFromEventLog(path);
    if (run === null) skipped.push({ path, reason: `no ${SSPE_PROPERTIES.partitions} property: not a run of the sspe job` });
    else runs.push(run);
  }
  return { runs, skipped, otherFiles: found.otherFiles };
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
  // sspe collect wrote 0 when it did not know the store's frame size: unknown (NaN), and calibrate gives such a run the scenario's.
  const megapixelsPerFrame = /^\s*0+(\.0*)?\s*$/.test(require(SSPE_PROPERTIES.megapixelsPerFrame)) ? Number.NaN : positiveNumber(SSPE_PROPERTIES.megapixelsPerFrame);
  const warmupText = get(SSPE_PROPERTIES.warmupBatches);
  if (warmupText !== undefined && !/^\s*\d+\s*$/.test(warmupText)) {
    throw new UserInputError(`${where} ${SSPE_PROPERTIES.warmupBatches}: expected a non-negative integer, got '${warmupText}'`);
  }
  const warmupBatches = warmupText === undefined ? 0 : Number(warmupText);
  const concurrentJobs = get(SSPE_PROPERTIES.concurrentJobs) === undefined ? 1 : positiveInteger(SSPE_PROPERTIES.concurrentJobs);
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
        ? `job ${failedJob.jobId} failed: ${firstLine(failedJob.failureMessage) || 'no reason given'}`
        : `job ${failedJob.jobId} never ended`;
  }
  const lastJobEndMs = Math.max(-Infinity, ...jobs.map((job) => job.completionTimeMs ?? -Infinity));
  const lost = log.executors.filter((e) => e.removedTimeMs !== null && e.removedTimeMs <= lastJobEndMs);
  if (failure === null && lost.length > 0) {
    // One line (Spark's Kubernetes reasons span lines), an OOM kill named as one.
    failure = describeExecutorLosses(lost.map((e) => ({ executorId: e.executorId, reason: e.removedReason ?? 'no reason given' })), null);
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
    ...concurrentJobsField(concurrentJobs),
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
