import { describe, expect, test } from 'vitest';
import { formatSlo, parseSlo, sloBreach } from '../../../bridge/safety/slo.js';
import { UserInputError } from '../../../src/errors.js';
import type { TrialOutcome } from '../../../src/backend/backend.js';

describe('--slo', () => {
  test.each([
    ['per_frame_ms=500', { perFrameMs: 500 }],
    [' per_frame_ms = 450.5 ', { perFrameMs: 450.5 }],
    ['p95_ms=800', { perFrameMs: 1000, p95Ms: 800 }],
    ['per_frame_ms=500,p95_ms=800', { perFrameMs: 500, p95Ms: 800 }],
    ['p95_ms=8e2,per_frame_ms=5e2', { perFrameMs: 500, p95Ms: 800 }],
  ])('%s', (text, slo) => {
    expect(parseSlo(text, { fallbackPerFrameMs: 1000 })).toEqual(slo);
  });

  test.each([
    ['', "--slo: expected per_frame_ms=<ms> and/or p95_ms=<ms>, comma-separated (e.g. per_frame_ms=500), got an empty value"],
    ['500', "--slo: expected per_frame_ms=<ms> and/or p95_ms=<ms>, comma-separated (e.g. per_frame_ms=500), got '500'"],
    ['per_frame_ms=', "--slo: expected per_frame_ms=<ms> and/or p95_ms=<ms>, comma-separated (e.g. per_frame_ms=500), got 'per_frame_ms='"],
    ['per_frame=500', "--slo: unknown key 'per_frame'; allowed: per_frame_ms, p95_ms"],
    ['per_frame_ms=500,per_frame_ms=400', '--slo: per_frame_ms is given twice'],
    ['per_frame_ms=-5', "--slo: per_frame_ms: expected a number of ms in (0, 86400000], got '-5'"],
    ['per_frame_ms=0', "--slo: per_frame_ms: expected a number of ms in (0, 86400000], got '0'"],
    ['per_frame_ms=500ms', "--slo: per_frame_ms: expected a number of ms in (0, 86400000], got '500ms'"],
    ['per_frame_ms=Infinity', "--slo: per_frame_ms: expected a number of ms in (0, 86400000], got 'Infinity'"],
    ['per_frame_ms=500;p95_ms=600', "--slo: per_frame_ms: expected a number of ms in (0, 86400000], got '500;p95_ms=600'"],
  ])('%j is one line: %s', (text, message) => {
    expect(() => parseSlo(text, { fallbackPerFrameMs: 1000 })).toThrow(new UserInputError(message));
  });

  test('p95_ms alone needs a per-frame SLO to fall back on', () => {
    expect(() => parseSlo('p95_ms=800')).toThrow("--slo: expected per_frame_ms=<ms> (there is no scenario SLO to fall back on), got 'p95_ms=800'");
  });

  test('round-trips through formatSlo', () => {
    for (const text of ['per_frame_ms=500', 'per_frame_ms=500,p95_ms=800']) expect(formatSlo(parseSlo(text))).toBe(text);
  });
});

describe('sloBreach', () => {
  const outcome = (p95: number, failure: string | null = null) =>
    ({ perFrameMs: { mean: p95 / 2, p50: p95 / 2, p95, p99: p95, max: p95 }, failure }) as TrialOutcome;

  test('judges the p95 against p95_ms when given, else per_frame_ms', () => {
    expect(sloBreach(outcome(500), { perFrameMs: 500 })).toBeNull();
    expect(sloBreach(outcome(501), { perFrameMs: 500 })).toBe('p95 per-frame time 501 ms > SLO 500 ms');
    expect(sloBreach(outcome(700), { perFrameMs: 500, p95Ms: 800 })).toBeNull();
  });

  test('a failed run or one with no p95 is a breach', () => {
    expect(sloBreach(outcome(Number.NaN, 'spark-submit exited with code 1'), { perFrameMs: 500 })).toBe('failed: spark-submit exited with code 1');
    expect(sloBreach(outcome(Number.NaN), { perFrameMs: 500 })).toBe('no p95 per-frame time was measured');
  });
});
