import { describe, expect, it } from 'vitest';
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import { holdoutCount, settingKey, splitRuns } from '../../../bridge/calibration/split.js';

function run(runId: string, cores: number, instances: number): RealRun {
  return {
    runId,
    master: 'local-cluster[2,2,2048]',
    cores,
    memoryMb: 512,
    instances,
    partitions: 2,
    framesPerPartition: 10,
    fps: 10,
    batches: 3,
    megapixelsPerFrame: 0.0173,
    perFrameMs: { mean: 300, p50: 300, p95: 320, p99: 330 },
    executorsRunning: instances,
    wallMs: 30_000,
    eventLogPath: null,
    failure: null,
  };
}

/** Four settings with 1, 2, 3 and 4 runs. */
const RUNS: RealRun[] = [
  run('a0', 1, 1),
  run('b0', 1, 2),
  run('b1', 1, 2),
  run('c0', 2, 1),
  run('c1', 2, 1),
  run('c2', 2, 1),
  run('d0', 2, 2),
  run('d1', 2, 2),
  run('d2', 2, 2),
  run('d3', 2, 2),
];

describe('splitRuns', () => {
  it('gives the same split for the same seed, whatever the input order', () => {
    const a = splitRuns(RUNS, { holdoutFraction: 0.3, seed: 5 });
    expect(splitRuns(RUNS, { holdoutFraction: 0.3, seed: 5 })).toEqual(a);
    const reversed = RUNS.slice().reverse();
    const b = splitRuns(reversed, { holdoutFraction: 0.3, seed: 5 });
    const byId = (runs: RealRun[], splits: string[]) => Object.fromEntries(runs.map((r, i) => [r.runId, splits[i]]));
    expect(byId(reversed, b)).toEqual(byId(RUNS, a));
  });

  it('moves with the seed', () => {
    const splits = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => splitRuns(RUNS, { holdoutFraction: 0.3, seed }).join(',')));
    expect(splits.size).toBeGreaterThan(1);
  });

  it('holds out round(fraction × n) runs and keeps a training run of every repeated setting', () => {
    for (const seed of [1, 2, 3, 'x']) {
      for (const holdoutFraction of [0.1, 0.3, 0.5, 0.6]) {
        const splits = splitRuns(RUNS, { holdoutFraction, seed });
        expect(splits.filter((s) => s === 'holdout')).toHaveLength(holdoutCount(RUNS.length, holdoutFraction));
        if (holdoutFraction <= 0.6) {
          // 6 = (2-1) + (3-1) + (4-1): the repeated settings can give up to 6 runs; the single one stays in training.
          const trainKeys = new Set(RUNS.filter((_, i) => splits[i] === 'train').map(settingKey));
          expect(trainKeys.size).toBe(4);
        }
      }
    }
  });

  it('holds out a setting seen once only when the repeated ones cannot fill the holdout', () => {
    const splits = splitRuns(RUNS, { holdoutFraction: 0.7, seed: 1 });
    expect(splits.filter((s) => s === 'holdout')).toHaveLength(7);
    expect(splits[0]).toBe('holdout');
    // Every repeated setting still has a training run.
    for (const prefix of ['b', 'c', 'd']) {
      expect(RUNS.some((r, i) => r.runId.startsWith(prefix) && splits[i] === 'train')).toBe(true);
    }
  });

  it('splits runs of one setting each', () => {
    const distinct = [1, 2, 3, 4, 5].map((i) => ({ ...run(`s${i}`, 1, 1), fps: i }));
    const splits = splitRuns(distinct, { holdoutFraction: 0.4, seed: 9 });
    expect(splits.filter((s) => s === 'holdout')).toHaveLength(2);
  });

  it('holds out nothing from a single run, and refuses a fraction outside (0, 1)', () => {
    expect(splitRuns([RUNS[0]], { holdoutFraction: 0.5, seed: 1 })).toEqual(['train']);
    expect(() => splitRuns(RUNS, { holdoutFraction: 1, seed: 1 })).toThrow(/expected a fraction in \(0, 1\), got 1/);
    expect(() => splitRuns(RUNS, { holdoutFraction: 0, seed: 1 })).toThrow(/got 0/);
  });
});
