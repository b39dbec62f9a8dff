/**
 * The process kubelet's pure parts, without a cluster: what process a
 * container becomes (its own command; a Spark executor as entrypoint.sh runs
 * it), env resolution, and the cgroup numbers for requests and limits.
 */
import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { cfsQuotaUs, cpuShares } from '../../../bridge/k8s/kubelet/cgroups.js';
import { UnrunnableContainerError, containerProcess, expandVars } from '../../../bridge/k8s/kubelet/pod-command.js';
import { containerResources } from '../../../bridge/k8s/kubelet/pod-runner.js';
import { checkTestbedOptions } from '../../../bridge/k8s/testbed/options.js';
import { UserInputError } from '../../../src/errors.js';

const host = { sparkHome: '/venv/pyspark', pythonPath: '/venv/bin/python', javaPath: '/usr/bin/java' };

function executorPod(): V1Pod {
  // As KubernetesExecutorBuilder makes it (Spark 4), trimmed to what the kubelet reads.
  return {
    metadata: { name: 'app-exec-1', namespace: 'spark', uid: 'u1' },
    spec: {
      nodeName: 'sspe-node-1',
      containers: [
        {
          name: 'spark-kubernetes-executor',
          image: 'sspe/process',
          args: ['executor'],
          env: [
            { name: 'SPARK_USER', value: 'root' },
            { name: 'SPARK_DRIVER_URL', value: 'spark://CoarseGrainedScheduler@127.0.0.1:7078' },
            { name: 'SPARK_EXECUTOR_CORES', value: '2' },
            { name: 'SPARK_EXECUTOR_MEMORY', value: '1024m' },
            { name: 'SPARK_APPLICATION_ID', value: 'spark-abc' },
            { name: 'SPARK_EXECUTOR_ID', value: '1' },
            { name: 'SPARK_RESOURCE_PROFILE_ID', value: '0' },
            { name: 'SPARK_EXECUTOR_POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
            { name: 'SPARK_EXECUTOR_POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
            { name: 'SPARK_JAVA_OPT_10', value: '-Dspark.driver.port=7078' },
            { name: 'SPARK_JAVA_OPT_2', value: '-Djava.net.preferIPv6Addresses=false' },
          ],
          resources: { requests: { cpu: '2', memory: '1408Mi' }, limits: { memory: '1408Mi' } },
        },
      ],
    },
  };
}

describe('containerProcess', () => {
  it("runs a Spark executor as the image's entrypoint does: java opts in index order, -Xms/-Xmx, the venv's jars, KubernetesExecutorBackend", () => {
    const pod = executorPod();
    const proc = containerProcess(pod, pod.spec!.containers[0], host, '/pods/u1');
    expect(proc.kind).toBe('spark-executor');
    expect(proc.command).toEqual([
      '/usr/bin/java',
      '-Djava.net.preferIPv6Addresses=false',
      '-Dspark.driver.port=7078',
      '-Xms1024m',
      '-Xmx1024m',
      '-cp',
      '/venv/pyspark/jars/*',
      'org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend',
      '--driver-url', 'spark://CoarseGrainedScheduler@127.0.0.1:7078',
      '--executor-id', '1',
      '--cores', '2',
      '--app-id', 'spark-abc',
      '--hostname', '127.0.0.1',
      '--resourceProfileId', '0',
      '--podName', 'app-exec-1',
    ]);
    expect(proc.env).toMatchObject({ SPARK_HOME: '/venv/pyspark', SPARK_LOCAL_DIRS: '/pods/u1/local', PYSPARK_PYTHON: '/venv/bin/python', SPARK_EXECUTOR_POD_IP: '127.0.0.1' });
    expect(proc.env.PATH.split(':')[0]).toBe('/venv/bin');
  });

  it('runs a container with a command as that command, $(VAR) expanded', () => {
    const pod: V1Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [{ name: 'c', command: ['echo', '$(GREETING)', '$$(GREETING)'], env: [{ name: 'GREETING', value: 'hi' }] }] } };
    expect(containerProcess(pod, pod.spec!.containers[0], host, '/p').command).toEqual(['echo', 'hi', '$(GREETING)']);
  });

  it('refuses a container with neither a command nor the executor argument, naming it', () => {
    const pod: V1Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
    expect(() => containerProcess(pod, pod.spec!.containers[0], host, '/p')).toThrow(UnrunnableContainerError);
    expect(() => containerProcess(pod, pod.spec!.containers[0], host, '/p')).toThrow(/container 'web' has no command.*image 'nginx'/);
  });

  it('refuses a Spark executor without SPARK_HOME, saying how to get one', () => {
    const pod = executorPod();
    expect(() => containerProcess(pod, pod.spec!.containers[0], { ...host, sparkHome: null }, '/p')).toThrow(/setup-python\.sh/);
  });

  it('expands only variables defined before', () => {
    expect(expandVars('$(A)-$(B)', { A: '1' })).toBe('1-$(B)');
  });
});

describe('cgroup numbers', () => {
  it('follow the kubelet: shares 1024 per core (min 2), quota over a 100 ms period, request defaulting to the limit', () => {
    expect(cpuShares(2000)).toBe(2048);
    expect(cpuShares(250)).toBe(256);
    expect(cpuShares(null)).toBe(2);
    expect(cfsQuotaUs(500)).toBe(50_000);
    expect(containerResources({ name: 'c', resources: { limits: { cpu: '1500m', memory: '1Gi' } } })).toEqual({ cpuRequestMillicores: 1500, cpuLimitMillicores: 1500, memoryLimitBytes: 2 ** 30 });
    expect(containerResources(executorPod().spec!.containers[0])).toEqual({ cpuRequestMillicores: 2000, cpuLimitMillicores: null, memoryLimitBytes: 1408 * 2 ** 20 });
  });
});

describe('checkTestbedOptions', () => {
  it('turns the node shape into capacity and allocatable', () => {
    expect(checkTestbedOptions({ nodeCpu: '4', nodeMemory: '8Gi' }).shape).toEqual({ cpuMillicores: 4000, memoryBytes: 8 * 2 ** 30, allocatableCpuMillicores: 3900, allocatableMemoryBytes: (8192 - 256) * 2 ** 20 });
  });

  it.each([
    [{ nodes: 0 }, '--nodes: expected an integer in [1, 50], got 0'],
    [{ nodes: 2.5 }, '--nodes: expected an integer in [1, 50], got 2.5'],
    [{ nodeCpu: 'four' }, "--node-cpu: expected a Kubernetes quantity like '3900m' or '8Gi', got 'four'"],
    [{ nodeMemory: '0' }, "--node-memory: expected a positive quantity, got '0'"],
    [{ reservedCpu: '4' }, "--reserved-cpu: expected less than --node-cpu (4), got '4'"],
    [{ namespace: 'Spark_NS' }, "--namespace: expected a DNS label (lower-case letters, digits, '-'), got 'Spark_NS'"],
  ])('refuses %j in one line naming the flag', (partial, message) => {
    expect(() => checkTestbedOptions(partial)).toThrow(UserInputError);
    expect(() => checkTestbedOptions(partial)).toThrow(message);
  });
});
