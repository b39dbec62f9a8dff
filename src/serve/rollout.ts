/**
 * `sspe rollout`: one episode in-process, reset with a seed, the actions of a
 * file applied one per step, and the trajectory hash of what came back (the
 * hash a client computes from the same episode served by serve-env).
 */
import { readFileSync } from 'node:fs';
import { describeValue } from '../env/describe-value.js';
import type { PerAgent } from '../env/parallel-env.js';
import type { TeamEnv } from '../env/team-env.js';
import { InvalidActionsError, validateActions } from '../env/validate-actions.js';
import type { ConfigEnv } from '../env/config-env.js';
import { UserInputError } from '../errors.js';
import type { AgentName } from '../space/knobs.js';
import { makeEnv, type EnvKind, type EnvSpec } from './env-factory.js';
import { ParallelTrajectoryHash, SingleTrajectoryHash } from './trajectory-hash.js';

/** The largest actions file read: a million steps of a five-agent map is well under it. */
const MAX_ACTIONS_BYTES = 64 * 1024 * 1024;

export interface RolloutOptions {
  env: EnvSpec;
  seed: number | string;
  /** One action per step (integers; multi-agent: {agent: integer} maps); the rollout stops early if the episode ends. */
  actions: readonly unknown[];
  /** How errors name where the actions came from: '--actions actions.json'. */
  source: string;
}

export interface RolloutResult {
  kind: EnvKind;
  /** Steps taken (fewer than the actions when the episode ended first). */
  steps: number;
  /** Sum of the rewards (multi-agent: of the team reward, the mean over the agents that acted). */
  totalReward: number;
  episodeEnded: boolean;
  trajectoryHash: string;
}

/** Reads an actions file: a JSON array, one action per step. */
export function readActionsFile(path: string, source: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserInputError(code === 'ENOENT' ? `${source}: file not found` : `${source}: cannot read it: ${(error as Error).message}`, { cause: error });
  }
  if (text.length > MAX_ACTIONS_BYTES) throw new UserInputError(`${source}: expected at most ${MAX_ACTIONS_BYTES} bytes, got ${text.length}`);
  let actions: unknown;
  try {
    actions = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${source}: expected a JSON array of actions, one per step; not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(actions)) throw new UserInputError(`${source}: expected a JSON array of actions, one per step, got ${preview(actions)}`);
  return actions;
}

export async function rollout(options: RolloutOptions): Promise<RolloutResult> {
  const made = makeEnv(options.env);
  try {
    return made.kind === 'single' ? await rolloutSingle(made.env, options) : await rolloutParallel(made.env, options);
  } finally {
    await made.env.close();
  }
}

async function rolloutSingle(env: ConfigEnv, options: RolloutOptions): Promise<RolloutResult> {
  const space = env.actionSpace;
  // Types and ranges first: a bad entry anywhere fails before any simulation.
  options.actions.forEach((action, i) => {
    if (typeof action !== 'number' || !space.contains(action)) {
      throw new UserInputError(`${options.source}: [${i}]: expected an integer in [0, ${space.n}) (${space}), got ${preview(action)}`);
    }
  });
  const hash = new SingleTrajectoryHash();
  const reset = await env.reset({ seed: options.seed });
  hash.reset(reset.observation);
  let mask = reset.info.actionMask;
  let steps = 0;
  let totalReward = 0;
  let ended = false;
  for (const action of options.actions as number[]) {
    if (!space.allows(mask, action)) {
      throw new UserInputError(`${options.source}: [${steps}]: action ${action} is masked at step ${steps}; allowed: ${space.describeAllowed(mask)}`);
    }
    const result = await env.step(action);
    hash.step({ action, ...result });
    steps++;
    totalReward += result.reward;
    mask = result.info.actionMask;
    ended = result.terminated || result.truncated;
    if (ended) break;
  }
  return { kind: 'single', steps, totalReward, episodeEnded: ended, trajectoryHash: hash.digest() };
}

async function rolloutParallel(env: TeamEnv, options: RolloutOptions): Promise<RolloutResult> {
  options.actions.forEach((action, i) => {
    if (typeof action !== 'object' || action === null || Array.isArray(action)) {
      throw new UserInputError(`${options.source}: [${i}]: expected an object with one integer per agent (${env.possibleAgents.join(', ')}), got ${preview(action)}`);
    }
  });
  const hash = new ParallelTrajectoryHash(env.possibleAgents);
  const reset = await env.reset({ seed: options.seed });
  hash.reset(reset.observations);
  let masks = masksOf(reset.infos);
  let steps = 0;
  let totalReward = 0;
  for (const action of options.actions as PerAgent<AgentName, number>[]) {
    if (env.agents.length === 0) break;
    try {
      validateActions(env, action, { masks });
    } catch (error) {
      if (!(error instanceof InvalidActionsError)) throw error;
      // validateActions names the map 'actions'; here it is the file's entry.
      throw new UserInputError(`${options.source}: ${error.message.replace(/^actions/, `[${steps}]`)}`, { cause: error });
    }
    const result = await env.step(action);
    hash.step({ actions: action, ...result });
    steps++;
    const rewards = Object.values(result.rewards) as number[];
    totalReward += rewards.reduce((a, b) => a + b, 0) / rewards.length;
    masks = masksOf(result.infos);
  }
  return { kind: 'parallel', steps, totalReward, episodeEnded: env.agents.length === 0, trajectoryHash: hash.digest() };
}

function masksOf(infos: PerAgent<AgentName, { actionMask: Uint8Array }>): PerAgent<AgentName, Uint8Array> {
  const out: PerAgent<AgentName, Uint8Array> = {};
  for (const [agent, info] of Object.entries(infos)) out[agent as AgentName] = info!.actionMask;
  return out;
}

function preview(value: unknown): string {
  const text = describeValue(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
