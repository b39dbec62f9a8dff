/**
 * `sspe deploy --policy <team bundle>`: the team of agents (here the Cluster
 * Autoscaler, the Parallelism Autoscaler and the Scheduler, trained for a few
 * seconds on scenarios/testbed-pool.yaml) chooses every declared knob window
 * after window, the cluster knobs included; each window's choice reaches the
 * backend, the screen, --json and the run log. A stand-in cluster (the
 * simulator behind the real backend's seam) takes the windows; the real
 * testbed run is test/bridge/k8s/team-deploy.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runDeploy, type DeployCommandOptions } from '../../../bridge/cli/commands/deploy.js';
import type { Tf } from '../../../src/agents/tf.js';
import { loadTeamPolicy } from '../../../src/agents/load-team-policy.js';
import { UserInputError } from '../../../src/errors.js';
import { RunLog } from '../../../src/runlog/run-log.js';
import { loadScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { runCli } from '../../src/cli/run-cli.js';
import { StandInCluster, tempDir, testbedFlags, testKubeconfig, testTf, withKubeconfig } from '../finetune/fixtures.js';

let tf: Tf;
let scenario: Scenario;
let team: string;
let kubeconfig: string;
let shared: string;

beforeAll(async () => {
  tf = await testTf();
  scenario = await loadScenario('scenarios/testbed-pool.yaml');
  // Shared by every test (tempDir's folders go after each one).
  shared = mkdtempSync(join(tmpdir(), 'sspe-team-deploy-'));
  const dir = shared;
  team = join(dir, 'team');
  const train = runCli(['train', 'scenarios/testbed-pool.yaml', '--method', 'idqn', '--agents', 'cluster,parallelism,scheduler', '--episodes', '20', '--out', team, '--run-log', join(dir, 'train.sqlite')]);
  expect(train.status, train.stderr).toBe(0);
  kubeconfig = testKubeconfig(dir);
}, 120_000);
afterAll(() => rmSync(shared, { recursive: true, force: true }));

function args(dir: string, extra: Partial<DeployCommandOptions> = {}): DeployCommandOptions {
  return {
    json: true,
    policy: team,
    scenario: 'scenarios/testbed-pool.yaml',
    windows: 3,
    load: '10',
    rollbackOn: 'failure',
    backend: 'wasm',
    runLog: join(dir, 'runs.sqlite'),
    ...testbedFlags(dir),
    ...extra,
  };
}

describe('sspe deploy with a team bundle', () => {
  test('the team chooses node count, executors and placement each window; the backend, --json and the run log get all of them', async () => {
    const dir = tempDir();
    const cluster = new StandInCluster(scenario);
    const summary = await withKubeconfig(kubeconfig, () => runDeploy(args(dir), { makeBackend: () => cluster, tf }));
    expect(summary).toMatchObject({ windows: 3, stopped_by: 'windows', rollbacks: 0 });

    // The team is named after its method, and decides the same again on the same outcomes.
    expect((await loadTeamPolicy(team, scenario, { tf })).policy.name).toBe('idqn');
    const again = await withKubeconfig(kubeconfig, () => runDeploy(args(tempDir()), { makeBackend: () => new StandInCluster(scenario), tf }));
    expect(again.decisions.map((d) => [d.from, d.config])).toEqual(summary.decisions.map((d) => [d.from, d.config]));
    for (const [i, d] of summary.decisions.entries()) {
      expect(Object.keys(d.config)).toEqual(['cores', 'memory_mb', 'instances', 'node_count', 'placement']);
      const sent = cluster.requests[i].config;
      expect([sent.nodeCount, sent.executorInstances, sent.placement]).toEqual([d.config.node_count, d.config.instances, d.config.placement]);
      expect(d.from).toMatch(/^1\/512\/[1-3] nodes=[1-3] placement=(spread|pack)$/);
    }
    // The first window starts from the scenario's configuration: 3 nodes, 2 executors, spread.
    expect(summary.decisions[0].from).toBe('1/512/2 nodes=3 placement=spread');

    const log = RunLog.open(join(dir, 'runs.sqlite'));
    try {
      expect(log.runs().map((r) => [r.command, r.status, r.trialCount])).toEqual([['deploy', 'ok', 3]]);
      expect(log.query().map((t) => [t.knobs.nodeCount, t.instances, t.knobs.placement])).toEqual(summary.decisions.map((d) => [d.config.node_count, d.config.instances, d.config.placement]));
    } finally {
      log.close();
    }
  }, 60_000);

  test.each([
    [
      { scenario: 'scenarios/local-cluster.yaml', master: 'local-cluster[2,2,2048]', image: undefined, driverHost: undefined, pvc: undefined },
      /^team policy .+ was trained for .+; the scenario 'local-cluster' declares .+$/,
    ],
    [
      { master: 'local-cluster[2,2,2048]', image: undefined, driverHost: undefined, pvc: undefined },
      /^--master local-cluster\[2,2,2048\]: the scenario 'testbed-pool' declares nodeCount and placement in its action space, which only a Kubernetes master \(k8s:\/\/…\) enacts/,
    ],
    [
      { conf: ['spark.kubernetes.executor.podTemplateFile=/tmp/mine.yaml'] },
      /^--conf spark\.kubernetes\.executor\.podTemplateFile: the scenario 'testbed-pool' declares placement in its action space/,
    ],
  ])('refuses, in one line and before any window: %j', async (change, message) => {
    const dir = tempDir();
    const cluster = new StandInCluster(scenario);
    const error = await withKubeconfig(kubeconfig, () => runDeploy(args(dir, change as Partial<DeployCommandOptions>), { makeBackend: () => cluster, tf })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
    expect(cluster.calls).toBe(0);
  });
});
