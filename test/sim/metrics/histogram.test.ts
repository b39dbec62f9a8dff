import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../sim/metrics/histogram.js';

/** What LatencyHistogram replaced: hdr-histogram-js as the simulator used to build and feed it. */
function referenceQuantiles(records: { valueMs: number; count: number }[]): { p50: number; p95: number; p99: number } {
  const histogram = hdr.build({ numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, highestTrackableValue: 2, autoResize: true });
  for (const { valueMs, count } of records) histogram.recordValueWithCount(Math.max(1, Math.round(valueMs * 10)), count);
  // Ours clamps to the exact maximum (a bucket's top edge can lie above it).
  const max = Math.max(...records.map((r) => r.valueMs));
  const at = (p: number) => Math.min(max, histogram.getValueAtPercentile(p) / 10);
  return { p50: at(50), p95: at(95), p99: at(99) };
}

const latencyMs = fc.oneof(
  fc.double({ min: 0, max: 300, noNaN: true }),
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.double({ min: 0, max: 1e11, noNaN: true }),
  fc.integer({ min: 0, max: 40 }).map((k) => 2 ** k / 10), // bucket edges
  fc.integer({ min: 1, max: 40 }).map((k) => (2 ** k - 1) / 10),
);
const records = fc.array(fc.record({ valueMs: latencyMs, count: fc.integer({ min: 1, max: 120 }) }), { minLength: 1, maxLength: 300 });

describe('LatencyHistogram', () => {
  it('gives the same percentiles as hdr-histogram-js for any recorded latencies', () => {
    fc.assert(
      fc.property(records, (recorded) => {
        const histogram = new LatencyHistogram();
        for (const { valueMs, count } of recorded) histogram.record(valueMs, count);
        const { p50, p95, p99 } = histogram.quantiles();
        expect({ p50, p95, p99 }).toEqual(referenceQuantiles(recorded));
      }),
      { numRuns: 2000 },
    );
  });

  it('forgets everything on reset, and still matches the reference afterwards', () => {
    fc.assert(
      fc.property(records, records, (before, after) => {
        const histogram = new LatencyHistogram();
        for (const { valueMs, count } of before) histogram.record(valueMs, count);
        histogram.reset();
        for (const { valueMs, count } of after) histogram.record(valueMs, count);
        const { p50, p95, p99 } = histogram.quantiles();
        expect({ p50, p95, p99 }).toEqual(referenceQuantiles(after));
        expect(histogram.count).toBe(after.reduce((sum, r) => sum + r.count, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the exact mean and max beside the bucketed percentiles', () => {
    const histogram = new LatencyHistogram();
    histogram.record(100, 3);
    histogram.record(400.25);
    histogram.record(7, 0); // a zero count records nothing
    expect(histogram.quantiles()).toEqual({ mean: 175.0625, p50: 100, p95: 400.25, p99: 400.25, max: 400.25 });
  });

  it('reports NaN quantiles when empty', () => {
    expect(new LatencyHistogram().quantiles()).toEqual({ mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN });
  });

  it('rejects a latency that is not finite', () => {
    expect(() => new LatencyHistogram().record(Number.NaN)).toThrow('expected a finite latency in ms, got NaN');
  });
});
