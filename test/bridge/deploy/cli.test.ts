import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import yargs from 'yargs';
import { deployCommand, runDeploy, type DeployCommandOptions } from '../../../bridge/cli/commands/deploy.js';
import { loadSourceFrom } from '../../../bridge/deploy/load-source.js';
import type { Tf } from '../../../src/agents/tf.js';
import { UserInputError } from '../../../src/errors.js';
import { savePolicy } from '../../../src/policy/artifact.js';
import { RunLog } from '../../../src/runlog/run-log.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { deltaAction, fixedPolicy, paperScenario, shiftedScenario, StandInCluster, tempDir, testTf } from '../finetune/fixtures.js';

let tf: Tf;
let scenario: Scenario;

beforeAll(async () => {
  tf = await testTf();
  scenario = paperScenario();
});

async function setUp() {
  const dir = tempDir();
  const policyDir = join(dir, 'models', 'fixed');
  const { model, metadata } = fixedPolicy(tf, scenario, { [deltaAction(0, 0, 1)]: 2, [deltaAction(0, 0, 0)]: 1 });
  await savePolicy(policyDir, { model, metadata });
  mkdirSync(join(dir, 'videos'));
  const args: DeployCommandOptions = {
    json: true,
    policy: policyDir,
    scenario: 'scenarios/paper-testbed.yaml',
    slo: 'per_frame_ms=5000',
    windows: 3,
    load: '30',
    rollbackOn: 'failure',
    backend: 'wasm',
    runLog: join(dir, 'runs.sqlite'),
    master: 'spark://head:7077',
    inputDir: join(dir, 'videos'),
    batches: 2,
    warmupBatches: 1,
    timeout: '10m',
    namespace: 'default',
    serviceAccount: 'default',
  };
  return { dir, args };
}

describe('sspe deploy', () => {
  test('runs the windows, reports and logs every decision as a real trial', async () => {
    const { dir, args } = await setUp();
    const cluster = new StandInCluster(shiftedScenario(scenario));
    const summary = await runDeploy(args, { makeBackend: () => cluster, tf });
    expect(summary).toMatchObject({ windows: 3, stopped_by: 'windows', rollbacks: 0, breaches: 0, slo: 'per_frame_ms=5000' });
    expect(summary.decisions.map((d) => [d.window, d.fps, d.from, d.config.instances, d.kind])).toEqual([
      [0, 30, '1/800/6', 7, 'policy'],
      [1, 30, '1/800/7', 8, 'policy'],
      [2, 30, '1/800/8', 8, 'policy'],
    ]);
    const log = RunLog.open(join(dir, 'runs.sqlite'));
    try {
      expect(log.runs().map((r) => [r.command, r.backend, r.status, r.trialCount])).toEqual([['deploy', 'real', 'ok', 3]]);
      expect(log.query().map((t) => [t.step, t.instances, t.policy])).toEqual([[0, 7, 'deploy:policy'], [1, 8, 'deploy:policy'], [2, 8, 'deploy:policy']]);
    } finally {
      log.close();
    }
  });

  test('an aborted deployment is logged as interrupted', async () => {
    const { dir, args } = await setUp();
    const controller = new AbortController();
    const cluster = new StandInCluster(scenario, (call, _request, outcome) => {
      if (call === 1) controller.abort();
      return outcome;
    });
    const summary = await runDeploy({ ...args, windows: undefined }, { makeBackend: () => cluster, tf, signal: controller.signal });
    expect(summary).toMatchObject({ windows: 2, stopped_by: 'signal' });
    const log = RunLog.open(join(dir, 'runs.sqlite'));
    try {
      expect(log.runs().map((r) => [r.status, r.trialCount])).toEqual([['interrupted', 2]]);
    } finally {
      log.close();
    }
  });

  test("--load trace follows the scenario's trace by wall-clock time", () => {
    let nowMs = 1000;
    const withSteps = { ...scenario, workload: { ...scenario.workload, trace: { kind: 'step' as const, steps: [{ atMs: 0, fps: 10 }, { atMs: 60_000, fps: 40 }] } } };
    const load = loadSourceFrom('trace', withSteps, () => nowMs);
    expect(load()).toBe(10);
    nowMs += 61_000;
    expect(load()).toBe(40);
  });

  test.each([
    [{ windows: 0 }, '--windows: expected a positive integer, got 0'],
    [{ load: 'fast' }, "--load: expected 'trace' or a number of frames per second in (0, 100000], got 'fast'"],
    [{ rollbackOn: 'never' }, "--rollback-on: expected failure or breach, got 'never'"],
    [{ slo: 'per_frame_ms=abc' }, "--slo: per_frame_ms: expected a number of ms in (0, 86400000], got 'abc'"],
    [{ master: 'k8s://https://10.0.0.1:6443' }, '--image: expected the executor container image (a k8s:// master needs one), got none'],
    [{ batches: 0 }, '--batches: expected an integer in [1, 10000], got 0'],
  ])('%j: %s', async (change, message) => {
    const { args } = await setUp();
    const cluster = new StandInCluster(scenario);
    await expect(runDeploy({ ...args, ...change } as DeployCommandOptions, { makeBackend: () => cluster, tf })).rejects.toThrow(new UserInputError(message));
    expect(cluster.calls).toBe(0);
  });
});

describe('sspe deploy flags', () => {
  test('the command declares its flags and requires the essential ones', async () => {
    const parse = (argv: string[]) =>
      new Promise<{ error: Error | null; output: string }>((done) => {
        yargs()
          .option('json', { type: 'boolean', default: false })
          .command(deployCommand as never)
          .strict()
          .exitProcess(false)
          .parse(argv, {}, (error: Error | undefined, _args: unknown, output: string) => done({ error: error ?? null, output }));
      });
    const help = await parse(['deploy', '--help']);
    for (const flag of ['--policy', '--scenario', '--slo', '--windows', '--load', '--rollback-on', '--master', '--input-dir']) expect(help.output).toContain(flag);
    const missing = await parse(['deploy', '--policy', 'p', '--scenario', 's.yaml', '--input-dir', 'v']);
    expect(missing.error?.message).toBe('Missing required argument: master');
  });
});
