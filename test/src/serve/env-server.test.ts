/** The protocol in-process: EnvServer sessions answering request lines (python/PROTOCOL.md). */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { EnvServer, type EnvSession } from '../../../src/serve/env-server.js';
import { repoRoot } from '../cli/run-cli.js';

let paper: Scenario;
let pool: Scenario;

beforeAll(async () => {
  paper = await loadScenario(`${repoRoot}scenarios/paper-testbed.yaml`);
  pool = await loadScenario(`${repoRoot}scenarios/diurnal-pool.yaml`);
});

/** A response without the measured wall time of each trial (the one field that differs between identical runs). */
function withoutWall(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v) => (key === 'wall_ms' ? undefined : v)));
}

/** A client on one session: `send` returns the parsed response. */
function client(session: EnvSession) {
  let id = 0;
  const send = async (op: string, fields: Record<string, unknown> = {}) => JSON.parse(await session.handleLine(JSON.stringify({ id: ++id, op, ...fields })));
  const ok = async (op: string, fields: Record<string, unknown> = {}) => {
    const response = await send(op, fields);
    expect(response.ok, JSON.stringify(response.error)).toBe(true);
    return response.result;
  };
  return { send, ok, raw: async (line: string) => JSON.parse(await session.handleLine(line)) };
}

describe('serve-env protocol, single-agent', () => {
  it('hello, spaces, make, reset, step, close', async () => {
    const c = client(new EnvServer({ scenario: paper }).openSession());
    expect(await c.ok('hello', { protocol: 1 })).toEqual({ protocol: 1, server: expect.stringMatching(/^sspe \d+\.\d+\.\d+/), scenario: 'paper-testbed', kind: 'single' });
    expect(await c.ok('spaces')).toEqual({
      kind: 'single',
      observation_space: { type: 'Box', low: 0, high: 1, shape: [12], dtype: 'float32' },
      action_space: { type: 'Discrete', n: 27 },
      agents: null,
    });
    expect(await c.ok('make', { count: 2 })).toEqual({ envs: [0, 1] });
    const reset = (await c.ok('reset', { envs: [0, 1], seeds: [7, null] })).results;
    expect(reset).toHaveLength(2);
    expect(reset[0].info).toMatchObject({ step: 0, outcome: null, config: { executorCores: 1, executorMemoryMb: 800, executorInstances: 6 } });
    expect(reset[0].info.action_mask).toHaveLength(27);
    for (const x of reset[0].observation) expect(Math.fround(x)).toBe(x);
    const step = (await c.ok('step', { envs: [0, 1], actions: [13, 14] })).results;
    expect(step[0]).toMatchObject({ terminated: false, truncated: false, info: { step: 1 } });
    expect(typeof step[0].reward).toBe('number');
    expect(step[0].info.outcome).toHaveProperty('per_frame_ms.p95');
    expect(step[1].info.config.executorInstances).toBe(7);
    expect(await c.ok('close')).toEqual({ closed: [0, 1] });
  });

  it('the same seed gives the same episode, 7 and "7" different ones', async () => {
    const c = client(new EnvServer({ scenario: paper }).openSession());
    await c.ok('make', { count: 3 });
    const reset = (await c.ok('reset', { envs: [0, 1, 2], seeds: [7, 7, '7'] })).results;
    const step = (await c.ok('step', { envs: [0, 1, 2], actions: [13, 13, 13] })).results;
    expect(withoutWall(step[1])).toEqual(withoutWall(step[0]));
    expect(withoutWall([reset[2], step[2]])).not.toEqual(withoutWall([reset[0], step[0]]));
  });

  it('answers every bad message with a structured error and keeps serving', async () => {
    const c = client(new EnvServer({ scenario: paper }).openSession());
    const errors = [
      await c.raw('{not json'),
      await c.raw('[1, 2]'),
      await c.raw('{"op":"spaces"}'),
      await c.send('teleport'),
      await c.send('hello', { protocol: 2 }),
      await c.send('make', { count: 0 }),
      await c.send('reset', { envs: [0] }),
      await c.send('reset', { envs: 'all' }),
      await c.send('step', { envs: [0], actions: [1], extra: true }),
      await c.send('state', { envs: [] }),
    ].map((r) => [r.id, r.ok, r.error.code]);
    expect(errors).toEqual([
      [null, false, 'bad_json'],
      [null, false, 'bad_request'],
      [null, false, 'bad_request'],
      [1, false, 'unknown_op'],
      [2, false, 'protocol'],
      [3, false, 'bad_request'],
      [4, false, 'unknown_env'],
      [5, false, 'bad_request'],
      [6, false, 'bad_request'],
      [7, false, 'bad_request'],
    ]);
    expect((await c.send('reset', { envs: 'all' })).error.message).toBe('reset: envs: expected a list of environment ids (the integers make returned), got "all"');
    expect(await c.ok('make')).toEqual({ envs: [0] });
    expect((await c.send('step', { envs: [0], actions: [13] })).error).toEqual({ code: 'not_reset', message: 'env 0: not reset yet; send reset for it first' });
    expect((await c.send('reset', { envs: [0, 0] })).error.code).toBe('bad_request');
    expect((await c.send('reset', { envs: [0], seeds: [1, 2] })).error.message).toBe('reset: seeds: expected 1 (one per env), got 2');
    expect(await c.ok('hello', { protocol: 1 })).toMatchObject({ kind: 'single' });
  });

  it('a batch with one bad action fails whole: no environment moves', async () => {
    const c = client(new EnvServer({ scenario: paper }).openSession());
    await c.ok('make', { count: 3 });
    const reset = (await c.ok('reset', { envs: [0, 1, 2], seeds: [1, 2, 3] })).results;
    // After reset the mask forbids fewer cores than the starting 1 (actions 0-8 of the delta encoding).
    expect(reset[2].info.action_mask[0]).toBe(0);
    const masked = await c.send('step', { envs: [0, 1, 2], actions: [13, 14, 0] });
    expect(masked.error).toEqual({ code: 'invalid_action', message: 'actions[2]: action 0 is masked in env 2; allowed: 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26' });
    for (const bad of [27, -1, 1.5, '13', null]) {
      expect((await c.send('step', { envs: [0, 1, 2], actions: [13, bad, 13] })).error.code).toBe('invalid_action');
    }
    expect((await c.send('step', { envs: [0, 1, 9], actions: [13, 13, 13] })).error.code).toBe('unknown_env');
    const stepped = (await c.ok('step', { envs: [0, 1, 2], actions: [13, 13, 13] })).results;
    expect(stepped.map((r: any) => r.info.step)).toEqual([1, 1, 1]);
    // The same first step from a fresh session: nothing moved before it.
    const fresh = client(new EnvServer({ scenario: paper }).openSession());
    await fresh.ok('make', { count: 3 });
    await fresh.ok('reset', { envs: [0, 1, 2], seeds: [1, 2, 3] });
    expect(withoutWall((await fresh.ok('step', { envs: [0, 1, 2], actions: [13, 13, 13] })).results)).toEqual(withoutWall(stepped));
  });

  it('a batched step of 8 environments equals 8 single steps', async () => {
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
    const actions = [[13, 14, 22, 13, 16, 13, 14, 13], [13, 13, 13, 14, 13, 22, 13, 16]];
    const batched = client(new EnvServer({ scenario: paper }).openSession());
    const ids = (await batched.ok('make', { count: 8 })).envs;
    const batchedResults = [(await batched.ok('reset', { envs: ids, seeds })).results];
    for (const a of actions) batchedResults.push((await batched.ok('step', { envs: ids, actions: a })).results);

    const single = client(new EnvServer({ scenario: paper }).openSession());
    const singleResults: unknown[][] = [[], [], []];
    for (let i = 0; i < 8; i++) {
      const [id] = (await single.ok('make')).envs;
      singleResults[0].push(...(await single.ok('reset', { envs: [id], seeds: [seeds[i]] })).results);
      for (let s = 0; s < actions.length; s++) singleResults[s + 1].push(...(await single.ok('step', { envs: [id], actions: [actions[s][i]] })).results);
    }
    expect(withoutWall(batchedResults)).toEqual(withoutWall(singleResults));
  });

  it('refuses a step after the episode ended until the next reset; fps pins the load', async () => {
    const short = { ...paper, learning: { ...paper.learning, env: { ...paper.learning.env, stepsPerEpisode: 2 } } };
    const c = client(new EnvServer({ scenario: short }).openSession());
    await c.ok('make');
    expect((await c.ok('reset', { envs: [0], seeds: [1], options: { fps: 20 } })).results[0].info.fps).toBe(20);
    await c.ok('step', { envs: [0], actions: [13] });
    const last = (await c.ok('step', { envs: [0], actions: [13] })).results[0];
    expect([last.truncated, last.info.fps, last.info.next_fps]).toEqual([true, 20, 20]);
    expect((await c.send('step', { envs: [0], actions: [13] })).error).toEqual({ code: 'not_reset', message: 'env 0: its episode ended at step 2; reset it first' });
    await c.ok('reset', { envs: [0] });
    await c.ok('step', { envs: [0], actions: [13] });
  });
});

describe('serve-env protocol, multi-agent', () => {
  it('diurnal-pool with every agent: spaces, reset, step, state, bad maps', async () => {
    const server = new EnvServer({ scenario: pool, agents: ['cluster', 'parallelism', 'scheduler', 'resources', 'tuner'] });
    const c = client(server.openSession());
    expect(await c.ok('hello', { protocol: 1 })).toMatchObject({ kind: 'parallel', scenario: 'diurnal-pool' });
    const spaces = await c.ok('spaces');
    expect(spaces.possible_agents).toEqual(['cluster', 'parallelism', 'scheduler', 'resources', 'tuner']);
    expect(Object.keys(spaces.action_spaces)).toEqual(spaces.possible_agents);
    expect(spaces.state_space).toMatchObject({ type: 'Box', dtype: 'float32' });
    await c.ok('make', { count: 2 });
    const [reset] = (await c.ok('reset', { envs: [0, 1], seeds: [5, 6] })).results;
    expect(Object.keys(reset.observations)).toEqual(spaces.possible_agents);
    const actions = Object.fromEntries(spaces.possible_agents.map((a: string) => [a, reset.infos[a].action_mask.indexOf(1)]));
    const missing = await c.send('step', { envs: [0, 1], actions: [actions, { ...actions, tuner: undefined }] });
    expect(missing.error).toEqual({ code: 'invalid_action', message: "actions[1]: no action for live agent 'tuner'; expected one for each of: cluster, parallelism, scheduler, resources, tuner (env 1)" });
    const unknown = await c.send('step', { envs: [0, 1], actions: [actions, { ...actions, pilot: 0 }] });
    expect(unknown.error.code).toBe('invalid_action');
    const [step] = (await c.ok('step', { envs: [0, 1], actions: [actions, actions] })).results;
    expect(step.agents).toEqual(spaces.possible_agents);
    expect(step.infos.cluster).toMatchObject({ step: 1, changed: expect.any(Boolean) });
    expect(Object.keys(step.rewards)).toEqual(spaces.possible_agents);
    const { states } = await c.ok('state', { envs: [0, 1] });
    expect(states[0]).toHaveLength(spaces.state_space.shape[0]);
  });

  it('paper-testbed with the resources agent only', async () => {
    const c = client(new EnvServer({ scenario: paper, agents: ['resources'] }).openSession());
    expect((await c.ok('spaces')).possible_agents).toEqual(['resources']);
    await c.ok('make');
    const [reset] = (await c.ok('reset', { envs: [0], seeds: [1] })).results;
    const masked = reset.infos.resources.action_mask.indexOf(0);
    expect((await c.send('step', { envs: [0], actions: [{ resources: masked }] })).error.code).toBe('invalid_action');
    await c.ok('step', { envs: [0], actions: [{ resources: reset.infos.resources.action_mask.indexOf(1) }] });
  });
});
