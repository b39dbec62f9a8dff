/**
 * What the event-log parser hands back: one Spark application's run, as typed
 * per-application, per-job, per-stage and per-task metrics. Times are epoch
 * milliseconds (Spark's own clock, the driver's for job/stage times and the
 * driver's view of each task's launch/finish), durations milliseconds, sizes
 * bytes, memory MB (2^20 bytes, Spark's "m").
 */
import type { SparkConfig } from './spark-config.js';

export interface ApplicationInfo {
  appId: string | null;
  appName: string | null;
  attemptId: string | null;
  user: string | null;
  /** SparkListenerLogStart "Spark Version". */
  sparkVersion: string | null;
  startTimeMs: number | null;
  /** null when the log has no SparkListenerApplicationEnd (still running, or the driver died). */
  endTimeMs: number | null;
  durationMs: number | null;
}

export type JobResult = 'succeeded' | 'failed' | 'running';

export interface JobMetrics {
  jobId: number;
  submissionTimeMs: number;
  completionTimeMs: number | null;
  durationMs: number | null;
  result: JobResult;
  /** JobFailed's exception message. */
  failureMessage: string | null;
  /** Stages the job lists (including ones it skips because their output already exists). */
  stageIds: number[];
  /** Structured Streaming micro-batch (job property "streaming.sql.batchId"). */
  batchId: number | null;
  /** DStream batch time (job property "spark.streaming.internal.batchTime"). */
  batchTimeMs: number | null;
  /** Tasks that ended in this job's stages; of those, how many failed and how many were killed. */
  tasks: number;
  failedTasks: number;
  killedTasks: number;
}

export type StageStatus = 'active' | 'complete' | 'failed';

export interface StageMetrics {
  stageId: number;
  attemptId: number;
  name: string | null;
  /** The job that was running the stage when it was submitted. */
  jobId: number | null;
  numTasks: number | null;
  parentIds: number[];
  submissionTimeMs: number | null;
  completionTimeMs: number | null;
  durationMs: number | null;
  status: StageStatus;
  failureReason: string | null;
  /** Sums over the tasks that ended in this stage attempt. */
  tasks: number;
  failedTasks: number;
  killedTasks: number;
  executorRunMs: number;
  executorCpuMs: number;
  jvmGcMs: number;
  memoryBytesSpilled: number;
  diskBytesSpilled: number;
  inputBytes: number;
  outputBytes: number;
  shuffleReadBytes: number;
  shuffleWriteBytes: number;
}

export type TaskEndReason =
  | { kind: 'Success' }
  | { kind: 'ExceptionFailure'; className: string | null; description: string | null }
  | { kind: 'ExecutorLostFailure'; executorId: string | null; exitCausedByApp: boolean | null; lossReason: string | null }
  | { kind: 'TaskKilled'; killReason: string | null }
  | { kind: 'FetchFailed'; message: string | null }
  /** TaskResultLost, TaskCommitDenied, Resubmitted, UnknownReason, and whatever later Sparks add. */
  | { kind: 'Other'; reason: string };

export type TaskStatus = 'success' | 'failed' | 'killed';

export interface TaskShuffleRead {
  remoteBytes: number;
  localBytes: number;
  /** Remote blocks fetched to disk because they were too large for memory. */
  remoteBytesToDisk: number;
  records: number;
  remoteBlocks: number;
  localBlocks: number;
  /** Time the task sat blocked waiting for remote shuffle data. */
  fetchWaitMs: number;
}

export interface TaskShuffleWrite {
  bytes: number;
  records: number;
  /** Spark records this in ns ("Shuffle Write Time"); converted. */
  writeMs: number;
}

/** "Task Metrics" of a SparkListenerTaskEnd. */
export interface TaskMetrics {
  /** Executor-side time spent running the task body (excludes deserialisation and result serialisation). */
  executorRunMs: number;
  /** Executor CPU time for the task body; Spark records ns. Run − CPU ≈ time blocked (I/O, shuffle fetch, GC, locks). */
  executorCpuMs: number;
  executorDeserializeMs: number;
  executorDeserializeCpuMs: number;
  resultSerializationMs: number;
  /** JVM GC time on the executor while this task ran (every task running then is charged the same pause). */
  jvmGcMs: number;
  resultSizeBytes: number;
  peakExecutionMemoryBytes: number;
  memoryBytesSpilled: number;
  diskBytesSpilled: number;
  inputBytes: number;
  inputRecords: number;
  outputBytes: number;
  outputRecords: number;
  shuffleRead: TaskShuffleRead;
  shuffleWrite: TaskShuffleWrite;
}

export interface TaskRecord {
  taskId: number;
  stageId: number;
  stageAttemptId: number;
  jobId: number | null;
  /** Partition index within the stage. */
  index: number;
  attempt: number;
  executorId: string;
  host: string;
  locality: string | null;
  speculative: boolean;
  launchTimeMs: number;
  finishTimeMs: number;
  /** Finish − Launch as the driver saw it: scheduler delay + deserialisation + run + result serialisation + result fetch. */
  wallMs: number;
  status: TaskStatus;
  endReason: TaskEndReason;
  /** null when Spark wrote none (some failures, very old logs). */
  metrics: TaskMetrics | null;
}

export interface ExecutorRecord {
  executorId: string;
  host: string | null;
  totalCores: number | null;
  /** null when the log removes an executor it never saw added (a rolled or cut log). */
  addedTimeMs: number | null;
  removedTimeMs: number | null;
  removedReason: string | null;
}

export interface ExecutorTimelineEntry {
  timeMs: number;
  change: 'added' | 'removed';
  executorId: string;
  /** Executors alive just after this change. */
  alive: number;
  host: string | null;
  totalCores: number | null;
  reason: string | null;
}

export interface EventLogSummary {
  jobs: number;
  failedJobs: number;
  stages: number;
  failedStages: number;
  tasks: number;
  failedTasks: number;
  killedTasks: number;
  /** TaskStart with no TaskEnd: still running when the log stops. */
  unfinishedTasks: number;
  totalExecutorRunMs: number;
  totalExecutorCpuMs: number;
  totalGcMs: number;
  memoryBytesSpilled: number;
  diskBytesSpilled: number;
  executorsAdded: number;
  executorsRemoved: number;
  /** Most executors alive at once (in local mode the single 'driver' executor counts). */
  executorsPeak: number;
}

export interface EventLogStats {
  lines: number;
  events: number;
  /** Event types this parser does not read, with how many of each were skipped. */
  skippedEvents: Record<string, number>;
  blankLines: number;
}

export interface EventLog {
  /** The file (or files, for a rolling log directory) read. */
  sources: string[];
  /** The log ends with SparkListenerApplicationEnd. An incomplete log is still parsed. */
  complete: boolean;
  application: ApplicationInfo;
  config: SparkConfig;
  /** "Spark Properties" of SparkListenerEnvironmentUpdate, as written. */
  sparkProperties: Record<string, string>;
  jobs: JobMetrics[];
  stages: StageMetrics[];
  /** Empty when parsed with retainTasks: false (the sums in stages and summary are still kept). */
  tasks: TaskRecord[];
  executors: ExecutorRecord[];
  executorTimeline: ExecutorTimelineEntry[];
  summary: EventLogSummary;
  stats: EventLogStats;
}
