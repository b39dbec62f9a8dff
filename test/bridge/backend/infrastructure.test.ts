/**
 * The real backend's cluster knobs: a trial that sets the node count or the
 * placement goes through the Infrastructure Manager before spark-submit (the
 * pool opened or closed, the executor pod template written and passed), its
 * cost is what the open nodes cost, and a master without a Kubernetes API
 * refuses those knobs in one line before anything runs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkEnactable, checkExtraConf, realInfrastructureFor } from '../../../bridge/backend/factory.js';
import { RealBackend, type RealBackendOptions } from '../../../bridge/backend/real.js';
import { RecordingInfrastructureManager } from '../../../bridge/k8s/infrastructure/index.js';
import type { InfrastructureManager } from '../../../bridge/k8s/infrastructure/index.js';
import type { K8sMaster, SparkSubmitter, SubmitRequest, SubmitResult } from '../../../bridge/spark/launcher.js';
import { UserInputError } from '../../../src/errors.js';
import { loadScenario } from '../../../src/scenario/load.js';
import type { Configuration } from '../../../src/space/grid.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sspe-infra-'));
  dirs.push(d);
  return d;
}

class FakeSubmitter implements SparkSubmitter {
  readonly requests: SubmitRequest[] = [];
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    this.requests.push(request);
    return {
      runId: request.runId, command: 'spark-submit', args: [], exitCode: 0, signal: null, timedOut: false, wallMs: 1000,
      runDir: '', stdoutPath: '', stderrPath: '', stderrTail: '', stdoutTail: '', metricsPath: '', metrics: null,
      eventLogPath: null, eventLog: null, executorLogDir: null, failure: null,
    };
  }
}

const K8S: K8sMaster = { kind: 'k8s', apiServerUrl: 'k8s://https://127.0.0.1:6443', namespace: 'spark', containerImage: 'sspe/process', serviceAccount: 'spark', driverHost: '127.0.0.1', executorVolumes: [] };
const LOCAL = { kind: 'local-cluster', workers: 2, coresPerWorker: 2, memoryPerWorkerMb: 2048 } as const;

async function setUp(manager?: InfrastructureManager) {
  const scenario = await loadScenario('scenarios/testbed-pool.yaml');
  const runsDir = tempDir();
  const submitter = new FakeSubmitter();
  const options: RealBackendOptions = {
    submitter,
    master: K8S,
    job: { inputDir: '/store', outputDir: join(runsDir, 'out'), batches: 2, warmupBatches: 1, keepOutput: true },
    scenario,
    costPerHour: 3 * 0.0832,
    infrastructure: manager === undefined ? undefined : realInfrastructureFor(K8S, scenario, runsDir, manager),
  };
  const backend = new RealBackend(options);
  await backend.reset(1);
  const config = (extra: Partial<Configuration>): Configuration => ({ ...scenario.spark, ...extra });
  return { scenario, submitter, backend, config, runsDir };
}

describe('RealBackend with an Infrastructure Manager', () => {
  it('sets the node pool and writes the placement template before each spark-submit, and costs the open nodes', async () => {
    const manager = new RecordingInfrastructureManager({ nodes: ['sspe-node-1', 'sspe-node-2', 'sspe-node-3'], storageNode: 'sspe-node-1' });
    const { submitter, backend, config, runsDir } = await setUp(manager);

    const one = await backend.runTrial({ config: config({ nodeCount: 1, placement: 'pack' }), fps: 10 });
    expect(one.failure).toBeNull();
    expect(manager.schedulable).toEqual(['sspe-node-1']);
    expect(one.costPerHour).toBeCloseTo(0.0832, 10);
    const template = submitter.requests[0].conf!['spark.kubernetes.executor.podTemplateFile'];
    expect(template).toBe(join(runsDir, 'pod-templates', `${submitter.requests[0].runId}-executor-pod.yaml`));
    expect(parse(readFileSync(template, 'utf8'))).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { labels: { 'sspe.dev/placement': 'pack' } }, spec: { schedulerName: 'sspe-pack' } });

    const three = await backend.runTrial({ config: config({ nodeCount: 3, placement: 'spread' }), fps: 10 });
    expect(manager.schedulable).toEqual(['sspe-node-1', 'sspe-node-2', 'sspe-node-3']);
    expect(three.costPerHour).toBeCloseTo(3 * 0.0832, 10);
    expect(backend.lastNodeChange?.uncordoned).toEqual(['sspe-node-2', 'sspe-node-3']);
    const spread = parse(readFileSync(submitter.requests[1].conf!['spark.kubernetes.executor.podTemplateFile'], 'utf8')) as { spec: unknown };
    expect(spread.spec).toEqual({ schedulerName: 'default-scheduler' });
    expect(manager.calls).toEqual([
      { method: 'setNodeCount', count: 1 },
      { method: 'setPlacement', policy: 'pack' },
      { method: 'setNodeCount', count: 3 },
      { method: 'setPlacement', policy: 'spread' },
    ]);
  });

  it('a pool that refuses is a failed trial with one line, and nothing is submitted', async () => {
    const manager: InfrastructureManager = {
      setNodeCount: async () => {
        throw new Error('cordoning node sspe-node-3 at https://127.0.0.1:6443: HTTP 403: forbidden');
      },
      setPlacement: async () => {
        throw new Error('unused');
      },
    };
    const { submitter, backend, config } = await setUp(manager);
    const outcome = await backend.runTrial({ config: config({ nodeCount: 2 }), fps: 10 });
    expect(outcome.failure).toBe('could not set the node pool to 2 node(s): cordoning node sspe-node-3 at https://127.0.0.1:6443: HTTP 403: forbidden');
    expect(submitter.requests).toHaveLength(0);
  });

  it('without an Infrastructure Manager, a trial that sets cluster knobs fails saying which master could enact them', async () => {
    const { submitter, backend, config } = await setUp();
    const outcome = await backend.runTrial({ config: config({ nodeCount: 2, placement: 'pack' }), fps: 10 });
    expect(outcome.failure).toBe('the node count and the placement cannot be enacted on k8s://https://127.0.0.1:6443: only a Kubernetes master (k8s://…) has an Infrastructure Manager');
    expect(submitter.requests).toHaveLength(0);
    // Executor knobs alone still run.
    expect((await backend.runTrial({ config: config({}), fps: 10 })).failure).toBeNull();
  });
});

describe('realInfrastructureFor and checkEnactable', () => {
  it('refuses node count and placement on a master without a Kubernetes API, naming the master and the knobs', async () => {
    const scenario = await loadScenario('scenarios/testbed-pool.yaml');
    const error = (() => {
      try {
        realInfrastructureFor(LOCAL, scenario, tempDir());
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as Error).message).toBe(
      "--master local-cluster[2,2,2048]: the scenario 'testbed-pool' declares nodeCount and placement in its action space, which only a Kubernetes master (k8s://…) enacts (cordon/uncordon of its node pool, executor pod templates)",
    );
    // A scenario with only executor knobs needs none.
    expect(realInfrastructureFor(LOCAL, await loadScenario('scenarios/local-cluster.yaml'), tempDir())).toBeUndefined();
  });

  it('refuses a kubeconfig that points at another cluster than --master', async () => {
    const scenario = await loadScenario('scenarios/testbed-pool.yaml');
    const other = { getCurrentCluster: () => ({ server: 'https://10.0.0.7:6443' }) } as unknown as import('@kubernetes/client-node').KubeConfig;
    expect(() => realInfrastructureFor(K8S, scenario, tempDir(), undefined, () => other)).toThrow(
      "--master k8s://https://127.0.0.1:6443: the kubeconfig's current cluster is at 'https://10.0.0.7:6443'; point KUBECONFIG at the cluster the master names",
    );
  });

  it('refuses a pool larger than the nodes the scenario lists', async () => {
    const scenario = await loadScenario('scenarios/diurnal-pool.yaml');
    expect(() => realInfrastructureFor(K8S, scenario, tempDir())).toThrow(
      "scenario 'diurnal-pool': cluster.maxNodes is 6 but it lists 3 node(s); on a real cluster the node pool is the nodes the scenario lists by name (cordoned and uncordoned), so list all 6",
    );
  });

  it('refuses a --conf pod template when the scenario declares placement (sspe writes it every run); other settings and scenarios pass', async () => {
    const pool = await loadScenario('scenarios/testbed-pool.yaml');
    expect(() => checkExtraConf(pool, { 'spark.kubernetes.executor.podTemplateFile': '/tmp/mine.yaml' })).toThrow(
      "--conf spark.kubernetes.executor.podTemplateFile: the scenario 'testbed-pool' declares placement in its action space, and sspe writes the executor pod template of every run from the chosen placement; leave this --conf out, or take placement out of the action space",
    );
    expect(() => checkExtraConf(pool, { 'spark.sql.shuffle.partitions': '4' })).not.toThrow();
    const local = await loadScenario('scenarios/local-cluster.yaml');
    expect(() => checkExtraConf(local, { 'spark.kubernetes.executor.podTemplateFile': '/tmp/mine.yaml' })).not.toThrow();
  });

  it('refuses a knob the knob table marks simulated only', async () => {
    const scenario = await loadScenario('scenarios/local-cluster.yaml');
    const withInterval = { ...scenario, actionSpace: { ...scenario.actionSpace, batchIntervalMs: { choices: [0, 1000] } } };
    expect(() => checkEnactable(withInterval)).toThrow(/^scenario 'local-cluster': actionSpace\.batchIntervalMs is simulated only \(.+\); a real cluster cannot enact it: leave it out of the action space to run there$/);
    expect(() => checkEnactable(scenario)).not.toThrow();
  });
});
