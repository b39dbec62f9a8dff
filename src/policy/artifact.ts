/**
 * The policy artifact: a folder a trained policy lives in, loadable without
 * the training code.
 *
 *   model.json   the tfjs LayersModel (topology + weightsManifest), standard tfjs format
 *   weights.bin  its weights, little-endian, in manifest order
 *   policy.json  what the network means: action space, observation normalisation,
 *                scenario, training run, versions
 *   README.md    how to load and call it in plain tfjs
 *
 * We save and load through in-memory IOHandlers because tfjs's file://
 * handlers live in @tensorflow/tfjs-node, which does not install here. A save
 * writes a hidden sibling folder and renames it into place, so an error or a
 * crash never leaves a half-written policy where loaders look.
 */
import { EXECUTOR_KNOBS, KNOB_NAMES as ALL_KNOBS, KNOB_TABLE } from '../space/knobs.js';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tfTypes from '@tensorflow/tfjs';
import { io, version as tfjsVersions } from '@tensorflow/tfjs';
import { z } from 'zod';
import { UserInputError } from '../errors.js';
import { jsonSyntaxMessage } from '../input/excerpt.js';
import type { ActionEncoding } from '../managers/configuration.js';
import { ALL_FEATURES, OBSERVATION_FEATURES, type ObservationFeature, type ObservationNormalisation } from '../managers/state.js';
import { makeDir } from '../output-dir.js';
import { onDomain } from '../space/grid.js';
import { actionSpaceConfigs } from '../scenario/run-spec.js';
import { fallbackError, formatPath, formatValue, toProblem, type ActionSpace, type KnobRange, type Scenario } from '../scenario/schema.js';
import type { Tf } from '../agents/tf.js';
import { DECIDE_STATE_FIELDS, DECIDE_STATE_VERSION } from './decide.js';

const TFJS_VERSION: string = tfjsVersions.tfjs;

export const POLICY_FORMAT = 'sspe-policy';
export const POLICY_FORMAT_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const METADATA_FILE = 'policy.json';
export const README_FILE = 'README.md';

/** The knobs a single-agent artifact (format of the paper's action space) saves. */
const KNOB_NAMES = EXECUTOR_KNOBS;

// ---------------------------------------------------------------- metadata

/** The action space the network's outputs index into. */
export interface PolicyActionSpace extends ActionSpace {
  encoding: ActionEncoding;
  /** Outputs of the network: 27 for 'delta', the grid size for 'absolute'. */
  actionCount: number;
  /** 'absolute' only: action i → [executorCores, executorMemoryMb, executorInstances]; null for 'delta'. */
  grid: [number, number, number][] | null;
}

export interface PolicyMetadata {
  format: typeof POLICY_FORMAT;
  formatVersion: typeof POLICY_FORMAT_VERSION;
  name: string;
  algorithm: 'dqn';
  actionSpace: PolicyActionSpace;
  /** How the StateManager scaled observations; decide rebuilds them from this alone. */
  observation: ObservationNormalisation;
  scenario: { name: string; hash: string };
  training: { seed: number | string; episodes: number; envSteps: number; wallSeconds: number; createdAt: string };
  versions: { sspe: string; tfjs: string };
}

/** A policy read back from its folder. */
export interface LoadedPolicy {
  /** The folder, as given to loadPolicy. */
  dir: string;
  model: tfTypes.LayersModel;
  metadata: PolicyMetadata;
  /** The tfjs instance the model lives in (decide runs its forward pass there). */
  tf: Tf;
}

const nonNegativeInt = z.number().int().min(0);

const knobRangeSchema = z.strictObject({ min: nonNegativeInt, max: nonNegativeInt, step: z.number().int().min(1) });

const metadataSchema = z
  .strictObject({
    format: z.literal(POLICY_FORMAT),
    formatVersion: z.literal(POLICY_FORMAT_VERSION),
    name: z.string().min(1),
    algorithm: z.literal('dqn'),
    actionSpace: z.strictObject({
      encoding: z.enum(['delta', 'absolute']),
      actionCount: z.number().int().min(1),
      executorCores: knobRangeSchema,
      executorMemoryMb: knobRangeSchema,
      executorInstances: knobRangeSchema,
      grid: z.array(z.tuple([nonNegativeInt, nonNegativeInt, nonNegativeInt])).nullable(),
    }),
    observation: z.strictObject({
      features: z.array(z.enum(ALL_FEATURES)).min(1),
      maxFps: z.number().positive(),
      sloPerFrameMs: z.number().positive(),
      latencyScale: z.number().positive(),
      actionSpace: z.strictObject({
        executorCores: z.strictObject({ min: z.number(), max: z.number() }),
        executorMemoryMb: z.strictObject({ min: z.number(), max: z.number() }),
        executorInstances: z.strictObject({ min: z.number(), max: z.number() }),
      }),
    }),
    scenario: z.strictObject({ name: z.string(), hash: z.string().regex(/^[0-9a-f]{64}$/) }),
    training: z.strictObject({
      seed: z.union([z.number(), z.string()]),
      episodes: nonNegativeInt,
      envSteps: nonNegativeInt,
      wallSeconds: z.number().min(0),
      createdAt: z.string(),
    }),
    versions: z.strictObject({ sspe: z.string(), tfjs: z.string() }),
  })
  .superRefine((m, ctx) => {
    const space = m.actionSpace;
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message, input: undefined });
    for (const knob of KNOB_NAMES) {
      const { min, max, step } = space[knob];
      if (min > max || (max - min) % step !== 0) {
        issue(['actionSpace', knob], `expected min <= max with max = min + k * step, got ${JSON.stringify(space[knob])}`);
      }
    }
    if (space.encoding === 'delta') {
      if (space.actionCount !== 27) issue(['actionSpace', 'actionCount'], `expected 27 for the delta encoding, got ${space.actionCount}`);
      if (space.grid !== null) issue(['actionSpace', 'grid'], 'expected null for the delta encoding (the grid is for absolute actions)');
    } else if (space.grid === null || space.grid.length !== space.actionCount) {
      issue(['actionSpace', 'grid'], `expected ${space.actionCount} configurations (actionCount) for the absolute encoding, got ${space.grid?.length ?? 'none'}`);
    } else {
      const i = space.grid.findIndex((entry) => entry.some((value, k) => !onDomain(space[KNOB_NAMES[k]], value)));
      if (i >= 0) issue(['actionSpace', 'grid', i], `expected a configuration inside the knob ranges above, got ${JSON.stringify(space.grid[i])}`);
    }
  });

/** The action space of a scenario under an encoding, as a policy records it. */
export function policyActionSpace(scenario: Pick<Scenario, 'actionSpace'>, encoding: ActionEncoding): PolicyActionSpace {
  const copy = (r: KnobRange): KnobRange => ({ min: r.min, max: r.max, step: r.step });
  const grid = encoding === 'absolute'
    ? actionSpaceConfigs(scenario).map((c): [number, number, number] => [c.executorCores, c.executorMemoryMb, c.executorInstances])
    : null;
  return {
    encoding,
    actionCount: grid === null ? 27 : grid.length,
    executorCores: copy(scenario.actionSpace.executorCores),
    executorMemoryMb: copy(scenario.actionSpace.executorMemoryMb),
    executorInstances: copy(scenario.actionSpace.executorInstances),
    grid,
  };
}

/** Metadata for a policy trained on `scenario`; fills format, hashes and versions. */
export function createPolicyMetadata(options: {
  name: string;
  scenario: Scenario;
  encoding: ActionEncoding;
  observation: ObservationNormalisation;
  training: Omit<PolicyMetadata['training'], 'createdAt'> & { createdAt?: string };
}): PolicyMetadata {
  return {
    format: POLICY_FORMAT,
    formatVersion: POLICY_FORMAT_VERSION,
    name: options.name,
    algorithm: 'dqn',
    actionSpace: policyActionSpace(options.scenario, options.encoding),
    observation: { ...options.observation, features: [...options.observation.features] },
    scenario: { name: options.scenario.name, hash: scenarioHash(options.scenario) },
    training: { ...options.training, createdAt: options.training.createdAt ?? new Date().toISOString() },
    versions: { sspe: sspeVersion(), tfjs: TFJS_VERSION },
  };
}

// ---------------------------------------------------------------- scenario hash

/**
 * sha256 of the scenario's canonical JSON (keys sorted at every level, the
 * file path left out): the same scenario content hashes the same wherever
 * the file lives.
 */
export function scenarioHash(scenario: Scenario): string {
  const { file: _file, ...content } = scenario;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** JSON with object keys sorted; undefined fields dropped (as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

let cachedSspeVersion: string | undefined;

/** package.json's version, found by walking up from this file (works from src/ and dist/src/). */
export function sspeVersion(): string {
  if (cachedSspeVersion !== undefined) return cachedSspeVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sspe' && typeof pkg.version === 'string') return (cachedSspeVersion = pkg.version);
    }
    const parent = dirname(dir);
    if (parent === dir) return (cachedSspeVersion = 'unknown');
    dir = parent;
  }
}

// ---------------------------------------------------------------- save

/** The file writes of a save, injectable so tests can fail one midway. */
export interface PolicyWriter {
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
}

const fsWriter: PolicyWriter = { writeFile: (path, data) => writeFile(path, data) };

export interface SavePolicyOptions {
  model: tfTypes.LayersModel;
  metadata: PolicyMetadata;
  /** Replace an existing non-empty folder (default: refuse). */
  overwrite?: boolean;
  /** More files to write into the folder in the same all-or-nothing step (e.g. training curves). */
  extraFiles?: Record<string, string | Uint8Array>;
  writer?: PolicyWriter;
}

/** Writes a policy folder all at once: nothing appears at `dir` unless every file was written. */
export async function savePolicy(dir: string, options: SavePolicyOptions): Promise<{ dir: string; files: string[] }> {
  const { model, metadata } = options;
  const writer = options.writer ?? fsWriter;
  const checked = parseMetadata(metadata, `${dir}/${METADATA_FILE} (to be written)`);
  checkModelShape(model, checked, `${dir}: cannot save`);

  const extraFiles = options.extraFiles ?? {};
  for (const name of Object.keys(extraFiles)) {
    if (!/^[^/\\]+$/.test(name) || name === '.' || name === '..' || [MODEL_FILE, WEIGHTS_FILE, METADATA_FILE, README_FILE].includes(name)) {
      throw new RangeError(`extraFiles: expected plain file names other than the artifact's own, got '${name}'`);
    }
  }

  const target = resolve(dir);
  if (existsSync(dirname(target))) await removeStaleTemps(dirname(target), basename(target));
  if (!options.overwrite && (await nonEmptyDir(target))) {
    throw new UserInputError(`${dir} already exists and is not empty; choose another folder or overwrite it (--force)`);
  }
  if (existsSync(target) && !statSync(target).isDirectory()) {
    throw new UserInputError(`${dir} exists and is not a folder`);
  }

  let artifacts: tfTypes.io.ModelArtifacts | undefined;
  await model.save(
    io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (artifacts?.modelTopology === undefined || artifacts.weightSpecs === undefined || artifacts.weightData === undefined) {
    throw new Error('tfjs handed the save handler no topology or weights');
  }
  const weights = new Uint8Array(io.CompositeArrayBuffer.join(artifacts.weightData));
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${TFJS_VERSION}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
  };

  const parent = dirname(target);
  makeDir(parent, `policy folder ${dir}`);
  const temp = join(parent, `${tempPrefix(basename(target))}${process.pid}-${randomBytes(4).toString('hex')}`);
  const files = [MODEL_FILE, WEIGHTS_FILE, METADATA_FILE, README_FILE, ...Object.keys(extraFiles)];
  try {
    await mkdir(temp);
    await writer.writeFile(join(temp, MODEL_FILE), `${JSON.stringify(modelJson)}\n`);
    await writer.writeFile(join(temp, WEIGHTS_FILE), weights);
    await writer.writeFile(join(temp, METADATA_FILE), `${JSON.stringify(checked, null, 2)}\n`);
    await writer.writeFile(join(temp, README_FILE), policyReadme(checked, weights.byteLength));
    for (const [name, data] of Object.entries(extraFiles)) await writer.writeFile(join(temp, name), data);
    if (existsSync(target)) {
      // Move the old folder aside first: rename cannot replace a non-empty folder.
      const old = `${temp}${OLD_SUFFIX}`;
      await rename(target, old);
      try {
        await rename(temp, target);
      } catch (error) {
        await rename(old, target);
        throw error;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temp, target);
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return { dir, files };
}

const OLD_SUFFIX = '-old';

function tempPrefix(name: string): string {
  return `.${name}.sspe-tmp-`;
}

/**
 * Cleans up after a save that crashed (its process no longer runs): removes
 * its temp folder, and puts back the policy it was replacing if the crash
 * came between the two renames.
 */
async function removeStaleTemps(parent: string, name: string): Promise<void> {
  const prefix = tempPrefix(name);
  for (const entry of await readdir(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    if (entry.endsWith(OLD_SUFFIX) && !existsSync(join(parent, name))) {
      await rename(join(parent, entry), join(parent, name));
    } else {
      await rm(join(parent, entry), { recursive: true, force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function nonEmptyDir(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    return !info.isDirectory() || (await readdir(path)).length > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

// ---------------------------------------------------------------- load

const BYTES_PER_DTYPE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tfTypes.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/**
 * Reads and validates a policy folder and builds its network in `tf` (whose
 * backend the caller has started). Every problem is one UserInputError line
 * naming the file.
 */
export async function loadPolicy(dir: string, options: { tf: Tf }): Promise<LoadedPolicy> {
  const { tf } = options;
  let info;
  try {
    info = statSync(dir);
  } catch (error) {
    throw new UserInputError(`policy folder not found: ${dir}`, { cause: error });
  }
  if (!info.isDirectory()) throw new UserInputError(`${dir}: expected a policy folder (${MODEL_FILE}, ${WEIGHTS_FILE}, ${METADATA_FILE}), got a file`);

  const metadataPath = join(dir, METADATA_FILE);
  const metadata = parseMetadata(readJson(metadataPath, dir), metadataPath);

  const modelPath = join(dir, MODEL_FILE);
  const modelJson = checkModelJson(readJson(modelPath, dir), modelPath);
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const expectedBytes = weightSpecs.reduce((sum, spec) => sum + weightBytes(spec, modelPath), 0);
  const shards = modelJson.weightsManifest.flatMap((group) => group.paths);
  const buffers = shards.map((shard) => {
    const path = join(dir, shard);
    try {
      return readFileSync(path);
    } catch (error) {
      throw new UserInputError(`${path}: ${missing(error) ? 'missing' : `cannot read: ${(error as Error).message}`} (${modelPath} lists it)`, { cause: error });
    }
  });
  const actualBytes = buffers.reduce((sum, b) => sum + b.byteLength, 0);
  const weightsPath = shards.length === 1 ? join(dir, shards[0]) : `${dir}/{${shards.join(',')}}`;
  if (actualBytes !== expectedBytes) {
    throw new UserInputError(
      `${weightsPath}: expected ${expectedBytes} bytes (the weights ${modelPath} lists), got ${actualBytes}: the file is truncated or belongs to another model`,
    );
  }
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;

  let model: tfTypes.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
  } catch (error) {
    throw new UserInputError(`${modelPath}: cannot build the network: ${firstLine(error)}`, { cause: error });
  }
  checkModelShape(model, metadata, modelPath);
  checkPolicy({ dir, model, metadata, tf }, weightsPath);
  // One forward pass now: proves the network runs, and the first real decision is not the one paying for compilation.
  tf.tidy(() => {
    (model.predict(tf.zeros([1, metadata.observation.features.length])) as tfTypes.Tensor).dataSync();
  });
  return { dir, model, metadata, tf };
}

/**
 * The one check every command that loads a policy runs (export, evaluate,
 * decide, finetune and deploy all load through loadPolicy): every weight is
 * finite, and the metadata agrees with itself. A policy whose weights went
 * NaN in training is refused here, not copied or evaluated as if it worked.
 */
export function checkPolicy(policy: LoadedPolicy, weightsFile: string): void {
  const m = policy.metadata;
  const metadataFile = join(policy.dir, METADATA_FILE);
  for (const knob of KNOB_NAMES) {
    const acted = m.actionSpace[knob];
    const observed = m.observation.actionSpace[knob];
    if (acted.min !== observed.min || acted.max !== observed.max) {
      throw new UserInputError(
        `${metadataFile}: observation.actionSpace.${knob}: expected the action space's range [${acted.min}, ${acted.max}], got [${observed.min}, ${observed.max}]`,
      );
    }
  }
  const features = m.observation.features;
  const repeated = features.find((f, i) => features.indexOf(f) !== i);
  if (repeated !== undefined) throw new UserInputError(`${metadataFile}: observation.features: expected each feature once, got '${repeated}' twice`);
  for (const field of ['maxFps', 'sloPerFrameMs', 'latencyScale'] as const) {
    if (!Number.isFinite(m.observation[field])) {
      throw new UserInputError(`${metadataFile}: observation.${field}: expected a finite positive number, got ${m.observation[field]}`);
    }
  }
  const weights = policy.model.weights;
  for (const weight of weights) {
    const values = weight.read().dataSync();
    let bad = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) bad++;
    if (bad > 0) {
      throw new UserInputError(
        `${weightsFile}: weight '${weight.originalName}' holds ${bad} of ${values.length} values that are NaN or infinite: ` +
          'expected finite weights (the file is corrupt, or training diverged)',
      );
    }
  }
}

function readJson(path: string, dir: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (missing(error)) {
      throw new UserInputError(`${dir}: not a policy folder: ${basename(path)} is missing (expected ${MODEL_FILE}, ${WEIGHTS_FILE} and ${METADATA_FILE})`, {
        cause: error,
      });
    }
    throw new UserInputError(`${path}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${path}: ${jsonSyntaxMessage(text, error)}: the file is corrupt`, { cause: error });
  }
}

/** Validates policy.json; format and version are checked first so an old or foreign file says so plainly. */
export function parseMetadata(value: unknown, file: string): PolicyMetadata {
  const record = (value !== null && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  if (record.format !== POLICY_FORMAT) {
    throw new UserInputError(`${file}: format: expected '${POLICY_FORMAT}', got ${formatValue(record.format)}: not an sspe policy`);
  }
  if (record.formatVersion !== POLICY_FORMAT_VERSION) {
    throw new UserInputError(
      `${file}: formatVersion: expected ${POLICY_FORMAT_VERSION} (the version this sspe reads), got ${formatValue(record.formatVersion)}`,
    );
  }
  const parsed = metadataSchema.safeParse(value, { error: fallbackError });
  if (!parsed.success) {
    const problem = toProblem(parsed.error.issues[0]);
    throw new UserInputError(`${file}: ${problem.path.length > 0 ? `${formatPath(problem.path)}: ` : ''}${problem.message}`, { cause: parsed.error });
  }
  return parsed.data as PolicyMetadata;
}

function checkModelJson(value: unknown, file: string): ModelJson {
  const m = value as Partial<ModelJson> | null;
  if (m === null || typeof m !== 'object' || typeof m.modelTopology !== 'object' || m.modelTopology === null) {
    throw new UserInputError(`${file}: modelTopology: expected the network's topology (a tfjs layers-model model.json), got ${formatValue(m?.modelTopology)}`);
  }
  const manifest = m.weightsManifest;
  const groupOk = (g: unknown) => {
    const group = g as { paths?: unknown; weights?: unknown } | null;
    return group !== null && typeof group === 'object' && Array.isArray(group.paths) && Array.isArray(group.weights) &&
      // Plain file names only: a manifest must not reach outside its folder.
      group.paths.every((p) => typeof p === 'string' && /^[^/\\]+$/.test(p) && p !== '.' && p !== '..');
  };
  if (!Array.isArray(manifest) || manifest.length === 0 || !manifest.every(groupOk)) {
    throw new UserInputError(
      `${file}: weightsManifest: expected a list of {paths: [files in this folder], weights: [...]}, got ${formatValue(manifest)}`,
    );
  }
  return m as ModelJson;
}

function weightBytes(spec: tfTypes.io.WeightsManifestEntry, file: string): number {
  const count = Array.isArray(spec.shape) ? spec.shape.reduce((a, b) => a * b, 1) : NaN;
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = BYTES_PER_DTYPE[dtype];
  if (!Number.isInteger(count) || count < 0 || bytes === undefined) {
    throw new UserInputError(`${file}: weightsManifest: weight '${spec.name}': expected a shape and a dtype (float32, int32, …), got ${formatValue({ shape: spec.shape, dtype })}`);
  }
  return count * bytes;
}

/** The network must take one observation and give one Q-value per action. */
function checkModelShape(model: tfTypes.LayersModel, metadata: PolicyMetadata, where: string): void {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new UserInputError(`${where}: expected a network with one input and one output, got ${model.inputs.length} and ${model.outputs.length}`);
  }
  const inputs = model.inputs[0].shape;
  const outputs = model.outputs[0].shape;
  const features = metadata.observation.features.length;
  if (inputs.length !== 2 || inputs[1] !== features) {
    throw new UserInputError(
      `${where}: the network takes input shape ${JSON.stringify(inputs)}, but policy.json lists ${features} observation features (expected [null, ${features}])`,
    );
  }
  if (outputs.length !== 2 || outputs[1] !== metadata.actionSpace.actionCount) {
    throw new UserInputError(
      `${where}: the network gives output shape ${JSON.stringify(outputs)}, but policy.json lists ${metadata.actionSpace.actionCount} actions (expected [null, ${metadata.actionSpace.actionCount}])`,
    );
  }
}

function missing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

// ---------------------------------------------------------------- compatibility

/** A one-line summary: "27 delta actions over cores 1-3, memory 512-2048 MB step 256, instances 1-6". */
export function describeActionSpace(space: Pick<PolicyActionSpace, 'encoding' | 'actionCount'> & ActionSpace): string {
  const range = (r: KnobRange, unit = '') => `${r.min}-${r.max}${unit}${r.step !== 1 ? ` step ${r.step}` : ''}`;
  return (
    `${space.actionCount} ${space.encoding} actions over cores ${range(space.executorCores)}, ` +
    `memory ${range(space.executorMemoryMb, ' MB')}, instances ${range(space.executorInstances)}`
  );
}

/**
 * Throws when the policy cannot drive this scenario: a different action space
 * (encoding, knob ranges or steps) or a different observation (features, knob
 * scaling). Returns warnings for differences it can still run with (another
 * scenario, SLO or load ceiling than the one it was trained on). `where` is
 * the policy folder (messages name it) or options; `features` defaults to the
 * full observation (a multi-agent partition passes its own).
 */
export function checkCompatible(
  metadata: PolicyMetadata,
  scenario: Scenario,
  where: string | { policyDir?: string; features?: readonly ObservationFeature[] } = {},
): { warnings: string[] } {
  const options = typeof where === 'string' ? { policyDir: where } : where;
  const label = options.policyDir !== undefined ? `policy ${options.policyDir}` : `policy '${metadata.name}'`;
  const encoding = scenario.learning.env.encoding;
  const wanted = policyActionSpace(scenario, encoding);
  const policySpace = metadata.actionSpace;
  const sameSpace =
    policySpace.encoding === wanted.encoding &&
    policySpace.actionCount === wanted.actionCount &&
    KNOB_NAMES.every((k) => ['min', 'max', 'step'].every((f) => policySpace[k][f as keyof KnobRange] === wanted[k][f as keyof KnobRange]));
  if (!sameSpace) {
    throw new UserInputError(
      `${label} was trained for ${describeActionSpace(policySpace)}; the scenario '${scenario.name}' has ${describeActionSpace(wanted)}`,
    );
  }
  const features = options.features ?? OBSERVATION_FEATURES;
  const policyFeatures = metadata.observation.features;
  if (policyFeatures.length !== features.length || policyFeatures.some((f, i) => f !== features[i])) {
    throw new UserInputError(
      `${label} observes ${policyFeatures.length} features (${policyFeatures.join(', ')}); the scenario's agents observe ${features.length} (${features.join(', ')})`,
    );
  }
  for (const knob of KNOB_NAMES) {
    const scaled = metadata.observation.actionSpace[knob];
    const range = scenario.actionSpace[knob];
    if (scaled.min !== range.min || scaled.max !== range.max) {
      throw new UserInputError(
        `${label} scales ${knob} over ${scaled.min}-${scaled.max} in its observation; the scenario '${scenario.name}' has ${range.min}-${range.max}`,
      );
    }
  }
  return { warnings: scenarioWarnings(label, metadata, scenario) };
}

/**
 * What a policy that can act on a scenario may still get wrong there, as
 * warnings: a different load scale or SLO in its observation, or (when
 * neither) a different scenario than it trained on. Single-agent policies
 * and team bundles alike.
 */
export function scenarioWarnings(
  label: string,
  trained: { observation: { maxFps: number; sloPerFrameMs: number }; scenario: { name: string; hash: string } },
  scenario: Scenario,
): string[] {
  const warnings: string[] = [];
  const maxFps = Math.max(...scenario.workload.fpsLevels);
  if (trained.observation.maxFps !== maxFps) {
    warnings.push(`${label} scales load by ${trained.observation.maxFps} fps; the scenario's highest level is ${maxFps} fps`);
  }
  if (trained.observation.sloPerFrameMs !== scenario.slo.perFrameMs) {
    warnings.push(`${label} was trained for an SLO of ${trained.observation.sloPerFrameMs} ms per frame; the scenario's is ${scenario.slo.perFrameMs} ms`);
  }
  if (warnings.length === 0 && trained.scenario.hash !== scenarioHash(scenario)) {
    warnings.push(`${label} was trained on scenario '${trained.scenario.name}' (hash ${trained.scenario.hash.slice(0, 12)}); this one differs (${scenario.name})`);
  }
  return warnings;
}

// ---------------------------------------------------------------- README

function policyReadme(m: PolicyMetadata, weightsBytes: number): string {
  const features = m.observation.features;
  const n = m.observation;
  const knobLine = (label: string, r: KnobRange, unit: string) => `| ${label} | ${r.min} | ${r.max} | ${r.step} |${unit}`;
  const actions =
    m.actionSpace.encoding === 'delta'
      ? [
          'Encoding `delta` (27 actions): action `a` moves each knob by a grid step',
          '`dCores = floor(a / 9) - 1`, `dMemory = floor(a / 3) % 3 - 1`, `dInstances = a % 3 - 1`',
          '(each in −1, 0, +1, times the knob\'s step). Action 13 keeps the configuration.',
          'An action whose result leaves a knob\'s range is not allowed: skip it when taking the argmax.',
        ].join('\n')
      : [
          `Encoding \`absolute\` (${m.actionSpace.actionCount} actions): action \`a\` is the configuration`,
          '`policy.json` → `actionSpace.grid[a]` = `[executorCores, executorMemoryMb, executorInstances]`.',
        ].join('\n');
  return `# Policy \`${m.name}\`

A ${m.algorithm.toUpperCase()} policy written by sspe ${m.versions.sspe} (TensorFlow.js ${m.versions.tfjs}),
trained on scenario \`${m.scenario.name}\` (sha256 ${m.scenario.hash}) with seed ${String(m.training.seed)}:
${m.training.episodes} episodes, ${m.training.envSteps} environment steps, ${formatSeconds(m.training.wallSeconds)}, ${m.training.createdAt}.

| file | what |
|------|------|
| \`model.json\` | the network (tfjs layers-model format; its weightsManifest points at weights.bin) |
| \`weights.bin\` | the weights, ${weightsBytes} bytes, float32 little-endian |
| \`policy.json\` | action space, observation scaling, scenario, training run, versions |

## Load it

With sspe: \`sspe decide --policy <this folder> --state state.json\`; \`sspe decide --policy <this folder> --print-state-template\`
prints a valid state.json. Its format (version ${DECIDE_STATE_VERSION}), from which sspe computes the input features below:

| field | meaning |
|-------|---------|
${DECIDE_STATE_FIELDS.map(([field, meaning]) => `| \`${field}\` | ${meaning} |`).join('\n')}

In plain TensorFlow.js, in a browser or behind any web server: \`await tf.loadLayersModel('https://…/model.json')\`.
In Node with @tensorflow/tfjs-node: \`await tf.loadLayersModel('file://<this folder>/model.json')\`.
In Node with only @tensorflow/tfjs:

\`\`\`js
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
const json = JSON.parse(readFileSync('model.json', 'utf8'));
const bin = readFileSync('weights.bin');
const model = await tf.loadLayersModel(tf.io.fromMemory({
  modelTopology: json.modelTopology,
  weightSpecs: json.weightsManifest[0].weights,
  weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
}));
const q = model.predict(tf.tensor2d([observation], [1, ${features.length}])).dataSync();
\`\`\`

## Input: ${features.length} features, each scaled to [0, 1] (clipped)

| # | feature | value |
|---|---------|-------|
${features.map((f, i) => `| ${i} | \`${f}\` | ${FEATURE_DOC[f]} |`).join('\n')}

Constants: maxFps = ${n.maxFps}, SLO = ${n.sloPerFrameMs} ms per frame, latencyScale = ${n.latencyScale}
(per-frame times are divided by SLO × latencyScale = ${n.sloPerFrameMs * n.latencyScale} ms). Knobs are scaled by
(value − min) / (max − min) over the ranges below. Before the first measurement, every "last" feature is 0;
after a failed trial, both per-frame features are 1.

| knob | min | max | step |
|------|-----|-----|------|
${knobLine('executorCores', m.actionSpace.executorCores, '')}
${knobLine('executorMemoryMb', m.actionSpace.executorMemoryMb, '')}
${knobLine('executorInstances', m.actionSpace.executorInstances, '')}

## Output: ${m.actionSpace.actionCount} Q-values, one per action; take the argmax over allowed actions

${actions}
`;
}

/** "46.0 s", "2 min 13 s": a duration for people, without float noise. */
function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown time';
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

const FEATURE_DOC: Record<ObservationFeature, string> = {
  // The knobs beyond the paper's three: their position on the scenario's grid, from the knob table.
  ...(Object.fromEntries(
    ALL_KNOBS.map((name) => [KNOB_TABLE[name].observation, `${KNOB_TABLE[name].description} now, its position on the grid`]),
  ) as Record<ObservationFeature, string>),
  request_cost: "$/hour of the executor pods' requests, last window ÷ the scale saved with the policy",
  slot_util: "busy task slots ÷ slots of registered executors (Spark's view), last window",
  pending_tasks: 'tasks waiting for a free slot, time-averaged ÷ partitions, last window',
  executor_losses: 'executors lost (OOM kills, failures) ÷ executorInstances, last window',
  load_trend: '0.5 + 2 × (load the next window faces − frames that arrived in the last window ÷ its length, fps) ÷ maxFps, clipped to [0, 1] (0.5 = steady)',
  load_fps: 'load the next window faces, fps ÷ maxFps',
  cores: 'spark.executor.cores now, scaled over its range',
  memory_mb: 'spark.executor.memory (MB) now, scaled over its range',
  instances: 'spark.executor.instances now, scaled over its range',
  last_per_frame_mean: 'mean per-frame processing time of the last window ÷ (SLO × latencyScale)',
  last_per_frame_p95: 'p95 per-frame processing time of the last window ÷ (SLO × latencyScale)',
  cpu_util: 'busy task slots ÷ slots of registered executors, last window',
  mem_util: 'executor memory utilisation, last window',
  backlog: 'frames waiting at the end of the last window ÷ frames that arrived in it',
  pending_pods: 'executor pods Pending ÷ executorInstances',
  dropped_fraction: 'frames dropped ÷ (processed + dropped), last window',
  executors_running: 'executors running ÷ executorInstances',
};
