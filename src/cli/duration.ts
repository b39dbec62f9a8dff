import { UserInputError } from '../errors.js';

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "90s", "2m", "1h", "500ms" or a bare number of ms. */
export function parseDurationMs(text: string | number, flag: string, maxMs = 30 * 24 * 3_600_000): number {
  const raw = String(text).trim();
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(raw);
  const value = match ? Number(match[1]) * UNITS_MS[match[2] ?? 'ms'] : NaN;
  if (!Number.isFinite(value) || value <= 0 || value > maxMs) {
    throw new UserInputError(
      `${flag}: expected a duration in (0, ${maxMs / 3_600_000} h] such as 500ms, 90s, 2m or 1h, got '${raw}'`,
    );
  }
  return value;
}
