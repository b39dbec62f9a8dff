/**
 * The service-level objective the real-cluster guard rails enforce
 * (fine-tuning and deploy), and the one place a window is judged against it.
 *
 * `--slo per_frame_ms=500` is the scenario's kind of SLO: each frame within
 * 500 ms. A window breaches it when its p95 per-frame time is above 500 ms
 * (one frame in twenty may be late: a single slow frame is noise, not a bad
 * configuration). `p95_ms=800` sets the breach bound on its own, so a user can
 * steer the reward toward 500 ms but roll back only past 800 ms:
 * `--slo per_frame_ms=500,p95_ms=800`.
 */
import type { TrialOutcome } from '../../src/backend/backend.js';
import { UserInputError } from '../../src/errors.js';

export interface Slo {
  /** Each frame within this, ms: the reward and the observation scale against it. */
  perFrameMs: number;
  /** The bound on a window's p95 per-frame time, ms; absent: perFrameMs. */
  p95Ms?: number;
}

const SLO_KEYS = { per_frame_ms: 'perFrameMs', p95_ms: 'p95Ms' } as const;
type SloKey = keyof typeof SLO_KEYS;
const FORMAT = 'per_frame_ms=<ms> and/or p95_ms=<ms>, comma-separated (e.g. per_frame_ms=500)';
/** A day per frame: anything above is a typo, not an objective. */
const MAX_SLO_MS = 86_400_000;

/**
 * Parses `--slo` text. `per_frame_ms` may be left out when `fallbackPerFrameMs`
 * (the scenario's) is given. Every problem is one UserInputError line.
 */
export function parseSlo(text: string, options: { flag?: string; fallbackPerFrameMs?: number } = {}): Slo {
  const flag = options.flag ?? '--slo';
  const fail = (message: string): never => {
    throw new UserInputError(`${flag}: ${message}`);
  };
  const trimmed = text.trim();
  if (trimmed === '') fail(`expected ${FORMAT}, got an empty value`);
  const values: Partial<Record<SloKey, number>> = {};
  for (const part of trimmed.split(',')) {
    const match = /^\s*([a-z0-9_]+)\s*=\s*(\S+)\s*$/.exec(part);
    if (match === null) fail(`expected ${FORMAT}, got '${part.trim()}'`);
    const [, key, raw] = match!;
    if (!(key in SLO_KEYS)) fail(`unknown key '${key}'; allowed: ${Object.keys(SLO_KEYS).join(', ')}`);
    if (values[key as SloKey] !== undefined) fail(`${key} is given twice`);
    const value = Number(raw);
    if (!/^[0-9]*\.?[0-9]+(e[+-]?[0-9]+)?$/i.test(raw) || !(value > 0) || value > MAX_SLO_MS) {
      fail(`${key}: expected a number of ms in (0, ${MAX_SLO_MS}], got '${raw}'`);
    }
    values[key as SloKey] = value;
  }
  const perFrameMs = values.per_frame_ms ?? options.fallbackPerFrameMs;
  if (perFrameMs === undefined) fail(`expected per_frame_ms=<ms> (there is no scenario SLO to fall back on), got '${trimmed}'`);
  return values.p95_ms === undefined ? { perFrameMs: perFrameMs! } : { perFrameMs: perFrameMs!, p95Ms: values.p95_ms };
}

/** The bound a window's p95 per-frame time must stay under, ms. */
export function p95BoundMs(slo: Slo): number {
  return slo.p95Ms ?? slo.perFrameMs;
}

/** `per_frame_ms=500` or `per_frame_ms=500,p95_ms=800`: how a user writes it. */
export function formatSlo(slo: Slo): string {
  return slo.p95Ms === undefined ? `per_frame_ms=${slo.perFrameMs}` : `per_frame_ms=${slo.perFrameMs},p95_ms=${slo.p95Ms}`;
}

/**
 * Why a window broke the guard rails — it failed, measured nothing, or its
 * p95 is above the bound — or null when it kept the SLO.
 */
export function sloBreach(outcome: TrialOutcome, slo: Slo): string | null {
  if (outcome.failure !== null) return `failed: ${outcome.failure}`;
  const p95 = outcome.perFrameMs.p95;
  const bound = p95BoundMs(slo);
  if (!Number.isFinite(p95)) return 'no p95 per-frame time was measured';
  if (p95 > bound) return `p95 per-frame time ${Math.round(p95)} ms > SLO ${bound} ms`;
  return null;
}
