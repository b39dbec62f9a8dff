/**
 * Why an executor was lost, as one line. Spark on Kubernetes writes an
 * executor's exit into the event log (SparkListenerExecutorRemoved "Removed
 * Reason") as a multi-line message built from the pod's status, e.g. for a
 * pod the kernel killed at its memory limit (Spark 4.3, real):
 *
 *     The executor with id 1 exited with exit code 137(SIGKILL, possible container OOM).
 *
 *     The API gave the following container statuses:
 *
 *          container name: spark-kubernetes-executor
 *          ...
 *          exit code: 137
 *          termination reason: OOMKilled
 *
 * This module reads that shape, tells an OOM kill apart, and works out the
 * pod's memory limit as Spark sets it (spark.executor.memory + overhead, plus
 * PySpark and off-heap memory when set), so a failed trial can say which
 * limit was exceeded.
 */
import { parseSparkMemoryMb, SparkPropertyError } from '../eventlog/spark-config.js';
import type { SubmitRequest } from './launcher.js';

export interface ExecutorLoss {
  executorId: string;
  reason: string;
}

/** What Spark's Kubernetes exit message says; null fields where it does not say. */
export interface K8sExecutorExit {
  /** 137, with Spark's gloss: '137(SIGKILL, possible container OOM)'. */
  exitCode: number | null;
  exitDescription: string | null;
  /** The container's termination reason from the API: OOMKilled, Error, Completed… */
  terminationReason: string | null;
  /** "The API gave the following brief reason" (the pod's status.reason), e.g. Evicted. */
  podReason: string | null;
}

/** Parses Spark's Kubernetes executor-exit message; null when the reason is not one. */
export function parseK8sExecutorExit(reason: string): K8sExecutorExit | null {
  const exit = /The executor with id \S+ exited with exit code (-?\d+)(\(([^)]*)\))?/.exec(reason);
  if (exit === null) return null;
  const termination = /^\s*termination reason:\s*(\S.*?)\s*$/m.exec(reason);
  const podReason = /The API gave the following brief reason:\s*(\S.*?)\s*$/m.exec(reason);
  return {
    exitCode: Number(exit[1]),
    exitDescription: exit[3] ?? null,
    terminationReason: termination?.[1] ?? null,
    podReason: podReason?.[1] ?? null,
  };
}

/** The container was OOMKilled (the API's termination reason), not merely exit code 137 (which a plain SIGKILL also gives). */
export function isOomKill(reason: string): boolean {
  return parseK8sExecutorExit(reason)?.terminationReason === 'OOMKilled';
}

/** Whitespace, line breaks included, collapsed to single spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A loss reason as one line: Spark's Kubernetes message summarised, anything else with its line breaks collapsed. */
export function lossReasonLine(reason: string): string {
  const exit = parseK8sExecutorExit(reason);
  if (exit === null) return oneLine(reason) || 'no reason given';
  const code = exit.exitCode === null ? 'an unknown code' : `code ${exit.exitCode}${exit.exitDescription === null ? '' : ` (${exit.exitDescription})`}`;
  const parts = [`its pod exited with ${code}`];
  if (exit.terminationReason !== null) parts.push(`container terminated: ${exit.terminationReason}`);
  if (exit.podReason !== null) parts.push(`pod reason: ${exit.podReason}`);
  return parts.join(', ');
}

// ------------------------------------------------------------ the pod limit

/** An executor pod's memory limit and what it is made of, MiB. */
export interface ExecutorPodMemory {
  limitMb: number;
  heapMb: number;
  overheadMb: number;
  /** spark.executor.pyspark.memory, when set. */
  pysparkMb: number;
  /** spark.memory.offHeap.size, when off-heap memory is enabled. */
  offHeapMb: number;
}

/** A Spark size in MiB ('16m', '1g'; bare numbers MiB, or bytes with `bareBytes`, as spark.memory.offHeap.size reads them); null when absent or not a size. */
function sizeMb(text: string | undefined, key: string, bareBytes = false): number | null {
  if (text === undefined) return null;
  try {
    return parseSparkMemoryMb(bareBytes && /^\s*\d+\s*$/.test(text) ? `${text.trim()}b` : text, key);
  } catch (error) {
    if (error instanceof SparkPropertyError) return null;
    throw error;
  }
}

/**
 * The memory limit Spark gives each executor pod of a k8s:// request, as
 * its BasicExecutorFeatureStep does: spark.executor.memory + overhead
 * (spark.executor.memoryOverhead, else max(factor × memory,
 * spark.executor.minMemoryOverhead) with factor 0.1 and minimum 384 MiB by
 * default; the testbed's pods show 512 → 896 Mi and 1024 → 1408 Mi), plus
 * spark.executor.pyspark.memory and, when enabled, off-heap memory. Null off
 * Kubernetes (no pod limit) or when a setting is not a size.
 */
export function executorPodMemory(request: Pick<SubmitRequest, 'master' | 'executorMemoryMb' | 'conf'>): ExecutorPodMemory | null {
  if (request.master.kind !== 'k8s') return null;
  const conf = request.conf ?? {};
  const heapMb = request.executorMemoryMb;
  let overheadMb: number | null;
  const size = (key: string, bareBytes = false) => sizeMb(conf[key], key, bareBytes);
  if (conf['spark.executor.memoryOverhead'] !== undefined) {
    overheadMb = size('spark.executor.memoryOverhead');
  } else {
    const factor = Number(conf['spark.executor.memoryOverheadFactor'] ?? conf['spark.kubernetes.memoryOverheadFactor'] ?? '0.1');
    const minMb = conf['spark.executor.minMemoryOverhead'] === undefined ? 384 : size('spark.executor.minMemoryOverhead');
    overheadMb = Number.isFinite(factor) && minMb !== null ? Math.max(Math.floor(factor * heapMb), minMb) : null;
  }
  const pysparkMb = conf['spark.executor.pyspark.memory'] === undefined ? 0 : size('spark.executor.pyspark.memory');
  const offHeapMb = conf['spark.memory.offHeap.enabled'] === 'true' ? (conf['spark.memory.offHeap.size'] === undefined ? 0 : size('spark.memory.offHeap.size', true)) : 0;
  if (overheadMb === null || pysparkMb === null || offHeapMb === null) return null;
  const [overhead, pyspark, offHeap] = [overheadMb, pysparkMb, offHeapMb].map(Math.floor);
  return { limitMb: heapMb + overhead + pyspark + offHeap, heapMb, overheadMb: overhead, pysparkMb: pyspark, offHeapMb: offHeap };
}

function limitText(memory: ExecutorPodMemory): string {
  const parts = [`spark.executor.memory ${memory.heapMb} MiB`, `overhead ${memory.overheadMb} MiB`];
  if (memory.pysparkMb > 0) parts.push(`PySpark ${memory.pysparkMb} MiB`);
  if (memory.offHeapMb > 0) parts.push(`off-heap ${memory.offHeapMb} MiB`);
  return `${memory.limitMb} MiB = ${parts.join(' + ')}`;
}

/**
 * The one-line failure for a run that lost executors: the first OOM kill
 * when there is one (it names the pod's memory limit when known), else the
 * first loss. Null without losses.
 */
export function describeExecutorLosses(losses: readonly ExecutorLoss[], memory: ExecutorPodMemory | null): string | null {
  if (losses.length === 0) return null;
  const ooms = losses.filter((loss) => isOomKill(loss.reason));
  if (ooms.length > 0) {
    const limit = memory === null ? "its pod's memory limit was exceeded" : `its pod's memory limit (${limitText(memory)}) was exceeded`;
    const more = ooms.length > 1 ? ` (${ooms.length} executors OOMKilled in all)` : '';
    return `executor ${ooms[0].executorId} was OOMKilled by Kubernetes: ${limit}${more}`;
  }
  const first = losses[0];
  const more = losses.length > 1 ? ` (and ${losses.length - 1} more)` : '';
  return `executor ${first.executorId} was lost during the run: ${lossReasonLine(first.reason)}${more}`;
}
