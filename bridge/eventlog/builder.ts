/**
 * Folds Spark listener events, one at a time and in log order, into an
 * EventLog. Knows the JSON shapes of Spark's JsonProtocol (field names with
 * spaces, "Event" naming the listener event class); knows nothing of files —
 * parse.ts feeds it lines and adds the file name and line number to its errors.
 *
 * Events it does not read are counted by type, never an error: Spark adds
 * event types between versions, and SQL/streaming listeners add their own.
 */
import { emptySparkConfig, readSparkConfig, SparkPropertyError } from './spark-config.js';
import type {
  ApplicationInfo,
  EventLog,
  ExecutorRecord,
  ExecutorTimelineEntry,
  JobMetrics,
  StageMetrics,
  TaskEndReason,
  TaskMetrics,
  TaskRecord,
  TaskStatus,
} from './types.js';

export interface EventLogBuilderOptions {
  /** Keep every task's record in `tasks`; false keeps only the per-stage and summary sums (for very long logs). */
  retainTasks?: boolean;
  /** Called with each task as its SparkListenerTaskEnd is read. */
  onTask?: (task: TaskRecord) => void;
}

/** An event whose fields do not have the shape Spark writes. */
export class EventShapeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventShapeError';
  }
}

type Json = Record<string, unknown>;

const NS_PER_MS = 1e6;

/** Reads the fields of one event; complaints name the event type and the field path. */
class EventReader {
  constructor(private readonly eventType: string) {}

  fail(path: string, expected: string, found: unknown): never {
    throw new EventShapeError(`${this.eventType}: ${path}: expected ${expected}, got ${describe(found)}`);
  }

  object(parent: Json, key: string, path = quote(key)): Json {
    const value = parent[key];
    if (!isObject(value)) this.fail(path, 'an object', value);
    return value;
  }

  optionalObject(parent: Json, key: string, path = quote(key)): Json | null {
    const value = parent[key];
    if (value === undefined || value === null) return null;
    if (!isObject(value)) this.fail(path, 'an object', value);
    return value;
  }

  number(parent: Json, key: string, path = quote(key)): number {
    const value = parent[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(path, 'a number', value);
    return value;
  }

  optionalNumber(parent: Json, key: string, path = quote(key)): number | null {
    const value = parent[key];
    if (value === undefined || value === null) return null;
    return this.number(parent, key, path);
  }

  /** A metric Spark may leave out (older versions, or a group the task never touched): 0 when absent. */
  metric(parent: Json | null, key: string, path: string): number {
    if (parent === null) return 0;
    return this.optionalNumber(parent, key, path) ?? 0;
  }

  string(parent: Json, key: string, path = quote(key)): string {
    const value = parent[key];
    if (typeof value !== 'string') this.fail(path, 'a string', value);
    return value;
  }

  optionalString(parent: Json, key: string, path = quote(key)): string | null {
    const value = parent[key];
    if (value === undefined || value === null) return null;
    return this.string(parent, key, path);
  }

  optionalBoolean(parent: Json, key: string, path = quote(key)): boolean | null {
    const value = parent[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'boolean') this.fail(path, 'true or false', value);
    return value;
  }

  numberArray(parent: Json, key: string, path = quote(key)): number[] {
    const value = parent[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'number')) this.fail(path, 'an array of numbers', value);
    return value as number[];
  }

  /** Spark writes property maps as objects; some tools rewrite them as [key, value] pairs. Accept both. */
  stringMap(parent: Json, key: string, path = quote(key)): Record<string, string> {
    const value = parent[key];
    if (value === undefined || value === null) return {};
    const entries: unknown[] = Array.isArray(value) ? value : isObject(value) ? Object.entries(value) : [];
    if (!Array.isArray(value) && !isObject(value)) this.fail(path, 'an object of strings', value);
    const map: Record<string, string> = {};
    entries.forEach((entry) => {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') {
        this.fail(path, 'string keys with string values', entry);
      }
      map[entry[0]] = entry[1];
    });
    return map;
  }
}

interface StageAccumulator extends StageMetrics {
  key: string;
}

export class EventLogBuilder {
  private readonly retainTasks: boolean;
  private readonly onTask: ((task: TaskRecord) => void) | undefined;

  private events = 0;
  private readonly skipped = new Map<string, number>();
  private complete = false;
  private readonly application: ApplicationInfo = {
    appId: null,
    appName: null,
    attemptId: null,
    user: null,
    sparkVersion: null,
    startTimeMs: null,
    endTimeMs: null,
    durationMs: null,
  };
  private sparkProperties: Record<string, string> = {};
  private config = emptySparkConfig();
  private readonly jobs = new Map<number, JobMetrics>();
  /** The latest job that listed each stage: the one a newly submitted stage runs for. */
  private readonly stageToJob = new Map<number, number>();
  private readonly stages = new Map<string, StageAccumulator>();
  private readonly tasks: TaskRecord[] = [];
  private readonly runningTasks = new Set<number>();
  private readonly executors = new Map<string, ExecutorRecord>();
  private readonly aliveExecutors = new Set<string>();
  private readonly timeline: ExecutorTimelineEntry[] = [];
  private readonly totals = {
    tasks: 0,
    failedTasks: 0,
    killedTasks: 0,
    executorRunMs: 0,
    executorCpuMs: 0,
    gcMs: 0,
    memoryBytesSpilled: 0,
    diskBytesSpilled: 0,
    executorsPeak: 0,
  };

  constructor(options: EventLogBuilderOptions = {}) {
    this.retainTasks = options.retainTasks ?? true;
    this.onTask = options.onTask;
  }

  /** Adds one parsed JSON line. Throws EventShapeError when a read field is missing or of the wrong type. */
  add(event: unknown): void {
    if (!isObject(event)) throw new EventShapeError(`expected a JSON object, got ${describe(event)}`);
    const type = event.Event;
    if (typeof type !== 'string' || type === '') {
      throw new EventShapeError(`expected an "Event" field naming the event type, got ${describe(type)}`);
    }
    this.events += 1;
    const r = new EventReader(type);
    switch (type) {
      case 'SparkListenerLogStart':
        this.application.sparkVersion = r.optionalString(event, 'Spark Version');
        return;
      case 'SparkListenerApplicationStart':
        return this.applicationStart(r, event);
      case 'SparkListenerApplicationEnd':
        return this.applicationEnd(r, event);
      case 'SparkListenerEnvironmentUpdate':
        return this.environmentUpdate(r, event);
      case 'SparkListenerExecutorAdded':
        return this.executorAdded(r, event);
      case 'SparkListenerExecutorRemoved':
        return this.executorRemoved(r, event);
      case 'SparkListenerJobStart':
        return this.jobStart(r, event);
      case 'SparkListenerJobEnd':
        return this.jobEnd(r, event);
      case 'SparkListenerStageSubmitted':
        return void this.stageInfo(r, r.object(event, 'Stage Info'), '"Stage Info"', false);
      case 'SparkListenerStageCompleted':
        return void this.stageInfo(r, r.object(event, 'Stage Info'), '"Stage Info"', true);
      case 'SparkListenerTaskStart':
        return void this.runningTasks.add(r.number(r.object(event, 'Task Info'), 'Task ID', '"Task Info"."Task ID"'));
      case 'SparkListenerTaskEnd':
        return this.taskEnd(r, event);
      default:
        this.skipped.set(type, (this.skipped.get(type) ?? 0) + 1);
    }
  }

  finish(sources: string[], lineStats: { lines: number; blankLines: number }): EventLog {
    const jobs = [...this.jobs.values()].sort((a, b) => a.jobId - b.jobId);
    const stages = [...this.stages.values()]
      .sort((a, b) => a.stageId - b.stageId || a.attemptId - b.attemptId)
      .map(({ key: _key, ...stage }) => stage);
    const skippedEvents = Object.fromEntries([...this.skipped.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return {
      sources,
      complete: this.complete,
      application: { ...this.application },
      config: this.config,
      sparkProperties: this.sparkProperties,
      jobs,
      stages,
      tasks: this.tasks,
      executors: [...this.executors.values()],
      executorTimeline: this.timeline,
      summary: {
        jobs: jobs.length,
        failedJobs: jobs.filter((j) => j.result === 'failed').length,
        stages: stages.length,
        failedStages: stages.filter((s) => s.status === 'failed').length,
        tasks: this.totals.tasks,
        failedTasks: this.totals.failedTasks,
        killedTasks: this.totals.killedTasks,
        unfinishedTasks: this.runningTasks.size,
        totalExecutorRunMs: this.totals.executorRunMs,
        totalExecutorCpuMs: this.totals.executorCpuMs,
        totalGcMs: this.totals.gcMs,
        memoryBytesSpilled: this.totals.memoryBytesSpilled,
        diskBytesSpilled: this.totals.diskBytesSpilled,
        executorsAdded: this.timeline.filter((e) => e.change === 'added').length,
        executorsRemoved: this.timeline.filter((e) => e.change === 'removed').length,
        executorsPeak: this.totals.executorsPeak,
      },
      stats: { lines: lineStats.lines, events: this.events, skippedEvents, blankLines: lineStats.blankLines },
    };
  }

  private applicationStart(r: EventReader, event: Json): void {
    this.application.appName = r.optionalString(event, 'App Name');
    this.application.appId = r.optionalString(event, 'App ID');
    this.application.attemptId = r.optionalString(event, 'App Attempt ID');
    this.application.user = r.optionalString(event, 'User');
    this.application.startTimeMs = r.number(event, 'Timestamp');
    this.updateApplicationDuration();
  }

  private applicationEnd(r: EventReader, event: Json): void {
    this.application.endTimeMs = r.number(event, 'Timestamp');
    this.complete = true;
    this.updateApplicationDuration();
  }

  private updateApplicationDuration(): void {
    const { startTimeMs, endTimeMs } = this.application;
    this.application.durationMs = startTimeMs !== null && endTimeMs !== null ? endTimeMs - startTimeMs : null;
  }

  private environmentUpdate(r: EventReader, event: Json): void {
    this.sparkProperties = r.stringMap(event, 'Spark Properties');
    try {
      this.config = readSparkConfig(this.sparkProperties);
    } catch (error) {
      if (error instanceof SparkPropertyError) {
        throw new EventShapeError(`SparkListenerEnvironmentUpdate: "Spark Properties": ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  private executorAdded(r: EventReader, event: Json): void {
    const executorId = r.string(event, 'Executor ID');
    const timeMs = r.number(event, 'Timestamp');
    const info = r.optionalObject(event, 'Executor Info');
    const host = info === null ? null : r.optionalString(info, 'Host', '"Executor Info"."Host"');
    const totalCores = info === null ? null : r.optionalNumber(info, 'Total Cores', '"Executor Info"."Total Cores"');
    this.executors.set(executorId, { executorId, host, totalCores, addedTimeMs: timeMs, removedTimeMs: null, removedReason: null });
    this.aliveExecutors.add(executorId);
    this.totals.executorsPeak = Math.max(this.totals.executorsPeak, this.aliveExecutors.size);
    this.timeline.push({ timeMs, change: 'added', executorId, alive: this.aliveExecutors.size, host, totalCores, reason: null });
  }

  private executorRemoved(r: EventReader, event: Json): void {
    const executorId = r.string(event, 'Executor ID');
    const timeMs = r.number(event, 'Timestamp');
    const reason = r.optionalString(event, 'Removed Reason');
    const known = this.executors.get(executorId);
    // A rolled or cut log may remove an executor whose addition it never saw.
    const record: ExecutorRecord = known ?? {
      executorId,
      host: null,
      totalCores: null,
      addedTimeMs: null,
      removedTimeMs: null,
      removedReason: null,
    };
    record.removedTimeMs = timeMs;
    record.removedReason = reason;
    this.executors.set(executorId, record);
    this.aliveExecutors.delete(executorId);
    this.timeline.push({
      timeMs,
      change: 'removed',
      executorId,
      alive: this.aliveExecutors.size,
      host: record.host,
      totalCores: record.totalCores,
      reason,
    });
  }

  private jobStart(r: EventReader, event: Json): void {
    const jobId = r.number(event, 'Job ID');
    const stageIds = r.numberArray(event, 'Stage IDs');
    const properties = r.stringMap(event, 'Properties');
    const batchIdText = properties['streaming.sql.batchId'];
    const batchTimeText = properties['spark.streaming.internal.batchTime'];
    for (const stageId of stageIds) this.stageToJob.set(stageId, jobId);
    this.jobs.set(jobId, {
      jobId,
      submissionTimeMs: r.number(event, 'Submission Time'),
      completionTimeMs: null,
      durationMs: null,
      result: 'running',
      failureMessage: null,
      stageIds,
      batchId: batchIdText === undefined ? null : numberProperty(r, 'Properties', 'streaming.sql.batchId', batchIdText),
      batchTimeMs:
        batchTimeText === undefined ? null : numberProperty(r, 'Properties', 'spark.streaming.internal.batchTime', batchTimeText),
      tasks: 0,
      failedTasks: 0,
      killedTasks: 0,
    });
  }

  private jobEnd(r: EventReader, event: Json): void {
    const jobId = r.number(event, 'Job ID');
    const completionTimeMs = r.number(event, 'Completion Time');
    const result = r.object(event, 'Job Result');
    const resultName = r.string(result, 'Result', '"Job Result"."Result"');
    const exception = r.optionalObject(result, 'Exception', '"Job Result"."Exception"');
    const job = this.jobs.get(jobId) ?? {
      // JobStart lost (log cut at the front): keep what JobEnd tells.
      jobId,
      submissionTimeMs: completionTimeMs,
      completionTimeMs: null,
      durationMs: null,
      result: 'running' as const,
      failureMessage: null,
      stageIds: [],
      batchId: null,
      batchTimeMs: null,
      tasks: 0,
      failedTasks: 0,
      killedTasks: 0,
    };
    job.completionTimeMs = completionTimeMs;
    job.durationMs = completionTimeMs - job.submissionTimeMs;
    job.result = resultName === 'JobSucceeded' ? 'succeeded' : 'failed';
    job.failureMessage = exception === null ? null : r.optionalString(exception, 'Message', '"Job Result"."Exception"."Message"');
    this.jobs.set(jobId, job);
  }

  private stageInfo(r: EventReader, info: Json, path: string, completed: boolean): StageAccumulator {
    const stageId = r.number(info, 'Stage ID', `${path}."Stage ID"`);
    const attemptId = r.optionalNumber(info, 'Stage Attempt ID', `${path}."Stage Attempt ID"`) ?? 0;
    const stage = this.stage(stageId, attemptId);
    stage.name = r.optionalString(info, 'Stage Name', `${path}."Stage Name"`) ?? stage.name;
    stage.numTasks = r.optionalNumber(info, 'Number of Tasks', `${path}."Number of Tasks"`) ?? stage.numTasks;
    stage.parentIds = r.numberArray(info, 'Parent IDs', `${path}."Parent IDs"`);
    stage.submissionTimeMs = r.optionalNumber(info, 'Submission Time', `${path}."Submission Time"`) ?? stage.submissionTimeMs;
    if (completed) {
      stage.completionTimeMs = r.optionalNumber(info, 'Completion Time', `${path}."Completion Time"`);
      stage.failureReason = r.optionalString(info, 'Failure Reason', `${path}."Failure Reason"`);
      stage.status = stage.failureReason === null ? 'complete' : 'failed';
      stage.durationMs =
        stage.submissionTimeMs !== null && stage.completionTimeMs !== null ? stage.completionTimeMs - stage.submissionTimeMs : null;
    }
    return stage;
  }

  private stage(stageId: number, attemptId: number): StageAccumulator {
    const key = `${stageId}.${attemptId}`;
    let stage = this.stages.get(key);
    if (stage === undefined) {
      stage = {
        key,
        stageId,
        attemptId,
        name: null,
        jobId: this.stageToJob.get(stageId) ?? null,
        numTasks: null,
        parentIds: [],
        submissionTimeMs: null,
        completionTimeMs: null,
        durationMs: null,
        status: 'active',
        failureReason: null,
        tasks: 0,
        failedTasks: 0,
        killedTasks: 0,
        executorRunMs: 0,
        executorCpuMs: 0,
        jvmGcMs: 0,
        memoryBytesSpilled: 0,
        diskBytesSpilled: 0,
        inputBytes: 0,
        outputBytes: 0,
        shuffleReadBytes: 0,
        shuffleWriteBytes: 0,
      };
      this.stages.set(key, stage);
    }
    return stage;
  }

  private taskEnd(r: EventReader, event: Json): void {
    const stageId = r.number(event, 'Stage ID');
    const stageAttemptId = r.optionalNumber(event, 'Stage Attempt ID') ?? 0;
    const info = r.object(event, 'Task Info');
    const at = (key: string): string => `"Task Info".${quote(key)}`;
    const taskId = r.number(info, 'Task ID', at('Task ID'));
    const launchTimeMs = r.number(info, 'Launch Time', at('Launch Time'));
    const finishTimeMs = r.number(info, 'Finish Time', at('Finish Time'));
    const endReason = readEndReason(r, r.object(event, 'Task End Reason'));
    const metricsJson = r.optionalObject(event, 'Task Metrics');
    const metrics = metricsJson === null ? null : readTaskMetrics(r, metricsJson);
    const status = statusOf(endReason);
    const stage = this.stage(stageId, stageAttemptId);
    const jobId = stage.jobId ?? this.stageToJob.get(stageId) ?? null;

    const task: TaskRecord = {
      taskId,
      stageId,
      stageAttemptId,
      jobId,
      index: r.number(info, 'Index', at('Index')),
      attempt: r.number(info, 'Attempt', at('Attempt')),
      executorId: r.string(info, 'Executor ID', at('Executor ID')),
      host: r.string(info, 'Host', at('Host')),
      locality: r.optionalString(info, 'Locality', at('Locality')),
      speculative: r.optionalBoolean(info, 'Speculative', at('Speculative')) ?? false,
      launchTimeMs,
      finishTimeMs,
      wallMs: finishTimeMs - launchTimeMs,
      status,
      endReason,
      metrics,
    };
    // The flags must agree with the reason; a disagreement means we misread the log.
    const failedFlag = r.optionalBoolean(info, 'Failed', at('Failed'));
    if (failedFlag === true && status === 'success') r.fail(at('Failed'), `false for reason ${endReason.kind}`, failedFlag);

    this.runningTasks.delete(taskId);
    stage.tasks += 1;
    this.totals.tasks += 1;
    if (status === 'failed') {
      stage.failedTasks += 1;
      this.totals.failedTasks += 1;
    } else if (status === 'killed') {
      stage.killedTasks += 1;
      this.totals.killedTasks += 1;
    }
    if (jobId !== null) {
      const job = this.jobs.get(jobId);
      if (job !== undefined) {
        job.tasks += 1;
        if (status === 'failed') job.failedTasks += 1;
        if (status === 'killed') job.killedTasks += 1;
      }
    }
    if (metrics !== null) {
      stage.executorRunMs += metrics.executorRunMs;
      stage.executorCpuMs += metrics.executorCpuMs;
      stage.jvmGcMs += metrics.jvmGcMs;
      stage.memoryBytesSpilled += metrics.memoryBytesSpilled;
      stage.diskBytesSpilled += metrics.diskBytesSpilled;
      stage.inputBytes += metrics.inputBytes;
      stage.outputBytes += metrics.outputBytes;
      stage.shuffleReadBytes += metrics.shuffleRead.remoteBytes + metrics.shuffleRead.localBytes;
      stage.shuffleWriteBytes += metrics.shuffleWrite.bytes;
      this.totals.executorRunMs += metrics.executorRunMs;
      this.totals.executorCpuMs += metrics.executorCpuMs;
      this.totals.gcMs += metrics.jvmGcMs;
      this.totals.memoryBytesSpilled += metrics.memoryBytesSpilled;
      this.totals.diskBytesSpilled += metrics.diskBytesSpilled;
    }
    if (this.retainTasks) this.tasks.push(task);
    this.onTask?.(task);
  }
}

function readEndReason(r: EventReader, reason: Json): TaskEndReason {
  const at = (key: string): string => `"Task End Reason".${quote(key)}`;
  const kind = r.string(reason, 'Reason', at('Reason'));
  switch (kind) {
    case 'Success':
      return { kind };
    case 'ExceptionFailure':
      return {
        kind,
        className: r.optionalString(reason, 'Class Name', at('Class Name')),
        description: r.optionalString(reason, 'Description', at('Description')),
      };
    case 'ExecutorLostFailure':
      return {
        kind,
        executorId: r.optionalString(reason, 'Executor ID', at('Executor ID')),
        exitCausedByApp: r.optionalBoolean(reason, 'Exit Caused By App', at('Exit Caused By App')),
        lossReason: r.optionalString(reason, 'Loss Reason', at('Loss Reason')),
      };
    case 'TaskKilled':
      return { kind, killReason: r.optionalString(reason, 'Kill Reason', at('Kill Reason')) };
    case 'FetchFailed':
      return { kind, message: r.optionalString(reason, 'Message', at('Message')) };
    default:
      return { kind: 'Other', reason: kind };
  }
}

/** As Spark's own status store counts them (AppStatusListener.onTaskEnd): killed and commit-denied are not failures. */
function statusOf(reason: TaskEndReason): TaskStatus {
  if (reason.kind === 'Success') return 'success';
  if (reason.kind === 'TaskKilled' || (reason.kind === 'Other' && reason.reason === 'TaskCommitDenied')) return 'killed';
  return 'failed';
}

function readTaskMetrics(r: EventReader, m: Json): TaskMetrics {
  const at = (key: string): string => `"Task Metrics".${quote(key)}`;
  const group = (key: string): Json | null => r.optionalObject(m, key, at(key));
  const shuffleRead = group('Shuffle Read Metrics');
  const shuffleWrite = group('Shuffle Write Metrics');
  const input = group('Input Metrics');
  const output = group('Output Metrics');
  const sub = (groupKey: string, key: string): string => `${at(groupKey)}.${quote(key)}`;
  return {
    executorRunMs: r.number(m, 'Executor Run Time', at('Executor Run Time')),
    executorCpuMs: r.metric(m, 'Executor CPU Time', at('Executor CPU Time')) / NS_PER_MS,
    executorDeserializeMs: r.metric(m, 'Executor Deserialize Time', at('Executor Deserialize Time')),
    executorDeserializeCpuMs: r.metric(m, 'Executor Deserialize CPU Time', at('Executor Deserialize CPU Time')) / NS_PER_MS,
    resultSerializationMs: r.metric(m, 'Result Serialization Time', at('Result Serialization Time')),
    jvmGcMs: r.number(m, 'JVM GC Time', at('JVM GC Time')),
    resultSizeBytes: r.metric(m, 'Result Size', at('Result Size')),
    peakExecutionMemoryBytes: r.metric(m, 'Peak Execution Memory', at('Peak Execution Memory')),
    memoryBytesSpilled: r.metric(m, 'Memory Bytes Spilled', at('Memory Bytes Spilled')),
    diskBytesSpilled: r.metric(m, 'Disk Bytes Spilled', at('Disk Bytes Spilled')),
    inputBytes: r.metric(input, 'Bytes Read', sub('Input Metrics', 'Bytes Read')),
    inputRecords: r.metric(input, 'Records Read', sub('Input Metrics', 'Records Read')),
    outputBytes: r.metric(output, 'Bytes Written', sub('Output Metrics', 'Bytes Written')),
    outputRecords: r.metric(output, 'Records Written', sub('Output Metrics', 'Records Written')),
    shuffleRead: {
      remoteBytes: r.metric(shuffleRead, 'Remote Bytes Read', sub('Shuffle Read Metrics', 'Remote Bytes Read')),
      localBytes: r.metric(shuffleRead, 'Local Bytes Read', sub('Shuffle Read Metrics', 'Local Bytes Read')),
      remoteBytesToDisk: r.metric(shuffleRead, 'Remote Bytes Read To Disk', sub('Shuffle Read Metrics', 'Remote Bytes Read To Disk')),
      records: r.metric(shuffleRead, 'Total Records Read', sub('Shuffle Read Metrics', 'Total Records Read')),
      remoteBlocks: r.metric(shuffleRead, 'Remote Blocks Fetched', sub('Shuffle Read Metrics', 'Remote Blocks Fetched')),
      localBlocks: r.metric(shuffleRead, 'Local Blocks Fetched', sub('Shuffle Read Metrics', 'Local Blocks Fetched')),
      fetchWaitMs: r.metric(shuffleRead, 'Fetch Wait Time', sub('Shuffle Read Metrics', 'Fetch Wait Time')),
    },
    shuffleWrite: {
      bytes: r.metric(shuffleWrite, 'Shuffle Bytes Written', sub('Shuffle Write Metrics', 'Shuffle Bytes Written')),
      records: r.metric(shuffleWrite, 'Shuffle Records Written', sub('Shuffle Write Metrics', 'Shuffle Records Written')),
      writeMs: r.metric(shuffleWrite, 'Shuffle Write Time', sub('Shuffle Write Metrics', 'Shuffle Write Time')) / NS_PER_MS,
    },
  };
}

function numberProperty(r: EventReader, mapKey: string, key: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) r.fail(`${quote(mapKey)}.${quote(key)}`, 'a number', text);
  return value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quote(key: string): string {
  return `"${key}"`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array (${JSON.stringify(value).slice(0, 40)})`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value).slice(0, 60)}`;
}
