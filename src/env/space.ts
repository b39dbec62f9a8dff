import type { Rng } from '../../sim/random.js';

/**
 * What every space offers (Gymnasium's `Space`): membership, and sampling from
 * a random stream the caller owns, so that a checker's random walk is as
 * deterministic as the seed it was given.
 */
export interface Space<T> {
  contains(value: T): boolean;
  sample(rng: Rng): T;
  /** How errors name the space: `Discrete(27)`, `MultiDiscrete([3, 5])`. */
  toString(): string;
}

/**
 * A space of discrete choices that an action mask can restrict (Discrete,
 * MultiDiscrete). A mask is a flat 0/1 array: one entry per choice, the
 * choices of several dimensions one after another.
 */
export interface MaskableSpace<T> extends Space<T> {
  /** Entries a mask over this space has. */
  readonly maskLength: number;
  /** Why `mask` cannot restrict this space (wrong length, an entry other than 0 or 1, nothing left to choose), or null. */
  maskProblem(mask: Uint8Array): string | null;
  /** Whether `mask` allows `value` (which must be inside the space). */
  allows(mask: Uint8Array, value: T): boolean;
  /** The values `mask` allows, for an error message: `0, 1, 13`. */
  describeAllowed(mask: Uint8Array): string;
  /** A uniformly random value among those `mask` allows; throws on a mask with a problem. */
  sample(rng: Rng, mask?: Uint8Array): T;
}

export function isMaskable<T>(space: Space<T>): space is MaskableSpace<T> {
  const candidate = space as Partial<MaskableSpace<T>>;
  return typeof candidate.maskLength === 'number' && typeof candidate.maskProblem === 'function' && typeof candidate.allows === 'function' && typeof candidate.describeAllowed === 'function';
}

/** The allowed choices of one run of `n` mask entries starting at `offset`: `0, 2`. */
export function segmentAllowed(mask: Uint8Array, offset: number, n: number): string {
  const allowed: number[] = [];
  for (let x = 0; x < n; x++) if (mask[offset + x] === 1) allowed.push(x);
  return allowed.join(', ');
}

/** The problem of a mask over one run of `n` choices starting at `offset`, or null. */
export function segmentMaskProblem(mask: Uint8Array, offset: number, n: number, name: string): string | null {
  let allowed = 0;
  for (let i = offset; i < offset + n; i++) {
    if (mask[i] !== 0 && mask[i] !== 1) return `expected mask entries 0 or 1, got ${mask[i]} at index ${i}`;
    allowed += mask[i];
  }
  return allowed === 0 ? `the mask allows no choice of ${name}` : null;
}
