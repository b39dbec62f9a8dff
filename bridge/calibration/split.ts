/**
 * The train / holdout split of a calibration's real runs, by configuration:
 * a configuration (executor shape and workload shape, settingKey) is held
 * out whole, with all its repeats, so the holdout measures how the model
 * predicts configurations it never saw, not repeats of ones it was fitted to.
 *
 * - Deterministic from the seed and the runs, not from their order.
 * - A configuration is held out only when every value it has on every axis
 *   (cores, memory, instances, partitions, frames per partition, load, frame
 *   size) stays in some training configuration: the holdout asks the model
 *   to combine what it saw, not to extrapolate along an axis it never saw
 *   moving. When that rule blocks the quota, fewer configurations are held
 *   out (the report says how many).
 */
import { Rng } from '../../sim/random.js';
import type { RealRun } from './real-run.js';

export type Split = 'train' | 'holdout';

type SettingFields = Pick<RealRun, 'cores' | 'memoryMb' | 'instances' | 'partitions' | 'framesPerPartition' | 'concurrentJobs' | 'fps' | 'megapixelsPerFrame'>;

/** The axes a configuration is made of, in settingKey's order. */
const AXES = ['cores', 'memoryMb', 'instances', 'partitions', 'framesPerPartition', 'fps', 'megapixelsPerFrame'] as const;

/**
 * What makes two runs repeats of one another: the executor configuration and
 * the workload (partitions, frames per partition, load, frame size), and the
 * concurrent jobs when not 1. Appended only then, so a one-job run keeps the
 * key (and the simulation seed calibrate derives from it) it always had.
 * Not an axis of the holdout rule: the runs `sspe collect` writes all run one job.
 */
export function settingKey(run: SettingFields): string {
  const key = AXES.map((axis) => run[axis]).join('/');
  return run.concurrentJobs === undefined || run.concurrentJobs === 1 ? key : `${key}/cj${run.concurrentJobs}`;
}

/** How many of `n` configurations go to the holdout: round(fraction × n), at most n − 1; none when the fraction is 0 or n < 2. */
export function holdoutCount(n: number, holdoutFraction: number): number {
  if (n < 2 || holdoutFraction === 0) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(holdoutFraction * n)));
}

export interface ConfigurationSplit {
  /** Each run's split, in the order given. */
  splits: Split[];
  /** Distinct configurations (settingKey) in training and in the holdout, sorted. */
  trainConfigs: string[];
  holdoutConfigs: string[];
}

/** Assigns whole configurations to the holdout; `holdoutFraction` is the share of distinct configurations, in [0, 1). */
export function splitByConfiguration(runs: readonly SettingFields[], options: { holdoutFraction: number; seed: string | number }): ConfigurationSplit {
  const { holdoutFraction, seed } = options;
  if (!(holdoutFraction >= 0 && holdoutFraction < 1)) {
    throw new RangeError(`holdoutFraction: expected a fraction in [0, 1), got ${holdoutFraction}`);
  }
  const keys = runs.map(settingKey);
  const byKey = new Map<string, SettingFields>();
  for (const [i, key] of keys.entries()) if (!byKey.has(key)) byKey.set(key, runs[i]);
  const sorted = [...byKey.keys()].sort();
  // Sorted keys, then a seeded shuffle: the split depends on the runs and the seed, not on the input order.
  const order = shuffle(sorted.slice(), new Rng(seed, 'calibration-split'));
  const quota = holdoutCount(sorted.length, holdoutFraction);

  const training = new Set(sorted);
  const held = new Set<string>();
  for (const key of order) {
    if (held.size === quota) break;
    const setting = byKey.get(key)!;
    const others = [...training].filter((k) => k !== key).map((k) => byKey.get(k)!);
    const covered = AXES.every((axis) => others.some((other) => other[axis] === setting[axis]));
    if (!covered) continue;
    training.delete(key);
    held.add(key);
  }
  return {
    splits: keys.map((key) => (held.has(key) ? 'holdout' : 'train')),
    trainConfigs: [...training].sort(),
    holdoutConfigs: [...held].sort(),
  };
}

/** Fisher–Yates with the given stream. */
function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
