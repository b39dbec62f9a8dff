/** Gymnasium-style spaces: what observations and actions look like. */

export class Discrete {
  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected a positive integer n, got ${n}`);
  }

  contains(action: number): boolean {
    return Number.isInteger(action) && action >= 0 && action < this.n;
  }
}

export class Box {
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

  contains(value: ArrayLike<number>): boolean {
    if (value.length !== this.shape[0]) return false;
    for (let i = 0; i < value.length; i++) {
      if (!(value[i] >= this.low && value[i] <= this.high)) return false;
    }
    return true;
  }
}
