import { describe, expect, it } from 'vitest';
import { parseGoDurationMs } from '../../../bridge/k8s/go-duration.js';
import { QuantityError, parseCpuMillicores, parseMemoryMb, parseQuantity } from '../../../bridge/k8s/quantity.js';

describe('parseCpuMillicores', () => {
  it.each([
    ['3900m', 3900],
    ['4', 4000],
    ['0.5', 500],
    ['.25', 250],
    ['1500m', 1500],
    ['250000000n', 250],
    ['734215468n', 734.215468],
    ['1500000u', 1500],
    ['2k', 2_000_000],
    ['1e3', 1_000_000],
    ['0', 0],
  ])("'%s' is %d millicores", (text, millicores) => {
    expect(parseCpuMillicores(text)).toBeCloseTo(millicores, 9);
  });
});

describe('parseMemoryMb (MB = 2^20 bytes, as Spark counts)', () => {
  it.each([
    ['8Gi', 8192],
    ['7950Mi', 7950],
    ['8141088Ki', 8141088 / 1024],
    ['1Ti', 1024 * 1024],
    ['512Mi', 512],
    ['1G', 1e9 / 2 ** 20],
    ['500M', 5e8 / 2 ** 20],
    ['8589934592', 8192],
    ['128974848', 123],
    ['129e6', 129e6 / 2 ** 20],
    ['1.5Gi', 1536],
  ])("'%s' is %d MB", (text, mb) => {
    expect(parseMemoryMb(text)).toBeCloseTo(mb, 9);
  });
});

describe('parseQuantity rejects what Kubernetes would', () => {
  it.each([
    ['7950MB', "expected a Kubernetes quantity suffix (Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or none), got 'MB' in '7950MB'"],
    ['8gi', "expected a Kubernetes quantity suffix (Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or none), got 'gi' in '8gi'"],
    ['1e', "expected a Kubernetes quantity suffix (Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or none), got 'e' in '1e'"],
    ['', "expected a Kubernetes quantity like '3900m' or '8Gi', got ''"],
    ['Gi', "expected a Kubernetes quantity like '3900m' or '8Gi', got 'Gi'"],
    ['1 Gi', "expected a Kubernetes quantity like '3900m' or '8Gi', got '1 Gi'"],
    ['1.2.3', "expected a Kubernetes quantity like '3900m' or '8Gi', got '1.2.3'"],
  ])("'%s'", (text, message) => {
    expect(() => parseQuantity(text)).toThrow(new QuantityError(message));
  });

  it('a non-string says what it got', () => {
    expect(() => parseQuantity(8 as unknown as string)).toThrow(
      "expected a Kubernetes quantity string like '3900m' or '8Gi', got number 8",
    );
  });

  it("'1E' is an exa suffix, '1E3' an exponent", () => {
    expect(parseQuantity('1E')).toBe(1e18);
    expect(parseQuantity('1E3')).toBe(1000);
    expect(parseQuantity('-2')).toBe(-2);
  });
});

describe('parseGoDurationMs', () => {
  it.each([
    ['30s', 30_000],
    ['15.007s', 15_007],
    ['1m0s', 60_000],
    ['1h2m3.5s', 3_723_500],
    ['250ms', 250],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['2000000ns', 2],
    ['0s', 0],
    ['0', 0],
    ['-1s', -1000],
  ])("'%s' is %d ms", (text, ms) => {
    expect(parseGoDurationMs(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '30', 's', '1x', '1m 2s', '30s!'])("'%s' is rejected", (text) => {
    expect(() => parseGoDurationMs(text)).toThrow(/^expected a Go duration like '30s' or '1m0s', got /);
  });
});
