/**
 * Real Spark: spark-submit from the project venv runs the grayscale job on
 * `local-cluster[2,1,1024]` (a master and two workers in the driver JVM, two
 * executor JVMs), on a few seconds of small generated video. Under CI=true it
 * always runs (and fails when Spark is missing); elsewhere it is skipped, with
 * the reason in its name, when scripts/setup-python.sh has not been run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_START_CONF } from '../../bridge/spark/fast-start.js';
import { SparkLauncher, type SubmitRequest, type SubmitResult } from '../../bridge/spark/launcher.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const sparkSubmit = join(repo, '.venv', 'bin', 'spark-submit');
const python = join(repo, '.venv', 'bin', 'python');
const inCi = process.env.CI === 'true';
const skipReason = !inCi && !existsSync(sparkSubmit) ? `no ${sparkSubmit}; run scripts/setup-python.sh` : null;

/** Width and height of each P5 image in a PGM sequence file. */
function pgmSizes(path: string): { widthPx: number; heightPx: number }[] {
  const bytes = readFileSync(path);
  const sizes: { widthPx: number; heightPx: number }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const header = /^P5\n(\d+) (\d+)\n255\n/.exec(bytes.subarray(at, at + 32).toString('latin1'));
    if (header === null) throw new Error(`expected a P5 header at byte ${at} of ${path}, found ${JSON.stringify(bytes.subarray(at, at + 16).toString('latin1'))}`);
    const widthPx = Number(header[1]);
    const heightPx = Number(header[2]);
    sizes.push({ widthPx, heightPx });
    at += header[0].length + widthPx * heightPx;
  }
  return sizes;
}

describe.skipIf(skipReason !== null)(`spark-submit on local-cluster[2,1,1024]${skipReason === null ? '' : ` (skipped: ${skipReason})`}`, () => {
  let work: string;
  let inputDir: string;
  let launcher: SparkLauncher;
  const request = (runId: string, extra: Partial<SubmitRequest['job']> = {}): SubmitRequest => ({
    runId,
    master: { kind: 'local-cluster', workers: 2, coresPerWorker: 1, memoryPerWorkerMb: 1024 },
    executorCores: 1,
    executorMemoryMb: 512,
    executorInstances: 2,
    serializer: 'kryo',
    // 3 chunks of 20 frames: three batches of 2 partitions x 10 frames, the first a warm-up.
    job: { inputDir, outputDir: join(work, 'out'), partitions: 2, framesPerPartition: 10, fps: 10, warmupBatches: 1, ...extra },
    // C1-only JIT and the serial GC start a JVM about twice as fast on a 2-core machine; a run is too short for C2 to pay off.
    conf: { ...FAST_START_CONF },
    timeoutMs: 180_000,
  });

  beforeAll(() => {
    expect(existsSync(sparkSubmit), `CI=true needs Spark: expected ${sparkSubmit}; run scripts/setup-python.sh`).toBe(true);
    work = mkdtempSync(join(tmpdir(), 'sspe-spark-'));
    inputDir = join(work, 'videos');
    execFileSync(python, [join(repo, 'bridge/jobs/make_test_videos.py'), '--output-dir', inputDir, '--seconds', '2', '--fps', '10'], { stdio: 'pipe' });
    launcher = new SparkLauncher({ runsDir: join(work, 'runs'), eventLogDir: join(work, 'events') });
  });

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('runs the grayscale job on two executor JVMs and reports per-frame timings and an event log', async () => {
    const result: SubmitResult = await launcher.submit(request('it-ok'));
    const context = `failure: ${result.failure}\nstdout tail:\n${result.stdoutTail}\nstderr tail:\n${result.stderrTail}`;

    expect(result.failure, context).toBeNull();
    expect(result.exitCode).toBe(0);
    expect(result.timedOut).toBe(false);
    const metrics = result.metrics!;
    expect(metrics.master).toBe('local-cluster[2,1,1024]');
    expect(metrics.sparkVersion).toMatch(/^4\./);
    expect(metrics.executorsAtStart).toBe(2);
    expect(metrics.framesAvailable).toBe(60);
    expect(metrics.framesProcessed).toBe(60);
    expect(metrics.framesNotBatched).toBe(0);
    expect(metrics.batches.map((b) => [b.id, b.warmup, b.frames, b.partitions.map((p) => [p.index, p.frames, p.firstFrame])])).toEqual([
      [0, true, 20, [[0, 10, 0], [1, 10, 10]]],
      [1, false, 20, [[0, 10, 20], [1, 10, 30]]],
      [2, false, 20, [[0, 10, 40], [1, 10, 50]]],
    ]);
    for (const batch of metrics.batches) {
      expect(batch.submitMs).toBeGreaterThanOrEqual(metrics.executorsReadyMs);
      for (const p of batch.partitions) {
        // One machine, one clock: a task starts after its batch's submission and ends before the job does.
        expect(p.startMs).toBeGreaterThanOrEqual(batch.submitMs);
        expect(p.endMs).toBeLessThanOrEqual(batch.jobEndMs);
        expect(p.perFrameMs).toBeCloseTo(p.endMs - batch.submitMs, 6);
        expect(p.converter).toBe('opencv');
        expect(p.attempt).toBe(0);
      }
    }
    expect(metrics.summary.measuredBatches).toBe(2);
    expect(metrics.summary.measuredFrames).toBe(40);
    expect(metrics.summary.perFrameMs!.mean).toBeGreaterThan(0);
    expect(metrics.summary.perFrameMs!.max).toBeGreaterThanOrEqual(metrics.summary.perFrameMs!.p50);

    // Output: one PGM sequence per partition, frames in stream order (camera 160x90, cctv 80x60, drone 240x136).
    const sizes = metrics.batches.flatMap((b) => b.partitions.flatMap((p) => pgmSizes(p.outputPath)));
    expect(sizes.map((s) => `${s.widthPx}x${s.heightPx}`)).toEqual([
      ...Array<string>(20).fill('160x90'),
      ...Array<string>(20).fill('80x60'),
      ...Array<string>(20).fill('240x136'),
    ]);

    // The event log: one plain JSON-lines file named after the app, complete, with no executor lost.
    expect(result.eventLogPath).toBe(join(work, 'events', metrics.appId));
    const events = readFileSync(result.eventLogPath!, 'utf8').trim().split('\n').map((line) => JSON.parse(line).Event as string);
    expect(events[0]).toBe('SparkListenerLogStart');
    expect(events.at(-1)).toBe('SparkListenerApplicationEnd');
    expect(events.filter((e) => e === 'SparkListenerExecutorAdded')).toHaveLength(2);
    expect(events.filter((e) => e === 'SparkListenerJobEnd')).toHaveLength(3);
    expect(result.eventLog).toEqual({ path: result.eventLogPath, complete: true, executorLosses: [], taskFailures: 0, problem: null });
    // The executors' own logs were moved out of the venv's SPARK_HOME/work into the run directory.
    expect(readdirSync(result.executorLogDir!).sort()).toEqual(['0', '1']);
  }, 240_000);

  it("passes on the job's own one-line error when the store holds too few frames for one batch", async () => {
    const result = await launcher.submit(request('it-too-few', { framesPerPartition: 100 }));

    expect(result.exitCode, result.stdoutTail).toBe(2);
    expect(result.failure).toBe(`spark-submit exited with code 2: expected at least one full batch of 2x100 = 200 frames in ${inputDir}, found 60`);
    expect(result.metrics).toBeNull();
  }, 120_000);

  it('reports an executor JVM killed mid-run as a failure, with the job finished on the other executor', async () => {
    const result = await launcher.submit(request('it-executor-lost', { killExecutorAtBatch: 1 }));
    const context = `stdout tail:\n${result.stdoutTail}\nstderr tail:\n${result.stderrTail}`;

    expect(result.exitCode, context).toBe(0);
    expect(result.failure, context).toMatch(/^executor \d+ was lost during the run: Command exited with code 137$/);
    expect(result.eventLog!.executorLosses).toHaveLength(1);
    expect(result.eventLog!.taskFailures).toBe(1);
    // Spark ran the lost task again: every frame was still processed.
    expect(result.metrics!.framesProcessed).toBe(60);
    expect(result.metrics!.batches[1].partitions[0].attempt).toBe(1);
  }, 240_000);
});
