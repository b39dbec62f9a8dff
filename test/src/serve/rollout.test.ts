/**
 * `sspe rollout` and the trajectory hash: the byte layout of PROTOCOL.md
 * pinned by a hand-built vector, and rollout's hash equal to the hash a
 * client computes from the same episode served by serve-env.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParallelTrajectoryHash, SingleTrajectoryHash } from '../../../src/serve/trajectory-hash.js';
import { firstAllowed, servedParallelHash, servedSingleHash } from './client-hash.js';
import { ServeProcess } from './serve-process.js';
import { runCli } from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sspe-rollout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function actionsFile(name: string, actions: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(actions));
  return path;
}

function rolloutJson(args: string[]): any {
  const run = runCli(['rollout', ...args, '--json']);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout);
}

describe('the trajectory hash', () => {
  it('is SHA-256 over float32 observations, int32 actions, float64 rewards and a flag byte, little-endian', () => {
    const bytes = Buffer.alloc(8 + 4 + 8 + 8 + 1);
    let at = 0;
    for (const x of [0.5, 1]) at = bytes.writeFloatLE(x, at);
    at = bytes.writeInt32LE(3, at);
    for (const x of [0.25, 0]) at = bytes.writeFloatLE(x, at);
    at = bytes.writeDoubleLE(1.5, at);
    bytes.writeUInt8(0b10, at);
    const hash = new SingleTrajectoryHash();
    hash.reset([0.5, 1]);
    hash.step({ action: 3, observation: [0.25, 0], reward: 1.5, terminated: false, truncated: true });
    expect(hash.digest()).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('multi-agent: each list in possible_agents order, live agents only', () => {
    const bytes = Buffer.alloc(4 * 2 + 4 * 2 + 4 * 2 + 8 * 2 + 2);
    let at = 0;
    for (const x of [1, 2]) at = bytes.writeFloatLE(x, at); // reset: a, then b
    for (const a of [5, 6]) at = bytes.writeInt32LE(a, at);
    for (const x of [3, 4]) at = bytes.writeFloatLE(x, at);
    for (const r of [0.5, 0.5]) at = bytes.writeDoubleLE(r, at);
    bytes.writeUInt8(0, at);
    bytes.writeUInt8(1, at + 1);
    const hash = new ParallelTrajectoryHash(['a', 'b', 'c']);
    hash.reset({ b: [2], a: [1] });
    hash.step({ actions: { b: 6, a: 5 }, observations: { b: [4], a: [3] }, rewards: { b: 0.5, a: 0.5 }, terminations: { a: false, b: true }, truncations: { a: false, b: false } });
    expect(hash.digest()).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});

describe('sspe rollout', () => {
  const actions = [13, 14, 13, 22, 13];

  it("equals the hash of the same episode served by serve-env; same seed, same hash; another seed, another", async () => {
    const file = actionsFile('single.json', actions);
    const rolled = rolloutJson(['scenarios/paper-testbed.yaml', '--seed', '7', '--actions', file]);
    expect(rolled).toMatchObject({ scenario: 'paper-testbed', kind: 'single', agents: null, encoding: 'delta', seed: 7, steps: 5, episode_ended: false });
    expect(rolled.trajectory_hash).toMatch(/^[0-9a-f]{64}$/);

    const server = new ServeProcess(['scenarios/paper-testbed.yaml']);
    await server.ok('make');
    const [reset] = (await server.ok('reset', { envs: [0], seeds: [7] })).results;
    const steps = [];
    let total = 0;
    for (const action of actions) {
      const [result] = (await server.ok('step', { envs: [0], actions: [action] })).results;
      steps.push({ action, result });
      total += result.reward;
    }
    expect(await server.end()).toBe(0);
    expect(servedSingleHash(reset, steps)).toBe(rolled.trajectory_hash);
    expect(rolled.total_reward).toBeCloseTo(total, 12);

    expect(rolloutJson(['scenarios/paper-testbed.yaml', '--seed', '7', '--actions', file]).trajectory_hash).toBe(rolled.trajectory_hash);
    expect(rolloutJson(['scenarios/paper-testbed.yaml', '--seed', '8', '--actions', file]).trajectory_hash).not.toBe(rolled.trajectory_hash);
  }, 60_000);

  it('multi-agent (diurnal-pool, --agents all): the same hash from rollout and from the served episode', async () => {
    const server = new ServeProcess(['scenarios/diurnal-pool.yaml', '--agents', 'all']);
    const { possible_agents: agents } = await server.ok('spaces');
    await server.ok('make');
    let [result] = (await server.ok('reset', { envs: [0], seeds: [11] })).results;
    const reset = result;
    const steps = [];
    for (let i = 0; i < 3; i++) {
      const chosen = firstAllowed(result.infos, agents);
      [result] = (await server.ok('step', { envs: [0], actions: [chosen] })).results;
      steps.push({ actions: chosen, result });
    }
    expect(await server.end()).toBe(0);
    const file = actionsFile('team.json', steps.map((s) => s.actions));
    const rolled = rolloutJson(['scenarios/diurnal-pool.yaml', '--agents', 'all', '--seed', '11', '--actions', file]);
    expect(rolled).toMatchObject({ kind: 'parallel', agents, steps: 3 });
    expect(servedParallelHash(agents, reset, steps)).toBe(rolled.trajectory_hash);
  }, 60_000);

  it('stops early when the episode ends; prints a table without --json', () => {
    const file = actionsFile('long.json', Array.from({ length: 60 }, () => 13));
    expect(rolloutJson(['scenarios/paper-testbed.yaml', '--seed', '1', '--actions', file])).toMatchObject({ steps: 50, episode_ended: true });
    const table = runCli(['rollout', 'scenarios/paper-testbed.yaml', '--seed', '1', '--actions', actionsFile('two.json', [13, 13])]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/trajectory hash +[0-9a-f]{64}/);
    expect(table.stdout).toContain('steps            2 of 2 actions');
  }, 60_000);

  it('bad input: one line naming the entry and what is allowed, exit 2, nothing on stdout', () => {
    const cases: [string[], string][] = [
      [['scenarios/paper-testbed.yaml', '--actions', actionsFile('ok.json', [13])], 'sspe: --seed: expected the seed to reset with, an integer >= 0, got nothing\n'],
      [['scenarios/paper-testbed.yaml', '--seed', '1', '--actions', join(dir, 'missing.json')], `sspe: --actions ${join(dir, 'missing.json')}: file not found\n`],
      [['scenarios/paper-testbed.yaml', '--seed', '1', '--actions', actionsFile('obj.json', { steps: [] })], `sspe: --actions ${join(dir, 'obj.json')}: expected a JSON array of actions, one per step, got {"steps":[]}\n`],
      [['scenarios/paper-testbed.yaml', '--seed', '1', '--actions', actionsFile('range.json', [13, 27])], `sspe: --actions ${join(dir, 'range.json')}: [1]: expected an integer in [0, 27) (Discrete(27)), got 27\n`],
      [['scenarios/paper-testbed.yaml', '--seed', '1', '--actions', actionsFile('masked.json', [13, 0])], `sspe: --actions ${join(dir, 'masked.json')}: [1]: action 0 is masked at step 1; allowed: 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26\n`],
      [['scenarios/diurnal-pool.yaml', '--agents', 'all', '--seed', '1', '--actions', actionsFile('ints.json', [0])], `sspe: --actions ${join(dir, 'ints.json')}: [0]: expected an object with one integer per agent (cluster, parallelism, scheduler, resources, tuner), got 0\n`],
      [['scenarios/diurnal-pool.yaml', '--agents', 'tuner', '--seed', '1', '--actions', actionsFile('agent.json', [{ tuner: 0, pilot: 1 }])], `sspe: --actions ${join(dir, 'agent.json')}: [0]: unknown agent 'pilot'; allowed: tuner\n`],
      [['scenarios/missing.yaml', '--seed', '1', '--actions', actionsFile('ok2.json', [13])], 'sspe: scenario file not found: scenarios/missing.yaml\n'],
    ];
    for (const [args, stderr] of cases) {
      const run = runCli(['rollout', ...args]);
      expect({ args, status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ args, status: 2, stdout: '', stderr });
    }
  }, 120_000);
});
