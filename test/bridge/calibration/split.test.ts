import { describe, expect, it } from 'vitest';
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import { holdoutCount, settingKey, splitByConfiguration } from '../../../bridge/calibration/split.js';

function run(runId: string, cores: number, instances: number, partitions = 2): RealRun {
  return {
    runId,
    master: 'local-cluster[2,2,2048]',
    cores,
    memoryMb: 512,
    instances,
    partitions,
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

/** A 2 x 2 x 2 grid of cores x instances x partitions, two repeats of each: 8 configurations, 16 runs. */
const RUNS: RealRun[] = [1, 2].flatMap((cores) =>
  [1, 2].flatMap((instances) => [2, 4].flatMap((partitions) => [1, 2].map((r) => run(`c${cores}i${instances}p${partitions}-r${r}`, cores, instances, partitions)))),
);
const split = (runs: readonly RealRun[], holdoutFraction: number, seed: string | number) => splitByConfiguration(runs, { holdoutFraction, seed });

describe('splitByConfiguration', () => {
  it('holds out whole configurations: no held-out run repeats a training configuration', () => {
    for (const seed of [1, 2, 3, 'x']) {
      for (const holdoutFraction of [0.1, 0.3, 0.5]) {
        const { splits, trainConfigs, holdoutConfigs } = split(RUNS, holdoutFraction, seed);
        const trainKeys = new Set(RUNS.filter((_, i) => splits[i] === 'train').map(settingKey));
        const heldKeys = new Set(RUNS.filter((_, i) => splits[i] === 'holdout').map(settingKey));
        expect([...heldKeys].filter((key) => trainKeys.has(key))).toEqual([]);
        expect(holdoutConfigs).toEqual([...heldKeys].sort());
        expect(trainConfigs).toEqual([...trainKeys].sort());
        expect(holdoutConfigs).toHaveLength(holdoutCount(8, holdoutFraction));
        // Both repeats of a held-out configuration are held out.
        expect(splits.filter((s) => s === 'holdout')).toHaveLength(2 * holdoutConfigs.length);
      }
    }
  });

  it('gives the same split for the same seed whatever the input order, and moves with the seed', () => {
    const a = split(RUNS, 0.3, 5);
    const reversed = RUNS.slice().reverse();
    const b = split(reversed, 0.3, 5);
    const byId = (runs: RealRun[], splits: string[]) => Object.fromEntries(runs.map((r, i) => [r.runId, splits[i]]));
    expect(byId(reversed, b.splits)).toEqual(byId(RUNS, a.splits));
    const seen = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => split(RUNS, 0.3, seed).holdoutConfigs.join(' ')));
    expect(seen.size).toBeGreaterThan(1);
  });

  it('keeps every value of every axis in training: a held-out configuration combines what the fit saw', () => {
    // One configuration alone has 2 cores: holding it out would ask for a cores value never seen.
    const runs = [run('a', 1, 1), run('b', 1, 2), run('c', 1, 1, 4), run('d', 1, 2, 4), run('lone', 2, 1)];
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { splits, holdoutConfigs } = split(runs, 0.5, seed);
      expect(splits[4]).toBe('train');
      expect(holdoutConfigs.length).toBeGreaterThan(0);
    }
  });

  it('holds out nothing at a fraction of 0 or from one configuration, and refuses a fraction outside [0, 1)', () => {
    expect(split(RUNS, 0, 1).holdoutConfigs).toEqual([]);
    expect(split([RUNS[0], RUNS[1]], 0.5, 1).splits).toEqual(['train', 'train']);
    expect(() => split(RUNS, 1, 1)).toThrow(/expected a fraction in \[0, 1\), got 1/);
    expect(() => split(RUNS, -0.1, 1)).toThrow(/got -0\.1/);
  });
});
