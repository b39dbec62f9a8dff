/**
 * One served environment as the protocol sees it: it checks an action
 * without stepping (so a batch can be checked whole before anything moves),
 * and it answers in the protocol's JSON (python/PROTOCOL.md). One
 * implementation per kind: single-env-adapter.ts, parallel-env-adapter.ts.
 */
import type { TrialOutcome } from '../backend/backend.js';
import type { ConfigurationManager } from '../managers/configuration.js';
import type { Configuration } from '../space/grid.js';
import { outcomeJson, type OutcomeJson } from '../space/outcome-fields.js';
import type { Box, Discrete } from '../env/spaces.js';

/** A protocol seed: an integer or a string; null keeps the environment's own seed stream. */
export type ProtocolSeed = number | string | null;

export interface EnvAdapter {
  /** Throws a ProtocolError (not_reset, invalid_action) when `action` cannot be stepped now; `where` names it in the message (`actions[2]`). */
  checkAction(action: unknown, where: string): void;
  /** Throws a ProtocolError (not_reset) when the environment has no episode under way. */
  checkReset(): void;
  reset(seed: ProtocolSeed, fps: number | undefined): Promise<unknown>;
  /** Steps an action checkAction accepted. */
  step(action: unknown): Promise<unknown>;
  /** The global state (parallel only). */
  state(): number[];
  close(): Promise<void>;
}

/**
 * The seed the environment gets. The protocol holds 7 and "7" to be
 * different seeds, but the environments spell every seed as text
 * (`${seed}/episode-0`), so a string goes in as its JSON spelling ('"7"').
 */
export function envSeedOf(seed: number | string): number | string {
  return typeof seed === 'string' ? JSON.stringify(seed) : seed;
}

export function boxJson(box: Box) {
  return { type: 'Box', low: box.low, high: box.high, shape: [...box.shape], dtype: 'float32' } as const;
}

export function discreteJson(space: Discrete) {
  return { type: 'Discrete', n: space.n } as const;
}

/** The part of INFO every kind shares, built once per step (every agent of a parallel step shares it). */
export interface StepInfoJson {
  step: number;
  fps: number;
  next_fps: number;
  config: Record<string, number | string>;
  outcome: OutcomeJson | null;
}

export function stepInfoJson(
  info: { step: number; fps: number; nextFps: number; config: Configuration; outcome: TrialOutcome | null },
  configuration: ConfigurationManager,
): StepInfoJson {
  return {
    step: info.step,
    fps: info.fps,
    next_fps: info.nextFps,
    config: configuration.point(info.config) as unknown as Record<string, number | string>,
    outcome: info.outcome === null ? null : outcomeJson(info.outcome),
  };
}

/** A float32 observation as a JSON list; every entry is the float32 value exactly (a double holds it). */
export function observationJson(observation: Float32Array): number[] {
  return Array.from(observation);
}
