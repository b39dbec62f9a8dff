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
import {
  OUTCOME_FIELDS,
  OUTCOME_FIELD_NAMES,
  QUANTILES,
  outcomeField,
  type OutcomeFieldName,
  type QuantileName,
  type QuantilesField,
  type ScalarField,
  type ScalarKind,
} from '../space/outcome-fields.js';
import type { LoadedPolicy, PolicyMetadata } from './artifact.js';

/** The state file's configuration, in the names a user writes. */
export interface DecideConfig {
  cores: number;
  memory_mb: number;
  instances: number;
}

type Fields = typeof OUTCOME_FIELDS;
type ScalarName = Exclude<OutcomeFieldName, 'perFrameMs'>;
type RequiredName = { [K in ScalarName]: Fields[K]['decide'] extends 'required' ? K : never }[ScalarName];
type OptionalName = Exclude<ScalarName, RequiredName>;
type RequiredQuantile = Fields['perFrameMs']['decide']['required'][number];

/**
 * What the last measurement window showed (absent before the first one):
 * the outcome's fields under their keys (src/space/outcome-fields.ts). The
 * fields decide has always read are required; every other one is optional.
 */
export type DecideLast = { per_frame_ms: Pick<TrialOutcome['perFrameMs'], RequiredQuantile> & Partial<TrialOutcome['perFrameMs']> } & {
  [K in RequiredName as Fields[K]['key']]: Exclude<TrialOutcome[K], undefined>;
} & { [K in OptionalName as Fields[K]['key']]?: Exclude<TrialOutcome[K], undefined> };

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
const amount = (unit: string) => z.number({ error: expected(`a non-negative number${unit === '' ? '' : ` of ${unit}`}`) }).min(0).max(Number.MAX_VALUE);

function strict<S extends z.ZodRawShape>(shape: S, what: string) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}; allowed: ${allowed}`
        : `expected ${what}, got ${formatValue(issue.input)}`,
  });
}

/** The check of one outcome field's value in a state. */
function fieldSchema(field: ScalarField<unknown>): z.ZodType {
  switch (field.kind) {
    case 'fraction':
      return fraction();
    case 'count':
      return count();
    case 'amount':
      return amount(field.unit);
    case 'flag':
      return z.boolean({ error: expected('true or false') });
    case 'text':
      return z.string({ error: expected('a text or null') }).nullable();
  }
}

const isRequired = (field: ScalarField<unknown>) => field.decide === 'required';

function quantilesSchema(field: QuantilesField) {
  const required = new Set<QuantileName>(field.decide.required);
  const ms = () => amount(field.unit);
  const shape = Object.fromEntries(
    [...field.decide.required, ...QUANTILES.filter((q) => !required.has(q))].map((q) => [q, required.has(q) ? ms() : ms().optional()]),
  );
  return strict(shape, `per-frame times {${field.decide.required.join(', ')}} in ${field.unit}`);
}

/** decide's `last` block, field by field from the outcome table (required ones first, in table order). */
function lastSchema() {
  const scalars = OUTCOME_FIELD_NAMES.filter((name) => name !== 'perFrameMs').map((name) => outcomeField(name) as ScalarField<unknown>);
  const shape: Record<string, z.ZodType> = { [OUTCOME_FIELDS.perFrameMs.key]: quantilesSchema(OUTCOME_FIELDS.perFrameMs) };
  for (const field of scalars.filter(isRequired)) shape[field.key] = fieldSchema(field);
  for (const field of scalars.filter((f) => !isRequired(f))) shape[field.key] = fieldSchema(field).optional();
  const requiredKeys = [OUTCOME_FIELDS.perFrameMs.key, ...scalars.filter(isRequired).map((f) => f.key)];
  return strict(shape, `the last window {${requiredKeys.join(', ')}}`);
}

/** decide's `last` block (the team decide reads the same). */
export const LAST_SCHEMA = lastSchema();

/** The outcome field each key of `last` names. */
const FIELD_BY_KEY = new Map(OUTCOME_FIELD_NAMES.map((name) => [OUTCOME_FIELDS[name].key as string, outcomeField(name)]));

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
      last: LAST_SCHEMA.nullable().optional(),
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
  return parseDecideState(readStateJson(path), metadata, { file });
}

/** A state file's JSON ('-' reads standard input), size-capped; unreadable or malformed is one line. */
export function readStateJson(path: string): unknown {
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
  return value;
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
    last: lastTemplate({ executors_running: config.instances }),
  };
}

/** Every field of `last`, each at its table example (in the schema's order: required fields first). */
function lastTemplate(overrides: Record<string, unknown>): Required<DecideLast> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(LAST_SCHEMA.shape)) {
    const field = FIELD_BY_KEY.get(key)!;
    out[key] = key in overrides ? overrides[key] : field.kind === 'quantiles' ? { ...field.example } : field.example;
  }
  return out as Required<DecideLast>;
}

/** The state format, field by field, for --help and the exported policy README. */
export const DECIDE_STATE_FIELDS: readonly (readonly [field: string, meaning: string])[] = [
  ['version', `optional; ${DECIDE_STATE_VERSION}, the version of this format`],
  ['fps', `load the next window faces, frames per second, in [0, ${MAX_FPS}]`],
  ['config.cores, config.memory_mb, config.instances', "the configuration now: integers on the policy's action-space grid"],
  ['last', 'optional (null or absent before the first window): what the last window measured'],
  ...lastFieldDocs(),
];

/** One line per field of `last`, from the outcome table. */
function lastFieldDocs(): (readonly [field: string, meaning: string])[] {
  const range: Record<ScalarKind, string> = {
    fraction: 'a fraction in [0, 1]',
    count: 'an integer >= 0',
    amount: 'a number >= 0',
    flag: 'true or false',
    text: 'a text or null',
  };
  const q: QuantilesField = OUTCOME_FIELDS.perFrameMs;
  const optionalQuantiles = QUANTILES.filter((name) => !q.decide.required.includes(name));
  const lines: (readonly [string, string])[] = [
    [q.decide.required.map((name) => `last.${q.key}.${name}`).join(', '), `${q.description}, ${q.unit} >= 0`],
    [
      optionalQuantiles.map((name) => `last.${q.key}.${name}`).join(', '),
      `optional: the other quantiles (left out, each stands at ${optionalQuantiles.map((name) => `${name} = ${q.decide.whenAbsent[name]}`).join(', ')})`,
    ],
  ];
  for (const key of Object.keys(LAST_SCHEMA.shape)) {
    const field = FIELD_BY_KEY.get(key)!;
    if (field.kind === 'quantiles') continue;
    const unit = field.unit === '' || field.kind === 'count' ? '' : ` ${field.unit}`;
    const optional = field.decide === 'required' ? '' : 'optional: ';
    lines.push([`last.${key}`, `${optional}${field.description}; ${range[field.kind]}${unit}`]);
  }
  return lines;
}

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

/**
 * The outcome a state's `last` stands for. A field the state leaves out
 * holds its table placeholder (`decide.whenAbsent`), so a state written
 * before the optional fields existed is read as it always was.
 */
export function toOutcome(last: DecideLast): TrialOutcome {
  const given = last as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of OUTCOME_FIELD_NAMES) {
    const field = outcomeField(name);
    if (field.kind === 'quantiles') {
      const times = given[field.key] as Partial<Record<QuantileName, number>>;
      const whenAbsent = field.decide.whenAbsent;
      out[name] = Object.fromEntries(QUANTILES.map((q) => [q, times[q] ?? times[whenAbsent[q]!]!]));
    } else if (given[field.key] !== undefined) {
      out[name] = given[field.key];
    } else if (field.decide !== 'required' && field.decide.whenAbsent !== undefined) {
      out[name] = field.decide.whenAbsent;
    }
  }
  return out as unknown as TrialOutcome;
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
