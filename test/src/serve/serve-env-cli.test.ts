/** `sspe serve-env` as a separate process: stdio and loopback TCP, single- and multi-agent. */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { firstAllowed } from './client-hash.js';
import { CLI, LineReader, ServeProcess } from './serve-process.js';
import { repoRoot, runCli } from '../cli/run-cli.js';

describe('sspe serve-env over stdio', () => {
  it('round trip, bad messages answered, stdout protocol lines only, stdin close exits 0', async () => {
    const server = new ServeProcess(['scenarios/paper-testbed.yaml']);
    expect(await server.ok('hello', { protocol: 1 })).toMatchObject({ protocol: 1, kind: 'single', scenario: 'paper-testbed' });
    expect((await server.ok('spaces')).action_space).toEqual({ type: 'Discrete', n: 27 });
    expect(await server.ok('make', { count: 2 })).toEqual({ envs: [0, 1] });
    await server.ok('reset', { envs: [0, 1], seeds: [1, 2] });
    expect((await server.raw('this is not json')).error?.code).toBe('bad_json');
    expect((await server.request('fly')).error?.code).toBe('unknown_op');
    expect((await server.request('step', { envs: [0, 1], actions: [13, 0] })).error?.code).toBe('invalid_action');
    const step = await server.ok('step', { envs: [0, 1], actions: [13, 13] });
    expect(step.results.map((r: any) => r.info.step)).toEqual([1, 1]);
    expect(await server.end()).toBe(0);
    expect(await server.stdout.next()).toBeNull();
  }, 60_000);

  it('multi-agent: diurnal-pool and paper-testbed with --agents all', async () => {
    for (const [scenario, agents] of [['scenarios/diurnal-pool.yaml', ['cluster', 'parallelism', 'scheduler', 'resources', 'tuner']], ['scenarios/paper-testbed.yaml', ['parallelism', 'resources']]] as const) {
      const server = new ServeProcess([scenario, '--agents', 'all']);
      expect((await server.ok('hello', { protocol: 1 })).kind).toBe('parallel');
      expect((await server.ok('spaces')).possible_agents).toEqual(agents);
      const { envs } = await server.ok('make', { count: 2 });
      const reset = (await server.ok('reset', { envs, seeds: [3, 4] })).results;
      const actions = reset.map((r: any) => firstAllowed(r.infos, [...agents]));
      const step = (await server.ok('step', { envs, actions })).results;
      expect(step[0].agents).toEqual(agents);
      expect((await server.ok('state', { envs })).states).toHaveLength(2);
      expect(await server.end()).toBe(0);
    }
  }, 60_000);

  it('bad command lines: one line on stderr, exit 2, nothing on stdout', () => {
    const cases: [string[], string][] = [
      [['serve-env', 'scenarios/missing.yaml'], 'sspe: scenario file not found: scenarios/missing.yaml\n'],
      [['serve-env', 'scenarios/paper-testbed.yaml', '--agents', 'pilot'], "sspe: --agents: unknown agent 'pilot'; allowed: cluster, parallelism, scheduler, resources, tuner, all\n"],
      [['serve-env', 'scenarios/paper-testbed.yaml', '--agents', 'tuner'], "sspe: --agents: 'tuner' owns no knob that paper-testbed declares in actionSpace; agents here: parallelism, resources\n"],
      [['serve-env', 'scenarios/paper-testbed.yaml', '--port', '70000'], 'sspe: --port: expected an integer in [0, 65535] (0 picks a free port), got 70000\n'],
      [['serve-env', 'scenarios/paper-testbed.yaml', '--port', '1.5'], 'sspe: --port: expected an integer in [0, 65535] (0 picks a free port), got 1.5\n'],
      [['serve-env', 'scenarios/paper-testbed.yaml', '--encoding', 'relative'], 'sspe: --encoding: expected one of absolute, delta, got \'relative\'\n'],
    ];
    for (const [args, stderr] of cases) {
      const run = runCli(args, { input: '{"id":1,"op":"spaces"}\n' });
      expect({ args, status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ args, status: 2, stdout: '', stderr });
    }
  }, 60_000);
});

/** A TCP client speaking the protocol on one connection. */
function tcpClient(port: number) {
  const socket = connect({ host: '127.0.0.1', port });
  const lines = new LineReader(socket);
  let id = 0;
  return {
    socket,
    async ok(op: string, fields: Record<string, unknown> = {}) {
      socket.write(`${JSON.stringify({ id: ++id, op, ...fields })}\n`);
      const response = JSON.parse((await lines.next())!);
      expect(response.ok, JSON.stringify(response.error)).toBe(true);
      return response.result;
    },
    async send(op: string, fields: Record<string, unknown> = {}) {
      socket.write(`${JSON.stringify({ id: ++id, op, ...fields })}\n`);
      return JSON.parse((await lines.next())!);
    },
  };
}

describe('sspe serve-env --port', () => {
  it('listens on 127.0.0.1, serves two connections with their own environments, stops on SIGTERM with 0', async () => {
    const child = spawn(process.execPath, [CLI, 'serve-env', 'scenarios/paper-testbed.yaml', '--port', '0'], { cwd: repoRoot });
    const stdout = new LineReader(child.stdout);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const listening = JSON.parse((await stdout.next())!);
    expect(listening).toEqual({ event: 'listening', host: '127.0.0.1', port: expect.any(Number) });
    const a = tcpClient(listening.port);
    const b = tcpClient(listening.port);
    const [idA] = (await a.ok('make')).envs;
    const [idB] = (await b.ok('make')).envs;
    expect(idA).not.toBe(idB);
    expect((await b.send('reset', { envs: [idA] })).error.code).toBe('unknown_env');
    const resetA = (await a.ok('reset', { envs: [idA], seeds: [9] })).results[0];
    const resetB = (await b.ok('reset', { envs: [idB], seeds: [9] })).results[0];
    expect(resetB.observation).toEqual(resetA.observation);
    a.socket.destroy();
    // The other connection serves on after one goes away.
    const stepB = (await b.ok('step', { envs: [idB], actions: [13] })).results[0];
    expect(stepB.info.step).toBe(1);
    const c = tcpClient(listening.port);
    expect((await c.ok('make')).envs[0]).toBeGreaterThan(idB);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect(await stdout.next()).toBeNull();
    b.socket.destroy();
    c.socket.destroy();
  }, 60_000);
});
