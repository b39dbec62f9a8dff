import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubeInspector, KubeRequestError } from '../../../bridge/k8s/inspector.js';
import { UserInputError } from '../../../src/errors.js';
import { startFakeApiServer, type FakeApiServer } from './api-server.js';

const APP_ID = 'spark-5b7d1e3c9a0f4e2b8c6d4a1f0e9b7c3d';

function node(name: string, cpu: string, memory: string, ready: 'True' | 'False' | 'Unknown'): unknown {
  return {
    metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name }, creationTimestamp: '2024-05-01T10:00:00Z' },
    spec: { podCIDR: '10.244.1.0/24' },
    status: {
      capacity: { cpu: '4', memory: '8148000Ki', pods: '110' },
      allocatable: { cpu, memory, pods: '110', 'ephemeral-storage': '95491281146' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        { type: 'Ready', status: ready, reason: 'KubeletReady', lastTransitionTime: '2024-05-01T10:01:00Z' },
      ],
      nodeInfo: { kubeletVersion: 'v1.29.4', containerRuntimeVersion: 'containerd://1.7.13' },
    },
  };
}

const NODE_LIST = {
  kind: 'NodeList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '12345' },
  items: [
    node('worker-2', '4', '8141088Ki', 'True'),
    node('worker-1', '3900m', '7950Mi', 'True'),
    { ...(node('worker-3', '2', '8Gi', 'False') as object), spec: { unschedulable: true } },
  ],
};

interface ExecutorPodSpec {
  id: string;
  phase: string;
  node?: string;
  restarts?: number;
  state?: unknown;
  lastState?: unknown;
}

function executorPod({ id, phase, node: nodeName, restarts = 0, state, lastState }: ExecutorPodSpec): unknown {
  return {
    metadata: {
      name: `streaming-app-exec-${id}`,
      namespace: 'spark',
      labels: {
        'spark-app-name': 'streaming-app',
        'spark-app-selector': APP_ID,
        'spark-exec-id': id,
        'spark-exec-resourceprofile-id': '0',
        'spark-role': 'executor',
      },
      creationTimestamp: '2024-05-01T11:00:00Z',
    },
    spec: {
      nodeName,
      restartPolicy: 'Never',
      containers: [
        {
          name: 'spark-kubernetes-executor',
          image: 'apache/spark:3.5.1',
          resources: {
            requests: { cpu: '1', memory: '1408Mi' },
            limits: { memory: '1408Mi' },
          },
        },
      ],
    },
    status: {
      phase,
      startTime: '2024-05-01T11:00:02Z',
      conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }],
      containerStatuses:
        phase === 'Pending'
          ? undefined
          : [
              {
                name: 'spark-kubernetes-executor',
                ready: phase === 'Running',
                restartCount: restarts,
                image: 'apache/spark:3.5.1',
                imageID: 'docker.io/apache/spark@sha256:abc',
                state: state ?? { running: { startedAt: '2024-05-01T11:00:05Z' } },
                lastState: lastState ?? {},
              },
            ],
    },
  };
}

const POD_LIST = {
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '777' },
  items: [
    executorPod({
      id: '10',
      phase: 'Failed',
      node: 'worker-2',
      state: {
        terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2024-05-01T11:00:05Z', finishedAt: '2024-05-01T11:04:00Z' },
      },
    }),
    executorPod({ id: '2', phase: 'Running', node: 'worker-1' }),
    executorPod({ id: '3', phase: 'Pending' }),
    executorPod({
      id: '1',
      phase: 'Running',
      node: 'worker-1',
      restarts: 1,
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2024-05-01T11:02:00Z' } },
    }),
  ],
};

const POD_METRICS_LIST = {
  kind: 'PodMetricsList',
  apiVersion: 'metrics.k8s.io/v1beta1',
  metadata: {},
  items: [
    {
      metadata: { name: 'streaming-app-exec-2', namespace: 'spark', creationTimestamp: '2024-05-01T11:05:00Z', labels: { 'spark-role': 'executor' } },
      timestamp: '2024-05-01T11:04:58Z',
      window: '15.007s',
      containers: [{ name: 'spark-kubernetes-executor', usage: { cpu: '734215468n', memory: '1165136Ki' } }],
    },
    {
      metadata: { name: 'streaming-app-driver', namespace: 'spark', creationTimestamp: '2024-05-01T11:05:00Z' },
      timestamp: '2024-05-01T11:04:50Z',
      window: '1m0s',
      containers: [
        { name: 'spark-kubernetes-driver', usage: { cpu: '250m', memory: '512Mi' } },
        { name: 'sidecar', usage: { cpu: '0', memory: '16Mi' } },
      ],
    },
  ],
};

let api: FakeApiServer;

beforeEach(async () => {
  api = await startFakeApiServer();
});

afterEach(async () => {
  await api.close();
  vi.unstubAllEnvs();
});

function inspector(namespace = 'spark', requestTimeoutMs?: number): KubeInspector {
  return new KubeInspector({ kubeConfig: api.kubeConfig(namespace), requestTimeoutMs });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('KubeInspector.nodeCapacity', () => {
  it('parses allocatable CPU and memory and the Ready condition of every node', async () => {
    api.answers.set('/api/v1/nodes', { status: 200, body: NODE_LIST });
    const nodes = await inspector().nodeCapacity();
    expect(nodes).toEqual([
      { name: 'worker-1', allocatableCpuMillicores: 3900, allocatableMemoryMb: 7950, ready: true, unschedulable: false },
      { name: 'worker-2', allocatableCpuMillicores: 4000, allocatableMemoryMb: 8141088 / 1024, ready: true, unschedulable: false },
      { name: 'worker-3', allocatableCpuMillicores: 2000, allocatableMemoryMb: 8192, ready: false, unschedulable: true },
    ]);
    expect(api.requests).toEqual([{ method: 'GET', url: '/api/v1/nodes', authorization: 'Bearer test-token' }]);
  });

  it('a malformed quantity names the node and the field, with the parse error as cause', async () => {
    const broken = structuredClone(NODE_LIST);
    (broken.items[1] as { status: { allocatable: { memory: string } } }).status.allocatable.memory = '7950MB';
    api.answers.set('/api/v1/nodes', { status: 200, body: broken });
    const error = await failure(inspector().nodeCapacity());
    expect(error.message).toBe(
      `unexpected NodeList from ${api.url}: Node 'worker-1': status.allocatable.memory: ` +
        `expected a memory quantity like '8Gi' or '7950Mi', got string "7950MB"`,
    );
    const cause = error.cause as Error;
    expect(cause.name).toBe('KubeAnswerError');
    expect((cause.cause as Error).message).toMatch(/suffix .* got 'MB' in '7950MB'/);
  });

  it('an answer the client cannot even map to its models is an error, not a crash', async () => {
    api.answers.set('/api/v1/nodes', { status: 200, body: { kind: 'NodeList', items: { oops: true } } });
    const error = await failure(inspector().nodeCapacity());
    expect(error).toBeInstanceOf(KubeRequestError);
    expect(error.message).toMatch(new RegExp(`^listing nodes at ${api.url.replaceAll('.', '\\.')}: unreadable answer: `));
  });

  it('a body that is not JSON (a login page from a proxy) is an error, not an empty list', async () => {
    api.answers.set('/api/v1/nodes', { status: 200, body: '<html>proxy login</html>', contentType: 'text/html' });
    const error = await failure(inspector().nodeCapacity());
    expect(error.message).toBe(`unexpected NodeList from ${api.url}: NodeList: items: expected an array, got nothing`);
  });

  it('a missing field names the node and the field', async () => {
    const broken = structuredClone(NODE_LIST);
    delete (broken.items[0] as { status: { allocatable: { cpu?: string } } }).status.allocatable.cpu;
    api.answers.set('/api/v1/nodes', { status: 200, body: broken });
    const error = await failure(inspector().nodeCapacity());
    expect(error.message).toMatch(/Node 'worker-2': status\.allocatable\.cpu: expected a CPU quantity like '3900m' or '4', got nothing$/);
  });

  it('an HTTP error carries the status code and the Status message', async () => {
    api.answers.set('/api/v1/nodes', {
      status: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'nodes is forbidden: User "system:serviceaccount:spark:spark" cannot list resource "nodes"',
        reason: 'Forbidden',
        code: 403,
      },
    });
    const error = await failure(inspector().nodeCapacity());
    expect(error).toBeInstanceOf(KubeRequestError);
    expect((error as KubeRequestError).statusCode).toBe(403);
    expect(error.message).toBe(
      `listing nodes at ${api.url}: HTTP 403: nodes is forbidden: User "system:serviceaccount:spark:spark" cannot list resource "nodes"`,
    );
    expect(error.cause).toBeDefined();
  });

  it('a server that does not answer in time is a timeout error, not a hang', async () => {
    api.answers.set('/api/v1/nodes', { status: 200, body: NODE_LIST, hang: true });
    const error = await failure(inspector('spark', 200).nodeCapacity());
    expect(error).toBeInstanceOf(KubeRequestError);
    expect(error.message).toBe(`listing nodes at ${api.url}: no answer before the request timeout`);
  });

  it('a refused connection names the server', async () => {
    const kubeConfig = api.kubeConfig('spark');
    await api.close();
    const error = await failure(new KubeInspector({ kubeConfig }).nodeCapacity());
    expect(error.message).toMatch(new RegExp(`^listing nodes at ${api.url.replaceAll('.', '\\.')}: .*ECONNREFUSED`));
    api = await startFakeApiServer(); // for afterEach
  });
});

describe('KubeInspector.executorPods', () => {
  const podsPath = '/api/v1/namespaces/spark/pods';

  it('selects by Spark labels and reports phase, node, restarts and OOM kills, ordered by executor id', async () => {
    api.answers.set(podsPath, { status: 200, body: POD_LIST });
    const pods = await inspector().executorPods(APP_ID);
    expect(api.requests.map((r) => r.url)).toEqual([`${podsPath}?labelSelector=spark-role=executor,spark-app-selector=${APP_ID}`]);
    expect(
      pods.map((p) => ({
        id: p.executorId,
        phase: p.phase,
        node: p.nodeName,
        ready: p.ready,
        restarts: p.restarts,
        oom: p.oomKilled,
        terminations: p.terminations.map((t) => `${t.reason}/${t.exitCode}/${t.current ? 'now' : 'before'}`),
      })),
    ).toEqual([
      { id: '1', phase: 'Running', node: 'worker-1', ready: true, restarts: 1, oom: true, terminations: ['OOMKilled/137/before'] },
      { id: '2', phase: 'Running', node: 'worker-1', ready: true, restarts: 0, oom: false, terminations: [] },
      { id: '3', phase: 'Pending', node: null, ready: false, restarts: 0, oom: false, terminations: [] },
      { id: '10', phase: 'Failed', node: 'worker-2', ready: false, restarts: 0, oom: true, terminations: ['OOMKilled/137/now'] },
    ]);
    const first = pods[0];
    expect(first.appId).toBe(APP_ID);
    expect(first.namespace).toBe('spark');
    expect(first.cpuRequestMillicores).toBe(1000);
    expect(first.cpuLimitMillicores).toBeNull();
    expect(first.memoryRequestMb).toBe(1408);
    expect(first.memoryLimitMb).toBe(1408);
    expect(first.startTimeMs).toBe(Date.parse('2024-05-01T11:00:02Z'));
    expect(first.terminations[0].finishedAtMs).toBe(Date.parse('2024-05-01T11:02:00Z'));
    expect(first.deletionTimeMs).toBeNull();
  });

  it('takes a label selector and namespace, adding spark-role=executor unless the selector names spark-role', async () => {
    api.answers.set('/api/v1/namespaces/jobs/pods', { status: 200, body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] } });
    const ins = inspector();
    expect(await ins.executorPods({ labelSelector: 'spark-app-name=etl', namespace: 'jobs' })).toEqual([]);
    expect(await ins.executorPods({ labelSelector: 'spark-role in (executor),team=a', namespace: 'jobs' })).toEqual([]);
    expect(api.requests.map((r) => r.url)).toEqual([
      '/api/v1/namespaces/jobs/pods?labelSelector=spark-app-name=etl,spark-role=executor',
      '/api/v1/namespaces/jobs/pods?labelSelector=spark-role in (executor),team=a',
    ]);
  });

  it('uses the kubeconfig context namespace, else default', async () => {
    const empty = { status: 200, body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] } };
    api.answers.set('/api/v1/namespaces/spark/pods', empty);
    api.answers.set('/api/v1/namespaces/default/pods', empty);
    await new KubeInspector({ kubeConfig: api.kubeConfig('spark') }).executorPods(APP_ID);
    await new KubeInspector({ kubeConfig: api.kubeConfig(undefined) }).executorPods(APP_ID);
    expect(api.requests.map((r) => r.url.split('?')[0])).toEqual(['/api/v1/namespaces/spark/pods', '/api/v1/namespaces/default/pods']);
  });

  it('rejects an application id that cannot be a label value, before any request', async () => {
    const error = await failure(inspector().executorPods('spark app,1'));
    expect(error).toBeInstanceOf(UserInputError);
    expect(error.message).toBe("expected a Spark application id usable as a label value (e.g. 'spark-3f2a...'), got 'spark app,1'");
    expect(api.requests).toEqual([]);
  });

  it('a container status without restartCount names the pod and the field', async () => {
    const broken = structuredClone(POD_LIST);
    const pod = broken.items[1] as { status: { containerStatuses: Array<{ restartCount?: number }> } };
    delete pod.status.containerStatuses[0].restartCount;
    api.answers.set(podsPath, { status: 200, body: broken });
    const error = await failure(inspector().executorPods(APP_ID));
    expect(error.message).toBe(
      `unexpected PodList from ${api.url}: Pod 'spark/streaming-app-exec-2': status.containerStatuses[0].restartCount: expected an integer, got nothing`,
    );
  });

  it('a pod without a phase names the pod', async () => {
    const broken = structuredClone(POD_LIST);
    delete (broken.items[0] as { status: { phase?: string } }).status.phase;
    api.answers.set(podsPath, { status: 200, body: broken });
    const error = await failure(inspector().executorPods(APP_ID));
    expect(error.message).toMatch(/Pod 'spark\/streaming-app-exec-10': status\.phase: expected a non-empty string, got nothing$/);
  });
});

describe('KubeInspector.podMetrics', () => {
  const metricsPath = '/apis/metrics.k8s.io/v1beta1/namespaces/spark/pods';

  it('reads PodMetricsList into millicores and MB per container and per pod', async () => {
    api.answers.set(metricsPath, { status: 200, body: POD_METRICS_LIST });
    const metrics = await inspector().podMetrics();
    expect(metrics).toEqual([
      {
        name: 'streaming-app-driver',
        namespace: 'spark',
        timestampMs: Date.parse('2024-05-01T11:04:50Z'),
        windowMs: 60_000,
        containers: [
          { name: 'spark-kubernetes-driver', cpuMillicores: 250, memoryMb: 512 },
          { name: 'sidecar', cpuMillicores: 0, memoryMb: 16 },
        ],
        cpuMillicores: 250,
        memoryMb: 528,
      },
      {
        name: 'streaming-app-exec-2',
        namespace: 'spark',
        timestampMs: Date.parse('2024-05-01T11:04:58Z'),
        windowMs: 15_007,
        containers: [{ name: 'spark-kubernetes-executor', cpuMillicores: expect.closeTo(734.215468, 9), memoryMb: 1165136 / 1024 }],
        cpuMillicores: expect.closeTo(734.215468, 9),
        memoryMb: 1165136 / 1024,
      },
    ]);
  });

  it('passes a label selector and a namespace through', async () => {
    api.answers.set('/apis/metrics.k8s.io/v1beta1/namespaces/jobs/pods', { status: 200, body: { ...POD_METRICS_LIST, items: [] } });
    expect(await inspector().podMetrics('jobs', { labelSelector: 'spark-role=executor' })).toEqual([]);
    expect(api.requests.map((r) => r.url)).toEqual(['/apis/metrics.k8s.io/v1beta1/namespaces/jobs/pods?labelSelector=spark-role=executor']);
  });

  it('is null, not an error, when the server has no metrics API (404 Status)', async () => {
    expect(await inspector().podMetrics()).toBeNull();
    expect(api.requests.map((r) => r.url)).toEqual([metricsPath]);
  });

  it('is null for a bare-text 404 too', async () => {
    api.answers.set(metricsPath, { status: 404, body: '404 page not found\n', contentType: 'text/plain; charset=utf-8' });
    expect(await inspector().podMetrics()).toBeNull();
  });

  it('other failures (503 from an unavailable metrics-server) are errors', async () => {
    api.answers.set(metricsPath, {
      status: 503,
      body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'the server is currently unable to handle the request', code: 503 },
    });
    const error = await failure(inspector().podMetrics());
    expect(error.message).toBe(
      `reading pod metrics in namespace 'spark' at ${api.url}: HTTP 503: the server is currently unable to handle the request`,
    );
  });

  it('a malformed usage names the pod and container field', async () => {
    const broken = structuredClone(POD_METRICS_LIST);
    broken.items[0].containers[0].usage.cpu = 'lots';
    api.answers.set(metricsPath, { status: 200, body: broken });
    const error = await failure(inspector().podMetrics());
    expect(error.message).toMatch(/PodMetrics 'spark\/streaming-app-exec-2': containers\[0\]\.usage\.cpu: expected a CPU quantity like '3900m' or '4', got string "lots"$/);
    expect((error.cause as Error).cause).toBeInstanceOf(Error);
  });

  it('an answer without items is an error naming the list', async () => {
    api.answers.set(metricsPath, { status: 200, body: { kind: 'PodMetricsList', metadata: {} } });
    const error = await failure(inspector().podMetrics());
    expect(error.message).toBe(`unexpected PodMetricsList from ${api.url}: PodMetricsList: items: expected an array, got nothing`);
  });
});

describe('KubeInspector.fromDefault', () => {
  it('loads the kubeconfig named by KUBECONFIG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sspe-kubeconfig-'));
    const file = join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: loopback`,
        // The client refuses plain http unless TLS checks are off (config.js, createAgent).
        `  cluster: { server: "${api.url}", insecure-skip-tls-verify: true }`,
        'users:',
        '- name: tester',
        '  user: { token: from-file }',
        'contexts:',
        '- name: loopback',
        '  context: { cluster: loopback, user: tester, namespace: streaming }',
        'current-context: loopback',
        '',
      ].join('\n'),
    );
    vi.stubEnv('KUBECONFIG', file);
    api.answers.set('/api/v1/nodes', { status: 200, body: NODE_LIST });
    const ins = KubeInspector.fromDefault();
    expect(ins.server).toBe(api.url);
    expect(ins.namespace).toBe('streaming');
    expect((await ins.nodeCapacity()).length).toBe(3);
    expect(api.requests[0].authorization).toBe('Bearer from-file');
  });

  // Inside a pod the service account is found instead, so the fallback never happens.
  const inCluster = existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
  it.skipIf(inCluster)('says so when there is no kubeconfig at all, instead of trying localhost:8080', () => {
    const home = mkdtempSync(join(tmpdir(), 'sspe-home-'));
    vi.stubEnv('KUBECONFIG', '');
    vi.stubEnv('HOME', home);
    vi.stubEnv('USERPROFILE', home);
    expect(() => KubeInspector.fromDefault()).toThrow(
      new UserInputError(
        'no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, or run inside a pod with a service account',
      ),
    );
  });

  it('a KUBECONFIG naming a missing file is a user error', () => {
    vi.stubEnv('KUBECONFIG', '/nonexistent/kubeconfig');
    const error = (() => {
      try {
        KubeInspector.fromDefault();
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UserInputError);
    expect(error?.message).toMatch(/^cannot load kubeconfig \(KUBECONFIG, ~\/\.kube\/config\): .*\/nonexistent\/kubeconfig/);
  });
});
