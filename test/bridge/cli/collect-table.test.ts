/** What `sspe collect` prints without --json: one row per run, and a long failure whole under the table, never cut. */
import { describe, expect, it } from 'vitest';
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import { collectTableText } from '../../../bridge/cli/commands/collect.js';

const OOM =
  "executor 1 was OOMKilled by Kubernetes: its pod's memory limit (528 MiB = spark.executor.memory 512 MiB + overhead 16 MiB) was exceeded " +
  '(4 executors OOMKilled in all); spark-submit then exited with code 11';

function run(runId: string, failure: string | null): RealRun {
  return {
    runId,
    master: 'k8s://https://127.0.0.1:6443',
    cores: 1,
    memoryMb: 512,
    instances: 2,
    partitions: 2,
    framesPerPartition: 10,
    fps: 10,
    batches: 6,
    megapixelsPerFrame: 0.0144,
    perFrameMs: failure === null ? { mean: 120, p50: 118, p95: 150, p99: 160 } : null,
    executorsRunning: failure === null ? 2 : 0,
    wallMs: 12_000,
    eventLogPath: null,
    failure,
  };
}

describe('sspe collect table', () => {
  it('keeps a short failure in its cell and puts a long one, whole, under the table', () => {
    const text = collectTableText({
      out: 'runs/x',
      runsCsv: 'runs/x/runs.csv',
      master: 'k8s://https://127.0.0.1:6443',
      runs: [
        { run: run('ok-r1', null), repeat: 1, ran: true },
        { run: run('oom-r1', OOM), repeat: 1, ran: true },
        { run: run('short-r1', 'spark-submit exited with code 1'), repeat: 1, ran: false },
      ],
      skipped: 1,
      interrupted: false,
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('k8s://https://127.0.0.1:6443: 3 runs (1 already in runs/x/runs.csv)');
    expect(OOM.length).toBeGreaterThan(100);
    expect(text).toContain('failed, see [1] below');
    expect(text).toContain('spark-submit exited with code 1');
    expect(lines.at(-1)).toBe(`[1] oom-r1: ${OOM}`);
    expect(text).not.toContain('…');
    expect(text).not.toContain('interrupted');
  });

  it('says how to finish an interrupted collection', () => {
    const text = collectTableText({ out: 'o', runsCsv: 'o/runs.csv', master: 'local-cluster[2,2,2048]', runs: [], skipped: 0, interrupted: true });
    expect(text.split('\n').at(-1)).toBe('interrupted: run the same command again to finish the collection');
  });
});
