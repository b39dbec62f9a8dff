import type { Quantiles } from './result.js';

/**
 * A streaming latency histogram with HdrHistogram's buckets (3 significant
 * digits): memory stays bounded however many frames are recorded. Values are
 * ms, kept at 0.1 ms resolution.
 *
 * Buckets and percentiles are those of hdr-histogram-js's JsHistogram
 * (lowestDiscernibleValue 1, auto-resize), value for value —
 * test/sim/metrics/histogram.test.ts checks against it — computed with integer
 * shifts instead of its Math.pow/Math.log2 per record, which made recording
 * the model's hottest path, and with float64 counts (its Int32Array ones wrap
 * silently past 2^31).
 */
const TICKS_PER_MS = 10;
/** Unit resolution up to 2 × 10^3 needs 2048 sub-buckets; the upper half of each bucket is new. */
const SUB_BUCKET_HALF_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_MAGNITUDE;
/** What JsHistogram starts with (highestTrackableValue 2): bucket 0 only. */
const INITIAL_LENGTH = 2 * SUB_BUCKET_HALF_COUNT;

/** Position of a value (a non-negative integer) in the counts array: bucket b holds values in steps of 2^b. */
function countsIndex(value: number): number {
  if (value < 2 ** 31) {
    const bucket = Math.max(31 - Math.clz32(value) - SUB_BUCKET_HALF_MAGNITUDE, 0);
    return bucket * SUB_BUCKET_HALF_COUNT + (value >>> bucket);
  }
  const bucket = Math.floor(Math.log2(value)) - SUB_BUCKET_HALF_MAGNITUDE;
  return bucket * SUB_BUCKET_HALF_COUNT + Math.floor(value / 2 ** bucket);
}

/** The largest value counted at `index` (JsHistogram's highestEquivalentValue(valueFromIndex(index))). */
function highestValueAt(index: number): number {
  const bucket = Math.max(Math.floor(index / SUB_BUCKET_HALF_COUNT) - 1, 0);
  const subBucket = index - bucket * SUB_BUCKET_HALF_COUNT;
  return (subBucket + 1) * 2 ** bucket - 1;
}

/** One unit in the last place of x, as hdr-histogram-js computes it. */
function ulp(x: number): number {
  return 2 ** (Math.floor(Math.log2(x)) - 52);
}

export class LatencyHistogram {
  private counts = new Float64Array(INITIAL_LENGTH);
  private sumMs = 0;
  private weight = 0;
  private maxMs = 0;

  record(valueMs: number, count = 1): void {
    if (count <= 0) return;
    if (!Number.isFinite(valueMs)) throw new RangeError(`expected a finite latency in ms, got ${valueMs}`);
    const index = countsIndex(Math.max(1, Math.round(valueMs * TICKS_PER_MS)));
    if (index >= this.counts.length) this.grow(index);
    this.counts[index] += count;
    this.sumMs += valueMs * count;
    this.weight += count;
    if (valueMs > this.maxMs) this.maxMs = valueMs;
  }

  get count(): number {
    return this.weight;
  }

  quantiles(): Quantiles {
    if (this.weight === 0) return { mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN };
    // A bucket's upper edge can lie above the exact maximum recorded: never report past it.
    const at = (p: number) => Math.min(this.maxMs, this.valueAtPercentile(p) / TICKS_PER_MS);
    return { mean: this.sumMs / this.weight, p50: at(50), p95: at(95), p99: at(99), max: this.maxMs };
  }

  reset(): void {
    this.counts.fill(0);
    this.sumMs = 0;
    this.weight = 0;
    this.maxMs = 0;
  }

  /** Nothing to free (the histogram is plain memory); kept so that owners need not know. */
  destroy(): void {}

  /** JsHistogram.getValueAtPercentile, in ticks. */
  private valueAtPercentile(percentile: number): number {
    const fpCount = (Math.min(percentile, 100) / 100) * this.weight;
    // Round up, but not past a count that fp error made 1 ulp too large.
    const countAtPercentile = Math.max(Math.ceil(fpCount - ulp(fpCount)), 1);
    let total = 0;
    for (let i = 0; i < this.counts.length; i++) {
      total += this.counts[i];
      if (total >= countAtPercentile) return highestValueAt(i);
    }
    return 0;
  }

  private grow(index: number): void {
    const counts = new Float64Array(Math.max(2 * this.counts.length, index + 1));
    counts.set(this.counts);
    this.counts = counts;
  }
}
