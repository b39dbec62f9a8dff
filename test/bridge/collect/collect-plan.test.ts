/**
 * `sspe collect` over several workloads and frame sizes, with a recording
 * submitter: runs interleave across every configuration, each run carries
 * the CPU probe taken before it into runs.csv, each frame size has its own
 * store, and the event logs are told the store's frame size.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRunsCsv } from '../../../bridge/calibration/runs-csv.js';
import type { SparkSubmitter, SubmitRequest, SubmitResult } from '../../../bridge/spark/launcher.js';
import { runCollect, type CollectOptions } from '../../../bridge/collect/collect.js';
import { parseFrameScales, parseWorkloads } from '../../../bridge/collect/plan.js';
import { UserInputError } from '../../../src/errors.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sspe-collect-plan-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Records requests; every run fails at once (what collect does with a run does not depend on its figures). */
class RecordingSubmitter implements SparkSubmitter {
  readonly requests: SubmitRequest[] = [];
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    this.requests.push(request);
    return {
      runId: request.runId, command: 'spark-submit', args: [], exitCode: 1, signal: null, timedOut: false, wallMs: 1000, runDir: '', stdoutPath: '', stderrPath: '',
      stderrTail: '', stdoutTail: '', metricsPath: '', metrics: null, eventLogPath: null, eventLog: null, executorLogDir: null, failure: 'spark-submit exited with code 1',
    };
  }
}

function args(out: string, extra: Partial<CollectOptions>): CollectOptions {
  return {
    json: false, master: 'local-cluster[2,1,1024]', configs: '1/512/1,1/512/2', repeat: 2, out, fps: 10, batches: 2, warmupBatches: 1, partitions: 2,
    framesPerPartition: 10, serializer: 'kryo', timeout: '3m', namespace: 'default', serviceAccount: 'default', fastStart: true, keepOutput: false,
    runLog: join(out, 'sspe.sqlite'), ...extra,
  };
}

/** A store collect will reuse: a manifest with enough frames of one size. */
function store(dir: string, widthPx: number, heightPx: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ chunks: [{ file: `camera-${widthPx}x${heightPx}-000.mp4`, frames: 1000, widthPx, heightPx }] }));
}

describe('sspe collect over workloads and frame sizes', () => {
  it('interleaves every executor shape x workload x frame size, repeat by repeat, and records the CPU probe before each run', async () => {
    const out = tempDir();
    store(join(out, 'videos-s0.125'), 160, 90);
    store(join(out, 'videos-s0.5'), 640, 360);
    const submitter = new RecordingSubmitter();
    let probes = 0;
    const summary = await runCollect(args(out, { workloads: '2x10,4x10', frameScales: '0.125,0.5' }), {
      submitter,
      cpuProbe: () => ({ wallMs: 150 + ++probes, cpuMs: 149 }),
    });

    const ids = submitter.requests.map((r) => r.runId);
    // 2 shapes x 2 workloads x 2 frame sizes = 8 configurations, each once before any is repeated.
    expect(ids).toHaveLength(16);
    expect(ids.slice(0, 8).every((id) => id.endsWith('-r1'))).toBe(true);
    expect(ids.slice(8).every((id) => id.endsWith('-r2'))).toBe(true);
    expect(ids.slice(0, 4)).toEqual([
      'c1-m512-i1-p2x10-10fps-b2-s0.125-r1',
      'c1-m512-i2-p2x10-10fps-b2-s0.125-r1',
      'c1-m512-i1-p4x10-10fps-b2-s0.125-r1',
      'c1-m512-i2-p4x10-10fps-b2-s0.125-r1',
    ]);
    // Each frame size reads its own store, and its event log says how large its frames are.
    const large = submitter.requests.find((r) => r.runId === 'c1-m512-i2-p4x10-10fps-b2-s0.5-r1')!;
    expect([large.job.inputDir, large.job.partitions, large.job.framesPerPartition]).toEqual([join(out, 'videos-s0.5'), 4, 10]);
    expect(large.conf?.['spark.sspe.megapixelsPerFrame']).toBe(String((640 * 360) / 1e6));
    expect(submitter.requests[0].conf?.['spark.sspe.megapixelsPerFrame']).toBe(String((160 * 90) / 1e6));

    const csv = await readRunsCsv(join(out, 'runs.csv'));
    expect(csv.map((r) => r.cpuProbe)).toEqual(ids.map((_, i) => ({ wallMs: 151 + i, cpuMs: 149 })));
    expect(readFileSync(join(out, 'runs.csv'), 'utf8').split('\n')[0]).toMatch(/,probeWallMs,probeCpuMs$/);
    expect(summary.runs).toHaveLength(16);
  });

  it('refuses bad --workloads and --frame-scales, and --frame-scales with --input-dir, in one line each', async () => {
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(UserInputError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(parseWorkloads(' 2x10, 4 x 20')).toEqual([{ partitions: 2, framesPerPartition: 10 }, { partitions: 4, framesPerPartition: 20 }]);
    expect(message(() => parseWorkloads('2x10,2by10'))).toBe("--workloads: expected partitions x frames per partition such as 2x10,4x10, got '2by10'");
    expect(message(() => parseWorkloads('2x10,2x10'))).toBe('--workloads: expected distinct workloads, got 2x10 twice');
    expect(parseFrameScales('0.125,0.5')).toEqual([0.125, 0.5]);
    expect(message(() => parseFrameScales('0.5,2'))).toBe("--frame-scales: expected scales in (0, 1] such as 0.125,0.5, got '2'");
    const out = tempDir();
    const error = await runCollect(args(out, { frameScales: '0.5', inputDir: '/store' }), { submitter: new RecordingSubmitter() }).catch((e: Error) => e);
    expect((error as Error).message).toBe('--frame-scales: expected test videos made by collect (one store per scale), got --input-dir too; give one of them');
  });
});
