import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import yargs from 'yargs';
import { finetuneCommand, runFinetune, type FinetuneCommandOptions } from '../../../bridge/cli/commands/finetune.js';
import type { Tf } from '../../../src/agents/tf.js';
import type { Backend } from '../../../src/backend/backend.js';
import { UserInputError } from '../../../src/errors.js';
import { savePolicy } from '../../../src/policy/artifact.js';
import { RunLog } from '../../../src/runlog/run-log.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { deltaAction, fixedPolicy, paperScenario, shiftedScenario, StandInCluster, tempDir, testTf } from './fixtures.js';

let tf: Tf;
let scenario: Scenario;

beforeAll(async () => {
  tf = await testTf();
  scenario = paperScenario();
});

async function setUp() {
  const dir = tempDir();
  const policyDir = join(dir, 'models', 'fixed');
  const { model, metadata } = fixedPolicy(tf, scenario, { [deltaAction(-1, 0, 1)]: 2, [deltaAction(0, 0, 0)]: 1 });
  await savePolicy(policyDir, { model, metadata });
  mkdirSync(join(dir, 'videos'));
  const args: FinetuneCommandOptions = {
    json: true,
    policy: policyDir,
    scenario: 'scenarios/paper-testbed.yaml',
    budget: 3,
    slo: 'per_frame_ms=5000',
    resume: false,
    force: false,
    recalibrate: true,
    backend: 'wasm',
    runLog: join(dir, 'runs.sqlite'),
    master: 'local-cluster[2,2,2048]',
    inputDir: join(dir, 'videos'),
    batches: 2,
    warmupBatches: 1,
    timeout: '10m',
    namespace: 'default',
    serviceAccount: 'default',
    gradientStepsPerRun: 2,
    simStepsPerRun: 4,
  };
  return { dir, policyDir, args };
}

const standIn = (cluster: StandInCluster) => ({ makeBackend: (): Backend => cluster, tf });

describe('sspe finetune', () => {
  test('fine-tunes against the cluster, logs every real run as real, writes the tuned policy and its history', async () => {
    const { dir, policyDir, args } = await setUp();
    const cluster = new StandInCluster(shiftedScenario(scenario));
    const summary = await runFinetune(args, standIn(cluster));
    expect(cluster.calls).toBe(3);
    expect(summary).toMatchObject({ policy: `${policyDir}-tuned`, real_runs: 3, budget: 3, resumed_from: 0, stopped_early: false, slo: 'per_frame_ms=5000' });
    expect(summary.history.map((h) => h.run)).toEqual([0, 1, 2]);
    expect(summary.best.map((b) => b.fps)).toEqual([10, 20, 30]);
    expect(existsSync(join(`${policyDir}-tuned`, 'model.json'))).toBe(true);
    const saved = JSON.parse(readFileSync(join(`${policyDir}-tuned`, 'finetune.json'), 'utf8')) as { history: unknown[] };
    expect(saved.history).toHaveLength(3);
    expect(JSON.parse(readFileSync(join(`${policyDir}-tuned`, 'policy.json'), 'utf8')).name).toBe('fixed-tuned');
    const log = RunLog.open(join(dir, 'runs.sqlite'));
    try {
      expect(log.runs().map((r) => [r.command, r.backend, r.status, r.trialCount])).toEqual([['finetune', 'real', 'ok', 3]]);
      expect(log.query({ backend: 'real' }).map((t) => [t.step, t.fps])).toEqual([[0, 10], [1, 20], [2, 30]]);
    } finally {
      log.close();
    }
  });

  test('stopped by a crash, it continues with --resume and neither repeats nor loses a real run', async () => {
    const { dir, args } = await setUp();
    const cluster = new StandInCluster(shiftedScenario(scenario), (call, _request, outcome) => {
      if (call === 2) throw new Error('the driver machine rebooted');
      return outcome;
    });
    await expect(runFinetune(args, standIn(cluster))).rejects.toThrow('the driver machine rebooted');
    await expect(runFinetune(args, standIn(cluster))).rejects.toThrow(/^--checkpoint: .*fixed-tuned\.finetune-checkpoint\.json holds a fine-tuning in progress; pass --resume to continue it/);
    const summary = await runFinetune({ ...args, resume: true }, standIn(cluster));
    expect(summary).toMatchObject({ real_runs: 3, resumed_from: 2 });
    const log = RunLog.open(join(dir, 'runs.sqlite'));
    try {
      expect(log.runs().map((r) => [r.status, r.trialCount])).toEqual([['failed', 2], ['ok', 1]]);
      expect(log.query({ backend: 'real' }).map((t) => t.step)).toEqual([0, 1, 2]);
    } finally {
      log.close();
    }
  });

  test.each([
    [{ budget: 0 }, '--budget: expected an integer number of real runs in [1, 100000], got 0'],
    [{ slo: 'p99_ms=3' }, "--slo: unknown key 'p99_ms'; allowed: per_frame_ms, p95_ms"],
    [{ fps: '10,x' }, "--fps: expected a comma-separated list of frames per second in (0, 100000], got 'x'"],
    [{ fps: '10,10' }, '--fps: expected distinct load levels, got 10 twice'],
    [{ trustRegion: -1 }, '--trust-region: expected an integer in [0, 100], got -1'],
    [{ master: 'yarn' }, "--master: expected local-cluster[N,C,M], spark://host:port or k8s://https://host:port, got 'yarn'"],
    [{ timeout: 'soon' }, "--timeout: expected a duration in (0, 720 h] such as 500ms, 90s, 2m or 1h, got 'soon'"],
    [{ resume: true }, /^--resume: no checkpoint at .*fixed-tuned\.finetune-checkpoint\.json to resume/],
  ])('%j: %s', async (change, message) => {
    const { args } = await setUp();
    const cluster = new StandInCluster(scenario);
    const run = runFinetune({ ...args, ...change } as FinetuneCommandOptions, standIn(cluster));
    await expect(run).rejects.toThrow(UserInputError);
    await expect(runFinetune({ ...args, ...change } as FinetuneCommandOptions, standIn(cluster))).rejects.toThrow(message);
    expect(cluster.calls).toBe(0);
  });

  test('--resume after the budget was spent runs the runs a larger budget adds and replaces its own tuned policy', async () => {
    const { policyDir, args } = await setUp();
    const cluster = new StandInCluster(shiftedScenario(scenario));
    await runFinetune({ ...args, budget: 2 }, standIn(cluster));
    expect(existsSync(join(`${policyDir}-tuned`, 'model.json'))).toBe(true);
    const summary = await runFinetune({ ...args, budget: 3, resume: true }, standIn(cluster));
    expect(summary).toMatchObject({ real_runs: 3, resumed_from: 2 });
    expect(cluster.calls).toBe(3);
    const saved = JSON.parse(readFileSync(join(`${policyDir}-tuned`, 'finetune.json'), 'utf8')) as { history: unknown[] };
    expect(saved.history).toHaveLength(3);
  });

  test('refuses to overwrite a tuned policy without --force', async () => {
    const { policyDir, args } = await setUp();
    mkdirSync(`${policyDir}-tuned`);
    writeFileSync(join(`${policyDir}-tuned`, 'model.json'), '{}');
    await expect(runFinetune(args, standIn(new StandInCluster(scenario)))).rejects.toThrow(`--out: ${policyDir}-tuned already holds files; pass --force to replace it`);
  });
});

describe('sspe finetune flags', () => {
  test('the command declares every fine-tuning and real-cluster flag, and requires the essential ones', async () => {
    const parse = (argv: string[]) =>
      new Promise<{ error: Error | null; output: string }>((done) => {
        yargs()
          .option('json', { type: 'boolean', default: false })
          .command(finetuneCommand as never)
          .strict()
          .exitProcess(false)
          .parse(argv, {}, (error: Error | undefined, _args: unknown, output: string) => done({ error: error ?? null, output }));
      });
    const help = await parse(['finetune', '--help']);
    for (const flag of ['--policy', '--scenario', '--budget', '--slo', '--trust-region', '--sim-ratio', '--recalibrate-every', '--no-recalibrate', '--out', '--resume', '--master', '--input-dir', '--pvc']) {
      expect(help.output).toContain(flag);
    }
    const missing = await parse(['finetune', '--policy', 'p', '--scenario', 's.yaml', '--master', 'local-cluster[1,1,1024]', '--input-dir', 'v']);
    expect(missing.error?.message).toBe('Missing required argument: budget');
  });
});
