/**
 * A binary min-heap of events kept in typed arrays (no object per event), ordered
 * by (time, priority, insertion sequence) so that simultaneous events always
 * resolve in the same order — SimPy's rule. Lower priority values go first.
 */

const SEQ_SPAN = 2 ** 36; // room for 6.9e10 insertions per priority level

export class EventQueue {
  private times: Float64Array;
  private orders: Float64Array; // priority * SEQ_SPAN + sequence
  private kinds: Int32Array;
  private args: Float64Array;
  private count = 0;
  private sequence = 0;

  /** Fields of the event last returned by pop(). */
  poppedTimeMs = 0;
  poppedKind = 0;
  poppedArg = 0;

  constructor(initialCapacity = 1024) {
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1) {
      throw new RangeError(`expected a positive integer initialCapacity, got ${initialCapacity}`);
    }
    this.times = new Float64Array(initialCapacity);
    this.orders = new Float64Array(initialCapacity);
    this.kinds = new Int32Array(initialCapacity);
    this.args = new Float64Array(initialCapacity);
  }

  get size(): number {
    return this.count;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTimeMs(): number {
    return this.count > 0 ? this.times[0] : Infinity;
  }

  push(timeMs: number, priority: number, kind: number, arg: number): void {
    if (this.count === this.times.length) this.grow();
    const order = priority * SEQ_SPAN + this.sequence++;
    // Sift up, moving parents down into the hole.
    let i = this.count++;
    const times = this.times;
    const orders = this.orders;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent];
      if (pt < timeMs || (pt === timeMs && orders[parent] < order)) break;
      times[i] = pt;
      orders[i] = orders[parent];
      this.kinds[i] = this.kinds[parent];
      this.args[i] = this.args[parent];
      i = parent;
    }
    times[i] = timeMs;
    orders[i] = order;
    this.kinds[i] = kind;
    this.args[i] = arg;
  }

  /** Removes the earliest event into poppedTimeMs/poppedKind/poppedArg; false when empty. */
  pop(): boolean {
    if (this.count === 0) return false;
    const times = this.times;
    const orders = this.orders;
    const kinds = this.kinds;
    const args = this.args;
    this.poppedTimeMs = times[0];
    this.poppedKind = kinds[0];
    this.poppedArg = args[0];
    const last = --this.count;
    if (last === 0) return true;
    const t = times[last];
    const o = orders[last];
    const k = kinds[last];
    const a = args[last];
    let i = 0;
    const half = last >> 1;
    while (i < half) {
      let child = 2 * i + 1;
      const right = child + 1;
      if (right < last && (times[right] < times[child] || (times[right] === times[child] && orders[right] < orders[child]))) {
        child = right;
      }
      const ct = times[child];
      if (t < ct || (t === ct && o < orders[child])) break;
      times[i] = ct;
      orders[i] = orders[child];
      kinds[i] = kinds[child];
      args[i] = args[child];
      i = child;
    }
    times[i] = t;
    orders[i] = o;
    kinds[i] = k;
    args[i] = a;
    return true;
  }

  clear(): void {
    this.count = 0;
    this.sequence = 0;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const times = new Float64Array(capacity);
    times.set(this.times);
    this.times = times;
    const orders = new Float64Array(capacity);
    orders.set(this.orders);
    this.orders = orders;
    const kinds = new Int32Array(capacity);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const args = new Float64Array(capacity);
    args.set(this.args);
    this.args = args;
  }
}
