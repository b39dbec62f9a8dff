/**
 * One decision from a saved policy: the state a user or the bridge reports
 * (load, configuration now, what the last window measured) → the next
 * configuration. Works from the artifact alone; imports no training code.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Tensor } from '@tensorflow/tfjs';
import type { TrialOutcome } from '../backend/backend.js';
import { UserInputError } from '../errors.js';
import { jsonSyntaxMessage } from '../input/excerpt.js';
import { denseForward, denseLayersOf } from './dense-forward.js';
import { StateManager, type StateInput } from '../managers/state.js';
import { MAX_FPS, fallbackError, formatPath, formatValue, toProblem, type KnobRange } from '../scenario/schema.js';
import { domainText, onDomain } from '../space/grid.js';
import type { LoadedPolicy, PolicyMetadata } from './artifact.js';

/** The state file's configuration, in the names a user writes. */
export interface DecideConfig {
  cores: number;
  memory_mb: number;
  instances: number;
}

/** What the last measurement window showed (absent before the first one). */
export interface DecideLast {
  per_frame_ms: { mean: number; p95: number };
  /** Fraction of executor task slots busy, [0, 1]. */
  cpu_util: number;
  /** Fraction of executor memory used, [0, 1]. */
  mem_util: number;
  backlog_frames: number;
  frames_arrived: number;
  pending_pods: number;
  frames_processed: number;
  frames_dropped: number;
  executors_running: number;
  /** Why the window gave no usable measurement; null when it did. */
  failure?: string | null;
}

/** The version of the state format below; a state may say `"version": 1` and a later format will bump it. */
export const DECIDE_STATE_VERSION = 1;
/** The largest state file read; a real one is under 1 KB. */
export const MAX_STATE_BYTES = 64 * 1024;

/** The state.json `sspe decide` and the bridge hand over (format version DECIDE_STATE_VERSION). */
export interface DecideState {
  /** Optional; when given it must be DECIDE_STATE_VERSION. */
  version?: number;
  /** Load the next window will face, frames per second. */
  fps: number;
  config: DecideConfig;
  last?: DecideLast | null;
}

export interface Decision {
  action: number;
  config: DecideConfig;
  /** One per action, as the network gave them (masked ones included). */
  q_values: number[];
  /** Actions not allowed from this configuration (they leave a knob's range). */
  masked: number[];
  /** Wall time of the decision: observation, forward pass, argmax, translation. */
  decide_ms: number;
}

// ---------------------------------------------------------------- validation

const expected = (what: string) => (issue: { input?: unknown }) => `expected ${what}, got ${formatValue(issue.input)}`;
const count = () => z.number({ error: expected('a non-negative integer') }).int().min(0);
const fraction = () => z.number({ error: expected('a fraction in [0, 1] (not a percentage)') }).min(0).max(1);
const ms = () => z.number({ error: expected('a non-negative number of ms') }).min(0).max(Number.MAX_VALUE);

function strict<S extends z.ZodRawShape>(shape: S, what: string) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}; allowed: ${allowed}`
        : `expected ${what}, got ${formatValue(issue.input)}`,
  });
}

/** A knob value: an integer in the policy's range, on its grid (the rule `simulate --config` applies too). */
function knob(range: KnobRange) {
  const what = domainText(range);
  return z.number({ error: expected(what) }).refine((v) => onDomain(range, v), { error: expected(what) });
}

function stateSchema(metadata: PolicyMetadata) {
  const space = metadata.actionSpace;
  return strict(
    {
      version: z.literal(DECIDE_STATE_VERSION, { error: expected(`${DECIDE_STATE_VERSION} (the state format this sspe reads)`) }).optional(),
      fps: z.number({ error: expected(`a number of frames per second in [0, ${MAX_FPS}]`) }).min(0).max(MAX_FPS),
      config: strict(
        { cores: knob(space.executorCores), memory_mb: knob(space.executorMemoryMb), instances: knob(space.executorInstances) },
        'a configuration {cores, memory_mb, instances}',
      ),
      last: strict(
        {
          per_frame_ms: strict({ mean: ms(), p95: ms() }, 'per-frame times {mean, p95} in ms'),
          cpu_util: fraction(),
          mem_util: fraction(),
          backlog_frames: count(),
          frames_arrived: count(),
          pending_pods: count(),
          frames_processed: count(),
          frames_dropped: count(),
          executors_running: count(),
          failure: z.string({ error: expected('a text or null') }).nullable().optional(),
        },
        'the last window {per_frame_ms, cpu_util, mem_util, backlog_frames, frames_arrived, pending_pods, frames_processed, frames_dropped, executors_running}',
      )
        .nullable()
        .optional(),
    },
    'a state {version?, fps, config, last?}',
  );
}

/** Validates a state against the policy's knob ranges; errors read "<file>: config.cores: expected …, got 7". */
export function parseDecideState(value: unknown, metadata: PolicyMetadata, options: { file: string }): DecideState {
  const parsed = stateSchema(metadata).safeParse(value, { error: fallbackError });
  if (!parsed.success) {
    const problem = toProblem(parsed.error.issues[0]);
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    throw new UserInputError(`${options.file}: ${problem.path.length > 0 ? `${formatPath(problem.path)}: ` : ''}${problem.message}${more}`, {
      cause: parsed.error,
    });
  }
  return parsed.data as DecideState;
}

/** Reads and validates a state file ('-' reads standard input). */
export function readDecideState(path: string, metadata: PolicyMetadata): DecideState {
  const file = path === '-' ? 'standard input' : path;
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
    if (Buffer.byteLength(text) > MAX_STATE_BYTES) {
      throw new UserInputError(`${file}: expected a state of at most ${MAX_STATE_BYTES / 1024} KiB (one is under 1 KiB), got ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB`);
    }
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserInputError(code === 'ENOENT' ? `state file not found: ${path}` : `${file}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${file}: ${jsonSyntaxMessage(text, error)}; expected a state like \`sspe decide --print-state-template\` prints`, { cause: error });
  }
  return parseDecideState(value, metadata, { file });
}

/**
 * A valid state for this action space (or the paper testbed's when no policy
 * is given): what `sspe decide --print-state-template` prints. Every field of
 * the format is present, each with a value inside its range.
 */
export function stateTemplate(space?: PolicyMetadata['actionSpace']): Required<Omit<DecideState, 'last'>> & { last: DecideLast } {
  const middle = (r: KnobRange) => r.min + Math.floor((r.max - r.min) / r.step / 2) * r.step;
  const config: DecideConfig = space === undefined
    ? { cores: 2, memory_mb: 800, instances: 6 }
    : { cores: middle(space.executorCores), memory_mb: middle(space.executorMemoryMb), instances: middle(space.executorInstances) };
  return {
    version: DECIDE_STATE_VERSION,
    fps: 40,
    config,
    last: {
      per_frame_ms: { mean: 650, p95: 900 },
      cpu_util: 0.7,
      mem_util: 0.4,
      backlog_frames: 120,
      frames_arrived: 4800,
      pending_pods: 0,
      frames_processed: 4680,
      frames_dropped: 0,
      executors_running: config.instances,
      failure: null,
    },
  };
}

/** The state format, field by field, for --help and the exported policy README. */
export const DECIDE_STATE_FIELDS: readonly (readonly [field: string, meaning: string])[] = [
  ['version', `optional; ${DECIDE_STATE_VERSION}, the version of this format`],
  ['fps', `load the next window faces, frames per second, in [0, ${MAX_FPS}]`],
  ['config.cores, config.memory_mb, config.instances', "the configuration now: integers on the policy's action-space grid"],
  ['last', 'optional (null or absent before the first window): what the last window measured'],
  ['last.per_frame_ms.mean, last.per_frame_ms.p95', 'per-frame processing time, ms >= 0'],
  ['last.cpu_util, last.mem_util', 'busy task slots and executor memory used, fractions in [0, 1]'],
  ['last.backlog_frames, last.frames_arrived, last.frames_processed, last.frames_dropped', 'frame counts of the window, integers >= 0'],
  ['last.pending_pods, last.executors_running', 'executor pods Pending and executors running at its end, integers >= 0'],
  ['last.failure', 'optional: why the window gave no measurement, or null'],
];

// ---------------------------------------------------------------- deciding

/** The StateManager's view of a reported state. */
export function stateInput(state: DecideState): StateInput {
  const c = state.config;
  const last = state.last ?? null;
  return {
    fps: state.fps,
    config: { executorCores: c.cores, executorMemoryMb: c.memory_mb, executorInstances: c.instances },
    last: last === null ? null : toOutcome(last),
  };
}

/** Only the fields the StateManager reads carry meaning; the rest are placeholders. */
function toOutcome(last: DecideLast): TrialOutcome {
  return {
    perFrameMs: { mean: last.per_frame_ms.mean, p50: last.per_frame_ms.mean, p95: last.per_frame_ms.p95, p99: last.per_frame_ms.p95, max: last.per_frame_ms.p95 },
    throughputFps: 0,
    backlogFrames: last.backlog_frames,
    framesArrived: last.frames_arrived,
    framesProcessed: last.frames_processed,
    framesDropped: last.frames_dropped,
    cpuUtil: last.cpu_util,
    memUtil: last.mem_util,
    executorsRunning: last.executors_running,
    pendingPods: last.pending_pods,
    taskFailures: 0,
    executorLosses: 0,
    costPerHour: 0,
    sloViolationFraction: 0,
    redeployed: false,
    windowMs: 0,
    wallMs: 0,
    failure: last.failure ?? null,
  };
}

/**
 * The configuration an action leads to from `config` — the same arithmetic as
 * ConfigurationManager.target, over the policy's recorded action space.
 */
export function targetConfig(metadata: PolicyMetadata, config: DecideConfig, action: number): DecideConfig {
  const space = metadata.actionSpace;
  if (space.encoding === 'absolute') {
    const [cores, memory_mb, instances] = (space.grid as [number, number, number][])[action];
    return { cores, memory_mb, instances };
  }
  return {
    cores: config.cores + (Math.floor(action / 9) - 1) * space.executorCores.step,
    memory_mb: config.memory_mb + ((Math.floor(action / 3) % 3) - 1) * space.executorMemoryMb.step,
    instances: config.instances + ((action % 3) - 1) * space.executorInstances.step,
  };
}

/** Whether a configuration is in the action space (ConfigurationManager.inSpace's rule: in range and on the grid). */
export function inActionSpace(metadata: PolicyMetadata, config: DecideConfig): boolean {
  const space = metadata.actionSpace;
  return onDomain(space.executorCores, config.cores) && onDomain(space.executorMemoryMb, config.memory_mb) && onDomain(space.executorInstances, config.instances);
}

/**
 * The greedy action over allowed actions and the configuration it leads to.
 * The state must be valid for this policy (parseDecideState). The artifact
 * knows no cluster, so unlike ConfigurationManager.mask it cannot rule out a
 * configuration whose executor pod fits on no node.
 */
export function decide(policy: LoadedPolicy, state: DecideState, options: { nowMs?: () => number } = {}): Decision {
  const nowMs = options.nowMs ?? (() => performance.now());
  const started = nowMs();
  const { metadata, model, tf } = policy;
  const observation = new StateManager(metadata.observation).observe(stateInput(state));
  const layers = denseLayersOf(model);
  const q =
    layers !== null
      ? denseForward(layers, observation)
      : tf.tidy(() => {
          const output = model.predict(tf.tensor2d(observation, [1, observation.length])) as Tensor;
          return output.dataSync() as Float32Array;
        });
  for (let a = 0; a < q.length; a++) {
    if (!Number.isFinite(q[a])) {
      throw new UserInputError(`${policy.dir}: the network gives a non-finite Q-value (${q[a]}) for action ${a}: its weights are corrupt or diverged in training`);
    }
  }
  const masked: number[] = [];
  let action = -1;
  for (let a = 0; a < q.length; a++) {
    if (!inActionSpace(metadata, targetConfig(metadata, state.config, a))) {
      masked.push(a);
    } else if (action < 0 || q[a] > q[action]) {
      action = a;
    }
  }
  if (action < 0) {
    // Cannot happen for a valid state: 'delta' always allows action 13 (stay), 'absolute' allows the whole grid.
    throw new RangeError(`every action is masked from ${JSON.stringify(state.config)}`);
  }
  const config = targetConfig(metadata, state.config, action);
  return { action, config, q_values: Array.from(q), masked, decide_ms: nowMs() - started };
}
