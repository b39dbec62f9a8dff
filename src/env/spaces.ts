/** Gymnasium-style spaces: what observations and actions look like. */
import type { Rng } from '../../sim/random.js';
import { segmentAllowed, segmentMaskProblem, type MaskableSpace, type Space } from './space.js';

export class Discrete implements MaskableSpace<number> {
  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected a positive integer n, got ${n}`);
  }

  get maskLength(): number {
    return this.n;
  }

  contains(action: number): boolean {
    return Number.isInteger(action) && action >= 0 && action < this.n;
  }

  maskProblem(mask: Uint8Array): string | null {
    if (mask.length !== this.n) return `expected a mask of length ${this.n} for ${this}, got ${mask.length}`;
    return segmentMaskProblem(mask, 0, this.n, String(this));
  }

  allows(mask: Uint8Array, action: number): boolean {
    return mask[action] === 1;
  }

  describeAllowed(mask: Uint8Array): string {
    return segmentAllowed(mask, 0, this.n);
  }

  sample(rng: Rng, mask?: Uint8Array): number {
    if (mask === undefined) return rng.int(0, this.n - 1);
    const problem = this.maskProblem(mask);
    if (problem !== null) throw new RangeError(problem);
    return rng.pick([...mask.keys()].filter((a) => mask[a] === 1));
  }

  toString(): string {
    return `Discrete(${this.n})`;
  }
}

export class Box implements Space<Float32Array> {
  readonly shape: [number];

  constructor(
    readonly low: number,
    readonly high: number,
    size: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`expected a positive integer size, got ${size}`);
    if (!(low < high)) throw new RangeError(`expected low < high, got ${low} and ${high}`);
    this.shape = [size];
  }

  /** Any list of numbers may be tested, not only the Float32Array that sample() gives. */
  contains(value: ArrayLike<number>): boolean {
    if (value.length !== this.shape[0]) return false;
    for (let i = 0; i < value.length; i++) {
      if (!(value[i] >= this.low && value[i] <= this.high)) return false;
    }
    return true;
  }

  /** Uniform where both bounds are finite; Gymnasium's exponential tail past one finite bound, normal where there is none. */
  sample(rng: Rng): Float32Array {
    const value = new Float32Array(this.shape[0]);
    const finiteLow = Number.isFinite(this.low);
    const finiteHigh = Number.isFinite(this.high);
    for (let i = 0; i < value.length; i++) {
      let x: number;
      if (finiteLow && finiteHigh) x = rng.between(this.low, this.high);
      else if (finiteLow) x = this.low + rng.exponential(1);
      else if (finiteHigh) x = this.high - rng.exponential(1);
      else x = rng.normal();
      value[i] = float32Within(x, this.low, this.high);
    }
    return value;
  }

  toString(): string {
    return `Box(${this.low}, ${this.high}, [${this.shape[0]}])`;
  }
}

const float32 = new Float32Array(1);
const float32Bits = new Int32Array(float32.buffer);

/** x as a float32 inside [low, high]: rounding to float32 may step past a bound it cannot hold exactly (0.1). */
function float32Within(x: number, low: number, high: number): number {
  let f = Math.fround(x);
  if (f > high) f = Math.fround(high) > high ? nextFloat32(Math.fround(high), -1) : Math.fround(high);
  if (f < low) f = Math.fround(low) < low ? nextFloat32(Math.fround(low), 1) : Math.fround(low);
  return f;
}

/** The float32 next to float32 f, up (1) or down (-1). */
function nextFloat32(f: number, direction: 1 | -1): number {
  if (f === 0) return direction * 2 ** -149;
  float32[0] = f;
  float32Bits[0] += (f > 0) === (direction > 0) ? 1 : -1;
  return float32[0];
}
