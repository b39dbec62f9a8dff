import { UserInputError } from '../errors.js';

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses "90s", "2m", "1h" or "500ms". A bare number is refused rather than
 * guessed: `--duration 120` meant 120 ms here once, and users read it as seconds.
 */
export function parseDurationMs(text: string | number, flag: string, maxMs = 30 * 24 * 3_600_000): number {
  const raw = String(text).trim();
  const allowed = `a duration in (0, ${maxMs / 3_600_000} h] such as 500ms, 90s, 2m or 1h`;
  if (/^\d+(?:\.\d+)?$/.test(raw)) {
    throw new UserInputError(`${flag}: expected ${allowed}, got '${raw}' without a unit (${raw}s for seconds, ${raw}ms for milliseconds)`);
  }
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(raw);
  const value = match ? Number(match[1]) * UNITS_MS[match[2]] : NaN;
  if (!Number.isFinite(value) || value <= 0 || value > maxMs) {
    throw new UserInputError(`${flag}: expected ${allowed}, got '${raw.length > 40 ? `${raw.slice(0, 37)}...` : raw}'`);
  }
  return value;
}
