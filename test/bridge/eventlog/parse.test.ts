import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseEventLog } from '../../../bridge/eventlog/parse.js';
import type { EventLog, TaskRecord } from '../../../bridge/eventlog/types.js';
import { UserInputError } from '../../../src/errors.js';

const FIXTURES = new URL('../fixtures/eventlogs/', import.meta.url).pathname;
const APP_ID = 'spark-5b7d1e3c9a0f4e2b8c6d4a1f0e9b7c3d';
const COMPLETE = join(FIXTURES, APP_ID);
const INCOMPLETE = join(FIXTURES, `${APP_ID}.inprogress`);
const TRUNCATED = join(FIXTURES, 'app-20240501110000-0000.inprogress');
const CORRUPT = join(FIXTURES, 'app-corrupt');
const T0 = 1714561200000;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sspe-eventlog-'));
}

async function userError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserInputError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

/** One line per task, easy to compare as a whole trace. */
function taskTrace(task: TaskRecord): string {
  const m = task.metrics;
  const metrics = m === null ? 'no metrics' : `run=${m.executorRunMs} cpu=${m.executorCpuMs} gc=${m.jvmGcMs}`;
  return `t${task.taskId} s${task.stageId}.${task.stageAttemptId} j${task.jobId} p${task.index}#${task.attempt} exec=${task.executorId} ${task.status}/${task.endReason.kind} wall=${task.wallMs} ${metrics}`;
}

/** A rewritten copy of the complete fixture, with `edit` applied to its lines. */
function editedLog(edit: (lines: string[]) => string[]): string {
  const lines = readFileSync(COMPLETE, 'utf8').trimEnd().split('\n');
  const file = join(tempDir(), 'edited');
  writeFileSync(file, `${edit(lines).join('\n')}\n`);
  return file;
}

function lineNumberOf(pattern: RegExp): number {
  return readFileSync(COMPLETE, 'utf8').split('\n').findIndex((line) => pattern.test(line)) + 1;
}

describe('parseEventLog: a complete log', () => {
  it('reads application, configuration and completion', async () => {
    const log = await parseEventLog(COMPLETE);
    expect(log.sources).toEqual([COMPLETE]);
    expect(log.complete).toBe(true);
    expect(log.application).toEqual({
      appId: APP_ID,
      appName: 'frame-pipeline',
      attemptId: null,
      user: 'spark',
      sparkVersion: '3.5.1',
      startTimeMs: T0,
      endTimeMs: T0 + 12000,
      durationMs: 12000,
    });
    expect(log.config).toEqual({
      master: 'k8s://https://10.0.0.1:6443',
      executorInstances: 2,
      executorCores: 2,
      executorMemoryMb: 1024,
      executorMemoryOverheadMb: 384,
      executorMemoryOverheadFactor: null,
      driverCores: 1,
      driverMemoryMb: 1024,
      taskCpus: null,
      dynamicAllocationEnabled: false,
      dynamicAllocationMinExecutors: null,
      dynamicAllocationMaxExecutors: null,
      dynamicAllocationInitialExecutors: null,
      defaultParallelism: null,
      sqlShufflePartitions: 2,
      memoryFraction: 0.6,
      serializer: 'org.apache.spark.serializer.KryoSerializer',
      streamingConcurrentJobs: null,
      taskMaxFailures: null,
      localityWaitMs: 3000,
      kubernetesNamespace: 'spark',
    });
    expect(log.sparkProperties['spark.eventLog.dir']).toBe('file:///tmp/spark-events');
  });

  it('records every task, in TaskEnd order, with CPU ns turned into ms', async () => {
    const log = await parseEventLog(COMPLETE);
    expect(log.tasks.map(taskTrace)).toEqual([
      't0 s0.0 j0 p0#0 exec=1 success/Success wall=880 run=800 cpu=612.5 gc=20',
      't1 s0.0 j0 p1#0 exec=2 failed/ExceptionFailure wall=129 run=100 cpu=90 gc=0',
      't2 s0.0 j0 p1#1 exec=1 success/Success wall=830 run=700 cpu=480 gc=150',
      't3 s1.0 j0 p0#0 exec=1 success/Success wall=390 run=350 cpu=200 gc=10',
      't4 s1.0 j0 p1#0 exec=2 failed/ExecutorLostFailure wall=490 run=0 cpu=0 gc=0',
      't5 s1.0 j0 p1#1 exec=1 success/Success wall=590 run=560 cpu=250 gc=40',
      't7 s2.0 j1 p0#1 exec=1 success/Success wall=400 run=380 cpu=300 gc=5',
      't6 s2.0 j1 p0#0 exec=3 killed/TaskKilled wall=1405 run=1390 cpu=1100 gc=300',
    ]);
    const [t0, t1, t2, , t4, t5, t7, t6] = log.tasks;
    expect(t0.metrics).toEqual({
      executorRunMs: 800,
      executorCpuMs: 612.5,
      executorDeserializeMs: 45,
      executorDeserializeCpuMs: 30,
      resultSerializationMs: 2,
      jvmGcMs: 20,
      resultSizeBytes: 2100,
      peakExecutionMemoryBytes: 8388608,
      memoryBytesSpilled: 0,
      diskBytesSpilled: 0,
      inputBytes: 4096,
      inputRecords: 10,
      outputBytes: 0,
      outputRecords: 0,
      shuffleRead: { remoteBytes: 0, localBytes: 0, remoteBytesToDisk: 0, records: 0, remoteBlocks: 0, localBlocks: 0, fetchWaitMs: 0 },
      shuffleWrite: { bytes: 1000, records: 10, writeMs: 2.5 },
    });
    expect(t0.host).toBe('10.244.1.5');
    expect(t0.locality).toBe('PROCESS_LOCAL');
    expect(t0.launchTimeMs).toBe(T0 + 5020);
    expect(t0.finishTimeMs).toBe(T0 + 5900);
    expect(t1.endReason).toEqual({
      kind: 'ExceptionFailure',
      className: 'java.lang.IllegalStateException',
      description: 'frame 17 has no header',
    });
    expect(t2.metrics?.memoryBytesSpilled).toBe(1048576);
    expect(t2.metrics?.diskBytesSpilled).toBe(524288);
    expect(t4.endReason).toEqual({
      kind: 'ExecutorLostFailure',
      executorId: '2',
      exitCausedByApp: true,
      lossReason: 'The executor with id 2 exited with exit code 137(SIGKILL, possible container OOM).',
    });
    expect(t5.metrics?.shuffleRead).toEqual({
      remoteBytes: 2400,
      localBytes: 0,
      remoteBytesToDisk: 0,
      records: 24,
      remoteBlocks: 1,
      localBlocks: 0,
      fetchWaitMs: 120,
    });
    expect(t7.speculative).toBe(true);
    expect(t6.endReason).toEqual({ kind: 'TaskKilled', killReason: 'another attempt succeeded' });
  });

  it('sums jobs and stages, with streaming batch ids', async () => {
    const log = await parseEventLog(COMPLETE);
    expect(log.jobs).toEqual([
      {
        jobId: 0,
        submissionTimeMs: T0 + 5000,
        completionTimeMs: T0 + 7120,
        durationMs: 2120,
        result: 'succeeded',
        failureMessage: null,
        stageIds: [0, 1],
        batchId: 0,
        batchTimeMs: null,
        tasks: 6,
        failedTasks: 2,
        killedTasks: 0,
      },
      {
        jobId: 1,
        submissionTimeMs: T0 + 10000,
        completionTimeMs: T0 + 11430,
        durationMs: 1430,
        result: 'succeeded',
        failureMessage: null,
        stageIds: [2],
        batchId: 1,
        batchTimeMs: null,
        tasks: 2,
        failedTasks: 0,
        killedTasks: 1,
      },
    ]);
    expect(
      log.stages.map((s) => [
        `${s.stageId}.${s.attemptId} j${s.jobId} ${s.status} ${s.durationMs}ms tasks=${s.tasks}/${s.numTasks} failed=${s.failedTasks} killed=${s.killedTasks}`,
        `run=${s.executorRunMs} cpu=${s.executorCpuMs} gc=${s.jvmGcMs} in=${s.inputBytes} out=${s.outputBytes} shR=${s.shuffleReadBytes} shW=${s.shuffleWriteBytes} spill=${s.memoryBytesSpilled}/${s.diskBytesSpilled}`,
      ]),
    ).toEqual([
      [
        '0.0 j0 complete 990ms tasks=3/2 failed=1 killed=0',
        'run=1600 cpu=1182.5 gc=170 in=8192 out=0 shR=0 shW=2200 spill=1048576/524288',
      ],
      ['1.0 j0 complete 1105ms tasks=3/2 failed=1 killed=0', 'run=910 cpu=450 gc=50 in=0 out=0 shR=4600 shW=0 spill=0/0'],
      ['2.0 j1 complete 1418ms tasks=2/1 failed=0 killed=1', 'run=1770 cpu=1400 gc=305 in=3072 out=0 shR=0 shW=0 spill=0/0'],
    ]);
    expect(log.stages[1]).toMatchObject({ name: 'collect at FramePipeline.scala:57', parentIds: [0], failureReason: null });
  });

  it('keeps the executor timeline and counts the peak', async () => {
    const log = await parseEventLog(COMPLETE);
    const oom = 'The executor with id 2 exited with exit code 137(SIGKILL, possible container OOM).';
    expect(log.executorTimeline).toEqual([
      { timeMs: T0 + 4000, change: 'added', executorId: '1', alive: 1, host: '10.244.1.5', totalCores: 2, reason: null },
      { timeMs: T0 + 4200, change: 'added', executorId: '2', alive: 2, host: '10.244.2.7', totalCores: 2, reason: null },
      { timeMs: T0 + 6500, change: 'removed', executorId: '2', alive: 1, host: '10.244.2.7', totalCores: 2, reason: oom },
      { timeMs: T0 + 9000, change: 'added', executorId: '3', alive: 2, host: '10.244.1.9', totalCores: 2, reason: null },
    ]);
    expect(log.executors).toEqual([
      { executorId: '1', host: '10.244.1.5', totalCores: 2, addedTimeMs: T0 + 4000, removedTimeMs: null, removedReason: null },
      { executorId: '2', host: '10.244.2.7', totalCores: 2, addedTimeMs: T0 + 4200, removedTimeMs: T0 + 6500, removedReason: oom },
      { executorId: '3', host: '10.244.1.9', totalCores: 2, addedTimeMs: T0 + 9000, removedTimeMs: null, removedReason: null },
    ]);
  });

  it('summarises, and counts the event types it skipped', async () => {
    const log = await parseEventLog(COMPLETE);
    expect(log.summary).toEqual({
      jobs: 2,
      failedJobs: 0,
      stages: 3,
      failedStages: 0,
      tasks: 8,
      failedTasks: 2,
      killedTasks: 1,
      unfinishedTasks: 0,
      totalExecutorRunMs: 4280,
      totalExecutorCpuMs: 3032.5,
      totalGcMs: 525,
      memoryBytesSpilled: 1048576,
      diskBytesSpilled: 524288,
      executorsAdded: 3,
      executorsRemoved: 1,
      executorsPeak: 2,
    });
    expect(log.stats).toEqual({
      lines: 41,
      events: 41,
      blankLines: 0,
      skippedEvents: {
        SparkListenerBlockManagerAdded: 2,
        SparkListenerResourceProfileAdded: 1,
        SparkListenerStageExecutorMetrics: 1,
        'org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd': 1,
        'org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart': 1,
        'org.apache.spark.sql.streaming.StreamingQueryListener$QueryProgressEvent': 1,
      },
    });
  });

  it('with retainTasks: false keeps the sums, drops the task list, and still streams tasks to onTask', async () => {
    const seen: number[] = [];
    const lean = await parseEventLog(COMPLETE, { retainTasks: false, onTask: (task) => seen.push(task.taskId) });
    const full = await parseEventLog(COMPLETE);
    expect(lean.tasks).toEqual([]);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 7, 6]);
    expect({ ...lean, tasks: full.tasks }).toEqual(full);
  });
});

describe('parseEventLog: other encodings and layouts', () => {
  it('reads a gzip-compressed log (found by its magic bytes) the same as the plain one', async () => {
    const file = join(tempDir(), `${APP_ID}.gz`);
    writeFileSync(file, gzipSync(readFileSync(COMPLETE)));
    const plain = await parseEventLog(COMPLETE);
    expect(await parseEventLog(file)).toEqual({ ...plain, sources: [file] });
  });

  it('reads a rolling event-log directory in index order', async () => {
    const dir = join(tempDir(), `eventlog_v2_${APP_ID}`);
    mkdirSync(dir);
    const lines = readFileSync(COMPLETE, 'utf8').trimEnd().split('\n');
    // Named so that text order (10 < 2) differs from index order.
    writeFileSync(join(dir, `events_2_${APP_ID}`), `${lines.slice(0, 10).join('\n')}\n`);
    writeFileSync(join(dir, `events_10_${APP_ID}`), `${lines.slice(10).join('\n')}\n`);
    writeFileSync(join(dir, `appstatus_${APP_ID}`), '');
    const plain = await parseEventLog(COMPLETE);
    const rolled = await parseEventLog(dir);
    expect(rolled.sources).toEqual([join(dir, `events_2_${APP_ID}`), join(dir, `events_10_${APP_ID}`)]);
    expect({ ...rolled, sources: plain.sources }).toEqual(plain);
  });

  it('tolerates CRLF line ends and counts blank lines', async () => {
    const file = join(tempDir(), 'crlf');
    writeFileSync(file, `${readFileSync(COMPLETE, 'utf8').trimEnd().split('\n').join('\r\n\r\n')}\r\n`);
    const log = await parseEventLog(file);
    expect(log.summary).toEqual((await parseEventLog(COMPLETE)).summary);
    expect(log.stats).toMatchObject({ lines: 81, blankLines: 40, events: 41 });
  });
});

describe('parseEventLog: incomplete and broken logs', () => {
  it('a log without ApplicationEnd is incomplete, not an error', async () => {
    const log: EventLog = await parseEventLog(INCOMPLETE);
    expect(log.complete).toBe(false);
    expect(log.application.endTimeMs).toBeNull();
    expect(log.application.durationMs).toBeNull();
    expect(log.jobs.map((j) => `${j.jobId}:${j.result}`)).toEqual(['0:succeeded', '1:running']);
    expect(log.stages.map((s) => `${s.stageId}:${s.status}`)).toEqual(['0:complete', '1:complete', '2:active']);
    expect(log.summary.unfinishedTasks).toBe(1);
    expect(log.summary.executorsPeak).toBe(2);
  });

  it('an empty file is an incomplete log with no events', async () => {
    const file = join(tempDir(), 'app-empty.inprogress');
    writeFileSync(file, '');
    const log = await parseEventLog(file);
    expect(log.complete).toBe(false);
    expect(log.stats).toEqual({ lines: 0, events: 0, skippedEvents: {}, blankLines: 0 });
  });

  it('a corrupt line names the file and line', async () => {
    expect(await userError(parseEventLog(CORRUPT))).toBe(
      `${CORRUPT}:14: expected a JSON event, got 'Spark{"Event":"Spark…'`,
    );
  });

  it('a file that stops mid-line is truncated: an error naming the file and line', async () => {
    expect(await userError(parseEventLog(TRUNCATED))).toBe(
      `${TRUNCATED}:21: the file ends in the middle of an event (truncated, or still being written), got '{"Event":"SparkListe…'`,
    );
  });

  it('allowPartialLastLine drops a half-written last line of a live log', async () => {
    const log = await parseEventLog(TRUNCATED, { allowPartialLastLine: true });
    expect(log.complete).toBe(false);
    expect(log.stats.lines).toBe(21);
    expect(log.stats.events).toBe(20);
  });

  it('a corrupt last line that ends with a newline is corrupt, not truncated', async () => {
    const file = editedLog((lines) => [...lines.slice(0, -1), '{"Event":"SparkListenerApplicationEnd","Timest']);
    expect(await userError(parseEventLog(file, { allowPartialLastLine: true }))).toBe(
      `${file}:41: expected a JSON event, got '{"Event":"SparkListe…'`,
    );
  });

  it('JSON that is not an object, or an object without "Event", is not an event', async () => {
    const array = editedLog((lines) => [...lines.slice(0, 5), '[1,2,3]', ...lines.slice(5)]);
    expect(await userError(parseEventLog(array))).toBe(`${array}:6: expected a JSON event, got '[1,2,3]'`);
    const noType = editedLog((lines) => [...lines.slice(0, 5), '{"Timestamp":1}', ...lines.slice(5)]);
    expect(await userError(parseEventLog(noType))).toBe(
      `${noType}:6: expected an "Event" field naming the event type, got nothing`,
    );
  });

  it('a known event with a field of the wrong type names file, line, event and field', async () => {
    const line = lineNumberOf(/SparkListenerTaskEnd.*"Task ID":3,/);
    const file = editedLog((lines) =>
      lines.map((text, i) => (i === line - 1 ? text.replace(/"Finish Time":\d+/, '"Finish Time":"soon"') : text)),
    );
    expect(await userError(parseEventLog(file))).toBe(
      `${file}:${line}: SparkListenerTaskEnd: "Task Info"."Finish Time": expected a number, got string "soon"`,
    );
  });

  it('a missing metrics field names it', async () => {
    const line = lineNumberOf(/SparkListenerTaskEnd.*"Task ID":0,/);
    const file = editedLog((lines) =>
      lines.map((text, i) => (i === line - 1 ? text.replace('"JVM GC Time":20,', '') : text)),
    );
    expect(await userError(parseEventLog(file))).toBe(
      `${file}:${line}: SparkListenerTaskEnd: "Task Metrics"."JVM GC Time": expected a number, got nothing`,
    );
  });

  it('a Spark property Spark itself would reject names the property', async () => {
    const line = lineNumberOf(/SparkListenerEnvironmentUpdate/);
    const file = editedLog((lines) =>
      lines.map((text, i) => (i === line - 1 ? text.replace('"spark.executor.memory":"1g"', '"spark.executor.memory":"1.5g"') : text)),
    );
    expect(await userError(parseEventLog(file))).toBe(
      `${file}:${line}: SparkListenerEnvironmentUpdate: "Spark Properties": spark.executor.memory: expected a size like '4g', '512m' or '1024' (MB), got '1.5g'`,
    );
  });

  it('a missing file is a user error naming it', async () => {
    const missing = join(tempDir(), 'app-404');
    expect(await userError(parseEventLog(missing))).toMatch(
      new RegExp(`^cannot read event log '${missing}': ENOENT`),
    );
  });

  it.each([
    ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58])],
    ['lz4', Buffer.concat([Buffer.from('LZ4Block'), Buffer.alloc(8)])],
    ['snappy', Buffer.concat([Buffer.from([0x82]), Buffer.from('SNAPPY'), Buffer.alloc(8)])],
  ])('a %s-compressed log says how to get a readable one', async (codec, bytes) => {
    const file = join(tempDir(), `${APP_ID}.${codec}`);
    writeFileSync(file, bytes);
    expect(await userError(parseEventLog(file))).toBe(
      `${file}: ${codec}-compressed event log; only plain and gzip logs can be read (decompress it first, or run Spark with spark.eventLog.compress=false)`,
    );
  });

  it('a cut gzip file is a user error, not a crash', async () => {
    const file = join(tempDir(), 'cut.gz');
    const gz = gzipSync(readFileSync(COMPLETE));
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    expect(await userError(parseEventLog(file))).toMatch(new RegExp(`^cannot read event log '${file}' after line \\d+: unexpected end of file$`));
  });

  it('a directory without events_<n>_ files says what it expected', async () => {
    const dir = tempDir();
    expect(await userError(parseEventLog(dir))).toBe(
      `event log directory '${dir}' has no events_<n>_<appId> files; expected a rolling event log (eventlog_v2_<appId>) or an event-log file`,
    );
  });
});

describe('parseEventLog: a real Spark 4.3 log (local[2,2], Structured Streaming foreachBatch, gzip)', () => {
  // Produced with pyspark 4.3.0 from .venv: rate source → foreachBatch with a
  // reduceByKey, one task made to fail once in batch 1, query stopped mid-batch.
  const REAL = join(FIXTURES, 'local-1795566434147.gz');

  it('reads application, streaming batches, the retried task and the cut-off batch', async () => {
    const log = await parseEventLog(REAL);
    expect(log.complete).toBe(true);
    expect(log.application).toMatchObject({
      appId: 'local-1795566434147',
      appName: 'sspe-eventlog-fixture',
      sparkVersion: '4.3.0',
      startTimeMs: 1795566432924,
      endTimeMs: 1795566459897,
    });
    expect(log.config).toMatchObject({ master: 'local[2,2]', executorMemoryMb: 512, sqlShufflePartitions: 2 });
    expect(log.jobs.map((j) => `job ${j.jobId} batch ${j.batchId} ${j.result} tasks=${j.tasks} failed=${j.failedTasks}`)).toEqual([
      'job 0 batch 0 succeeded tasks=0 failed=0',
      'job 1 batch 1 succeeded tasks=4 failed=0',
      'job 2 batch 1 succeeded tasks=3 failed=1',
      'job 3 batch 2 succeeded tasks=4 failed=0',
      'job 4 batch 3 succeeded tasks=4 failed=0',
      'job 5 batch 4 succeeded tasks=4 failed=0',
      'job 6 batch 5 failed tasks=2 failed=0',
    ]);
    // Events keep arriving after ApplicationEnd (Spark's listener bus is asynchronous): the cancelled batch's stage and job end.
    expect(log.jobs[6].failureMessage).toMatch(/^\[SPARK_JOB_CANCELLED\] Job 6 cancelled/);
    expect(log.stages.at(-1)).toMatchObject({ stageId: 10, status: 'failed', tasks: 0 });
    expect(log.summary).toMatchObject({ jobs: 7, failedJobs: 1, tasks: 21, failedTasks: 1, unfinishedTasks: 2, executorsPeak: 1 });

    const retried = log.tasks.filter((t) => t.stageId === 2 && t.index === 0);
    expect(retried.map((t) => `${t.taskId}#${t.attempt} ${t.status}`)).toEqual(['4#0 failed', '6#1 success']);
    expect(retried[0].endReason).toMatchObject({ kind: 'ExceptionFailure', className: 'org.apache.spark.api.python.PythonException' });

    // Local mode: the driver is the one executor.
    expect(log.executors).toEqual([
      { executorId: 'driver', host: 'localhost', totalCores: 2, addedTimeMs: 1795566434401, removedTimeMs: null, removedReason: null },
    ]);
    expect(log.stats.skippedEvents['org.apache.spark.sql.streaming.StreamingQueryListener$QueryProgressEvent']).toBe(5);
  });

  it('wall time covers run time, deserialisation and result serialisation for every task', async () => {
    const log = await parseEventLog(REAL);
    for (const task of log.tasks) {
      const m = task.metrics;
      expect(m).not.toBeNull();
      if (m === null) continue;
      expect(task.wallMs).toBeGreaterThanOrEqual(m.executorRunMs + m.executorDeserializeMs + m.resultSerializationMs);
      // PySpark: Executor CPU Time counts JVM threads only, not the Python worker, so CPU ≪ run here.
      expect(m.executorCpuMs).toBeLessThanOrEqual(m.executorRunMs + m.executorDeserializeMs);
    }
  });
});
