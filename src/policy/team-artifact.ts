/**
 * A multi-agent policy bundle: one folder with team.json (what the team is:
 * its agents, each agent's knobs, features and encoding, the observation
 * scaling, the action space and the cluster shapes its masks need) and one
 * sub-folder per agent holding that agent's tfjs LayersModel (model.json +
 * weights.bin, the same format as a single-agent policy), and a README.md
 * on reading and asking it, written from team.json. `sspe decide`
 * loads it in a fresh process, without the training code or the scenario.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from '../agents/tf.js';
import { UserInputError } from '../errors.js';
import { ALL_FEATURES, type ObservationFeature, type ObservationNormalisation } from '../managers/state.js';
import type { Scenario } from '../scenario/schema.js';
import { AGENTS, KNOB_NAMES, type AgentName } from '../space/knobs.js';
import type { ActionSpace } from '../space/grid.js';
import { makeDir } from '../output-dir.js';
import { scenarioHash, scenarioWarnings } from './artifact.js';
import { teamReadme } from './team-readme.js';

export const TEAM_FORMAT = 'sspe-team-policy';
export const TEAM_FORMAT_VERSION = 1;
export const TEAM_FILE = 'team.json';
export const TEAM_README_FILE = 'README.md';

/** What a team bundle says about itself. */
export interface TeamMetadata {
  format: typeof TEAM_FORMAT;
  formatVersion: number;
  name: string;
  method: string;
  agents: { name: AgentName; features: ObservationFeature[]; encoding: 'delta' | 'absolute'; actionCount: number }[];
  observation: ObservationNormalisation;
  /** What the masks need: the action space, the cluster's node shapes, the starting Spark configuration. */
  space: { actionSpace: ActionSpace; cluster: Pick<Scenario['cluster'], 'nodes' | 'nodeTemplate' | 'systemReservedCpu' | 'systemReservedMemoryMb' | 'placement' | 'maxNodes'>; spark: Scenario['spark'] };
  scenario: { name: string; hash: string };
  training: { seed: number | string; episodes: number; envSteps: number; wallSeconds: number; bestEvaluation: number };
}

const knobDomain = z.union([z.strictObject({ min: z.number(), max: z.number(), step: z.number() }), z.strictObject({ choices: z.array(z.union([z.number(), z.string()])).min(1) })]);

const metadataSchema = z.object({
  format: z.literal(TEAM_FORMAT),
  formatVersion: z.number(),
  name: z.string(),
  method: z.string(),
  agents: z.array(z.strictObject({
    name: z.enum(AGENTS),
    features: z.array(z.enum(ALL_FEATURES)).min(1),
    encoding: z.enum(['delta', 'absolute']),
    actionCount: z.number().int().min(1),
  })).min(1),
  observation: z.looseObject({ features: z.array(z.enum(ALL_FEATURES)), maxFps: z.number().positive(), sloPerFrameMs: z.number().positive(), latencyScale: z.number().positive() }),
  space: z.looseObject({
    actionSpace: z.partialRecord(z.enum(KNOB_NAMES as [string, ...string[]]), knobDomain),
    cluster: z.looseObject({}),
    spark: z.looseObject({}),
  }),
  scenario: z.strictObject({ name: z.string(), hash: z.string() }),
  training: z.looseObject({}),
});

export interface LoadedTeam {
  dir: string;
  metadata: TeamMetadata;
  models: Record<AgentName, tfTypes.LayersModel>;
}

/** Whether a folder holds a team bundle (rather than a single-agent policy). */
export function isTeamBundle(dir: string): boolean {
  return existsSync(join(dir, TEAM_FILE));
}

export function createTeamMetadata(options: {
  name: string;
  method: string;
  scenario: Scenario;
  observation: ObservationNormalisation;
  agents: TeamMetadata['agents'];
  training: TeamMetadata['training'];
}): TeamMetadata {
  const { scenario } = options;
  const { nodes, nodeTemplate, systemReservedCpu, systemReservedMemoryMb, placement, maxNodes } = scenario.cluster;
  return {
    format: TEAM_FORMAT,
    formatVersion: TEAM_FORMAT_VERSION,
    name: options.name,
    method: options.method,
    agents: options.agents,
    observation: options.observation,
    space: { actionSpace: scenario.actionSpace, cluster: { nodes, nodeTemplate, systemReservedCpu, systemReservedMemoryMb, placement, maxNodes }, spark: scenario.spark },
    scenario: { name: scenario.name, hash: scenarioHash(scenario) },
    training: options.training,
  };
}

/** Writes the bundle all at once (a temp folder renamed into place). */
export async function saveTeam(dir: string, options: { metadata: TeamMetadata; models: Record<string, tfTypes.LayersModel>; tf: Tf; overwrite: boolean }): Promise<string[]> {
  const target = resolve(dir);
  if (existsSync(target) && !statSync(target).isDirectory()) throw new UserInputError(`${dir} exists and is not a folder`);
  makeDir(dirname(target), `policy folder ${dir}`);
  const temp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const files: string[] = [TEAM_FILE];
  try {
    await mkdir(temp);
    for (const agent of options.metadata.agents) {
      const model = options.models[agent.name];
      let artifacts: tfTypes.io.ModelArtifacts | undefined;
      await model.save(
        options.tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      if (artifacts?.modelTopology === undefined || artifacts.weightSpecs === undefined || artifacts.weightData === undefined) {
        throw new Error(`tfjs handed the save handler no topology or weights for agent '${agent.name}'`);
      }
      await mkdir(join(temp, agent.name));
      const modelJson = { modelTopology: artifacts.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] };
      await writeFile(join(temp, agent.name, 'model.json'), `${JSON.stringify(modelJson)}\n`);
      await writeFile(join(temp, agent.name, 'weights.bin'), new Uint8Array(options.tf.io.CompositeArrayBuffer.join(artifacts.weightData)));
      files.push(`${agent.name}/model.json`, `${agent.name}/weights.bin`);
    }
    await writeFile(join(temp, TEAM_FILE), `${JSON.stringify(options.metadata, null, 2)}\n`);
    await writeFile(join(temp, TEAM_README_FILE), teamReadme(options.metadata));
    files.push(TEAM_README_FILE);
    if (existsSync(target)) {
      if (!options.overwrite && readdirSync(target).length > 0) throw new UserInputError(`${dir} already exists and is not empty; choose another folder or overwrite it (--force)`);
      await rm(target, { recursive: true, force: true });
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return files;
}

/** Reads a bundle; every problem is one line naming the file and what was expected. */
export async function loadTeam(dir: string, options: { tf: Tf }): Promise<LoadedTeam> {
  const file = join(dir, TEAM_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserInputError(`${file}: expected a team policy's JSON metadata, got ${(error as Error).message}`, { cause: error });
  }
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > TEAM_FORMAT_VERSION) {
    throw new UserInputError(`${file}: formatVersion ${version} was written by a newer sspe (this one reads ${TEAM_FORMAT_VERSION}); upgrade sspe`);
  }
  const parsed = metadataSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserInputError(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const metadata = parsed.data as unknown as TeamMetadata;
  const models = {} as Record<AgentName, tfTypes.LayersModel>;
  for (const agent of metadata.agents) {
    const where = join(dir, agent.name);
    try {
      const modelJson = JSON.parse(readFileSync(join(where, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: { weights: tfTypes.io.WeightsManifestEntry[] }[] };
      const weights = readFileSync(join(where, 'weights.bin'));
      const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
      models[agent.name] = await options.tf.loadLayersModel(options.tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }));
    } catch (error) {
      throw new UserInputError(`${where}: expected agent '${agent.name}'s model.json and weights.bin, got ${(error as Error).message}`, { cause: error });
    }
    const inputs = models[agent.name].inputs[0].shape;
    if (inputs[1] !== agent.features.length) {
      throw new UserInputError(`${where}/model.json: the network takes ${inputs[1]} inputs, but ${TEAM_FILE} lists ${agent.features.length} features for '${agent.name}'`);
    }
  }
  return { dir, metadata, models };
}

/** The declared knobs and their grids, as one line: `nodeCount 1-6/1, placement {spread, pack}`. */
function describeSpace(space: ActionSpace): string {
  return KNOB_NAMES.filter((k) => space[k] !== undefined)
    .map((k) => {
      const d = space[k] as { min: number; max: number; step: number } | { choices: readonly (number | string)[] };
      return 'choices' in d ? `${k} {${d.choices.join(', ')}}` : `${k} ${d.min}-${d.max}/${d.step}`;
    })
    .join(', ');
}

/**
 * Whether a team can act on a scenario: its agents' masks and encodings are
 * built on the action space it was trained with, so that must be the
 * scenario's (an error otherwise); a different load scale, SLO or scenario
 * is a warning, as for single-agent policies (checkCompatible).
 */
export function checkTeamCompatible(metadata: TeamMetadata, scenario: Scenario, dir: string): { warnings: string[] } {
  const label = `team policy ${dir}`;
  const declared = (space: ActionSpace) => JSON.stringify(KNOB_NAMES.filter((k) => space[k] !== undefined).map((k) => [k, space[k]]));
  if (declared(metadata.space.actionSpace) !== declared(scenario.actionSpace)) {
    throw new UserInputError(`${label} was trained for ${describeSpace(metadata.space.actionSpace)}; the scenario '${scenario.name}' declares ${describeSpace(scenario.actionSpace)}`);
  }
  return { warnings: scenarioWarnings(label, metadata, scenario) };
}
