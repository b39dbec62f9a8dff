/** runs.csv and the CPU probe columns: written with every run, optional when reading a file from before them. */
import { describe, expect, it } from 'vitest';
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import { formatRunsCsv, parseRunsCsv } from '../../../bridge/calibration/runs-csv.js';
import { UserInputError } from '../../../src/errors.js';

const RUN: RealRun = {
  runId: 'c1-m512-i2-r1', master: 'local-cluster[2,1,1024]', cores: 1, memoryMb: 512, instances: 2, partitions: 2, framesPerPartition: 10, fps: 10, batches: 2,
  megapixelsPerFrame: 0.0144, perFrameMs: { mean: 180.5, p50: 170, p95: 240, p99: 240 }, executorsRunning: 2, wallMs: 15_000, eventLogPath: null, failure: null,
};

describe('runs CSV CPU probe columns', () => {
  it('round-trips the probe, and reads a file written before the probe columns existed', () => {
    const text = formatRunsCsv([{ ...RUN, cpuProbe: { wallMs: 151.25, cpuMs: 150.5 } }], '/');
    expect(text.split('\n')[0]).toMatch(/,failure,probeWallMs,probeCpuMs$/);
    expect(parseRunsCsv(text, 'runs.csv')).toEqual([{ ...RUN, cpuProbe: { wallMs: 151.25, cpuMs: 150.5 } }]);
    // The older layout: the same header without the two last columns.
    const [header, row] = formatRunsCsv([RUN], '/').trim().split('\n');
    const old = `${header.replace(',probeWallMs,probeCpuMs', '')}\n${row.replace(/,,$/, '')}\n`;
    const runs = parseRunsCsv(old, 'old.csv');
    expect(runs).toEqual([RUN]);
    expect(runs[0].cpuProbe).toBeUndefined();
  });

  it('refuses a probe with only one of its two cells, naming the line and column', () => {
    const [header, row] = formatRunsCsv([{ ...RUN, cpuProbe: { wallMs: 151, cpuMs: 150 } }], '/').trim().split('\n');
    const broken = `${header}\n${row.replace(/,150$/, ',')}\n`;
    expect(() => parseRunsCsv(broken, 'runs.csv')).toThrow(UserInputError);
    expect(() => parseRunsCsv(broken, 'runs.csv')).toThrow("runs.csv:2: column probeCpuMs: expected a number >= 0 (probeWallMs and probeCpuMs are both empty or both set), got ''");
  });
});
