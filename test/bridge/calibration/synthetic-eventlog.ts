/**
 * A minimal Spark event log of the grayscale job, written line by line in
 * Spark 3.5/4 shapes: environment, executors, one job per batch with one
 * stage of `partitions` tasks. Times are chosen by the caller so that tests
 * can compute the expected per-frame times by hand.
 */
export interface SyntheticBatch {
  submissionTimeMs: number;
  /** Finish time of each partition's successful task, in partition order. */
  finishTimesMs: number[];
  /** A failed first attempt of partition 0 before its success. */
  retryFirst?: boolean;
  result?: 'succeeded' | 'failed';
  /** A failed job's message; default 'Job aborted due to stage failure'. */
  failureMessage?: string;
}

export interface SyntheticLog {
  properties: Record<string, string>;
  executors: number;
  batches: SyntheticBatch[];
  /** Leave out ApplicationEnd (a driver that died). */
  incomplete?: boolean;
  /** Remove executor 1 at this time (before the last job ends: a loss). */
  executorLostAtMs?: number;
}

export const APP_START_MS = 1_800_000_000_000;

export function sspeProperties(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    'spark.app.name': 'sspe-video-grayscale-run-1',
    'spark.app.id': 'app-20270115080000-0000',
    'spark.master': 'local-cluster[2,2,2048]',
    'spark.executor.cores': '2',
    'spark.executor.memory': '1g',
    'spark.executor.instances': '2',
    'spark.sspe.runId': 'run-1',
    'spark.sspe.partitions': '2',
    'spark.sspe.framesPerPartition': '10',
    'spark.sspe.fps': '10',
    'spark.sspe.megapixelsPerFrame': '0.01728',
    'spark.sspe.warmupBatches': '1',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function taskInfo(taskId: number, index: number, attempt: number, launchMs: number, finishMs: number, failed: boolean) {
  return {
    'Task ID': taskId,
    Index: index,
    Attempt: attempt,
    'Partition ID': index,
    'Launch Time': launchMs,
    'Executor ID': String((index % 2) + 1),
    Host: '127.0.0.1',
    Locality: 'PROCESS_LOCAL',
    Speculative: false,
    'Getting Result Time': 0,
    'Finish Time': finishMs,
    Failed: failed,
    Killed: false,
    Accumulables: [],
  };
}

export function syntheticEventLog(log: SyntheticLog): string {
  const events: object[] = [
    { Event: 'SparkListenerLogStart', 'Spark Version': '4.0.1' },
    { Event: 'SparkListenerEnvironmentUpdate', 'JVM Information': {}, 'Spark Properties': log.properties, 'Hadoop Properties': {}, 'System Properties': {}, 'Metrics Properties': {}, 'Classpath Entries': {} },
    { Event: 'SparkListenerApplicationStart', 'App Name': log.properties['spark.app.name'] ?? 'app', 'App ID': 'app-20270115080000-0000', Timestamp: APP_START_MS, User: 'spark' },
  ];
  for (let e = 1; e <= log.executors; e++) {
    events.push({ Event: 'SparkListenerExecutorAdded', Timestamp: APP_START_MS + 1000 + e, 'Executor ID': String(e), 'Executor Info': { Host: '127.0.0.1', 'Total Cores': 2 } });
  }
  let taskId = 0;
  log.batches.forEach((batch, jobId) => {
    const stage = { 'Stage ID': jobId, 'Stage Attempt ID': 0, 'Stage Name': 'collect at video_grayscale.py:417', 'Number of Tasks': batch.finishTimesMs.length, 'RDD Info': [], 'Parent IDs': [], Details: '', Accumulables: [] };
    events.push({ Event: 'SparkListenerJobStart', 'Job ID': jobId, 'Submission Time': batch.submissionTimeMs, 'Stage Infos': [stage], 'Stage IDs': [jobId], Properties: {} });
    events.push({ Event: 'SparkListenerStageSubmitted', 'Stage Info': { ...stage, 'Submission Time': batch.submissionTimeMs + 1 }, Properties: {} });
    const launchMs = batch.submissionTimeMs + 2;
    batch.finishTimesMs.forEach((finishMs, index) => {
      if (batch.retryFirst === true && index === 0) {
        const info = taskInfo(taskId++, index, 0, launchMs, launchMs + 5, true);
        events.push({ Event: 'SparkListenerTaskStart', 'Stage ID': jobId, 'Stage Attempt ID': 0, 'Task Info': { ...info, 'Finish Time': 0, Failed: false } });
        events.push({
          Event: 'SparkListenerTaskEnd',
          'Stage ID': jobId,
          'Stage Attempt ID': 0,
          'Task Type': 'ResultTask',
          'Task End Reason': { Reason: 'ExceptionFailure', 'Class Name': 'java.io.IOException', Description: 'disk hiccup', 'Stack Trace': [], 'Full Stack Trace': '', Accumulables: [] },
          'Task Info': info,
        });
      }
      const info = taskInfo(taskId++, index, batch.retryFirst === true && index === 0 ? 1 : 0, launchMs, finishMs, false);
      events.push({ Event: 'SparkListenerTaskStart', 'Stage ID': jobId, 'Stage Attempt ID': 0, 'Task Info': { ...info, 'Finish Time': 0 } });
      events.push({ Event: 'SparkListenerTaskEnd', 'Stage ID': jobId, 'Stage Attempt ID': 0, 'Task Type': 'ResultTask', 'Task End Reason': { Reason: 'Success' }, 'Task Info': info });
    });
    const endMs = Math.max(...batch.finishTimesMs) + 1;
    events.push({ Event: 'SparkListenerStageCompleted', 'Stage Info': { ...stage, 'Submission Time': batch.submissionTimeMs + 1, 'Completion Time': endMs } });
    events.push({
      Event: 'SparkListenerJobEnd',
      'Job ID': jobId,
      'Completion Time': endMs,
      'Job Result': batch.result === 'failed' ? { Result: 'JobFailed', Exception: { Message: batch.failureMessage ?? 'Job aborted due to stage failure' } } : { Result: 'JobSucceeded' },
    });
  });
  if (log.executorLostAtMs !== undefined) {
    events.push({ Event: 'SparkListenerExecutorRemoved', Timestamp: log.executorLostAtMs, 'Executor ID': '1', 'Removed Reason': 'Command exited with code 137' });
  }
  const lastMs = Math.max(APP_START_MS + 5000, ...log.batches.flatMap((b) => b.finishTimesMs)) + 100;
  if (log.incomplete !== true) events.push({ Event: 'SparkListenerApplicationEnd', Timestamp: lastMs });
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}
