/**
 * `sspe finetune --policy <team bundle>`: the same flags, checks and run log
 * as a single agent's fine-tuning; --json prints points as deploy prints a
 * team's (pointKey, pointJson); the tuned team goes to --out. A stand-in
 * cluster (the simulator behind the real backend's seam) takes the runs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runFinetune, type FinetuneCommandOptions, type TeamFinetuneSummary } from '../../../bridge/cli/commands/finetune.js';
import { loadTeamPolicy } from '../../../src/agents/load-team-policy.js';
import type { Tf } from '../../../src/agents/tf.js';
import type { Backend } from '../../../src/backend/backend.js';
import { UserInputError } from '../../../src/errors.js';
import { RunLog } from '../../../src/runlog/run-log.js';
import { loadScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { shiftedScenario, StandInCluster, tempDir, testbedFlags, testKubeconfig, testTf, trainedTeamBundle, withKubeconfig as withKubeconfigAt } from './fixtures.js';

let tf: Tf;
let scenario: Scenario;
let shared: string;
let team: string;
let kubeconfig: string;

beforeAll(async () => {
  tf = await testTf();
  scenario = await loadScenario('scenarios/testbed-pool.yaml');
  shared = mkdtempSync(join(tmpdir(), 'sspe-team-finetune-cli-'));
  team = await trainedTeamBundle(tf, scenario, { method: 'idqn', dir: join(shared, 'team'), agents: ['cluster', 'parallelism', 'scheduler'] });
  kubeconfig = testKubeconfig(shared);
}, 60_000);
afterAll(() => rmSync(shared, { recursive: true, force: true }));

function args(dir: string, extra: Partial<FinetuneCommandOptions> = {}): FinetuneCommandOptions {
  return {
    json: true,
    policy: team,
    scenario: 'scenarios/testbed-pool.yaml',
    budget: 3,
    slo: 'per_frame_ms=5000',
    out: join(dir, 'tuned'),
    resume: false,
    force: false,
    recalibrate: false,
    fps: '5,20',
    backend: 'wasm',
    runLog: join(dir, 'runs.sqlite'),
    ...testbedFlags(dir),
    gradientStepsPerRun: 2,
    simStepsPerRun: 4,
    ...extra,
  };
}

const withKubeconfig = <T>(run: () => Promise<T>) => withKubeconfigAt(kubeconfig, run);

const standIn = (cluster: StandInCluster) => ({ makeBackend: (): Backend => cluster, tf });

describe('sspe finetune with a team bundle', () => {
  test('tunes the team on the cluster, logs every real run with its cluster knobs, prints points, writes the tuned team', async () => {
    const dir = tempDir();
    const cluster = new StandInCluster(shiftedScenario(scenario));
    const summary = (await withKubeconfig(() => runFinetune(args(dir), standIn(cluster)))) as TeamFinetuneSummary;
    expect(cluster.calls).toBe(3);
    expect(summary).toMatchObject({ policy: join(dir, 'tuned'), team: { method: 'idqn', agents: ['cluster', 'parallelism', 'scheduler'] }, real_runs: 3, budget: 3, resumed_from: 0, stopped_early: false });
    expect(summary.history.map((r) => [r.run, r.fps])).toEqual([[0, 5], [1, 20], [2, 5]]);
    for (const [i, r] of summary.history.entries()) {
      expect(Object.keys(r.config)).toEqual(['cores', 'memory_mb', 'instances', 'node_count', 'placement']);
      expect(r.from).toMatch(/^1\/512\/[1-3] nodes=[1-3] placement=(spread|pack)$/);
      expect(Object.keys(r.actions)).toEqual(['cluster', 'parallelism', 'scheduler']);
      const sent = cluster.requests[i].config;
      expect([sent.nodeCount, sent.executorInstances, sent.placement]).toEqual([r.config.node_count, r.config.instances, r.config.placement]);
    }
    expect(summary.history[0].from).toBe('1/512/2 nodes=3 placement=spread');

    // The tuned team loads and deploys; its history is beside it.
    expect((await loadTeamPolicy(join(dir, 'tuned'), scenario, { tf })).metadata.name).toBe('tuned');
    expect(JSON.parse(readFileSync(join(dir, 'tuned', 'finetune.json'), 'utf8')).history).toEqual(summary.history);

    const log = RunLog.open(join(dir, 'runs.sqlite'));
    try {
      expect(log.runs().map((r) => [r.command, r.status, r.trialCount])).toEqual([['finetune', 'ok', 3]]);
      expect(log.query().map((t) => [t.knobs.nodeCount, t.instances, t.knobs.placement])).toEqual(summary.history.map((r) => [r.config.node_count, r.config.instances, r.config.placement]));
    } finally {
      log.close();
    }

    // A second fine-tuning with --resume and a larger budget goes on from the checkpoint.
    const more = await withKubeconfig(() => runFinetune(args(dir, { budget: 4, resume: true }), standIn(cluster)));
    expect(more).toMatchObject({ real_runs: 4, resumed_from: 3 });
    expect(cluster.calls).toBe(4);
  }, 30_000);

  test.each([
    [{ scenario: 'scenarios/local-cluster.yaml', master: 'local-cluster[2,2,2048]', image: undefined, driverHost: undefined, pvc: undefined }, /^team policy .+ was trained for .+; the scenario 'local-cluster' declares .+$/],
    [{ master: 'local-cluster[2,2,2048]', image: undefined, driverHost: undefined, pvc: undefined }, /^--master local-cluster\[2,2,2048\]: the scenario 'testbed-pool' declares nodeCount and placement in its action space, which only a Kubernetes master/],
  ])('refuses in one line, before any real run, writing nothing: %j', async (change, message) => {
    const dir = tempDir();
    const cluster = new StandInCluster(shiftedScenario(scenario));
    const error = await withKubeconfig(() => runFinetune(args(dir, change as Partial<FinetuneCommandOptions>), standIn(cluster))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
    expect(cluster.calls).toBe(0);
    expect(existsSync(join(dir, 'runs.sqlite'))).toBe(false);
    expect(existsSync(join(dir, 'tuned'))).toBe(false);
    expect(existsSync(join(dir, 'tuned.finetune-checkpoint.json'))).toBe(false);
  });
});
