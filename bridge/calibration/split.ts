/**
 * The train / holdout split of a calibration's real runs: deterministic from
 * the seed, and stratified by setting so that every setting with two or more
 * runs keeps at least one in training. Settings seen only once are held out
 * only when the runs of repeated settings cannot fill the holdout; those then
 * test the model on a setting it never saw.
 */
import { Rng } from '../../sim/random.js';
import type { RealRun } from './real-run.js';

export type Split = 'train' | 'holdout';

/**
 * What makes two runs repeats of one another: the executor configuration and
 * the workload (partitions, frames per partition, load, frame size).
 */
export function settingKey(run: RealRun): string {
  return [run.cores, run.memoryMb, run.instances, run.partitions, run.framesPerPartition, run.fps, run.megapixelsPerFrame].join('/');
}

/** How many runs of `n` go to the holdout: round(fraction × n), at least 1 and at most n − 1 (none when n < 2). */
export function holdoutCount(n: number, holdoutFraction: number): number {
  if (n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(holdoutFraction * n)));
}

/**
 * Assigns each run a split, in the order given. Within a setting the runs
 * are shuffled by the seed; the holdout quota is shared among settings in
 * proportion to their run counts (largest remainder, ties broken by the seed).
 */
export function splitRuns(runs: readonly RealRun[], options: { holdoutFraction: number; seed: string | number }): Split[] {
  const { holdoutFraction, seed } = options;
  if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
    throw new RangeError(`holdoutFraction: expected a fraction in (0, 1), got ${holdoutFraction}`);
  }
  const rng = new Rng(seed, 'calibration-split');
  const groups = new Map<string, number[]>();
  for (const [i, run] of runs.entries()) {
    const key = settingKey(run);
    const members = groups.get(key);
    if (members === undefined) groups.set(key, [i]);
    else members.push(i);
  }
  // Sorted keys, then seeded shuffles: the split depends on the runs and the seed, not on the input order.
  const ordered = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, members]) => ({ key, members: shuffle(members.slice().sort((p, q) => runs[p].runId.localeCompare(runs[q].runId) || p - q), rng), tie: rng.uniform() }));

  let quota = holdoutCount(runs.length, holdoutFraction);
  const take = new Map<string, number>(ordered.map((g) => [g.key, 0]));
  // Repeated settings first, each keeping one run in training.
  const repeated = ordered.filter((g) => g.members.length >= 2);
  const capacity = repeated.reduce((sum, g) => sum + g.members.length - 1, 0);
  const fromRepeated = Math.min(quota, capacity);
  if (fromRepeated > 0) {
    const shares = repeated.map((g) => {
      const exact = (fromRepeated * (g.members.length - 1)) / capacity;
      return { g, whole: Math.floor(exact), remainder: exact - Math.floor(exact) };
    });
    let left = fromRepeated - shares.reduce((sum, s) => sum + s.whole, 0);
    for (const s of shares) take.set(s.g.key, s.whole);
    const byRemainder = shares.slice().sort((p, q) => q.remainder - p.remainder || p.g.tie - q.g.tie);
    for (const s of byRemainder) {
      if (left === 0) break;
      if (take.get(s.g.key)! < s.g.members.length - 1) {
        take.set(s.g.key, take.get(s.g.key)! + 1);
        left--;
      }
    }
  }
  quota -= fromRepeated;
  // Then whole settings seen once, in seeded order.
  const singles = ordered.filter((g) => g.members.length === 1).sort((p, q) => p.tie - q.tie);
  for (const g of singles) {
    if (quota === 0) break;
    take.set(g.key, 1);
    quota--;
  }

  const splits = new Array<Split>(runs.length).fill('train');
  for (const g of ordered) {
    for (const i of g.members.slice(0, take.get(g.key)!)) splits[i] = 'holdout';
  }
  return splits;
}

/** Fisher–Yates with the given stream. */
function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
