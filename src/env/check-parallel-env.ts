import { Rng } from '../../sim/random.js';
import { describeValue as show } from './describe-value.js';
import type { PerAgent, ParallelEnv } from './parallel-env.js';
import { isMaskable, type Space } from './space.js';
import { InvalidActionsError } from './validate-actions.js';

/** The rules checkParallelEnv enforces; a failure names its rule. */
export type ParallelEnvCheck =
  | 'possible-agents'
  | 'reset'
  | 'agents-subset'
  | 'keys'
  | 'observation-in-space'
  | 'space-identity'
  | 'reward-finite'
  | 'flags-boolean'
  | 'agents-after-step'
  | 'dead-stays-dead'
  | 'state-in-space'
  | 'action-mask'
  | 'sampled-action'
  | 'rejects-bad-actions'
  | 'step'
  | 'determinism';

export class ParallelEnvCheckError extends Error {
  constructor(
    readonly check: ParallelEnvCheck,
    /** The agent the failure is about; null when it is about the whole environment. */
    readonly agent: string | null,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`checkParallelEnv: ${check}: ${message}`, options);
    this.name = 'ParallelEnvCheckError';
  }
}

export interface CheckParallelEnvOptions {
  /** Joint steps per walk; the walk resets whenever every agent is done. */
  cycles: number;
  seed: number | string;
}

/**
 * Runs any ParallelEnv through the contract every one must keep (after
 * PettingZoo's parallel_api_test): agents ⊆ possibleAgents; every returned
 * map keyed by exactly the agents that acted; observations, state and
 * sampled actions inside their spaces; each space the same object on every
 * call; finite rewards and boolean flags; a done agent leaves `agents` and
 * never comes back within its episode; action masks in infos fit their
 * spaces and allow something; bad action maps rejected by validateActions;
 * and the same seed giving the same walk. Random actions come from the seed
 * and respect the masks.
 */
export async function checkParallelEnv<AgentId extends string, Obs, Act, Info, State, ResetOptions>(
  env: ParallelEnv<AgentId, Obs, Act, Info, State, ResetOptions>,
  options: CheckParallelEnvOptions,
): Promise<void> {
  if (!Number.isInteger(options.cycles) || options.cycles < 1) throw new RangeError(`expected a positive integer cycles, got ${options.cycles}`);
  const first = await walk(env, options);
  const second = await walk(env, options);
  compareWalks(first, second);
}

/** What one walk observed, for the determinism check. */
interface TraceEntry {
  where: string;
  agent: string | null;
  value: unknown;
}

async function walk<AgentId extends string, Obs, Act, Info, State, ResetOptions>(
  env: ParallelEnv<AgentId, Obs, Act, Info, State, ResetOptions>,
  options: CheckParallelEnvOptions,
): Promise<TraceEntry[]> {
  const rng = new Rng(options.seed, 'check-parallel-env');
  const trace: TraceEntry[] = [];
  const possible = [...env.possibleAgents];
  expect(possible.length > 0, 'possible-agents', null, 'expected at least one possible agent, got none');
  expect(new Set(possible).size === possible.length, 'possible-agents', null, `expected each possible agent once, got ${possible.join(', ')}`);
  const spaces = new Map(possible.map((agent) => [agent, { observation: env.observationSpace(agent), action: env.actionSpace(agent) }]));
  const stateSpace = env.stateSpace;

  const checkStatic = (where: string) => {
    const now = env.possibleAgents;
    expect(now.length === possible.length && now.every((a, i) => a === possible[i]), 'possible-agents', null, `${where}: possibleAgents changed from ${possible.join(', ')} to ${now.join(', ')}`);
    for (const agent of possible) {
      const declared = spaces.get(agent)!;
      expect(env.observationSpace(agent) === declared.observation, 'space-identity', agent, `${where}: observationSpace('${agent}') returned a different object than before; return the same space on every call`);
      expect(env.actionSpace(agent) === declared.action, 'space-identity', agent, `${where}: actionSpace('${agent}') returned a different object than before; return the same space on every call`);
    }
    expect(env.stateSpace === stateSpace, 'space-identity', null, `${where}: stateSpace returned a different object than before; return the same space on every read`);
  };

  const checkAgentsSubset = (where: string) => {
    for (const agent of env.agents) {
      expect(possible.includes(agent), 'agents-subset', agent, `${where}: agent '${agent}' is live but not among possibleAgents (${possible.join(', ')})`);
    }
  };

  /** `expected`: the live agents after a reset, the acting ones after a step. */
  const checkKeys = (where: string, name: string, map: unknown, expected: readonly AgentId[], others: string) => {
    expect(typeof map === 'object' && map !== null && !Array.isArray(map), 'keys', null, `${where}: expected ${name} to be an object keyed by agent, got ${String(map)}`);
    const keys = Object.keys(map);
    for (const agent of expected) expect(keys.includes(agent), 'keys', agent, `${where}: ${name} has no entry for agent '${agent}' (expected exactly: ${expected.join(', ')})`);
    for (const key of keys) expect((expected as readonly string[]).includes(key), 'keys', key, `${where}: ${name} has an entry for agent '${key}', which ${others} (expected exactly: ${expected.join(', ')})`);
  };

  const checkObservation = (where: string, agent: AgentId, observation: Obs) => {
    const space = spaces.get(agent)!.observation;
    expect(space.contains(observation), 'observation-in-space', agent, `${where}: observation of agent '${agent}' is outside ${space}: ${show(observation)}`);
    trace.push({ where, agent, value: observation });
  };

  const checkState = (where: string) => {
    const state = env.state();
    expect(stateSpace.contains(state), 'state-in-space', null, `${where}: state() is outside ${stateSpace}: ${show(state)}`);
    trace.push({ where: `${where} state`, agent: null, value: state });
  };

  const masks: PerAgent<AgentId, Uint8Array> = {};
  const readMask = (where: string, agent: AgentId, info: Info) => {
    delete masks[agent];
    if (typeof info !== 'object' || info === null || !('actionMask' in info) || info.actionMask === undefined) return;
    const mask = info.actionMask;
    const space = spaces.get(agent)!.action;
    expect(mask instanceof Uint8Array, 'action-mask', agent, `${where}: info.actionMask of agent '${agent}' must be a Uint8Array, got ${show(mask)}`);
    expect(isMaskable(space), 'action-mask', agent, `${where}: info of agent '${agent}' carries an actionMask, but its action space ${space} takes no mask`);
    const problem = space.maskProblem(mask);
    expect(problem === null, 'action-mask', agent, `${where}: info.actionMask of agent '${agent}': ${problem}`);
    masks[agent] = mask;
  };

  const afterReset = async (where: string, seed: number | string | undefined) => {
    const result = await call('reset', where, () => env.reset(seed === undefined ? {} : { seed }));
    checkStatic(where);
    checkAgentsSubset(where);
    const live = [...env.agents];
    expect(live.length > 0, 'reset', null, `${where}: no live agents after reset`);
    checkKeys(where, 'observations', result.observations, live, 'is not live');
    checkKeys(where, 'infos', result.infos, live, 'is not live');
    for (const agent of live) {
      checkObservation(where, agent, result.observations[agent] as Obs);
      readMask(where, agent, result.infos[agent] as Info);
    }
    checkState(where);
    await probeBadActions(where, live);
  };

  // An environment that validates with validateActions rejects these before touching its state.
  const probeBadActions = async (where: string, live: readonly AgentId[]) => {
    const probes: Array<[string, unknown]> = [
      ['an action map missing a live agent', Object.fromEntries(live.slice(1).map((agent) => [agent, spaces.get(agent)!.action.sample(rng)]))],
      ['an action for an unknown agent', { ...Object.fromEntries(live.map((agent) => [agent, spaces.get(agent)!.action.sample(rng)])), 'not-an-agent': 0 }],
    ];
    for (const [what, actions] of probes) {
      let error: unknown = null;
      try {
        await env.step(actions as PerAgent<AgentId, Act>);
      } catch (caught) {
        error = caught;
      }
      expect(error instanceof InvalidActionsError, 'rejects-bad-actions', null, `${where}: step() ${error === null ? 'accepted' : `threw ${String(error)} instead of an InvalidActionsError for`} ${what}; check action maps with validateActions`);
    }
  };

  const finished = new Set<AgentId>();
  let episode = 0;
  await afterReset(`episode ${episode} reset`, options.seed);
  for (let cycle = 0; cycle < options.cycles; cycle++) {
    if (env.agents.length === 0) {
      episode++;
      finished.clear();
      await afterReset(`episode ${episode} reset`, undefined);
    }
    const where = `episode ${episode} cycle ${cycle}`;
    const acting = [...env.agents];
    const actions: PerAgent<AgentId, Act> = {};
    for (const agent of acting) {
      const space = spaces.get(agent)!.action;
      const mask = masks[agent];
      const action = mask !== undefined && isMaskable(space) ? space.sample(rng, mask) : space.sample(rng);
      expect(space.contains(action), 'sampled-action', agent, `${where}: ${space} of agent '${agent}' sampled ${show(action)}, which is outside it`);
      if (mask !== undefined && isMaskable(space)) {
        expect(space.allows(mask, action), 'sampled-action', agent, `${where}: ${space} of agent '${agent}' sampled ${show(action)}, which its mask forbids (allowed: ${space.describeAllowed(mask)})`);
      }
      actions[agent] = action;
      trace.push({ where: `${where} action`, agent, value: action });
    }
    const result = await call('step', where, () => env.step(actions));
    for (const name of ['observations', 'rewards', 'terminations', 'truncations', 'infos'] as const) checkKeys(where, name, result[name], acting, 'did not act');
    const done: AgentId[] = [];
    for (const agent of acting) {
      checkObservation(where, agent, result.observations[agent] as Obs);
      const reward = result.rewards[agent];
      expect(typeof reward === 'number' && Number.isFinite(reward), 'reward-finite', agent, `${where}: expected a finite reward for agent '${agent}', got ${show(reward)}`);
      const terminated = result.terminations[agent];
      const truncated = result.truncations[agent];
      expect(typeof terminated === 'boolean', 'flags-boolean', agent, `${where}: expected a boolean termination for agent '${agent}', got ${show(terminated)}`);
      expect(typeof truncated === 'boolean', 'flags-boolean', agent, `${where}: expected a boolean truncation for agent '${agent}', got ${show(truncated)}`);
      trace.push({ where: `${where} reward/terminated/truncated`, agent, value: [reward, terminated, truncated] });
      if (terminated || truncated) done.push(agent);
      else readMask(where, agent, result.infos[agent] as Info);
    }
    checkStatic(where);
    checkAgentsSubset(where);
    for (const agent of env.agents) {
      expect(!finished.has(agent), 'dead-stays-dead', agent, `${where}: agent '${agent}' is live again after it was done in this episode`);
      expect(acting.includes(agent), 'agents-after-step', agent, `${where}: agent '${agent}' became live during the episode without acting before`);
    }
    for (const agent of done) {
      finished.add(agent);
      expect(!env.agents.includes(agent), 'agents-after-step', agent, `${where}: agent '${agent}' is done but still in agents`);
    }
    for (const agent of acting) {
      expect(done.includes(agent) || env.agents.includes(agent), 'agents-after-step', agent, `${where}: agent '${agent}' left agents without being terminated or truncated`);
    }
    checkState(where);
  }
  return trace;
}

function compareWalks(first: TraceEntry[], second: TraceEntry[]): void {
  const n = Math.min(first.length, second.length);
  for (let i = 0; i < n; i++) {
    const a = first[i];
    const b = second[i];
    const agent = a.agent === null ? '' : ` of agent '${a.agent}'`;
    expect(a.where === b.where && a.agent === b.agent, 'determinism', a.agent, `the same seed gave a different walk: ${a.where}${agent} the first time, ${b.where} the second`);
    expect(same(a.value, b.value), 'determinism', a.agent, `the same seed gave a different walk at ${a.where}${agent}: ${show(a.value)} the first time, ${show(b.value)} the second`);
  }
  expect(first.length === second.length, 'determinism', null, `the same seed gave walks of different lengths: ${first.length} and ${second.length} entries`);
}

/** Structural equality: numbers by Object.is, typed arrays and arrays element by element, plain objects key by key. */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    if (!(ArrayBuffer.isView(b) || Array.isArray(b)) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    return x.length === y.length && Array.from(x).every((v, i) => same(v, y[i]));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

async function call<T>(check: 'reset' | 'step', where: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    throw new ParallelEnvCheckError(check, null, `${where}: ${check}() threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function expect(condition: boolean, check: ParallelEnvCheck, agent: string | null, message: string): asserts condition {
  if (!condition) throw new ParallelEnvCheckError(check, agent, message);
}
