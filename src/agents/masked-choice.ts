/**
 * Choosing among allowed actions: the one greedy and the one ε-greedy rule
 * every agent, the deploy loop and fine-tuning use. Rows let a batch of
 * environments share one call: `q` and `masks` hold `rows × actionCount`
 * values, row-major; a single decision is row 0 of a one-row batch.
 */
import type { Rng } from '../../sim/random.js';

/** The allowed action of highest value in row `row` (ties: the lowest index). */
export function maskedArgmax(q: ArrayLike<number>, masks: Uint8Array, row = 0, actionCount = masks.length): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let a = 0; a < actionCount; a++) {
    const value = q[row * actionCount + a];
    if (masks[row * actionCount + a] === 1 && (best < 0 || value > bestValue)) {
      best = a;
      bestValue = value;
    }
  }
  if (best < 0) throw new RangeError(noAllowedAction(masks, row, actionCount));
  return best;
}

/** A uniformly random allowed action of row `row`. */
export function randomAllowed(masks: Uint8Array, rng: Rng, row = 0, actionCount = masks.length): number {
  let allowed = 0;
  for (let a = 0; a < actionCount; a++) allowed += masks[row * actionCount + a];
  if (allowed === 0) throw new RangeError(noAllowedAction(masks, row, actionCount));
  let k = rng.int(0, allowed - 1);
  for (let a = 0; a < actionCount; a++) {
    if (masks[row * actionCount + a] === 1 && k-- === 0) return a;
  }
  throw new Error('unreachable: the allowed count and the mask disagree');
}

/**
 * ε-greedy over allowed actions: with probability ε a random allowed action,
 * otherwise the greedy one. `qValues` is called only when some row is greedy
 * (one forward pass for the whole batch, none when every row explores).
 */
export function epsilonGreedy(options: {
  masks: Uint8Array;
  rows: number;
  actionCount: number;
  epsilon: number;
  rng: Rng;
  qValues: () => ArrayLike<number>;
}): Int32Array {
  const { masks, rows, actionCount, epsilon, rng } = options;
  const actions = new Int32Array(rows);
  const greedy: number[] = [];
  for (let i = 0; i < rows; i++) {
    if (rng.uniform() < epsilon) actions[i] = randomAllowed(masks, rng, i, actionCount);
    else greedy.push(i);
  }
  if (greedy.length > 0) {
    const q = options.qValues();
    for (const i of greedy) actions[i] = maskedArgmax(q, masks, i, actionCount);
  }
  return actions;
}

function noAllowedAction(masks: Uint8Array, row: number, actionCount: number): string {
  const where = masks.length > actionCount ? ` in row ${row}` : '';
  return `every action is masked${where}: the current configuration cannot run on this cluster`;
}
