/**
 * Real Spark: spark-submit from the project venv runs the grayscale job on
 * `local-cluster[2,1,1024]` (a master and two workers in the driver JVM, two
 * executor JVMs), on a few seconds of small generated video. Under CI=true it
 * always runs (and fails when Spark is missing); elsewhere it is skipped, with
 * the reason in its name, when scripts/setup-python.sh has not been run.
 * The first run writes the job's default output (video), the last PGM; one
 * keeps two batch jobs in Spark at once (--concurrent-jobs 2).
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
/** The venv's pyspark package: SPARK_HOME of a plain spark-submit, where local-cluster work folders must not land. */
const venvSparkHome = join(repo, '.venv', 'lib', 'python3.11', 'site-packages', 'pyspark');
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

/** Frames and size of each video file, as OpenCV decodes it. */
function videoFrames(paths: string[]): { frames: number; widthPx: number; heightPx: number }[] {
  const script = `
import json, sys, cv2
out = []
for path in sys.argv[1:]:
    capture = cv2.VideoCapture(path)
    frames, size = 0, (0, 0)
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames, size = frames + 1, (frame.shape[1], frame.shape[0])
    out.append({"frames": frames, "widthPx": size[0], "heightPx": size[1]})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(python, ['-c', script, ...paths], { encoding: 'utf8' }));
}

/** Pairs of jobs (by position) whose submission-to-end intervals overlap. */
function overlappingJobPairs(jobs: readonly { submitMs: number; jobEndMs: number }[]): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < jobs.length; i++) {
    for (let j = i + 1; j < jobs.length; j++) {
      if (jobs[j].submitMs < jobs[i].jobEndMs && jobs[i].submitMs < jobs[j].jobEndMs) pairs.push([i, j]);
    }
  }
  return pairs;
}

interface SegmentLike {
  file: string;
  frames: number;
  widthPx: number;
  heightPx: number;
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
    // One batch job at a time (the default, --concurrent-jobs 1): each submitted after the one before ended.
    expect((metrics as { settings?: { concurrentJobs?: number } }).settings?.concurrentJobs).toBe(1);
    expect(overlappingJobPairs(metrics.batches)).toEqual([]);
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

    // Frames dealt round-robin from one stream per resolution (camera 160x90, cctv 80x60, drone 240x136):
    // partition 0 of batch 0 takes run frames 0..9 = camera 0,3,6,9 / cctv 1,4,7 / drone 2,5,8.
    const sizeOf = (s: SegmentLike) => `${s.widthPx}x${s.heightPx}`;
    const segments = (p: (typeof metrics.batches)[number]['partitions'][number]) => (p as unknown as { segments: SegmentLike[] }).segments;
    expect(metrics.batches[0].partitions.map((p) => segments(p).map((s) => [s.file, sizeOf(s), s.frames]))).toEqual([
      [['camera-160x90-000.mp4', '160x90', 4], ['cctv-80x60-000.mp4', '80x60', 3], ['drone-240x136-000.mp4', '240x136', 3]],
      [['camera-160x90-000.mp4', '160x90', 3], ['cctv-80x60-000.mp4', '80x60', 4], ['drone-240x136-000.mp4', '240x136', 3]],
    ]);
    // The mean frame size the job reports is that of the frames its measured tasks read.
    const measured = metrics.batches.filter((b) => !b.warmup).flatMap((b) => b.partitions.flatMap(segments));
    const meanMp = measured.reduce((sum, s) => sum + s.widthPx * s.heightPx * s.frames, 0) / 1e6 / measured.reduce((sum, s) => sum + s.frames, 0);
    expect(metrics.summary.megapixelsPerFrame).toBeCloseTo(meanMp, 12);

    // Output: per partition, one mp4v video per frame size, holding that size's frames.
    for (const batch of metrics.batches) {
      for (const p of batch.partitions) {
        const { outputPaths } = p as unknown as { outputPaths: string[] };
        const expected = segments(p).map((s) => ({ frames: s.frames, widthPx: s.widthPx, heightPx: s.heightPx }));
        expect(outputPaths.map((path) => path.slice(path.lastIndexOf('/') + 1))).toEqual(segments(p).map((s) => `part-${String(p.index).padStart(5, '0')}-${sizeOf(s)}.mp4`));
        expect(videoFrames(outputPaths)).toEqual(expected);
        expect(p.outputPath).toBe(outputPaths[0]);
      }
    }

    // The event log: one plain JSON-lines file named after the app, complete, with no executor lost.
    expect(result.eventLogPath).toBe(join(work, 'events', metrics.appId));
    const events = readFileSync(result.eventLogPath!, 'utf8').trim().split('\n').map((line) => JSON.parse(line).Event as string);
    expect(events[0]).toBe('SparkListenerLogStart');
    expect(events.at(-1)).toBe('SparkListenerApplicationEnd');
    expect(events.filter((e) => e === 'SparkListenerExecutorAdded')).toHaveLength(2);
    expect(events.filter((e) => e === 'SparkListenerJobEnd')).toHaveLength(3);
    expect(result.eventLog).toEqual({ path: result.eventLogPath, complete: true, executorLosses: [], taskFailures: 0, problem: null });
    // The executors' own logs were written under the run's own SPARK_HOME, never in the venv's, and moved into the run directory.
    expect(readdirSync(result.executorLogDir!).sort()).toEqual(['0', '1']);
    expect(result.executorLogDir).toBe(join(work, 'runs', 'it-ok', 'executor-logs'));
    expect(existsSync(join(venvSparkHome, 'work', metrics.appId))).toBe(false);
    expect(existsSync(join(work, 'runs', 'it-ok', 'spark-home'))).toBe(false);
  }, 240_000);

  it('keeps two batch jobs in Spark at once with concurrentJobs 2 (stored video), every frame measured once', async () => {
    // Six batches of one partition: two jobs in flight fill the two executors' single slots.
    const result = await launcher.submit(request('it-concurrent', { partitions: 1, framesPerPartition: 10, concurrentJobs: 2 }));
    const context = `failure: ${result.failure}\nstdout tail:\n${result.stdoutTail}\nstderr tail:\n${result.stderrTail}`;

    expect(result.failure, context).toBeNull();
    expect(result.args).toContain('--concurrent-jobs');
    const metrics = result.metrics!;
    expect((metrics as { settings?: { concurrentJobs?: number } }).settings?.concurrentJobs).toBe(2);
    expect(metrics.batches.map((b) => [b.id, b.warmup, b.frames, b.partitions.map((p) => p.firstFrame)])).toEqual(
      [0, 1, 2, 3, 4, 5].map((id) => [id, id === 0, 10, [10 * id]]),
    );
    expect(metrics.framesProcessed).toBe(60);
    expect(metrics.summary.measuredFrames).toBe(50);
    for (const batch of metrics.batches) {
      for (const p of batch.partitions) {
        expect(p.startMs).toBeGreaterThanOrEqual(batch.submitMs);
        expect(p.endMs).toBeLessThanOrEqual(batch.jobEndMs);
        expect(p.perFrameMs).toBeCloseTo(p.endMs - batch.submitMs, 6);
      }
    }
    // Jobs overlap, never more than two at once (at each submission, the jobs in Spark): batch 1 went to
    // Spark while batch 0 (seconds: the Python workers start) was still running.
    expect(overlappingJobPairs(metrics.batches)).toContainEqual([0, 1]);
    for (const batch of metrics.batches) {
      expect(metrics.batches.filter((b) => b.submitMs <= batch.submitMs && batch.submitMs < b.jobEndMs).length).toBeLessThanOrEqual(2);
    }

    // The event log agrees: Spark numbered the jobs in batch order (each under its batch's job group) and saw them overlap.
    const events = readFileSync(result.eventLogPath!, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const starts = events.filter((e) => e.Event === 'SparkListenerJobStart') as { 'Job ID': number; 'Submission Time': number; Properties: Record<string, string> }[];
    const ends = new Map((events.filter((e) => e.Event === 'SparkListenerJobEnd') as { 'Job ID': number; 'Completion Time': number }[]).map((e) => [e['Job ID'], e['Completion Time']]));
    const jobs = starts.sort((a, b) => a['Job ID'] - b['Job ID']).map((s) => ({ group: s.Properties['spark.jobGroup.id'], submitMs: s['Submission Time'], jobEndMs: ends.get(s['Job ID'])! }));
    expect(jobs.map((j) => j.group)).toEqual([0, 1, 2, 3, 4, 5].map((id) => `it-concurrent-batch-0000${id}`));
    expect(overlappingJobPairs(jobs)).toContainEqual([0, 1]);
    expect(result.eventLog).toEqual({ path: result.eventLogPath, complete: true, executorLosses: [], taskFailures: 0, problem: null });
  }, 240_000);

  it("passes on the job's own one-line error when the store holds too few frames for one batch", async () => {
    const result = await launcher.submit(request('it-too-few', { framesPerPartition: 100 }));

    expect(result.exitCode, result.stdoutTail).toBe(2);
    expect(result.failure).toBe(`spark-submit exited with code 2: expected at least one full batch of 2x100 = 200 frames in ${inputDir}, found 60`);
    expect(result.metrics).toBeNull();
  }, 120_000);

  it('reports an executor JVM killed mid-run as a failure, with the job finished on the other executor (PGM output)', async () => {
    const result = await launcher.submit(request('it-executor-lost', { killExecutorAtBatch: 1, outputFormat: 'pgm' }));
    const context = `stdout tail:\n${result.stdoutTail}\nstderr tail:\n${result.stderrTail}`;

    expect(result.exitCode, context).toBe(0);
    expect(result.failure, context).toMatch(/^executor \d+ was lost during the run: Command exited with code 137$/);
    expect(result.eventLog!.executorLosses).toHaveLength(1);
    expect(result.eventLog!.taskFailures).toBe(1);
    // Spark ran the lost task again: every frame was still processed.
    expect(result.metrics!.framesProcessed).toBe(60);
    expect(result.metrics!.batches[1].partitions[0].attempt).toBe(1);
    // PGM: one sequence of P5 images per partition, its frames grouped by size in stream order.
    const sizes = result.metrics!.batches.flatMap((b) => b.partitions.map((p) => pgmSizes(p.outputPath).map((s) => `${s.widthPx}x${s.heightPx}`)));
    expect(sizes[0]).toEqual([...Array<string>(4).fill('160x90'), ...Array<string>(3).fill('80x60'), ...Array<string>(3).fill('240x136')]);
    expect(sizes.flat()).toHaveLength(60);
    expect(sizes.flat().filter((s) => s === '80x60')).toHaveLength(20);
  }, 240_000);
});
