/**
 * The real backend, its calibration record and CSV, and `sspe collect`.
 *
 * Unit tests drive RealBackend through a fake SparkSubmitter (an in-process
 * implementation of our own interface returning results built here). One
 * integration test runs `collect` for real: spark-submit on
 * local-cluster[2,1,1024], two configurations once each. Under CI=true it
 * always runs (and fails when Spark is missing); elsewhere it is skipped, with
 * the reason in its name, when scripts/setup-python.sh has not been run.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SparkConfig } from '../../../sim/config.js';
import { RealBackend, outcomeFrom, realRunFrom, submitRequestFor, type RealBackendOptions } from '../../../bridge/backend/real.js';
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import { formatRunsCsv, parseRunsCsv, readRunsCsv, writeRunsCsv } from '../../../bridge/calibration/runs-csv.js';
import { parseEventLog } from '../../../bridge/eventlog/parse.js';
import type { SparkSubmitter, SubmitRequest, SubmitResult, VideoJobMetrics } from '../../../bridge/spark/launcher.js';
import { UserInputError } from '../../../src/errors.js';
import { RunLog } from '../../../src/runlog/run-log.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { runCollect, type CollectOptions } from '../../../bridge/collect/collect.js';
import { parseConfigs } from '../../../bridge/collect/plan.js';
import { parseMaster } from '../../../bridge/spark/parse-master.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sspe-real-'));
}

const CONFIG: SparkConfig = {
  executorCores: 1,
  executorMemoryMb: 512,
  executorInstances: 2,
  partitions: 2,
  framesPerPartition: 10,
  batchIntervalMs: 0,
  memoryFraction: 0.6,
  concurrentJobs: 1,
  taskMaxFailures: 4,
  serializer: 'kryo',
  cpuRequestRatio: 1,
  cpuLimitRatio: 0,
  dynamicAllocation: { enabled: false, minExecutors: 1, maxExecutors: 2, schedulerBacklogTimeoutMs: 1000, sustainedBacklogTimeoutMs: 1000, executorIdleTimeoutMs: 60_000 },
};

const SCENARIO: Pick<Scenario, 'workload' | 'slo'> = {
  workload: { sources: [], trace: { kind: 'constant', fps: 10 }, arrival: 'stored', fpsLevels: [10], minFramesPerPartition: 10, maxFramesPerPartition: 60 },
  slo: { perFrameMs: 500 },
};

const LOCAL = { kind: 'local-cluster', workers: 2, coresPerWorker: 1, memoryPerWorkerMb: 1024 } as const;

function options(submitter: SparkSubmitter, extra: Partial<RealBackendOptions> = {}): RealBackendOptions {
  return {
    submitter,
    master: LOCAL,
    job: { inputDir: '/store', outputDir: '/nonexistent/sspe-out', batches: 2, warmupBatches: 1, keepOutput: true },
    scenario: SCENARIO,
    timeoutMs: 60_000,
    extraConf: { 'spark.ui.enabled': 'false' },
    now: () => new Date('2024-05-01T10:20:30.456Z'),
    ...extra,
  };
}

/** A partition of the job's metrics: `perFrameMs` after its batch's submission, frames [first, first + 10). */
function partition(index: number, firstFrame: number, submitMs: number, perFrameMs: number, file: string) {
  return {
    index,
    frames: 10,
    firstFrame,
    segments: [{ file, kind: 'video', start: firstFrame % 20, frames: 10 }],
    startMs: submitMs + 10,
    endMs: submitMs + perFrameMs,
    readMs: 1,
    convertMs: 1,
    writeMs: 1,
    perFrameMs,
    outputPath: `/out/p${index}.pgm`,
    outputBytes: 100,
    converter: 'opencv' as const,
    host: 'h',
    pid: 1,
    attempt: 0,
  };
}

/**
 * Three batches of 2 x 10 frames, the first a warm-up: batch 1 (cctv frames)
 * 300 and 500 ms per frame, batch 2 (drone frames) 200 and 700 ms.
 */
function metrics(): VideoJobMetrics {
  return {
    schemaVersion: 1,
    runId: 'r',
    appId: 'app-1',
    master: 'local-cluster[2,1,1024]',
    sparkVersion: '4.0.0',
    inputChunks: [
      { file: 'camera-160x90-000.mp4', kind: 'video', frames: 20, widthPx: 160, heightPx: 90 },
      { file: 'cctv-80x60-000.mp4', kind: 'video', frames: 20, widthPx: 80, heightPx: 60 },
      { file: 'drone-240x136-000.mp4', kind: 'video', frames: 20, widthPx: 240, heightPx: 136 },
    ],
    framesAvailable: 60,
    framesProcessed: 60,
    framesNotBatched: 0,
    driverStartMs: 5_000,
    sparkReadyMs: 8_000,
    expectedExecutors: 2,
    executorsAtStart: 1,
    executorsReadyMs: 9_000,
    endMs: 13_000,
    batches: [
      { id: 0, warmup: true, frames: 20, captureStartMs: 9_000, captureEndMs: 10_900, submitMs: 10_000, jobEndMs: 10_400, executorsRegistered: 2,
        partitions: [partition(0, 0, 10_000, 400, 'camera-160x90-000.mp4'), partition(1, 10, 10_000, 350, 'camera-160x90-000.mp4')] },
      { id: 1, warmup: false, frames: 20, captureStartMs: 11_000, captureEndMs: 12_900, submitMs: 11_000, jobEndMs: 11_500, executorsRegistered: 2,
        partitions: [partition(0, 20, 11_000, 300, 'cctv-80x60-000.mp4'), partition(1, 30, 11_000, 500, 'cctv-80x60-000.mp4')] },
      { id: 2, warmup: false, frames: 20, captureStartMs: 13_000, captureEndMs: 14_900, submitMs: 12_000, jobEndMs: 12_700, executorsRegistered: 2,
        partitions: [partition(0, 40, 12_000, 200, 'drone-240x136-000.mp4'), partition(1, 50, 12_000, 700, 'drone-240x136-000.mp4')] },
    ],
    summary: { measuredBatches: 2, measuredFrames: 40, perFrameMs: { mean: 425, p50: 300, p95: 700, p99: 700, max: 700 }, throughputFps: 40 / 1.7 },
    error: null,
  };
}

/** An event log with one task per partition above (launch 5 ms after submission, finish at the partition's end). */
function writeEventLog(dir: string): string {
  const task = (id: number, launch: number, finish: number) =>
    JSON.stringify({
      Event: 'SparkListenerTaskEnd', 'Stage ID': id, 'Stage Attempt ID': 0, 'Task Type': 'ResultTask', 'Task End Reason': { Reason: 'Success' },
      'Task Info': { 'Task ID': id, Index: 0, Attempt: 0, 'Partition ID': 0, 'Launch Time': launch, 'Executor ID': '0', Host: 'h', Locality: 'PROCESS_LOCAL', Speculative: false, 'Getting Result Time': 0, 'Finish Time': finish, Failed: false, Killed: false, Accumulables: [] },
    });
  const lines = [
    JSON.stringify({ Event: 'SparkListenerLogStart', 'Spark Version': '4.0.0' }),
    JSON.stringify({ Event: 'SparkListenerApplicationStart', 'App Name': 'x', 'App ID': 'app-1', Timestamp: 5_000, User: 'u' }),
    task(0, 10_005, 10_400), // warm-up: before the window, not counted
    task(1, 11_005, 11_300),
    task(2, 11_005, 11_500),
    task(3, 12_005, 12_200),
    task(4, 12_005, 12_700),
    JSON.stringify({ Event: 'SparkListenerApplicationEnd', Timestamp: 13_000 }),
  ];
  const path = join(dir, 'app-1');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

function result(request: SubmitRequest, extra: Partial<SubmitResult> = {}): SubmitResult {
  return {
    runId: request.runId,
    command: '/venv/bin/spark-submit',
    args: [],
    exitCode: 0,
    signal: null,
    timedOut: false,
    wallMs: 15_250,
    runDir: `/runs/${request.runId}`,
    stdoutPath: '',
    stderrPath: '',
    stderrTail: '',
    stdoutTail: '',
    metricsPath: '',
    metrics: metrics(),
    eventLogPath: null,
    eventLog: null,
    executorLogDir: null,
    failure: null,
    ...extra,
  };
}

/** Records every request and answers with `answer(request)`. */
class FakeSubmitter implements SparkSubmitter {
  readonly requests: SubmitRequest[] = [];
  constructor(private readonly answer: (request: SubmitRequest) => SubmitResult | Promise<SubmitResult>) {}
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    this.requests.push(request);
    return this.answer(request);
  }
}

describe('RealBackend with a fake submitter', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("builds the spark-submit request from the configuration, resolving framesPerPartition 'fps' at the trial's load", () => {
    const request = submitRequestFor({ config: { ...CONFIG, framesPerPartition: 'fps', serializer: 'java', taskMaxFailures: 2 }, fps: 23 }, 'run-1', options(new FakeSubmitter(() => { throw new Error('unused'); })));
    expect(request).toEqual({
      runId: 'run-1',
      master: LOCAL,
      executorCores: 1,
      executorMemoryMb: 512,
      executorInstances: 2,
      serializer: 'java',
      job: { inputDir: '/store', outputDir: '/nonexistent/sspe-out', partitions: 2, framesPerPartition: 23, concurrentJobs: 1, fps: 23, warmupBatches: 1, maxBatches: 3, realtime: false },
      conf: {
        'spark.memory.fraction': '0.6',
        'spark.task.maxFailures': '2',
        'spark.ui.enabled': 'false',
        // What `sspe calibrate --eventlogs` reads back from the log.
        'spark.sspe.runId': 'run-1',
        'spark.sspe.partitions': '2',
        'spark.sspe.framesPerPartition': '23',
        'spark.sspe.concurrentJobs': '1',
        'spark.sspe.fps': '23',
        'spark.sspe.warmupBatches': '1',
        'spark.sspe.megapixelsPerFrame': '0',
      },
      timeoutMs: 60_000,
    });
    const k8s = submitRequestFor({ config: { ...CONFIG, executorCores: 2, cpuRequestRatio: 0.5 }, fps: 5 }, 'run-2', {
      ...options(new FakeSubmitter(() => { throw new Error('unused'); })),
      master: { kind: 'k8s', apiServerUrl: 'https://10.0.0.1:6443', namespace: 'video', containerImage: 'img', serviceAccount: 'spark', driverHost: '10.0.0.9', executorVolumes: [] },
    });
    expect(k8s.conf!['spark.kubernetes.executor.request.cores']).toBe('1');
  });

  it('builds the outcome from the job metrics and the event log, and the calibration record', async () => {
    const eventLogPath = writeEventLog(dir);
    const submitter = new FakeSubmitter((request) => result(request, { eventLogPath, eventLog: { path: eventLogPath, complete: true, executorLosses: [], taskFailures: 0, problem: null } }));
    const backend = new RealBackend(options(submitter));
    await backend.reset(7);

    const outcome = await backend.runTrial({ config: CONFIG, fps: 10 });

    expect(submitter.requests.map((r) => r.runId)).toEqual(['trial-20240501T102030Z-s7-0001']);
    expect(outcome).toEqual({
      perFrameMs: { mean: 425, p50: 300, p95: 700, p99: 700, max: 700 },
      throughputFps: 40 / 1.7,
      backlogFrames: 0,
      framesArrived: 40,
      framesProcessed: 40,
      framesDropped: 0,
      // Task time inside 11,000..12,700 ms: 295 + 495 + 195 + 695 = 1680 ms busy of 2 slots x 1700 ms.
      cpuUtil: 1680 / (2 * 1700),
      memUtil: Number.NaN,
      slotUtil: 1680 / (2 * 1700),
      executorsRunning: 2,
      pendingPods: 0,
      taskFailures: 0,
      executorLosses: 0,
      costPerHour: 0,
      // 10 of 40 measured frames took 700 ms > 500 ms (500 itself is within the SLO).
      sloViolationFraction: 0.25,
      redeployed: true,
      windowMs: 1700,
      wallMs: 15_250,
      failure: null,
    });
    expect(backend.lastRun).toEqual({
      runId: 'trial-20240501T102030Z-s7-0001',
      master: 'local-cluster[2,1,1024]',
      cores: 1,
      memoryMb: 512,
      instances: 2,
      partitions: 2,
      framesPerPartition: 10,
      fps: 10,
      batches: 2,
      // 20 cctv frames (80x60) and 20 drone frames (240x136) measured.
      megapixelsPerFrame: (20 * 0.0048 + 20 * 0.03264) / 40,
      perFrameMs: { mean: 425, p50: 300, p95: 700, p99: 700 },
      executorsRunning: 2,
      wallMs: 15_250,
      eventLogPath,
      failure: null,
    } satisfies RealRun);

    await backend.runTrial({ config: CONFIG, fps: 10 });
    expect(submitter.requests.map((r) => r.runId)).toEqual(['trial-20240501T102030Z-s7-0001', 'trial-20240501T102030Z-s7-0002']);
  });

  it('maps a timed-out run to a failed outcome with nothing measured', async () => {
    const failure = 'spark-submit ran past its 60000 ms timeout; its process group was killed';
    const backend = new RealBackend(options(new FakeSubmitter((request) => result(request, { exitCode: null, signal: 'SIGTERM', timedOut: true, metrics: null, failure }))));

    const outcome = await backend.runTrial({ config: CONFIG, fps: 10 });

    expect(outcome.failure).toBe(failure);
    expect(outcome.perFrameMs.mean).toBeNaN();
    expect([outcome.framesArrived, outcome.framesProcessed, outcome.backlogFrames, outcome.executorsRunning, outcome.pendingPods, outcome.windowMs]).toEqual([40, 0, 40, 0, 2, 0]);
    expect(outcome.cpuUtil).toBeNaN();
    expect(backend.lastRun).toMatchObject({ batches: 0, perFrameMs: null, executorsRunning: 0, eventLogPath: null, failure });
    expect(backend.lastRun!.megapixelsPerFrame).toBeNaN();
  });

  it('maps a lost executor to a failure, keeping what was measured and counting the loss', async () => {
    const failure = 'executor 1 was lost during the run: Command exited with code 137';
    const eventLog = { path: '/e', complete: true, executorLosses: [{ executorId: '1', reason: 'Command exited with code 137' }], taskFailures: 1, problem: null };
    const backend = new RealBackend(options(new FakeSubmitter((request) => result(request, { eventLog, failure }))));

    const outcome = await backend.runTrial({ config: CONFIG, fps: 10 });

    expect([outcome.failure, outcome.executorLosses, outcome.taskFailures, outcome.perFrameMs.mean, outcome.framesProcessed]).toEqual([failure, 1, 1, 425, 40]);
    // A failed run gives calibration no per-frame time.
    expect(backend.lastRun).toMatchObject({ perFrameMs: null, batches: 2, failure });
  });

  it('never throws: a refused submission, dynamic allocation and a closed backend come back as failures', async () => {
    const submitter = new FakeSubmitter(() => {
      throw new UserInputError('expected at most 2 executors of 1 cores and 512 MB on local-cluster[2,1,1024], got 3');
    });
    const backend = new RealBackend(options(submitter));

    const refused = await backend.runTrialAs({ config: { ...CONFIG, executorInstances: 3 }, fps: 10 }, 'too-many');
    expect(refused.failure).toBe('could not submit: expected at most 2 executors of 1 cores and 512 MB on local-cluster[2,1,1024], got 3');
    expect(backend.lastRun).toMatchObject({ runId: 'too-many', instances: 3, perFrameMs: null, wallMs: 0, failure: refused.failure });

    const dynamic = await backend.runTrial({ config: { ...CONFIG, dynamicAllocation: { ...CONFIG.dynamicAllocation, enabled: true } }, fps: 10 });
    expect(dynamic.failure).toBe('dynamic allocation is not supported by the real backend (the job runs a fixed number of executors)');
    await backend.close();
    expect((await backend.runTrial({ config: CONFIG, fps: 10 })).failure).toBe('the real backend is closed');
    expect(submitter.requests).toHaveLength(1);
  });

  it('outcomeFrom and realRunFrom agree with what the backend returns', async () => {
    const request = submitRequestFor({ config: CONFIG, fps: 10 }, 'x', options(new FakeSubmitter(() => { throw new Error('unused'); })));
    const submitted = result(request);
    expect(realRunFrom(submitted, request).perFrameMs).toEqual({ mean: 425, p50: 300, p95: 700, p99: 700 });
    expect((await outcomeFrom(submitted, { request, sloPerFrameMs: 250, costPerHour: 0.5 })).sloViolationFraction).toBe(0.75);
  });
});

// ------------------------------------------------------------------ CSV

const RUN: RealRun = {
  runId: 'c1-m512-i2-r1',
  master: 'local-cluster[2,1,1024]',
  cores: 1,
  memoryMb: 512,
  instances: 2,
  partitions: 2,
  framesPerPartition: 10,
  fps: 12.5,
  batches: 2,
  megapixelsPerFrame: 0.1 + 0.2,
  perFrameMs: { mean: 425.123456789, p50: 300, p95: 700, p99: 700 },
  executorsRunning: 2,
  wallMs: 15_250.5,
  eventLogPath: null,
  failure: null,
};

describe('runs CSV', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips runs bit for bit, failures with commas, quotes and newlines, and NaN megapixels', async () => {
    const path = join(dir, 'runs.csv');
    const runs: RealRun[] = [
      { ...RUN, eventLogPath: join(dir, 'eventlogs', 'app-1') },
      { ...RUN, runId: 'c1-m512-i2-r2', perFrameMs: null, megapixelsPerFrame: Number.NaN, eventLogPath: '/elsewhere/app-2', failure: 'spark-submit exited with code 1: "boom", then\nmore' },
    ];
    await writeRunsCsv(path, runs);

    expect(await readRunsCsv(path)).toEqual(runs);
    expect(readdirSync(dir)).toEqual(['runs.csv']);
    // An event log inside the CSV's folder is stored relative to it.
    expect(readFileSync(path, 'utf8').split('\n')[1]).toContain(',eventlogs/app-1,');
  });

  const header = formatRunsCsv([], '/').trim();
  const row = formatRunsCsv([RUN], '/').trim().split('\n')[1];
  const bad = (text: string) => {
    try {
      parseRunsCsv(text, 'runs.csv');
    } catch (error) {
      expect(error).toBeInstanceOf(UserInputError);
      return (error as Error).message;
    }
    throw new Error('expected a UserInputError');
  };

  it('names the file, line and column of a bad row', () => {
    expect(bad(`${header}\n${row}\n${row.replace(',1,512,', ',x,512,').replace('-r1', '-r2')}\n`)).toBe("runs.csv:3: column cores: expected a positive integer, got 'x'");
    expect(bad(`${header}\n${row.replace(',300,', ',,')}\n`)).toBe(
      "runs.csv:2: column perFrameP50Ms: expected a number >= 0 (the per-frame columns are all empty, for a failed run, or all set), got ''",
    );
    expect(bad(`${header}\n${row}\n${row}\n`)).toBe("runs.csv:3: column runId: expected a unique run id, got 'c1-m512-i2-r1' again (first on line 2)");
    expect(bad(`${header.replace(',wallMs', '')}\n`)).toBe(`runs.csv:1: expected columns ${header}, missing wallMs`);
    expect(bad(`${header}\n${row},extra\n`)).toMatch(/^runs\.csv:2: expected CSV, got Invalid Record Length/);
    expect(bad('')).toBe(`runs.csv: expected a header row (${header}), got an empty file`);
  });
});

// ------------------------------------------------------------------ collect

function collectArgs(out: string, extra: Partial<CollectOptions> = {}): CollectOptions {
  return {
    json: false,
    master: 'local-cluster[2,1,1024]',
    configs: '1/512/1,1/512/2',
    repeat: 1,
    out,
    fps: 10,
    batches: 2,
    warmupBatches: 1,
    partitions: 2,
    framesPerPartition: 10,
    serializer: 'kryo',
    timeout: '3m',
    namespace: 'default',
    serviceAccount: 'default',
    fastStart: true,
    keepOutput: false,
    runLog: join(out, 'sspe.sqlite'),
    ...extra,
  };
}

describe('sspe collect', () => {
  const none = { namespace: 'default', serviceAccount: 'default' };
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(UserInputError);
      return (error as Error).message;
    }
    throw new Error('expected a UserInputError');
  };

  it('parses --master strictly, naming the flag', () => {
    expect(parseMaster('local-cluster[2, 1, 1024]', none)).toEqual(LOCAL);
    expect(parseMaster('spark://h1:7077,h2:7077', none)).toEqual({ kind: 'standalone', url: 'spark://h1:7077,h2:7077' });
    expect(parseMaster('k8s://https://10.0.0.1:6443', { ...none, image: 'sspe/spark:4', driverHost: '10.0.0.9', pvc: ['video:video-pvc:/data:ro'] })).toEqual({
      kind: 'k8s', apiServerUrl: 'k8s://https://10.0.0.1:6443', namespace: 'default', containerImage: 'sspe/spark:4', serviceAccount: 'default', driverHost: '10.0.0.9',
      executorVolumes: [{ name: 'video', claimName: 'video-pvc', mountPath: '/data', readOnly: true }],
    });
    expect(message(() => parseMaster('local[2]', none))).toBe("--master: expected local-cluster[N,C,M], spark://host:port or k8s://https://host:port, got 'local[2]'");
    expect(message(() => parseMaster('local-cluster[0,1,1024]', none))).toBe("--master: expected local-cluster[workers,coresPerWorker,memoryPerWorkerMb] of positive integers, got 'local-cluster[0,1,1024]'");
    expect(message(() => parseMaster('k8s://https://k:6443', { ...none, driverHost: 'd', pvc: ['v:c:/d'] }))).toBe('--image: expected the executor container image (a k8s:// master needs one), got none');
    expect(message(() => parseMaster('k8s://https://k:6443', { ...none, image: 'i', driverHost: 'd', pvc: ['v:c:data'] }))).toBe("--pvc: expected name:claim:/mount/path (optionally :ro), got 'v:c:data'");
    expect(message(() => parseMaster('k8s://https://k:6443', { ...none, namespace: 'Video', image: 'i', driverHost: 'd', pvc: ['v:c:/d'] }))).toBe("--namespace: expected a Kubernetes namespace (a DNS label), got 'Video'");
    expect(message(() => parseMaster('spark://h:7077', { ...none, image: 'i' }))).toBe('--image: only for a k8s:// --master, got --master spark://h:7077');
  });

  it("derives the default grid from what fits the local cluster, and checks explicit lists against it", () => {
    const labels = (text: string, master: string) => parseConfigs(text, parseMaster(master, none)).map((s) => `${s.cores}/${s.memoryMb}/${s.instances}`);
    expect(labels('grid', 'local-cluster[2,1,1024]')).toEqual(['1/512/1', '1/512/2', '1/1024/1', '1/1024/2']);
    expect(labels('grid', 'local-cluster[2,2,2048]')).toHaveLength(8);
    expect(labels('grid', 'local-cluster[1,1,1024]')).toEqual(['1/512/1', '1/1024/1']);
    expect(labels('2/1024/2, 1/512/1', 'spark://h:7077')).toEqual(['2/1024/2', '1/512/1']);
    expect(message(() => labels('2/512/1', 'local-cluster[2,1,1024]'))).toBe('--configs: 2/512/1 does not fit local-cluster[2,1,1024] (at most 0 executors of 2 cores and 512 MB)');
    expect(message(() => labels('1/512', 'local-cluster[2,1,1024]'))).toBe("--configs: expected 'grid' or a list of cores/memoryMb/instances such as 1/512/1,2/1024/2, got '1/512'");
    expect(message(() => labels('1/512/1,1/512/1', 'local-cluster[2,1,1024]'))).toBe('--configs: expected distinct configurations, got 1/512/1 twice');
    expect(message(() => labels('grid', 'local-cluster[2,1,256]'))).toBe('--configs: no configuration of the grid fits local-cluster[2,1,256]; give a list such as 1/512/1');
  });

  it('checks every flag before running anything', async () => {
    const out = tempDir();
    const submitter = new FakeSubmitter((request) => result(request));
    const rejects = (extra: Partial<CollectOptions>) => runCollect(collectArgs(out, { inputDir: '/store', ...extra }), { submitter }).then(() => 'resolved', (error: Error) => error.message);
    expect(await rejects({ repeat: 0 })).toBe('--repeat: expected a positive integer, got 0');
    expect(await rejects({ timeout: 'soon' })).toBe("--timeout: expected a duration in (0, 720 h] such as 500ms, 90s, 2m or 1h, got 'soon'");
    expect(await rejects({ conf: ['spark.executor.cores=4'] })).toBe('--configs 1/512/1: expected spark.executor.cores to be left to the launcher (it sets it from the request), got it in conf');
    expect(await rejects({ serializer: 'avro' })).toBe("--serializer: expected java or kryo, got 'avro'");
    expect(await rejects({ slo: 'per_frame_ms=0' })).toBe("--slo: per_frame_ms: expected a number of ms in (0, 86400000], got '0'");
    const k8s = { master: 'k8s://https://k:6443', image: 'i', driverHost: 'd', pvc: ['video:c:/data'], configs: '1/512/1' };
    expect(await rejects(k8s)).toBe('--output-dir: expected a path on the shared volume as the executors mount it (a k8s:// master needs one), got none');
    expect(await runCollect(collectArgs(out, { ...k8s, outputDir: '/data/out' }), { submitter }).catch((e: Error) => e.message)).toBe(
      '--input-dir: expected a path on the shared volume as the executors mount it (a k8s:// master needs one), got none',
    );
    expect(submitter.requests).toHaveLength(0);
    expect(existsSync(join(out, 'runs.csv'))).toBe(false);
    rmSync(out, { recursive: true, force: true });
  });

  it("counts each run's late frames against --slo (default per_frame_ms=500)", async () => {
    const fractions = async (slo: string | undefined) => {
      const out = tempDir();
      try {
        await runCollect(collectArgs(out, { inputDir: '/store', configs: '1/512/1', slo }), { submitter: new FakeSubmitter((request) => result(request)) });
        const log = RunLog.open(join(out, 'sspe.sqlite'));
        try {
          return log.query().map((t) => t.sloViolationFraction);
        } finally {
          log.close();
        }
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    };
    // The measured batches' frames take 100 to 700 ms.
    expect((await fractions(undefined))[0]).toBeGreaterThan(0);
    expect(await fractions('per_frame_ms=1000')).toEqual([0]);
    expect(await fractions('per_frame_ms=50')).toEqual([1]);
  });

  it('writes runs.csv after every run, logs each as a real trial, and on resume runs only what is missing', async () => {
    const out = tempDir();
    let csvRowsSeenBySubmit: number[] = [];
    const submitter = new FakeSubmitter((request) => {
      // runs.csv already holds every run finished before this one.
      csvRowsSeenBySubmit.push(existsSync(join(out, 'runs.csv')) ? readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n').length - 1 : 0);
      return result(request, request.executorInstances === 2 ? { failure: 'spark-submit exited with code 1: boom' } : {});
    });

    const first = await runCollect(collectArgs(out, { inputDir: '/store' }), { submitter });
    expect(submitter.requests.map((r) => r.runId)).toEqual(['c1-m512-i1-p2x10-10fps-b2-r1', 'c1-m512-i2-p2x10-10fps-b2-r1']);
    expect(csvRowsSeenBySubmit).toEqual([0, 1]);
    expect(first.runs.map((r) => [r.run.runId, r.repeat, r.ran, r.run.failure])).toEqual([
      ['c1-m512-i1-p2x10-10fps-b2-r1', 1, true, null],
      ['c1-m512-i2-p2x10-10fps-b2-r1', 1, true, 'spark-submit exited with code 1: boom'],
    ]);

    csvRowsSeenBySubmit = [];
    const second = await runCollect(collectArgs(out, { inputDir: '/store', repeat: 2 }), { submitter });
    // Repeats interleave: both configurations' first runs were done, so only their second runs go now.
    expect(submitter.requests.slice(2).map((r) => r.runId)).toEqual(['c1-m512-i1-p2x10-10fps-b2-r2', 'c1-m512-i2-p2x10-10fps-b2-r2']);
    expect(second.skipped).toBe(2);
    expect(second.runs.map((r) => [r.run.runId, r.ran])).toEqual([
      ['c1-m512-i1-p2x10-10fps-b2-r1', false],
      ['c1-m512-i2-p2x10-10fps-b2-r1', false],
      ['c1-m512-i1-p2x10-10fps-b2-r2', true],
      ['c1-m512-i2-p2x10-10fps-b2-r2', true],
    ]);
    expect((await readRunsCsv(join(out, 'runs.csv'))).map((r) => r.runId)).toEqual(second.runs.map((r) => r.run.runId));

    const log = RunLog.open(join(out, 'sspe.sqlite'));
    try {
      expect(log.runs().map((r) => [r.command, r.backend, r.status, r.trialCount])).toEqual([['collect', 'real', 'ok', 2], ['collect', 'real', 'ok', 2]]);
      expect(log.query().map((t) => [t.backend, t.instances, t.failure])).toEqual([
        ['real', 1, null], ['real', 2, 'spark-submit exited with code 1: boom'], ['real', 1, null], ['real', 2, 'spark-submit exited with code 1: boom'],
      ]);
    } finally {
      log.close();
    }

    // Nothing left to run: no submission, no new run in the log.
    await runCollect(collectArgs(out, { inputDir: '/store', repeat: 2 }), { submitter });
    expect(submitter.requests).toHaveLength(4);
    expect(await runCollect(collectArgs(out, { inputDir: '/store', master: 'local-cluster[2,2,2048]' }), { submitter }).catch((e: Error) => e.message)).toBe(
      `--out: ${join(out, 'runs.csv')} holds runs on local-cluster[2,1,1024], not local-cluster[2,2,2048]; pass another --out`,
    );
    rmSync(out, { recursive: true, force: true });
  });
});

// ------------------------------------------------------------------ real Spark

const sparkSubmit = join(repo, '.venv', 'bin', 'spark-submit');
const inCi = process.env.CI === 'true';
const skipReason = !inCi && !existsSync(sparkSubmit) ? `no ${sparkSubmit}; run scripts/setup-python.sh` : null;

describe.skipIf(skipReason !== null)(`sspe collect on local-cluster[2,1,1024]${skipReason === null ? '' : ` (skipped: ${skipReason})`}`, () => {
  let out: string;
  beforeAll(() => {
    out = tempDir();
  });
  afterAll(() => {
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
  });

  it('runs two configurations for real, with event logs that parse and a runs.csv that round-trips', async () => {
    expect(existsSync(sparkSubmit), `CI=true needs Spark: expected ${sparkSubmit}; run scripts/setup-python.sh`).toBe(true);
    const startedMs = performance.now();

    const summary = await runCollect(collectArgs(out));

    const elapsedS = (performance.now() - startedMs) / 1000;
    const context = summary.runs.map((r) => `${r.run.runId}: ${r.run.failure}`).join('\n');
    process.stderr.write(`collect integration: ${elapsedS.toFixed(1)} s for 2 runs (${summary.runs.map((r) => (r.run.wallMs / 1000).toFixed(1)).join(' s, ')} s spark-submit wall)\n`);
    expect(summary.runs.map((r) => [r.run.cores, r.run.memoryMb, r.run.instances, r.ran, r.run.failure]), context).toEqual([
      [1, 512, 1, true, null],
      [1, 512, 2, true, null],
    ]);
    for (const { run } of summary.runs) {
      expect(run.batches).toBe(2);
      expect(run.executorsRunning).toBe(run.instances);
      expect(run.perFrameMs!.mean).toBeGreaterThan(0);
      expect(run.perFrameMs!.p95).toBeGreaterThanOrEqual(run.perFrameMs!.p50);
      // The job deals frames round-robin from the store's three streams (camera 160x90, cctv 80x60,
      // drone 240x136), so every workload shape sees the same mix of resolutions, within one frame each.
      const equalMix = (0.0144 + 0.0048 + 0.03264) / 3;
      expect(Math.abs(run.megapixelsPerFrame / equalMix - 1)).toBeLessThan(0.1);
      expect(run.eventLogPath!.startsWith(join(out, 'eventlogs'))).toBe(true);
      const log = await parseEventLog(run.eventLogPath!);
      expect(log.complete).toBe(true);
      expect(log.executors).toHaveLength(run.instances);
      expect(log.jobs.map((j) => j.result)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(log.summary.failedTasks).toBe(0);
    }
    // The job's frames were deleted after each run.
    expect(readdirSync(join(out, 'frames'))).toEqual([]);

    expect(await readRunsCsv(join(out, 'runs.csv'))).toEqual(summary.runs.map((r) => r.run));
    const runLog = RunLog.open(join(out, 'sspe.sqlite'));
    try {
      const trials = runLog.query({ backend: 'real' });
      expect(trials.map((t) => [t.instances, t.failure, t.executorsRunning, t.framesProcessed])).toEqual([[1, null, 1, 40], [2, null, 2, 40]]);
      expect(trials.every((t) => t.cpuUtil > 0 && t.cpuUtil <= 1)).toBe(true);
    } finally {
      runLog.close();
    }
  }, 240_000);
});
