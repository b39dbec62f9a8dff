import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realRunFromEventLog, realRunsFromEventLogs, weightedQuantiles } from '../../../bridge/calibration/from-eventlogs.js';
import { UserInputError } from '../../../src/errors.js';
import { APP_START_MS, sspeProperties, syntheticEventLog, type SyntheticBatch } from './synthetic-eventlog.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const parserFixtures = join(here, '..', 'fixtures', 'eventlogs');
const realFixtures = join(here, 'fixtures', 'eventlogs');

const T0 = APP_START_MS + 10_000;
/** A warm-up batch, then two measured ones of two partitions. */
const BATCHES: SyntheticBatch[] = [
  { submissionTimeMs: T0, finishTimesMs: [T0 + 900, T0 + 950] },
  { submissionTimeMs: T0 + 2000, finishTimesMs: [T0 + 2100, T0 + 2140] },
  { submissionTimeMs: T0 + 4000, finishTimesMs: [T0 + 4120, T0 + 4300], retryFirst: true },
];

describe('RealRun records from event logs', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sspe-eventlogs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the configuration from the Spark properties and per-frame times from tasks and jobs', async () => {
    const path = write('app-ok', syntheticEventLog({ properties: sspeProperties(), executors: 2, batches: BATCHES }));
    const run = await realRunFromEventLog(path);
    // Measured: finish − submission of batches 1 and 2 (batch 0 is the warm-up); 10 frames each.
    // Partition 0 of batch 2 failed once: its successful retry counts.
    expect(run).toEqual({
      runId: 'run-1',
      master: 'local-cluster[2,2,2048]',
      cores: 2,
      memoryMb: 1024,
      instances: 2,
      partitions: 2,
      framesPerPartition: 10,
      fps: 10,
      batches: 2,
      megapixelsPerFrame: 0.01728,
      perFrameMs: { mean: (100 + 140 + 120 + 300) / 4, p50: 120, p95: 300, p99: 300 },
      executorsRunning: 2,
      wallMs: T0 + 4300 + 100 - APP_START_MS,
      eventLogPath: path,
      failure: null,
    });
  });

  it('takes the app id when the log has no run id, and 0 warm-up batches by default', async () => {
    const properties = sspeProperties({ 'spark.sspe.runId': undefined, 'spark.sspe.warmupBatches': undefined });
    const run = await realRunFromEventLog(write('app-noid', syntheticEventLog({ properties, executors: 2, batches: BATCHES })));
    expect(run!.runId).toBe('app-20270115080000-0000');
    expect(run!.batches).toBe(3);
  });

  it.each([
    ['no ApplicationEnd', { incomplete: true }, /no ApplicationEnd/],
    ['a failed job', { batches: [...BATCHES.slice(0, 2), { ...BATCHES[2], result: 'failed' as const }] }, /job 2 failed: Job aborted due to stage failure/],
    [
      'a failed job with a stack trace',
      { batches: [...BATCHES.slice(0, 2), { ...BATCHES[2], result: 'failed' as const, failureMessage: '\nJob aborted due to stage failure: Task 0 in stage 2.0 failed 4 times\n\tat org.apache.spark.Foo(Foo.scala:1)\nCaused by: boom' }] },
      /^job 2 failed: Job aborted due to stage failure: Task 0 in stage 2\.0 failed 4 times$/,
    ],
    ['an executor lost mid-run', { executorLostAtMs: T0 + 3000 }, /executor 1 was lost during the run: Command exited with code 137/],
    ['only warm-up batches', { batches: BATCHES.slice(0, 1) }, /all warm-up \(1\): no measured batch/],
    ['a job missing a partition', { batches: [...BATCHES.slice(0, 2), { submissionTimeMs: T0 + 4000, finishTimesMs: [T0 + 4100] }] }, /job 2 has 1 successful partitions, expected 2/],
  ])('gives a failed run for %s', async (name, change, failure) => {
    const path = write(`app-${name.replace(/\W+/g, '-')}`, syntheticEventLog({ properties: sspeProperties(), executors: 2, batches: BATCHES, ...change }));
    const run = await realRunFromEventLog(path);
    expect(run!.failure).toMatch(failure);
    expect(run!.perFrameMs).toBeNull();
  });

  it.each([
    ['no spark.sspe.fps', { 'spark.sspe.fps': undefined }, /spark\.sspe\.fps: expected it \(the sspe launcher sets it/],
    ['partitions "two"', { 'spark.sspe.partitions': 'two' }, /spark\.sspe\.partitions: expected a positive integer, got 'two'/],
    ['megapixels -1', { 'spark.sspe.megapixelsPerFrame': '-1' }, /spark\.sspe\.megapixelsPerFrame: expected a positive number, got '-1'/],
    ['1.5 warm-up batches', { 'spark.sspe.warmupBatches': '1.5' }, /spark\.sspe\.warmupBatches: expected a non-negative integer, got '1\.5'/],
    ['no spark.executor.instances', { 'spark.executor.instances': undefined }, /spark\.executor\.instances: expected it/],
    ['executor memory "lots"', { 'spark.executor.memory': 'lots' }, /spark\.executor\.memory: expected a size like '4g'/],
  ])('refuses an sspe log with %s', async (_name, overrides, message) => {
    const path = write('app-bad', syntheticEventLog({ properties: sspeProperties(overrides), executors: 2, batches: BATCHES }));
    await expect(realRunFromEventLog(path)).rejects.toThrow(UserInputError);
    await expect(realRunFromEventLog(path)).rejects.toThrow(message);
  });

  it("passes on the parser's UserInputError for a corrupt log", async () => {
    await expect(realRunFromEventLog(join(parserFixtures, 'app-corrupt'))).rejects.toThrow(UserInputError);
    await expect(realRunFromEventLog(join(parserFixtures, 'app-corrupt'))).rejects.toThrow(/app-corrupt:14: expected a JSON event/);
  });

  it("skips other applications' logs in a directory (the parser fixtures) and names a missing directory", async () => {
    const sub = join(dir, 'others');
    mkdirSync(sub);
    writeFileSync(join(sub, 'spark-app'), syntheticEventLog({ properties: { 'spark.master': 'local[2]' }, executors: 1, batches: [] }));
    const read = await realRunsFromEventLogs(sub);
    expect(read.runs).toEqual([]);
    expect(read.skipped).toEqual([{ path: join(sub, 'spark-app'), reason: 'no spark.sspe.partitions property: not a run of the sspe job' }]);
    await expect(realRunsFromEventLogs(join(dir, 'nope'))).rejects.toThrow(/event-log directory not found: .*nope/);
  });

  it('looks into sub-folders (one folder per run), reads event logs by their content and leaves other files alone', async () => {
    const root = join(dir, 'per-run');
    for (const i of [2, 1]) {
      mkdirSync(join(root, `run-${i}`, 'eventlogs'), { recursive: true });
      writeFileSync(join(root, `run-${i}`, 'eventlogs', `app-${i}`), syntheticEventLog({ properties: sspeProperties({ 'spark.sspe.runId': `run-${i}` }), executors: 2, batches: BATCHES }));
      writeFileSync(join(root, `run-${i}`, 'stdout'), 'Using Spark default log4j profile\n');
      writeFileSync(join(root, `run-${i}`, 'metrics.json'), '{"batches": []}\n');
    }
    const read = await realRunsFromEventLogs(root);
    expect(read.runs.map((r) => [r.runId, r.eventLogPath])).toEqual([
      ['run-1', join(root, 'run-1', 'eventlogs', 'app-1')],
      ['run-2', join(root, 'run-2', 'eventlogs', 'app-2')],
    ]);
    expect(read.skipped).toEqual([]);
    expect(read.otherFiles).toBe(4);
  });

  it("reads sspe collect's megapixelsPerFrame 0 (a store of unknown frame size) as unknown", async () => {
    const path = write('app-mp0', syntheticEventLog({ properties: sspeProperties({ 'spark.sspe.megapixelsPerFrame': '0' }), executors: 2, batches: BATCHES }));
    const run = await realRunFromEventLog(path);
    expect(run!.megapixelsPerFrame).toBeNaN();
    expect(run!.failure).toBeNull();
  });

  it('reads real local-cluster logs of the grayscale job (test/bridge/calibration/fixtures/eventlogs)', async () => {
    const read = await realRunsFromEventLogs(realFixtures);
    expect(read.skipped).toEqual([]);
    const ok = read.runs.find((r) => r.failure === null)!;
    expect(ok).toMatchObject({ master: 'local-cluster[2,2,2048]', partitions: 2, framesPerPartition: 10, fps: 10, executorsRunning: ok.instances });
    expect(ok.batches).toBeGreaterThan(0);
    // Tens to hundreds of ms per frame for these tiny frames; p50 ≤ p95 ≤ p99.
    expect(ok.perFrameMs!.mean).toBeGreaterThan(20);
    expect(ok.perFrameMs!.mean).toBeLessThan(5000);
    expect(ok.perFrameMs!.p50).toBeLessThanOrEqual(ok.perFrameMs!.p95);
    const killed = read.runs.find((r) => r.runId.endsWith('-kill'))!;
    expect(killed.failure).toMatch(/^executor \d+ was lost during the run/);
  });
});

describe('weightedQuantiles', () => {
  it('is the frame-weighted mean and nearest-rank quantiles of the job', () => {
    const q = weightedQuantiles([
      { valueMs: 300, frames: 1 },
      { valueMs: 100, frames: 3 },
      { valueMs: 200, frames: 96 },
    ]);
    expect(q).toEqual({ mean: (300 + 300 + 200 * 96) / 100, p50: 200, p95: 200, p99: 200 });
    expect(weightedQuantiles([])).toBeNull();
  });
});
