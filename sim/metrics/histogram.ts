import * as hdr from 'hdr-histogram-js';
import type { Quantiles } from './result.js';

/**
 * A streaming latency histogram (HdrHistogram, 3 significant digits): memory
 * stays bounded however many frames are recorded. Values are ms, kept at
 * 0.1 ms resolution.
 */
const TICKS_PER_MS = 10;

export class LatencyHistogram {
  private readonly histogram = hdr.build({
    numberOfSignificantValueDigits: 3,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    autoResize: true,
  });
  private sumMs = 0;
  private weight = 0;
  private maxMs = 0;

  record(valueMs: number, count = 1): void {
    if (count <= 0) return;
    this.histogram.recordValueWithCount(Math.max(1, Math.round(valueMs * TICKS_PER_MS)), count);
    this.sumMs += valueMs * count;
    this.weight += count;
    if (valueMs > this.maxMs) this.maxMs = valueMs;
  }

  get count(): number {
    return this.weight;
  }

  quantiles(): Quantiles {
    if (this.weight === 0) return { mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN };
    const at = (p: number) => this.histogram.getValueAtPercentile(p) / TICKS_PER_MS;
    return { mean: this.sumMs / this.weight, p50: at(50), p95: at(95), p99: at(99), max: this.maxMs };
  }

  reset(): void {
    this.histogram.reset();
    this.sumMs = 0;
    this.weight = 0;
    this.maxMs = 0;
  }

  destroy(): void {
    this.histogram.destroy();
  }
}
