import { spawn, type SpawnOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SparkLauncher, summariseEventLog, type SparkLauncherOptions, type SubmitRequest } from '../../bridge/spark/launcher.js';
import { parseMaster } from '../../bridge/spark/parse-master.js';
import { UserInputError } from '../../src/errors.js';

const PATHS: SparkLauncherOptions = {
  sparkSubmitPath: '/opt/venv/bin/spark-submit',
  pythonPath: '/opt/venv/bin/python',
  sparkHome: '/opt/spark',
  jobScriptPath: '/repo/bridge/jobs/video_grayscale.py',
  runsDir: '/runs',
  eventLogDir: '/runs/events',
};

const JOB: SubmitRequest['job'] = { inputDir: '/mnt/videos/in', outputDir: '/mnt/videos/out', partitions: 6, framesPerPartition: 30, fps: 30, warmupBatches: 1 };

function localCluster(overrides: Partial<SubmitRequest> = {}): SubmitRequest {
  return {
    runId: 'trial-7',
    master: { kind: 'local-cluster', workers: 2, coresPerWorker: 1, memoryPerWorkerMb: 1024 },
    executorCores: 1,
    executorMemoryMb: 512,
    executorInstances: 2,
    serializer: 'kryo',
    job: { inputDir: '/data/in', outputDir: '/data/out', partitions: 2, framesPerPartition: 10, fps: 10 },
    ...overrides,
  };
}

/** The options and arguments every master shares, after the master-specific ones. */
const JOB_ARGS = [
  '/repo/bridge/jobs/video_grayscale.py',
  '--input-dir', '/mnt/videos/in',
  '--output-dir', '/mnt/videos/out',
  '--partitions', '6',
  '--frames-per-partition', '30',
  '--fps', '30',
  '--run-id', 'trial-7',
  '--metrics-out', '/runs/trial-7/metrics.json',
  '--expected-executors', '6',
  '--executor-wait-s', '120',
  '--warmup-batches', '1',
];

describe('SparkLauncher arguments', () => {
  const launcher = new SparkLauncher(PATHS);

  it('submits to Kubernetes in client mode with the video store PVC mounted into the executors', () => {
    const args = launcher.argsFor({
      runId: 'trial-7',
      master: {
        kind: 'k8s',
        apiServerUrl: 'https://10.0.0.1:6443',
        namespace: 'spark',
        containerImage: 'registry.local/sspe-spark:4.3.0',
        serviceAccount: 'spark',
        driverHost: '10.0.0.9',
        driverPort: 7078,
        executorVolumes: [{ name: 'video-store', claimName: 'video-nfs', mountPath: '/mnt/videos', readOnly: false }],
      },
      executorCores: 2,
      executorMemoryMb: 750,
      executorInstances: 6,
      serializer: 'kryo',
      job: JOB,
      conf: { 'spark.task.maxFailures': '4', 'spark.memory.fraction': '0.6' },
    });
    expect(args).toEqual([
      '--master', 'k8s://https://10.0.0.1:6443',
      '--deploy-mode', 'client',
      '--conf', 'spark.app.name=sspe-video-grayscale-trial-7',
      '--conf', 'spark.executor.cores=2',
      '--conf', 'spark.executor.memory=750m',
      '--conf', 'spark.executor.instances=6',
      '--conf', 'spark.serializer=org.apache.spark.serializer.KryoSerializer',
      '--conf', 'spark.eventLog.enabled=true',
      '--conf', 'spark.eventLog.dir=file:///runs/events',
      '--conf', 'spark.eventLog.compress=false',
      '--conf', 'spark.eventLog.rolling.enabled=false',
      '--conf', 'spark.pyspark.driver.python=/opt/venv/bin/python',
      '--conf', 'spark.pyspark.python=python3',
      '--conf', 'spark.kubernetes.namespace=spark',
      '--conf', 'spark.kubernetes.container.image=registry.local/sspe-spark:4.3.0',
      '--conf', 'spark.kubernetes.container.image.pullPolicy=IfNotPresent',
      '--conf', 'spark.kubernetes.authenticate.executor.serviceAccountName=spark',
      '--conf', 'spark.driver.host=10.0.0.9',
      '--conf', 'spark.driver.bindAddress=0.0.0.0',
      '--conf', 'spark.driver.port=7078',
      '--conf', 'spark.kubernetes.executor.volumes.persistentVolumeClaim.video-store.options.claimName=video-nfs',
      '--conf', 'spark.kubernetes.executor.volumes.persistentVolumeClaim.video-store.mount.path=/mnt/videos',
      '--conf', 'spark.kubernetes.executor.volumes.persistentVolumeClaim.video-store.mount.readOnly=false',
      '--conf', 'spark.memory.fraction=0.6',
      '--conf', 'spark.task.maxFailures=4',
      ...JOB_ARGS,
    ]);
  });

  it('submits to a standalone master, capping its cores at instances x cores', () => {
    const args = launcher.argsFor({
      runId: 'trial-7',
      master: { kind: 'standalone', url: 'spark://master.local:7077', executorPython: '/usr/bin/python3' },
      executorCores: 3,
      executorMemoryMb: 1000,
      executorInstances: 6,
      serializer: 'java',
      job: { ...JOB, maxBatches: 20, realtime: true },
    });
    expect(args).toEqual([
      '--master', 'spark://master.local:7077',
      '--deploy-mode', 'client',
      '--conf', 'spark.app.name=sspe-video-grayscale-trial-7',
      '--conf', 'spark.executor.cores=3',
      '--conf', 'spark.executor.memory=1000m',
      '--conf', 'spark.executor.instances=6',
      '--conf', 'spark.cores.max=18',
      '--conf', 'spark.serializer=org.apache.spark.serializer.JavaSerializer',
      '--conf', 'spark.eventLog.enabled=true',
      '--conf', 'spark.eventLog.dir=file:///runs/events',
      '--conf', 'spark.eventLog.compress=false',
      '--conf', 'spark.eventLog.rolling.enabled=false',
      '--conf', 'spark.pyspark.driver.python=/opt/venv/bin/python',
      '--conf', 'spark.pyspark.python=/usr/bin/python3',
      ...JOB_ARGS,
      '--max-batches', '20',
      '--realtime',
    ]);
  });

  it('submits to local-cluster[N,C,M] with the venv Python on the executors', () => {
    const args = launcher.argsFor({
      runId: 'trial-7',
      master: { kind: 'local-cluster', workers: 6, coresPerWorker: 2, memoryPerWorkerMb: 2048 },
      executorCores: 2,
      executorMemoryMb: 900,
      executorInstances: 6,
      serializer: 'kryo',
      job: { ...JOB, killExecutorAtBatch: 2 },
    });
    expect(args).toEqual([
      '--master', 'local-cluster[6,2,2048]',
      '--deploy-mode', 'client',
      '--conf', 'spark.app.name=sspe-video-grayscale-trial-7',
      '--conf', 'spark.executor.cores=2',
      '--conf', 'spark.executor.memory=900m',
      '--conf', 'spark.executor.instances=6',
      '--conf', 'spark.cores.max=12',
      '--conf', 'spark.serializer=org.apache.spark.serializer.KryoSerializer',
      '--conf', 'spark.eventLog.enabled=true',
      '--conf', 'spark.eventLog.dir=file:///runs/events',
      '--conf', 'spark.eventLog.compress=false',
      '--conf', 'spark.eventLog.rolling.enabled=false',
      '--conf', 'spark.pyspark.driver.python=/opt/venv/bin/python',
      '--conf', 'spark.pyspark.python=/opt/venv/bin/python',
      ...JOB_ARGS,
      '--kill-executor-at-batch', '2',
    ]);
  });

  it("sets SPARK_HOME (a local-cluster run's own, so its work/ stays out of the venv) and the driver Python, and pins local-cluster traffic to loopback", () => {
    expect(launcher.envFor(localCluster())).toEqual({
      PYSPARK_DRIVER_PYTHON: '/opt/venv/bin/python',
      SPARK_HOME: '/runs/trial-7/spark-home',
      ...(process.env.SPARK_LOCAL_IP === undefined ? { SPARK_LOCAL_IP: '127.0.0.1' } : {}),
    });
    expect(launcher.envFor(localCluster({ master: { kind: 'standalone', url: 'spark://m:7077' } }))).toEqual({
      PYSPARK_DRIVER_PYTHON: '/opt/venv/bin/python',
      SPARK_HOME: '/opt/spark',
    });
  });

  it.each([
    [localCluster({ runId: 'trial/7' }), `expected a run id of letters, digits, '.', '_' or '-', got "trial/7"`],
    [localCluster({ executorMemoryMb: 2048 }), 'expected executors of at most 1 cores and 1024 MB to fit local-cluster[2,1,1024], got 1 cores and 2048 MB'],
    [localCluster({ executorInstances: 3 }), 'expected at most 2 executors of 1 cores and 512 MB on local-cluster[2,1,1024], got 3'],
    [localCluster({ executorCores: 0 }), 'expected a positive integer executor cores, got 0'],
    [localCluster({ job: { ...JOB, fps: -3 } }), 'expected a positive fps, got -3'],
    [localCluster({ conf: { 'spark.executor.memory': '4g' } }), 'expected spark.executor.memory to be left to the launcher (it sets it from the request), got it in conf'],
    [localCluster({ conf: { 'spark.kubernetes.executor.volumes.hostPath.x.mount.path': '/x' } }), 'expected spark.kubernetes.executor.volumes.hostPath.x.mount.path to be left to the launcher (it sets it from the request), got it in conf'],
    [localCluster({ conf: { 'executor.memory': '4g' } }), 'expected Spark settings named spark.*, got "executor.memory"'],
    [localCluster({ timeoutMs: 0 }), 'expected a positive timeout (ms), got 0'],
    [localCluster({ master: { kind: 'standalone', url: 'http://master:8080' } }), 'expected a standalone master as spark://host:port, got "http://master:8080"'],
    [
      localCluster({
        master: { kind: 'k8s', apiServerUrl: 'https://k:6443', namespace: 'spark', containerImage: 'img', serviceAccount: 'spark', driverHost: 'h', executorVolumes: [] },
      }),
      'expected at least one executor volume (the shared video store PVC), got none',
    ],
    [
      localCluster({
        master: {
          kind: 'k8s',
          apiServerUrl: 'https://k:6443',
          namespace: 'spark',
          containerImage: 'img',
          serviceAccount: 'spark',
          driverHost: 'h',
          executorVolumes: [{ name: 'Video_Store', claimName: 'c', mountPath: '/v', readOnly: true }],
        },
      }),
      'expected a volume name that is a DNS label, got "Video_Store"',
    ],
  ])('refuses a request that could never run (%#)', async (request, message) => {
    expect(() => launcher.argsFor(request)).toThrow(new UserInputError(message));
    await expect(launcher.submit(request)).rejects.toThrow(new UserInputError(message));
  });
});

describe('SparkLauncher runs', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sspe-launcher-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A tiny real command standing in for spark-submit. */
  function script(name: string, body: string): string {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  function launcherFor(sparkSubmitPath: string, options: SparkLauncherOptions = {}): SparkLauncher {
    return new SparkLauncher({ ...PATHS, sparkSubmitPath, runsDir: join(dir, 'runs'), eventLogDir: join(dir, 'events'), ...options });
  }

  /** Whether a process has ended; a zombie (ended, not yet reaped by whoever adopted it) counts. */
  async function gone(pid: number): Promise<boolean> {
    const hasProc = existsSync('/proc/self/stat');
    for (let i = 0; i < 40; i++) {
      try {
        if (hasProc && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] === 'Z') return true;
        if (!hasProc) process.kill(pid, 0);
      } catch {
        return true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  it('spawns spark-submit detached, with the argument list and environment it builds', async () => {
    const calls: { command: string; args: readonly string[]; options: SpawnOptions }[] = [];
    const launcher = launcherFor('/opt/venv/bin/spark-submit', {
      spawnFn: (command, args, options) => {
        calls.push({ command, args, options });
        return spawn('/bin/sh', ['-c', 'exit 0'], options);
      },
    });
    const request = localCluster();
    const result = await launcher.submit(request);

    expect(calls).toHaveLength(1);
    expect(calls[0].command).toBe('/opt/venv/bin/spark-submit');
    expect(calls[0].args).toEqual(launcher.argsFor(request));
    expect(calls[0].options.detached).toBe(true);
    expect(calls[0].options.env).toMatchObject(launcher.envFor(request));
    expect(result.args).toEqual(launcher.argsFor(request));
    expect(result.exitCode).toBe(0);
    expect(result.failure).toBe(`spark-submit exited with code 0 but the job's metrics at ${join(dir, 'runs', 'trial-7', 'metrics.json')} are missing`);
  });

  it('kills the whole process group on timeout and says so', async () => {
    const pidFile = join(dir, 'child.pid');
    const launcher = launcherFor(script('slow.sh', `sleep 30 &\necho $! > '${pidFile}'\nwait`), { killGraceMs: 2_000 });
    const result = await launcher.submit(localCluster({ timeoutMs: 500 }));

    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGTERM');
    expect(result.failure).toBe('spark-submit ran past its 500 ms timeout; its process group was killed');
    expect(result.wallMs).toBeGreaterThanOrEqual(500);
    expect(result.wallMs).toBeLessThan(2_000);
    expect(await gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('follows SIGTERM with SIGKILL when the group ignores it', async () => {
    const pidFile = join(dir, 'child.pid');
    const launcher = launcherFor(script('stubborn.sh', `trap '' TERM\nsleep 30 &\necho $! > '${pidFile}'\nwait`), { killGraceMs: 300 });
    const result = await launcher.submit(localCluster({ timeoutMs: 300 }));

    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(result.failure).toBe('spark-submit ran past its 300 ms timeout; its process group was killed');
    expect(await gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('turns a non-zero exit into a failure quoting the job, and keeps the stderr tail', async () => {
    const launcher = launcherFor(
      script(
        'fails.sh',
        [
          // Like spark-submit: Spark logs on stderr, the Python driver's output (its stderr too) on stdout.
          `echo '26/11/25 00:11:54 INFO SparkContext: Running Spark version 4.3.0' >&2`,
          `echo 'video_grayscale: failed: org.apache.spark.SparkException: Job aborted due to stage failure: Task 1 in stage 0.0 failed 4 times'`,
          `echo 'Traceback (most recent call last):'`,
          `echo 'py4j.protocol.Py4JJavaError: An error occurred while calling o42.collect.'`,
          `echo '26/11/25 00:11:55 INFO ShutdownHookManager: Shutdown hook called' >&2`,
          'exit 1',
        ].join('\n'),
      ),
      { tailLines: 2 },
    );
    const result = await launcher.submit(localCluster());

    expect(result.exitCode).toBe(1);
    expect(result.failure).toBe('spark-submit exited with code 1: org.apache.spark.SparkException: Job aborted due to stage failure: Task 1 in stage 0.0 failed 4 times');
    expect(result.stderrTail).toBe('26/11/25 00:11:54 INFO SparkContext: Running Spark version 4.3.0\n26/11/25 00:11:55 INFO ShutdownHookManager: Shutdown hook called');
    expect(result.stdoutTail).toBe('Traceback (most recent call last):\npy4j.protocol.Py4JJavaError: An error occurred while calling o42.collect.');
    expect(result.metrics).toBeNull();
    expect(result.eventLogPath).toBeNull();
  });

  it('reports an executor pod OOMKilled on k8s:// as one line naming the executor and its memory limit (a real Spark 4.3 event log and output)', async () => {
    // What spark-submit did on the testbed with memoryOverhead=16m and AlwaysPreTouch: four executor pods OOMKilled
    // at start-up, Spark gave up ("Max number of executor failures (3) reached") and exited 11. The fake writes the
    // real event log into the run's event-log folder and prints the real lines.
    const fixture = new URL('fixtures/eventlogs/spark-339cb4b61e624c1b9c5387342f7e097c', import.meta.url).pathname;
    const launcher = launcherFor(
      script(
        'oom.sh',
        [
          'for arg in "$@"; do case "$arg" in spark.eventLog.dir=file:*) dir="${arg#spark.eventLog.dir=file:}";; esac; done',
          `cp '${fixture}' "$dir/spark-339cb4b61e624c1b9c5387342f7e097c"`,
          `echo '26/12/02 15:10:39 WARN ExecutorPodsLifecycleManager: 1 new failed executors.' >&2`,
          `echo '26/12/02 15:10:39 WARN KubernetesClusterSchedulerBackend: OOM is detected.' >&2`,
          `echo '26/12/02 15:10:42 ERROR ExecutorPodsLifecycleManager: Max number of executor failures (3) reached' >&2`,
          `echo 'java.lang.IllegalStateException: Spark context stopped while waiting for backend' >&2`,
          `echo 'py4j.protocol.Py4JJavaError: An error occurred while calling None.org.apache.spark.api.java.JavaSparkContext.'`,
          `echo ': java.lang.IllegalStateException: Spark context stopped while waiting for backend'`,
          'exit 11',
        ].join('\n'),
      ),
    );
    const result = await launcher.submit({
      ...localCluster(),
      // As `sspe collect` on the testbed reads its flags.
      master: parseMaster('k8s://https://127.0.0.1:6443', { namespace: 'spark', image: 'sspe/process', serviceAccount: 'spark', driverHost: '127.0.0.1', pvc: ['store:sspe-host:/data'] }),
      executorInstances: 1,
      conf: { 'spark.executor.memoryOverhead': '16m', 'spark.executor.minMemoryOverhead': '0' },
    });

    expect(result.exitCode).toBe(11);
    expect(result.eventLog?.executorLosses.map((loss) => loss.executorId)).toEqual(['1', '2', '3', '4']);
    expect(result.failure).toBe(
      "executor 1 was OOMKilled by Kubernetes: its pod's memory limit (528 MiB = spark.executor.memory 512 MiB + overhead 16 MiB) was exceeded (4 executors OOMKilled in all); spark-submit then exited with code 11",
    );
  });

  it('reports metrics that are not JSON', async () => {
    const launcher = launcherFor(script('garbled.sh', `while [ $# -gt 0 ]; do if [ "$1" = --metrics-out ]; then echo '{"schemaVersion": 1' > "$2"; fi; shift; done`));
    const result = await launcher.submit(localCluster());

    expect(result.exitCode).toBe(0);
    expect(result.failure).toMatch(/^spark-submit exited with code 0 but the job's metrics at .*metrics\.json are not JSON \(.+\)$/);
  });

  it('reports a missing spark-submit as a failure that says how to install it', async () => {
    const missing = join(dir, 'no-such', 'spark-submit');
    const result = await launcherFor(missing).submit(localCluster());

    expect(result.exitCode).toBeNull();
    expect(result.failure).toBe(`could not start ${missing}: spawn ${missing} ENOENT; run scripts/setup-python.sh to install pyspark into .venv`);
  });
});

describe('summariseEventLog', () => {
  it('counts executors removed before the last job ended as lost, not those removed at shutdown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sspe-eventlog-'));
    try {
      const path = join(dir, 'app-1');
      const events = [
        { Event: 'SparkListenerExecutorAdded', Timestamp: 100, 'Executor ID': '0', 'Executor Info': { Host: '127.0.0.1', 'Total Cores': 1 } },
        { Event: 'SparkListenerExecutorAdded', Timestamp: 110, 'Executor ID': '1', 'Executor Info': { Host: '127.0.0.1', 'Total Cores': 1 } },
        { Event: 'SparkListenerJobStart', 'Job ID': 0, 'Submission Time': 500, 'Stage IDs': [], Properties: {} },
        { Event: 'SparkListenerExecutorRemoved', Timestamp: 1_000, 'Executor ID': '0', 'Removed Reason': 'Command exited with code 137' },
        { Event: 'SparkListenerJobEnd', 'Job ID': 0, 'Completion Time': 2_000, 'Job Result': { Result: 'JobSucceeded' } },
        { Event: 'SparkListenerExecutorRemoved', Timestamp: 3_000, 'Executor ID': '1', 'Removed Reason': 'Executor killed by driver.' },
      ];
      writeFileSync(path, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
      expect(await summariseEventLog(path)).toEqual({
        path,
        complete: false,
        executorLosses: [{ executorId: '0', reason: 'Command exited with code 137' }],
        taskFailures: 0,
        problem: null,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts an executor pod OOMKilled before any job ran as lost (Spark 4.3 on the testbed: killed at start-up, four times)', async () => {
    const path = new URL('fixtures/eventlogs/spark-339cb4b61e624c1b9c5387342f7e097c', import.meta.url).pathname;
    const health = await summariseEventLog(path);
    expect(health.complete).toBe(true);
    expect(health.executorLosses.map((loss) => loss.executorId)).toEqual(['1', '2', '3', '4']);
    expect(health.executorLosses[0].reason).toContain('termination reason: OOMKilled');
  });

  it('says why a log it cannot read was not read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sspe-eventlog-'));
    try {
      const path = join(dir, 'app-2');
      writeFileSync(path, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
      const health = await summariseEventLog(path);
      expect(health.problem).toMatch(/zstd/);
      expect(health.executorLosses).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
