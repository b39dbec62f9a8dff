import type { Rng } from '../../sim/random.js';
import { segmentAllowed, segmentMaskProblem, type MaskableSpace } from './space.js';

/**
 * Several discrete choices made at once (Gymnasium's `MultiDiscrete`):
 * dimension i takes an integer in [0, nvec[i]). An agent that owns several
 * knobs acts in one. Its mask is the dimensions' masks one after another
 * (length sum(nvec)); each dimension must keep at least one choice.
 */
export class MultiDiscrete implements MaskableSpace<readonly number[]> {
  readonly nvec: readonly number[];
  readonly maskLength: number;

  constructor(nvec: readonly number[]) {
    if (nvec.length === 0) throw new RangeError('expected at least one dimension in nvec, got none');
    for (const [i, n] of nvec.entries()) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected a positive integer nvec[${i}], got ${n}`);
    }
    this.nvec = Object.freeze([...nvec]);
    this.maskLength = nvec.reduce((sum, n) => sum + n, 0);
  }

  contains(value: readonly number[]): boolean {
    if (!Array.isArray(value) || value.length !== this.nvec.length) return false;
    return value.every((x, i) => Number.isInteger(x) && x >= 0 && x < this.nvec[i]);
  }

  maskProblem(mask: Uint8Array): string | null {
    if (mask.length !== this.maskLength) return `expected a mask of length ${this.maskLength} for ${this}, got ${mask.length}`;
    let offset = 0;
    for (const [i, n] of this.nvec.entries()) {
      const problem = segmentMaskProblem(mask, offset, n, `dimension ${i} of ${this}`);
      if (problem !== null) return problem;
      offset += n;
    }
    return null;
  }

  allows(mask: Uint8Array, value: readonly number[]): boolean {
    let offset = 0;
    for (const [i, n] of this.nvec.entries()) {
      if (mask[offset + value[i]] !== 1) return false;
      offset += n;
    }
    return true;
  }

  /** Per dimension: `[0, 1] × [2]`. */
  describeAllowed(mask: Uint8Array): string {
    let offset = 0;
    return this.nvec
      .map((n) => {
        const text = `[${segmentAllowed(mask, offset, n)}]`;
        offset += n;
        return text;
      })
      .join(' × ');
  }

  sample(rng: Rng, mask?: Uint8Array): number[] {
    if (mask === undefined) return this.nvec.map((n) => rng.int(0, n - 1));
    const problem = this.maskProblem(mask);
    if (problem !== null) throw new RangeError(problem);
    let offset = 0;
    return this.nvec.map((n) => {
      const allowed: number[] = [];
      for (let x = 0; x < n; x++) if (mask[offset + x] === 1) allowed.push(x);
      offset += n;
      return rng.pick(allowed);
    });
  }

  toString(): string {
    return `MultiDiscrete([${this.nvec.join(', ')}])`;
  }
}
