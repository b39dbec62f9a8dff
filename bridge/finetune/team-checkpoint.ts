/**
 * The team fine-tuning checkpoint: what checkpoint.ts is for one agent, for
 * a team bundle — every agent's weights, every real run (its per-agent
 * actions included), the per-load state over every declared knob, the
 * recalibrated profile. Its own format name, so that neither kind of
 * fine-tuning resumes the other's; written by the same atomic writer
 * (checkpoint.ts: temp file, fsync, rename).
 */
import type { LatencyProfile } from '../../sim/profile.js';
import type { TrialOutcome } from '../../src/backend/backend.js';
import { UserInputError } from '../../src/errors.js';
import type { KnobPoint } from '../../src/space/grid.js';
import type { Slo } from '../safety/slo.js';
import { checkIdentityFields, hasRunCounts, readCheckpointJson, type SavedTensor } from './checkpoint.js';
import type { BestPoint, TeamFinetuneRun } from './team-finetune.js';

export const TEAM_CHECKPOINT_FORMAT = 'sspe-team-finetune-checkpoint';
export const TEAM_CHECKPOINT_VERSION = 1;

/** What a team checkpoint must agree on with the run that resumes it. */
export interface TeamCheckpointIdentity {
  scenarioHash: string;
  /** sha256 of every agent's starting weights, in the bundle's agent order. */
  policyHash: string;
  /** idqn or vdn: how the agents learn. */
  method: string;
  agents: string[];
  fpsLevels: number[];
  slo: Slo;
  trustRegion: number;
  seed: number | string;
}

/** The fine-tuning state at one load level, over every declared knob. */
export interface TeamLaneState {
  fps: number;
  /** The point now at this load (the last one run). */
  config: KnobPoint;
  last: TrialOutcome | null;
  /** The last point that kept the SLO at this load (the guard's state). */
  lastGood: KnobPoint | null;
  /** Set after a breach: the next run at this load goes back here (the guard's state). */
  pendingRollback: KnobPoint | null;
  best: BestPoint | null;
  /** Points that broke the SLO at this load (pointKey). */
  breached: string[];
}

export interface TeamFinetuneCheckpoint {
  format: typeof TEAM_CHECKPOINT_FORMAT;
  version: typeof TEAM_CHECKPOINT_VERSION;
  identity: TeamCheckpointIdentity;
  runsDone: number;
  reportedRuns: number;
  nextLane: number;
  /** Per agent, its network's weights. */
  weights: Record<string, SavedTensor[]>;
  lanes: TeamLaneState[];
  history: TeamFinetuneRun[];
  profile: LatencyProfile | null;
  savedAt: string;
}

/** Reads a team checkpoint; null when there is none at `path`. Every problem is one UserInputError line naming the file. */
export function readTeamCheckpoint(path: string): TeamFinetuneCheckpoint | null {
  const record = readCheckpointJson(path, TEAM_CHECKPOINT_FORMAT, TEAM_CHECKPOINT_VERSION);
  if (record === null) return null;
  const checkpoint = record as unknown as TeamFinetuneCheckpoint;
  if (!hasRunCounts(checkpoint) || checkpoint.weights === null || typeof checkpoint.weights !== 'object') {
    throw new UserInputError(`${path}: expected runsDone runs in history, weights per agent and lanes: the checkpoint is corrupt`);
  }
  return checkpoint;
}

const IDENTITY_FIELDS: [keyof TeamCheckpointIdentity, string][] = [
  ['scenarioHash', 'scenario'],
  ['agents', 'team (agents)'],
  ['method', 'team method'],
  ['policyHash', 'starting team policy'],
  ['fpsLevels', 'load levels (fps)'],
  ['slo', 'SLO'],
  ['trustRegion', 'trust region'],
  ['seed', 'seed'],
];

/** Throws when a team checkpoint was written by a fine-tuning run with other settings. */
export function checkTeamIdentity(path: string, saved: TeamCheckpointIdentity, wanted: TeamCheckpointIdentity): void {
  checkIdentityFields(path, saved, wanted, IDENTITY_FIELDS);
}
