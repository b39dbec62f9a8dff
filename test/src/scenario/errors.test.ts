import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.js';
import { loadProfile } from '../../../src/profile/load.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { MINIMAL_YAML, PAPER_PROFILE, edit, tempFiles } from './fixtures.js';

/** Loads `yaml` from a temp dir and returns the one-line UserInputError message, with the dir shown as <dir>. */
async function errorOf(yaml: string, extraFiles: Record<string, string> = {}): Promise<string> {
  const dir = tempFiles({ 'scenario.yaml': yaml, ...extraFiles });
  const error = await loadScenario(join(dir, 'scenario.yaml')).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserInputError);
  const message = (error as UserInputError).message;
  expect(message).not.toContain('\n');
  return message.replaceAll(dir, '<dir>');
}

describe('scenario errors: one line naming file, field path and what is allowed', () => {
  it('the fixture itself is valid', async () => {
    const dir = tempFiles({ 'scenario.yaml': MINIMAL_YAML });
    const scenario = await loadScenario(join(dir, 'scenario.yaml'));
    expect(scenario.spark.executorMemoryMb).toBe(500); // defaults to the action space minimum
    expect(scenario.cluster.storageNode).toBe('a');
  });

  it('unknown field', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, '  executorCores: 2\n', '  executorCores: 2\n  executorCorez: 2\n'))).toBe(
      "<dir>/scenario.yaml:9: spark.executorCorez: unknown field 'executorCorez'; allowed: executorCores, executorMemoryMb, " +
        'executorMemoryOverheadMb, executorInstances, partitions, framesPerPartition, batchIntervalMs, memoryFraction, concurrentJobs, taskMaxFailures, ' +
        'serializer, cpuRequestRatio, cpuLimitRatio, dynamicAllocation',
    );
  });

  it('unknown top-level field', async () => {
    expect(await errorOf(`${MINIMAL_YAML}foo: 1\n`)).toMatch(
      /^<dir>\/scenario\.yaml:17: foo: unknown field 'foo'; allowed: name, description, seed, profile, cluster, spark, /,
    );
  });

  it('wrong type', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'executorCores: 2', 'executorCores: two'))).toBe(
      "<dir>/scenario.yaml:8: spark.executorCores: expected an integer in [1, 64], got 'two'",
    );
  });

  it('out-of-range value in a list', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'name: b, vcpu: 4', 'name: b, vcpu: 0'))).toBe(
      '<dir>/scenario.yaml:6: cluster.nodes[1].vcpu: expected an integer in [1, 1024], got 0',
    );
  });

  it('exclusive range', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, '  executorCores: 2\n', '  executorCores: 2\n  memoryFraction: 1\n'))).toBe(
      '<dir>/scenario.yaml:9: spark.memoryFraction: expected a number in (0, 1), got 1',
    );
  });

  it('missing required field', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'widthPx: 1280, ', ''))).toBe(
      '<dir>/scenario.yaml:15: workload.sources[0].widthPx: expected an integer in [1, 100000], got nothing (the field is required)',
    );
  });

  it('bad enum value', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'kind: camera', 'kind: webcam'))).toBe(
      "<dir>/scenario.yaml:15: workload.sources[0].kind: expected one of camera, cctv, drone, got 'webcam'",
    );
  });

  it('unknown trace kind', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'kind: constant', 'kind: sine'))).toBe(
      "<dir>/scenario.yaml:16: workload.trace.kind: expected kind one of constant, step, ramp, diurnal, spike, replay, got 'sine'",
    );
  });

  it('nodes neither a list nor a group', async () => {
    const yaml = MINIMAL_YAML.replace(/ {2}nodes:\n(?: {4}- .*\n)+/, '  nodes: three\n');
    expect(await errorOf(yaml)).toBe(
      '<dir>/scenario.yaml:4: cluster.nodes: expected a list of nodes {name, vcpu, memoryMb, costPerHour} or a node group ' +
        "{count, vcpu, memoryMb, costPerHour}, got 'three'",
    );
  });

  it('node group with a bad field follows the group branch', async () => {
    const yaml = MINIMAL_YAML.replace(/ {2}nodes:\n(?: {4}- .*\n)+/, '  nodes: { count: 0, vcpu: 4, memoryMb: 8192, costPerHour: 0.1 }\n');
    expect(await errorOf(yaml)).toBe('<dir>/scenario.yaml:4: cluster.nodes.count: expected an integer in [1, 1000], got 0');
  });

  it('node smaller than one executor', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'name: b, vcpu: 4, memoryMb: 8192', 'name: b, vcpu: 4, memoryMb: 1212'))).toBe(
      "<dir>/scenario.yaml:6: cluster.nodes[1].memoryMb: node 'b' (allocatable 700 MB = 1212 MB - 512 MB system reserved) " +
        'is smaller than one executor (884 MB = 500 MB heap + 384 MB overhead)',
    );
  });

  it('node with too few CPUs for one executor', async () => {
    const yaml = edit(
      edit(MINIMAL_YAML, 'name: b, vcpu: 4', 'name: b, vcpu: 1'),
      'executorCores: { min: 1, max: 3 }',
      'executorCores: { min: 2, max: 3 }',
    );
    expect(await errorOf(yaml)).toBe(
      "<dir>/scenario.yaml:6: cluster.nodes[1].vcpu: node 'b' (allocatable 0.9 vCPU = 1 - 0.1 system reserved) " +
        'is smaller than one executor (2 vCPU = 2 cores x cpuRequestRatio 1)',
    );
  });

  it('starting configuration outside the action space', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'executorCores: 2', 'executorCores: 4'))).toBe(
      '<dir>/scenario.yaml:8: spark.executorCores: expected an integer in [1, 3] (actionSpace), got 4',
    );
  });

  it('action space min above max', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, '{ min: 5, max: 8 }', '{ min: 9, max: 8 }'))).toBe(
      '<dir>/scenario.yaml:12: actionSpace.executorInstances.max: expected at least min (9), got 8',
    );
  });

  it('storage node that does not exist', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'cluster:\n', 'cluster:\n  storageNode: nfs\n'))).toBe(
      "<dir>/scenario.yaml:4: cluster.storageNode: expected one of the node names (a, b), got 'nfs'",
    );
  });

  it('duplicate node names', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'name: b,', 'name: a,'))).toBe(
      "<dir>/scenario.yaml:6: cluster.nodes[1].name: expected a name no other node has, got 'a' (also nodes[0])",
    );
  });

  it('several problems: the first, and how many more', async () => {
    const yaml = edit(edit(MINIMAL_YAML, 'executorCores: 2', 'executorCores: 0'), 'fps: 10', 'fps: -1');
    expect(await errorOf(yaml)).toBe(
      '<dir>/scenario.yaml:8: spark.executorCores: expected an integer in [1, 64], got 0 (and 1 more problem)',
    );
  });

  it('YAML syntax error', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'trace: { kind: constant, fps: 10 }', 'trace: { kind: constant, fps: 10'))).toMatch(
      /^<dir>\/scenario\.yaml:1[67]: YAML syntax error: /,
    );
  });

  it('duplicate YAML key', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'name: minimal\n', 'name: minimal\nname: again\n'))).toBe(
      "<dir>/scenario.yaml:2: YAML syntax error: the key 'name' appears twice in one mapping; keys must be unique",
    );
  });

  it('empty file', async () => {
    expect(await errorOf('# nothing yet\n')).toBe(
      '<dir>/scenario.yaml: expected a scenario mapping (name, cluster, spark, actionSpace, workload, ...), got an empty file',
    );
  });

  it('missing scenario file', async () => {
    const dir = tempFiles({});
    const path = join(dir, 'nope.yaml');
    await expect(loadScenario(path)).rejects.toThrow(new UserInputError(`scenario file not found: ${path}`));
    await expect(loadScenario(path)).rejects.toBeInstanceOf(UserInputError);
  });

  it('missing profile file', async () => {
    expect(await errorOf(edit(MINIMAL_YAML, 'profile: profile.json', 'profile: profiles/none.json'))).toBe(
      '<dir>/scenario.yaml:2: profile: profile file not found: <dir>/profiles/none.json',
    );
  });

  it('bad profile parameter', async () => {
    const profile = { ...PAPER_PROFILE, parameters: { ...PAPER_PROFILE.parameters, frameCpuMsPerMegapixel: -1 } };
    expect(await errorOf(MINIMAL_YAML, { 'profile.json': JSON.stringify(profile) })).toBe(
      '<dir>/profile.json: parameters.frameCpuMsPerMegapixel: expected a number in [0, 100000] ms/MP, got -1',
    );
  });
});

describe('replay CSV errors', () => {
  const replayYaml = edit(MINIMAL_YAML, 'trace: { kind: constant, fps: 10 }', 'trace: { kind: replay, file: traces/x.csv }');
  const rows = ['time_s,fps', '0,10', '10,20', '20,30', '30,40', '40,50'];

  it('a good file becomes points', async () => {
    const dir = tempFiles({ 'scenario.yaml': replayYaml });
    tempWrite(dir, 'traces/x.csv', `${rows.join('\n')}\n`);
    const scenario = await loadScenario(join(dir, 'scenario.yaml'));
    expect(scenario.workload.trace).toEqual({
      kind: 'replay',
      points: [0, 10, 20, 30, 40].map((s, i) => ({ atMs: s * 1000, fps: (i + 1) * 10 })),
    });
  });

  it('bad fps names file, line and column', async () => {
    const dir = tempFiles({ 'scenario.yaml': replayYaml });
    tempWrite(dir, 'traces/x.csv', `${[...rows, '50,abc'].join('\n')}\n`);
    await expect(loadScenario(join(dir, 'scenario.yaml'))).rejects.toThrow(
      new UserInputError(`${dir}/traces/x.csv:7: fps: expected a number in [0, 100000], got 'abc'`),
    );
  });

  it('times must increase', async () => {
    const dir = tempFiles({ 'scenario.yaml': replayYaml });
    tempWrite(dir, 'traces/x.csv', `${[...rows, '40,10'].join('\n')}\n`);
    await expect(loadScenario(join(dir, 'scenario.yaml'))).rejects.toThrow(
      new UserInputError(`${dir}/traces/x.csv:7: time_s: expected a time after the previous row (40), got 40`),
    );
  });

  it('wrong header', async () => {
    const dir = tempFiles({ 'scenario.yaml': replayYaml });
    tempWrite(dir, 'traces/x.csv', 'time,fps\n0,10\n');
    await expect(loadScenario(join(dir, 'scenario.yaml'))).rejects.toThrow(
      new UserInputError(`${dir}/traces/x.csv:1: expected the header 'time_s,fps', got 'time,fps'`),
    );
  });

  it('missing CSV file names the scenario field', async () => {
    const dir = tempFiles({ 'scenario.yaml': replayYaml });
    await expect(loadScenario(join(dir, 'scenario.yaml'))).rejects.toThrow(
      new UserInputError(`${dir}/scenario.yaml:16: workload.trace.file: file not found: ${dir}/traces/x.csv`),
    );
  });

  it('both points and file', async () => {
    const yaml = edit(MINIMAL_YAML, 'trace: { kind: constant, fps: 10 }', 'trace: { kind: replay, file: x.csv, points: [{ atMs: 0, fps: 1 }] }');
    expect(await errorOf(yaml)).toBe("<dir>/scenario.yaml:16: workload.trace: expected exactly one of 'points' or 'file', got both");
  });
});

describe('loadProfile', () => {
  it('reads the paper testbed profile', () => {
    const profile = loadProfile(new URL('../../../models/profiles/paper-testbed.json', import.meta.url).pathname);
    expect(profile.name).toBe('paper-testbed');
  });

  it('a profile written before executorBackgroundCpu existed loads with 0 (no effect)', () => {
    const { executorBackgroundCpu: _added, ...older } = PAPER_PROFILE.parameters;
    const dir = tempFiles({ 'p.json': JSON.stringify({ ...PAPER_PROFILE, parameters: older }) });
    expect(loadProfile(join(dir, 'p.json')).parameters.executorBackgroundCpu).toBe(0);
  });

  it.each([
    ['not JSON', '{ name: ', /^<dir>\/p\.json: not valid JSON at line 1, column 3 \(near 'name: '\); expected a latency profile/],
    ['unknown field', JSON.stringify({ ...PAPER_PROFILE, extra: 1 }), /^<dir>\/p\.json: extra: unknown field 'extra'; allowed: name, description, parameters, provenance$/],
    ['missing parameter', JSON.stringify({ ...PAPER_PROFILE, parameters: {} }), /^<dir>\/p\.json: parameters\.\w+: missing; expected a number in \[/],
    [
      'unknown parameter',
      JSON.stringify({ ...PAPER_PROFILE, parameters: { ...PAPER_PROFILE.parameters, warpFactor: 9 } }),
      /^<dir>\/p\.json: parameters\.warpFactor: unknown parameter; allowed: /,
    ],
  ])('%s', (_label, text, pattern) => {
    const dir = tempFiles({ 'p.json': text });
    let error: unknown;
    try {
      loadProfile(join(dir, 'p.json'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserInputError);
    const message = (error as Error).message.replaceAll(dir, '<dir>');
    expect(message).not.toContain('\n');
    expect(message).toMatch(pattern);
  });

  it('missing file', () => {
    expect(() => loadProfile('/nonexistent/p.json')).toThrow(new UserInputError('profile file not found: /nonexistent/p.json'));
  });
});

function tempWrite(dir: string, name: string, text: string): void {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
