/**
 * The fine-tuning checkpoint: one JSON file holding everything a restarted
 * `finetune` needs to go on as if it had never stopped — the network's
 * weights (no optimizer state: each real run's gradient steps start a fresh
 * Adam, so none is needed), every real run (the real transitions are
 * rebuilt from them, so they always use the latest grounding), the per-load state
 * (configuration now, last good one, pending rollback, best seen), the
 * history of real runs and the recalibrated profile. Random draws are not
 * stored: they are re-derived from the seed and the run index.
 *
 * Written after every real run to a temp file that is fsynced and renamed
 * over the old one, so a kill at any moment leaves either the old or the new
 * checkpoint, never half of one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { LatencyProfile } from '../../sim/profile.js';
import { UserInputError } from '../../src/errors.js';
import { makeDir } from '../../src/output-dir.js';
import type { ExecutorConfig } from '../../src/scenario/run-spec.js';
import type { TrialOutcome } from '../../src/backend/backend.js';
import type { Slo } from '../safety/slo.js';
import type { BestConfig, FinetuneRun } from './finetune.js';

export const CHECKPOINT_FORMAT = 'sspe-finetune-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** What a checkpoint must agree on with the run that resumes it. */
export interface CheckpointIdentity {
  scenarioHash: string;
  /** sha256 of the starting policy's weights: a checkpoint continues one policy only. */
  policyHash: string;
  encoding: string;
  fpsLevels: number[];
  slo: Slo;
  trustRegion: number;
  seed: number | string;
}

/** A float32 tensor: shape and little-endian bytes in base64. */
export interface SavedTensor {
  shape: number[];
  data: string;
}

/** The fine-tuning state at one load level. */
export interface LaneState {
  fps: number;
  /** The configuration now at this load (the last one run). */
  config: ExecutorConfig;
  /** The last run's outcome at this load; null before the first. */
  last: TrialOutcome | null;
  /** The last configuration that kept the SLO at this load. */
  lastGood: ExecutorConfig | null;
  /** Set after a breach: the next run at this load goes back here. */
  pendingRollback: ExecutorConfig | null;
  best: BestConfig | null;
  /** Configurations that broke the SLO at this load (`cores/memory/instances`): exploration avoids them. */
  breached: string[];
}

export interface FinetuneCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  identity: CheckpointIdentity;
  /** Real runs done (and in `history`). */
  runsDone: number;
  /** Real runs handed to onRealRun without an error; the rest are handed over again on resume. */
  reportedRuns: number;
  /** Index into `lanes` of the next run's load. */
  nextLane: number;
  weights: SavedTensor[];
  lanes: LaneState[];
  /** Every real run: configuration before and after, action, outcome — the real transitions, rebuilt from it at each run. */
  history: FinetuneRun[];
  /** The simulator's profile from the last recalibration; null: the scenario's. */
  profile: LatencyProfile | null;
  savedAt: string;
}

// ---------------------------------------------------------------- encoding

export function encodeFloat32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFloat32(data: string, length: number, where: string): Float32Array {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.byteLength !== length * 4) {
    throw new UserInputError(`${where}: expected ${length * 4} bytes of weights, got ${bytes.byteLength}: the checkpoint is corrupt`);
  }
  // Copy into an aligned buffer: a Buffer's offset into its pool need not be a multiple of 4.
  const out = new Float32Array(length);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** sha256 of tensors' shapes and bytes. */
export function weightsHash(tensors: { shape: readonly number[]; values: Float32Array }[]): string {
  const hash = createHash('sha256');
  for (const t of tensors) {
    hash.update(JSON.stringify(t.shape));
    hash.update(Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength));
  }
  return hash.digest('hex');
}

/** NaN and ±Infinity survive JSON as {"$number": "NaN"} (an outcome of a failed run has NaN quantiles). */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { $number: String(value) } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$number') return Number((value as { $number: string }).$number);
  }
  return value;
}

// ---------------------------------------------------------------- files

/** Writes the checkpoint atomically: temp file, fsync, rename. */
export async function writeCheckpoint(path: string, checkpoint: FinetuneCheckpoint | { format: string; version: number }): Promise<void> {
  const target = resolve(path);
  makeDir(dirname(target), `--checkpoint ${target}`);
  const temp = `${target}.tmp-${process.pid}`;
  const text = `${JSON.stringify(checkpoint, replacer)}\n`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw new Error(`could not write the fine-tuning checkpoint ${target}`, { cause: error });
  }
}

/**
 * Reads the JSON of a checkpoint written in `format` (version `version`);
 * null when there is none at `path`. Every problem is one UserInputError
 * line naming the file. The caller checks the fields its format has.
 */
export function readCheckpointJson(path: string, format: string, version: number): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserInputError(`${path}: cannot read the fine-tuning checkpoint: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text, reviver);
  } catch (error) {
    throw new UserInputError(`${path}: not valid JSON (${(error as Error).message.split('\n')[0]}): the checkpoint is corrupt; move it away to start over`, {
      cause: error,
    });
  }
  const record = (value ?? {}) as { format?: unknown; version?: unknown };
  if (record.format !== format) {
    throw new UserInputError(`${path}: format: expected '${format}', got ${JSON.stringify(record.format)}: not ${format === CHECKPOINT_FORMAT ? 'a' : 'a team'} fine-tuning checkpoint`);
  }
  if (record.version !== version) {
    throw new UserInputError(`${path}: version: expected ${version} (the version this sspe reads), got ${JSON.stringify(record.version)}`);
  }
  return record as Record<string, unknown>;
}

/** Reads a checkpoint; null when there is none at `path`. Every problem is one UserInputError line naming the file. */
export function readCheckpoint(path: string): FinetuneCheckpoint | null {
  const record = readCheckpointJson(path, CHECKPOINT_FORMAT, CHECKPOINT_VERSION);
  if (record === null) return null;
  const checkpoint = record as unknown as FinetuneCheckpoint;
  if (!hasRunCounts(checkpoint) || !Array.isArray(checkpoint.weights)) {
    throw new UserInputError(`${path}: expected runsDone runs in history, weights and lanes: the checkpoint is corrupt`);
  }
  return checkpoint;
}

/** Whether a checkpoint's run counts agree with its history and it has lanes. */
export function hasRunCounts(checkpoint: { runsDone: unknown; history: unknown; lanes: unknown; reportedRuns: unknown }): boolean {
  return (
    Number.isInteger(checkpoint.runsDone) &&
    (checkpoint.runsDone as number) >= 0 &&
    Array.isArray(checkpoint.history) &&
    checkpoint.history.length === checkpoint.runsDone &&
    Array.isArray(checkpoint.lanes) &&
    Number.isInteger(checkpoint.reportedRuns) &&
    (checkpoint.reportedRuns as number) <= (checkpoint.runsDone as number)
  );
}

const IDENTITY_FIELDS: [keyof CheckpointIdentity, string][] = [
  ['scenarioHash', 'scenario'],
  ['policyHash', 'starting policy'],
  ['encoding', 'action encoding'],
  ['fpsLevels', 'load levels (fps)'],
  ['slo', 'SLO'],
  ['trustRegion', 'trust region'],
  ['seed', 'seed'],
];

/** Throws when a checkpoint was written by a fine-tuning run with other settings. */
export function checkIdentity(path: string, saved: CheckpointIdentity, wanted: CheckpointIdentity): void {
  checkIdentityFields(path, saved, wanted, IDENTITY_FIELDS);
}

/** Throws at the first of `fields` (with its label for the message) where the saved identity is not the wanted one. */
export function checkIdentityFields<I extends object>(path: string, saved: I, wanted: I, fields: readonly [keyof I, string][]): void {
  for (const [field, label] of fields) {
    const a = JSON.stringify(saved[field]);
    const b = JSON.stringify(wanted[field]);
    if (a !== b) {
      const shorten = (s: string) => (s.length > 24 ? `${s.slice(0, 21)}...` : s);
      throw new UserInputError(
        `${path} was written for another ${label} (${shorten(a)}; this run has ${shorten(b)}): resume with the same settings, or move the checkpoint away to start over`,
      );
    }
  }
}
