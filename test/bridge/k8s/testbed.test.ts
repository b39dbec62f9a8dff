/**
 * A real control plane (etcd, kube-apiserver, kube-scheduler v1.34.2 from
 * scripts/setup-k8s.sh) with the process kubelet in this process: the
 * scheduler binds and refuses as Kubernetes does, pods run as processes to
 * real phases, cgroup limits bite, deletion honours the grace period, and
 * `down` leaves nothing running. Under CI=true this never skips: missing
 * binaries fail it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { binariesPresent, findBinaries, repoRoot } from '../../../bridge/k8s/testbed/binaries.js';
import { findSparkHome, SparkLauncher } from '../../../bridge/spark/launcher.js';
import { FAST_START_JVM } from '../../../bridge/spark/fast-start.js';
import { runCollect } from '../../../bridge/collect/collect.js';
import { readRunsCsv } from '../../../bridge/calibration/runs-csv.js';
import { RunLog } from '../../../src/runlog/run-log.js';
import { testbedDown } from '../../../bridge/k8s/testbed/down.js';
import { loadKubeconfig } from '../../../bridge/k8s/testbed/kubeconfig.js';
import { isAlive } from '../../../bridge/k8s/testbed/processes.js';
import { testbedStatus } from '../../../bridge/k8s/testbed/status.js';
import { allNodesReady, testbedUp } from '../../../bridge/k8s/testbed/up.js';
import type { TestbedState } from '../../../bridge/k8s/testbed/state.js';
import { CGROUP_PARENT } from '../../../bridge/k8s/kubelet/cgroups.js';
import { Kubelet } from '../../../bridge/k8s/kubelet/kubelet.js';
import { KubePodApi } from '../../../bridge/k8s/kubelet/pod-api.js';
import { nodeObject } from '../../../bridge/k8s/testbed/bootstrap.js';
import { KubeInspector, type ExecutorPod } from '../../../bridge/k8s/inspector.js';

const inCi = process.env.CI === 'true';
const skip = !inCi && !binariesPresent();
if (skip) console.warn("testbed tests skipped: no control-plane binaries in .k8s/bin (run 'bash scripts/setup-k8s.sh'); under CI=true they run and fail instead");

const NS = 'spark';

describe.skipIf(skip)('a real control plane with the process kubelet', () => {
  let stateDir: string;
  let state: TestbedState;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let kubelet: Kubelet;
  const kubeletLog: string[] = [];

  beforeAll(async () => {
    stateDir = join(mkdtempSync(join(tmpdir(), 'sspe-testbed-')), 'state');
    ({ state } = await testbedUp({ stateDir, nodes: 2, nodeCpu: '4', nodeMemory: '8Gi', kubelet: 'none' }));
    kc = loadKubeconfig(state.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    kubelet = new Kubelet({ kubeConfig: kc, nodes: state.nodes, dir: state.kubeletDir, log: (line) => kubeletLog.push(line) });
    await kubelet.start();
    await waitUntil('every node Ready', async () => (await allNodesReady(kc, state.nodes)) === true, 20_000);
  });

  afterAll(async () => {
    if (process.env.SSPE_TESTBED_DEBUG) console.log(kubeletLog.join('\n'));
    await kubelet?.stop(1);
    if (stateDir !== undefined) await testbedDown(stateDir);
  });

  it('registers the nodes Ready, untainted, with 3900m allocatable of 4 cores', async () => {
    const nodes = (await core.listNode()).items;
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(['sspe-node-1', 'sspe-node-2']);
    for (const n of nodes) {
      expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(n.spec?.taints ?? []).toEqual([]);
      expect(n.status?.allocatable?.cpu).toBe('3900m');
      expect(n.status?.capacity?.cpu).toBe('4');
    }
    // The bridge's inspector, against the real API: the same capacity the scheduler hands out.
    expect(await new KubeInspector({ kubeConfig: kc }).nodeCapacity()).toEqual(
      ['sspe-node-1', 'sspe-node-2'].map((name) => ({ name, allocatableCpuMillicores: 3900, allocatableMemoryMb: 8192 - 256, ready: true, unschedulable: false })),
    );
  });

  it('binds a pod that fits to a Ready node and leaves an over-large one Pending with "Insufficient cpu"', async () => {
    await createPod(pod('fits', { command: ['sleep', '60'], cpu: '2' }));
    await createPod(pod('too-big', { command: ['sleep', '60'], cpu: '5' }));
    const fits = await waitForPod('fits', (p) => p.status?.phase === 'Running');
    expect(state.nodes).toContain(fits.spec?.nodeName);
    const tooBig = await waitForPod('too-big', (p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') === true);
    expect(tooBig.spec?.nodeName).toBeUndefined();
    expect(tooBig.status?.phase).toBe('Pending');
    const message = tooBig.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '';
    expect(message).toContain('Insufficient cpu');
    await deletePod('fits', 0);
    await deletePod('too-big', 0);
  });

  it('runs a pod to Succeeded, and one that exits 3 to Failed with reason Error', async () => {
    await createPod(pod('ok', { command: ['/bin/sh', '-c', 'echo "hello from $(POD_NAME)"; exit 0'], env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }));
    await createPod(pod('bad', { command: ['/bin/sh', '-c', 'exit 3'] }));
    const ok = await waitForPod('ok', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    expect(ok.status?.phase).toBe('Succeeded');
    expect(ok.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(ok.status?.podIP).toBe('127.0.0.1');
    const log = readFileSync(join(state.kubeletDir, 'pods', ok.metadata!.uid!, 'logs', 'main.log'), 'utf8');
    expect(log).toBe('hello from ok\n');
    const bad = await waitForPod('bad', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    expect(bad.status?.phase).toBe('Failed');
    expect(bad.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    await deletePod('ok', 0);
    await deletePod('bad', 0);
  });

  it('enforces limits with cgroups v1: a memory limit OOM-kills (reason OOMKilled), a CPU limit sets the CFS quota, a request the shares', async (ctx) => {
    if (!kubelet.cgroups.usable) {
      if (inCi) throw new Error(`expected writable cgroups v1 under CI, found none: ${kubelet.cgroups.reason}`);
      ctx.skip();
    }
    // Writes 256 MiB for real (b'x' * n touches every page) under a 64 MiB limit.
    await createPod(pod('oom', { command: ['python3', '-c', "b = b'x' * (256 << 20); print(len(b))"], memory: '64Mi', cpu: '500m' }));
    const oom = await waitForPod('oom', (p) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded');
    expect(oom.status?.phase).toBe('Failed');
    expect(oom.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });

    await createPod(pod('capped', { command: ['sleep', '60'], cpu: '250m', cpuLimit: '500m', memory: '32Mi' }));
    const capped = await waitForPod('capped', (p) => p.status?.phase === 'Running');
    const cg = (h: string, file: string) => readFileSync(join('/sys/fs/cgroup', h, CGROUP_PARENT, capped.metadata!.uid!, 'main', file), 'utf8').trim();
    expect(cg('cpu', 'cpu.cfs_quota_us')).toBe('50000');
    expect(cg('cpu', 'cpu.cfs_period_us')).toBe('100000');
    expect(cg('cpu', 'cpu.shares')).toBe('256');
    expect(cg('memory', 'memory.limit_in_bytes')).toBe(String(32 * 2 ** 20));

    // A busy loop under a 200m limit: the kernel throttles it (cpu.stat).
    await createPod(pod('busy', { command: ['/bin/sh', '-c', 'while :; do :; done'], cpu: '100m', cpuLimit: '200m' }));
    const busy = await waitForPod('busy', (p) => p.status?.phase === 'Running');
    await new Promise((r) => setTimeout(r, 1500));
    const stat = readFileSync(join('/sys/fs/cgroup/cpu', CGROUP_PARENT, busy.metadata!.uid!, 'main', 'cpu.stat'), 'utf8');
    expect(Number(/^nr_throttled (\d+)$/m.exec(stat)?.[1])).toBeGreaterThan(0);
    await deletePod('oom', 0);
    await deletePod('capped', 0);
    await deletePod('busy', 0);
  });

  it('honours deletion with the grace period: TERM first, the pod object goes once the process has ended', async () => {
    // Ignores TERM for a moment, then exits: the kubelet must wait, not KILL at once.
    await createPod(pod('graceful', { command: ['/bin/sh', '-c', "trap 'sleep 1; echo bye; exit 0' TERM; while true; do sleep 0.1; done"] }));
    const running = await waitForPod('graceful', (p) => p.status?.phase === 'Running');
    const uid = running.metadata!.uid!;
    const pid = Number(running.status?.containerStatuses?.[0].containerID?.replace('process://', ''));
    expect(pid).toBeGreaterThan(0);
    const t0 = Date.now();
    await core.deleteNamespacedPod({ name: 'graceful', namespace: NS, body: { gracePeriodSeconds: 10 } });
    await waitUntil('the pod object to be gone', async () => (await core.listNamespacedPod({ namespace: NS })).items.every((p) => p.metadata?.uid !== uid), 20_000);
    const tookMs = Date.now() - t0;
    expect(tookMs).toBeGreaterThan(900);
    expect(tookMs).toBeLessThan(10_000);
    expect(isAlive({ pid, startTicks: null })).toBe(false);
    expect(kubeletLog.some((l) => l.includes('graceful: container main exited 0'))).toBe(true);
  });

  it('runs spark-submit --master k8s:// end to end: executor pods created by Spark, bound by the scheduler, run by the kubelet, deleted at the end', async (ctx) => {
    const venvSubmit = join(repoRoot(), '.venv', 'bin', 'spark-submit');
    const sparkHome = findSparkHome(venvSubmit);
    if (sparkHome === undefined) {
      if (inCi) throw new Error(`expected PySpark in ${join(repoRoot(), '.venv')} under CI (scripts/setup-python.sh), found none`);
      ctx.skip();
    }
    const python = join(repoRoot(), '.venv', 'bin', 'python');
    const work = mkdtempSync(join(tmpdir(), 'sspe-k8s-spark-'));
    const job = join(work, 'job.py');
    writeFileSync(job, [
      'import os',
      'from pyspark.sql import SparkSession',
      'spark = SparkSession.builder.getOrCreate()',
      'rows = spark.sparkContext.parallelize(range(1000), 8).map(lambda x: (os.environ.get("SPARK_EXECUTOR_POD_NAME", "?"), x)).collect()',
      'print("RESULT", sum(x for _, x in rows), ",".join(sorted({p for p, _ in rows})))',
      'spark.stop()',
      '',
    ].join('\n'));
    const seen = new Set<string>();
    const watcher = setInterval(() => {
      for (const r of kubelet.pods.values()) seen.add(r.ref.name);
    }, 100);
    const t0 = Date.now();
    // Not spawnSync: the kubelet runs in this process and must go on answering its watch meanwhile.
    const run = await runProcess(venvSubmit, [
      '--master', `k8s://${state.server}`, '--deploy-mode', 'client', '--name', 'sspe-k8s-e2e',
      '--conf', `spark.kubernetes.namespace=${NS}`,
      '--conf', 'spark.kubernetes.container.image=sspe/process',
      '--conf', `spark.kubernetes.authenticate.executor.serviceAccountName=${state.serviceAccount}`,
      '--conf', 'spark.executor.instances=2', '--conf', 'spark.executor.cores=1', '--conf', 'spark.executor.memory=512m',
      '--conf', 'spark.driver.host=127.0.0.1', '--conf', 'spark.driver.bindAddress=127.0.0.1',
      '--conf', `spark.pyspark.python=${python}`, '--conf', `spark.pyspark.driver.python=${python}`,
      '--conf', 'spark.ui.enabled=false',
      job,
    ], { env: { ...process.env, KUBECONFIG: state.kubeconfigPath, SPARK_HOME: sparkHome, PYSPARK_PYTHON: python }, timeoutMs: 240_000 });
    clearInterval(watcher);
    const tookMs = Date.now() - t0;
    console.log(`spark-submit on the testbed: ${tookMs} ms, executor pods ${[...seen].join(', ')}`);
    expect(run.status, `spark-submit failed; stderr tail:\n${run.stderr.split('\n').slice(-40).join('\n')}`).toBe(0);
    const result = /RESULT (\d+) (\S+)/.exec(run.stdout);
    expect(result?.[1]).toBe('499500');
    const pods = result![2].split(',');
    expect(pods.length).toBeGreaterThanOrEqual(1);
    for (const p of pods) expect(seen.has(p)).toBe(true);
    // The driver deletes its executors at the end; the kubelet ends their processes and the objects go.
    await waitUntil('the executor pods to be gone', async () => (await core.listNamespacedPod({ namespace: NS, labelSelector: 'spark-role=executor' })).items.length === 0, 60_000);
  }, 300_000);

  it('reports a Spark executor whose memory limit is too small as OOMKilled, and the inspector reads it so from the API', async (ctx) => {
    const venvSubmit = join(repoRoot(), '.venv', 'bin', 'spark-submit');
    const sparkHome = findSparkHome(venvSubmit);
    if (sparkHome === undefined || !kubelet.cgroups.usable) {
      if (inCi) throw new Error('expected PySpark and writable cgroups v1 under CI, found them missing');
      ctx.skip();
    }
    const python = join(repoRoot(), '.venv', 'bin', 'python');
    const work = mkdtempSync(join(tmpdir(), 'sspe-k8s-oom-'));
    const job = join(work, 'job.py');
    writeFileSync(job, 'from pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()\nprint(spark.sparkContext.parallelize(range(10), 2).sum())\nspark.stop()\n');
    // The pod limit is heap + overhead (512m + 16m); the JVM touching its whole heap at start (AlwaysPreTouch) plus its own memory goes past it.
    const child = spawn(venvSubmit, [
      '--master', `k8s://${state.server}`, '--deploy-mode', 'client', '--name', 'sspe-k8s-oom',
      '--conf', `spark.kubernetes.namespace=${NS}`, '--conf', 'spark.kubernetes.container.image=sspe/process',
      '--conf', 'spark.executor.instances=1', '--conf', 'spark.executor.cores=1', '--conf', 'spark.executor.memory=512m',
      '--conf', 'spark.executor.memoryOverhead=16m', '--conf', 'spark.executor.minMemoryOverhead=0',
      '--conf', 'spark.executor.extraJavaOptions=-XX:+AlwaysPreTouch',
      '--conf', 'spark.kubernetes.executor.deleteOnTermination=false',
      '--conf', 'spark.driver.host=127.0.0.1', '--conf', 'spark.driver.bindAddress=127.0.0.1',
      '--conf', `spark.pyspark.python=${python}`, '--conf', `spark.pyspark.driver.python=${python}`, '--conf', 'spark.ui.enabled=false',
      job,
    ], { env: { ...process.env, KUBECONFIG: state.kubeconfigPath, SPARK_HOME: sparkHome }, stdio: 'ignore' });
    try {
      const inspector = new KubeInspector({ kubeConfig: kc, namespace: NS });
      let killed: ExecutorPod | undefined;
      await waitUntil('an executor pod reported OOMKilled', async () => {
        killed = (await inspector.executorPods({ labelSelector: 'spark-role=executor' })).find((p) => p.oomKilled);
        return killed !== undefined;
      }, 120_000);
      expect(killed!.phase).toBe('Failed');
      expect(killed!.memoryLimitMb).toBe(528);
      expect(killed!.terminations[0]).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 3000));
      child.kill('SIGKILL');
      for (const p of (await core.listNamespacedPod({ namespace: NS, labelSelector: 'spark-role=executor' })).items) await deletePod(p.metadata!.name!, 0);
    }
  }, 200_000);

  it('turns an executor OOMKilled on k8s:// into a failed trial with a one-line reason naming OOMKilled, the executor and the pod limit (the collect path: RealBackend, launcher, run log)', async (ctx) => {
    const python = join(repoRoot(), '.venv', 'bin', 'python');
    if (findSparkHome(join(repoRoot(), '.venv', 'bin', 'spark-submit')) === undefined || !kubelet.cgroups.usable) {
      if (inCi) throw new Error('expected PySpark and writable cgroups v1 under CI, found them missing');
      ctx.skip();
    }
    const work = mkdtempSync(join(tmpdir(), 'sspe-k8s-oom-trial-'));
    const videos = spawnSync(python, [join(repoRoot(), 'bridge', 'jobs', 'make_test_videos.py'), '--output-dir', join(work, 'videos'), '--fps', '10', '--seconds', '1', '--chunks', '2'], { encoding: 'utf8' });
    expect(videos.status, videos.stderr).toBe(0);
    const out = join(work, 'out');
    const t0 = Date.now();
    // As the earlier test: heap 512m + overhead 16m is the pod limit, and the JVM touching its heap at start goes past it.
    const summary = await runCollect(
      {
        json: false, master: `k8s://${state.server}`, configs: '1/512/1', repeat: 1, out, fps: 10, batches: 2, warmupBatches: 1, partitions: 2, framesPerPartition: 10,
        serializer: 'kryo', timeout: '3m', namespace: NS, serviceAccount: state.serviceAccount, image: 'sspe/process', driverHost: '127.0.0.1',
        pvc: [`store:sspe-host:${work}`], inputDir: join(work, 'videos'), outputDir: join(work, 'frames'),
        conf: ['spark.executor.memoryOverhead=16m', 'spark.executor.minMemoryOverhead=0', `spark.executor.extraJavaOptions=-XX:+AlwaysPreTouch ${FAST_START_JVM}`],
        fastStart: true, keepOutput: false, runLog: join(work, 'sspe.sqlite'),
      },
      { submitter: new SparkLauncher({ runsDir: join(out, 'spark-runs'), eventLogDir: join(out, 'eventlogs'), defaultTimeoutMs: 180_000, env: { KUBECONFIG: state.kubeconfigPath } }) },
    );
    console.log(`OOM trial on the testbed: ${Date.now() - t0} ms: ${summary.runs[0]?.run.failure}`);
    expect(summary.runs).toHaveLength(1);
    const failure = summary.runs[0].run.failure;
    expect(failure).toMatch(
      /^executor \d+ was OOMKilled by Kubernetes: its pod's memory limit \(528 MiB = spark\.executor\.memory 512 MiB \+ overhead 16 MiB\) was exceeded( \(\d+ executors OOMKilled in all\))?(; spark-submit then exited with code \d+)?$/,
    );
    expect(failure).not.toContain('\n');
    // The same line in runs.csv and in the run log (what `sspe runs` and --json show).
    expect((await readRunsCsv(join(out, 'runs.csv')))[0].failure).toBe(failure);
    const log = RunLog.openReadOnly(join(work, 'sspe.sqlite'));
    try {
      const trials = log.query();
      expect(trials.map((t) => [t.backend, t.failure])).toEqual([['real', failure]]);
      expect(trials[0].executorLosses).toBeGreaterThan(0);
      expect(log.runs().map((r) => [r.command, r.status])).toEqual([['collect', 'failed']]);
    } finally {
      log.close();
      for (const p of (await core.listNamespacedPod({ namespace: NS, labelSelector: 'spark-role=executor' })).items) await deletePod(p.metadata!.name!, 0);
    }
  }, 240_000);

  it('marks Failed a pod an earlier kubelet run had started, instead of starting a second copy', async () => {
    await core.createNode({ body: nodeObject('sspe-node-orphan', { cpuMillicores: 2000, memoryBytes: 2 ** 32, allocatableCpuMillicores: 1900, allocatableMemoryBytes: 2 ** 32 }) });
    const body = pod('orphan', { command: ['/bin/sh', '-c', 'echo should-not-run; sleep 60'] });
    body.spec!.nodeName = 'sspe-node-orphan';
    await createPod(body);
    const now = new Date().toISOString();
    await new KubePodApi(kc).patchStatus({ namespace: NS, name: 'orphan', uid: (await core.readNamespacedPod({ name: 'orphan', namespace: NS })).metadata!.uid! }, {
      phase: 'Running',
      containerStatuses: [{ name: 'main', image: 'none', imageID: '', containerID: 'process://999999', ready: true, restartCount: 0, state: { running: { startedAt: now as unknown as Date } } }],
    });
    const second = new Kubelet({ kubeConfig: kc, nodes: ['sspe-node-orphan'], dir: join(state.kubeletDir, 'second'), log: (line) => kubeletLog.push(`second: ${line}`) });
    await second.start();
    try {
      const failed = await waitForPod('orphan', (p) => p.status?.phase === 'Failed');
      expect(failed.status?.reason).toBe('NodeRestarted');
      expect(failed.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
      expect(second.pods.size).toBe(0);
    } finally {
      await second.stop(1);
      await deletePod('orphan', 0);
      await core.deleteNode({ name: 'sspe-node-orphan' });
    }
  });

  it('status reports the daemons alive, the nodes and the pods; down stops every process it started and removes the state', async () => {
    const status = await testbedStatus(stateDir);
    expect(status.state).toBe('up');
    expect(status.daemons.map((d) => d.name)).toEqual(['etcd', 'kube-apiserver', 'kube-scheduler']);
    expect(status.nodes.filter((n) => n.ready)).toHaveLength(2);
    await kubelet.stop(1);
    const result = await testbedDown(stateDir);
    expect(result.stopped.map((s) => s.name)).toEqual(['kube-scheduler', 'kube-apiserver', 'etcd']);
    for (const d of state.daemons) expect(isAlive(d)).toBe(false);
    expect(existsSync(stateDir)).toBe(false);
    expect((await testbedStatus(stateDir)).state).toBe('down');
  });

  it('stops what it had started when up fails half-way (an API server that exits at once), naming the log', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sspe-testbed-fail-')), 'state');
    const bins = findBinaries();
    await expect(testbedUp({ stateDir: dir, nodes: 1, kubelet: 'none', binaries: { ...bins, kubeApiserver: '/bin/false' } })).rejects.toThrow(
      /^testbed up failed, stopped what it had started \(logs in .*\/logs; 'sspe testbed down --dir .*' removes the folder\): expected kube-apiserver to answer \/readyz, but kube-apiserver \(pid \d+\) exited/,
    );
    const status = await testbedStatus(dir);
    expect(status.state).toBe('degraded');
    expect(status.daemons.map((d) => [d.name, d.alive])).toEqual([['etcd', false], ['kube-apiserver', false]]);
    expect((await testbedDown(dir)).found).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });

  // ------------------------------------------------------------ helpers

  interface PodShape {
    command: string[];
    cpu?: string;
    cpuLimit?: string;
    memory?: string;
    env?: { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[];
  }

  function pod(name: string, shape: PodShape): V1Pod {
    const requests: Record<string, string> = {};
    const limits: Record<string, string> = {};
    if (shape.cpu) requests.cpu = shape.cpu;
    if (shape.cpuLimit) limits.cpu = shape.cpuLimit;
    if (shape.memory) requests.memory = limits.memory = shape.memory;
    return {
      metadata: { name, namespace: NS },
      spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, containers: [{ name: 'main', image: 'none', command: shape.command, env: shape.env, resources: { requests, limits } }] },
    };
  }

  async function createPod(body: V1Pod): Promise<void> {
    await core.createNamespacedPod({ namespace: NS, body });
  }

  async function deletePod(name: string, gracePeriodSeconds: number): Promise<void> {
    await core.deleteNamespacedPod({ name, namespace: NS, body: { gracePeriodSeconds } }).catch(() => {});
  }

  async function waitForPod(name: string, done: (p: V1Pod) => boolean, timeoutMs = 30_000): Promise<V1Pod> {
    let last: V1Pod | undefined;
    await waitUntil(`pod ${name} to reach the expected state`, async () => {
      last = await core.readNamespacedPod({ name, namespace: NS });
      return done(last);
    }, timeoutMs, () => JSON.stringify(last?.status));
    return last!;
  }
});

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, describeLast?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`expected ${what} within ${timeoutMs} ms${describeLast ? `; last: ${describeLast()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function runProcess(command: string, args: string[], options: { env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
