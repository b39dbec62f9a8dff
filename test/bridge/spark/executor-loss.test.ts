/**
 * One-line executor-loss reasons from what Spark 4.3 really writes on
 * Kubernetes. The fixture is a real event log (trimmed to its Spark
 * properties) of `sspe collect --master k8s://` on the testbed with
 * spark.executor.memoryOverhead=16m, minMemoryOverhead=0 and
 * -XX:+AlwaysPreTouch: every executor pod was OOMKilled at start-up and
 * Spark gave up after four ("Max number of executor failures (3) reached").
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  describeExecutorLosses,
  executorPodMemory,
  isOomKill,
  lossReasonLine,
  parseK8sExecutorExit,
} from '../../../bridge/spark/executor-loss.js';
import type { K8sMaster } from '../../../bridge/spark/launcher.js';

const FIXTURE = new URL('../fixtures/eventlogs/spark-339cb4b61e624c1b9c5387342f7e097c', import.meta.url).pathname;

function realRemovals(): { executorId: string; reason: string }[] {
  return readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((event) => event.Event === 'SparkListenerExecutorRemoved')
    .map((event) => ({ executorId: String(event['Executor ID']), reason: String(event['Removed Reason']) }));
}

const K8S: K8sMaster = {
  kind: 'k8s',
  apiServerUrl: 'https://127.0.0.1:6443',
  namespace: 'spark',
  containerImage: 'sspe/process',
  serviceAccount: 'spark',
  driverHost: '127.0.0.1',
  executorVolumes: [{ name: 'store', claimName: 'sspe-host', mountPath: '/data', readOnly: false }],
};

/** Spark's message for a pod that exited on its own (not OOM), in the same shape. */
const EXIT_143 = [
  '',
  'The executor with id 3 exited with exit code 143(SIGTERM, probably due to pod deletion).',
  'The API gave the following brief reason: Evicted',
  '',
  '',
  'The API gave the following container statuses:',
  '',
  '',
  '\t container name: spark-kubernetes-executor',
  '\t exit code: 143',
  '\t termination reason: Error',
  '      ',
].join('\n');

describe("Spark's Kubernetes executor-exit message", () => {
  it('is multi-line as Spark writes it, and reads as an OOM kill with exit code 137', () => {
    const removals = realRemovals();
    expect(removals.map((r) => r.executorId)).toEqual(['1', '2', '3', '4']);
    const reason = removals[0].reason;
    expect(reason.split('\n').length).toBeGreaterThan(10);
    expect(reason).toContain('exit code 137(SIGKILL, possible container OOM)');
    expect(parseK8sExecutorExit(reason)).toEqual({ exitCode: 137, exitDescription: 'SIGKILL, possible container OOM', terminationReason: 'OOMKilled', podReason: null });
    expect(isOomKill(reason)).toBe(true);
    expect(lossReasonLine(reason)).toBe('its pod exited with code 137 (SIGKILL, possible container OOM), container terminated: OOMKilled');
  });

  it('tells a pod that exited otherwise from an OOM kill, still in one line', () => {
    expect(isOomKill(EXIT_143)).toBe(false);
    expect(lossReasonLine(EXIT_143)).toBe('its pod exited with code 143 (SIGTERM, probably due to pod deletion), container terminated: Error, pod reason: Evicted');
    // Exit code 137 without the API's OOMKilled is a plain SIGKILL.
    expect(isOomKill(EXIT_143.replace(/143/g, '137'))).toBe(false);
    expect(isOomKill('Command exited with code 137')).toBe(false);
    expect(lossReasonLine('Command exited with code 137')).toBe('Command exited with code 137');
    expect(lossReasonLine('first line\n\tsecond line\n')).toBe('first line second line');
  });
});

describe('executorPodMemory: the pod limit Spark sets', () => {
  const request = (executorMemoryMb: number, conf: Record<string, string> = {}) => ({ master: K8S, executorMemoryMb, conf });

  it("is memory + max(10 %, 384 MiB) by default, as the testbed's pods showed (512 → 896 Mi, 1024 → 1408 Mi)", () => {
    expect(executorPodMemory(request(512))?.limitMb).toBe(896);
    expect(executorPodMemory(request(1024))?.limitMb).toBe(1408);
    expect(executorPodMemory(request(8192))).toEqual({ limitMb: 8192 + 819, heapMb: 8192, overheadMb: 819, pysparkMb: 0, offHeapMb: 0 });
  });

  it('takes an explicit overhead, its factor and minimum, PySpark and off-heap memory', () => {
    expect(executorPodMemory(request(512, { 'spark.executor.memoryOverhead': '16m', 'spark.executor.minMemoryOverhead': '0' }))?.limitMb).toBe(528);
    expect(executorPodMemory(request(1024, { 'spark.executor.memoryOverhead': '1g' }))?.limitMb).toBe(2048);
    expect(executorPodMemory(request(1000, { 'spark.executor.memoryOverheadFactor': '0.5' }))?.limitMb).toBe(1500);
    expect(executorPodMemory(request(512, { 'spark.executor.minMemoryOverhead': '100m' }))?.limitMb).toBe(612);
    expect(executorPodMemory(request(512, { 'spark.executor.pyspark.memory': '256m', 'spark.memory.offHeap.enabled': 'true', 'spark.memory.offHeap.size': '134217728' }))).toEqual({
      limitMb: 512 + 384 + 256 + 128,
      heapMb: 512,
      overheadMb: 384,
      pysparkMb: 256,
      offHeapMb: 128,
    });
  });

  it('is null off Kubernetes and when a setting is not a size', () => {
    expect(executorPodMemory({ master: { kind: 'local-cluster', workers: 1, coresPerWorker: 1, memoryPerWorkerMb: 1024 }, executorMemoryMb: 512 })).toBeNull();
    expect(executorPodMemory(request(512, { 'spark.executor.memoryOverhead': 'lots' }))).toBeNull();
  });
});

describe('describeExecutorLosses', () => {
  const memory = executorPodMemory({ master: K8S, executorMemoryMb: 512, conf: { 'spark.executor.memoryOverhead': '16m' } });

  it('names the OOM kill, the executor and the limit, in one line, from the real multi-line reasons', () => {
    const line = describeExecutorLosses(realRemovals(), memory);
    expect(line).toBe(
      "executor 1 was OOMKilled by Kubernetes: its pod's memory limit (528 MiB = spark.executor.memory 512 MiB + overhead 16 MiB) was exceeded (4 executors OOMKilled in all)",
    );
    expect(describeExecutorLosses(realRemovals().slice(1, 2), null)).toBe("executor 2 was OOMKilled by Kubernetes: its pod's memory limit was exceeded");
  });

  it('puts an OOM kill before an earlier loss of another kind, and says other losses in one line', () => {
    const [oom] = realRemovals();
    expect(describeExecutorLosses([{ executorId: '3', reason: EXIT_143 }, oom], memory)).toMatch(/^executor 1 was OOMKilled by Kubernetes: /);
    const other = describeExecutorLosses([{ executorId: '3', reason: EXIT_143 }, { executorId: '5', reason: 'Command exited with code 137' }], memory);
    expect(other).toBe('executor 3 was lost during the run: its pod exited with code 143 (SIGTERM, probably due to pod deletion), container terminated: Error, pod reason: Evicted (and 1 more)');
    expect(describeExecutorLosses([], memory)).toBeNull();
  });
});
