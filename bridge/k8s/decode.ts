/**
 * Turns Kubernetes API answers (NodeList, PodList, PodMetricsList items) into
 * the few typed facts the bridge needs, and checks every field it reads: a
 * missing field or a malformed quantity is an Error naming the object and the
 * field path, with the underlying problem as its cause.
 *
 * Input is whatever the client handed back: either raw JSON or
 * @kubernetes/client-node's model classes (same field names; timestamps as
 * Date objects instead of strings). Both are read the same way.
 */
import { parseGoDurationMs } from './go-duration.js';
import { parseCpuMillicores, parseMemoryMb } from './quantity.js';

/** Spark's labels on the pods it creates (resource-managers/kubernetes, Constants.scala). */
export const SPARK_ROLE_LABEL = 'spark-role';
export const SPARK_APP_SELECTOR_LABEL = 'spark-app-selector';
export const SPARK_EXECUTOR_ID_LABEL = 'spark-exec-id';

export interface NodeCapacity {
  name: string;
  /** status.allocatable.cpu: what the scheduler may hand to pods, not the raw machine. */
  allocatableCpuMillicores: number;
  /** status.allocatable.memory in MB (2^20 bytes). */
  allocatableMemoryMb: number;
  /** The Ready condition is 'True'. A node without conditions counts as not ready. */
  ready: boolean;
  /** spec.unschedulable (cordoned). */
  unschedulable: boolean;
}

export interface ContainerTermination {
  container: string;
  /** e.g. 'OOMKilled', 'Error', 'Completed'; null when the kubelet gave none. */
  reason: string | null;
  exitCode: number;
  finishedAtMs: number | null;
  /** From state.terminated (the container is dead now) rather than lastState.terminated (a previous run). */
  current: boolean;
}

export interface ExecutorPod {
  name: string;
  namespace: string;
  /** Label spark-app-selector (Spark's application id, e.g. 'spark-3f2a...'). */
  appId: string | null;
  /** Label spark-exec-id: matches "Executor ID" in the event log. */
  executorId: string | null;
  /** 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown'. */
  phase: string;
  /** spec.nodeName; null while unscheduled. */
  nodeName: string | null;
  ready: boolean;
  /** Sum of containerStatuses[].restartCount. */
  restarts: number;
  terminations: ContainerTermination[];
  /** Some container was terminated with reason OOMKilled (now or in a previous run). */
  oomKilled: boolean;
  startTimeMs: number | null;
  /** Set while the pod is being deleted (executor released or lost). */
  deletionTimeMs: number | null;
  /** Sums over spec.containers; null when no container states one. */
  cpuRequestMillicores: number | null;
  cpuLimitMillicores: number | null;
  memoryRequestMb: number | null;
  memoryLimitMb: number | null;
}

export interface ContainerUsage {
  name: string;
  cpuMillicores: number;
  memoryMb: number;
}

export interface PodMetrics {
  name: string;
  namespace: string;
  /** End of the sampling window. */
  timestampMs: number;
  windowMs: number;
  containers: ContainerUsage[];
  /** Sums over containers. */
  cpuMillicores: number;
  memoryMb: number;
}

/** An answer from the API server that does not have the shape we rely on. */
export class KubeAnswerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeAnswerError';
  }
}

/** Reads fields of one API object, naming it and the field in every complaint. */
class FieldReader {
  constructor(private readonly objectName: string) {}

  fail(path: string, expected: string, found: unknown, cause?: unknown): never {
    throw new KubeAnswerError(
      `${this.objectName}: ${path}: expected ${expected}, got ${describe(found)}`,
      cause === undefined ? undefined : { cause },
    );
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as Record<string, unknown>;
  }

  optionalObject(value: unknown, path: string): Record<string, unknown> | null {
    return value === undefined || value === null ? null : this.object(value, path);
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'an array', value);
    return value;
  }

  optionalArray(value: unknown, path: string): unknown[] {
    return value === undefined || value === null ? [] : this.array(value, path);
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'a non-empty string', value);
    return value;
  }

  optionalString(value: unknown, path: string): string | null {
    return value === undefined || value === null ? null : this.string(value, path);
  }

  integer(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) this.fail(path, 'an integer', value);
    return value;
  }

  optionalBoolean(value: unknown, path: string): boolean {
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') this.fail(path, 'a boolean', value);
    return value;
  }

  /** RFC 3339 text (raw JSON) or a Date (client model) → epoch ms. */
  time(value: unknown, path: string): number {
    const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (!Number.isFinite(ms)) this.fail(path, 'an RFC 3339 timestamp', value);
    return ms;
  }

  optionalTime(value: unknown, path: string): number | null {
    return value === undefined || value === null ? null : this.time(value, path);
  }

  cpuMillicores(value: unknown, path: string): number {
    if (typeof value !== 'string') this.fail(path, "a CPU quantity like '3900m' or '4'", value);
    try {
      return parseCpuMillicores(value);
    } catch (error) {
      return this.fail(path, "a CPU quantity like '3900m' or '4'", value, error);
    }
  }

  memoryMb(value: unknown, path: string): number {
    if (typeof value !== 'string') this.fail(path, "a memory quantity like '8Gi' or '7950Mi'", value);
    try {
      return parseMemoryMb(value);
    } catch (error) {
      return this.fail(path, "a memory quantity like '8Gi' or '7950Mi'", value, error);
    }
  }

  goDurationMs(value: unknown, path: string): number {
    if (typeof value !== 'string') this.fail(path, "a duration like '30s'", value);
    try {
      return parseGoDurationMs(value);
    } catch (error) {
      return this.fail(path, "a duration like '30s'", value, error);
    }
  }
}

/** The `items` of a List answer, after checking the list itself. */
export function listItems(answer: unknown, kind: string): unknown[] {
  const reader = new FieldReader(kind);
  return reader.array(reader.object(answer, '(answer)').items, 'items');
}

/** "Node 'worker-1'" when the object has a readable name, else "Node items[3]". */
function objectLabel(kind: string, item: unknown, index: number, withNamespace: boolean): string {
  const metadata = typeof item === 'object' && item !== null ? (item as { metadata?: unknown }).metadata : undefined;
  const name = typeof metadata === 'object' && metadata !== null ? (metadata as { name?: unknown }).name : undefined;
  const namespace =
    typeof metadata === 'object' && metadata !== null ? (metadata as { namespace?: unknown }).namespace : undefined;
  if (typeof name !== 'string' || name === '') return `${kind} items[${index}]`;
  return withNamespace && typeof namespace === 'string' ? `${kind} '${namespace}/${name}'` : `${kind} '${name}'`;
}

export function decodeNode(item: unknown, index: number): NodeCapacity {
  const r = new FieldReader(objectLabel('Node', item, index, false));
  const node = r.object(item, '(item)');
  const metadata = r.object(node.metadata, 'metadata');
  const spec = r.optionalObject(node.spec, 'spec');
  const status = r.object(node.status, 'status');
  const allocatable = r.object(status.allocatable, 'status.allocatable');
  const conditions = r.optionalArray(status.conditions, 'status.conditions');
  let ready = false;
  conditions.forEach((entry, i) => {
    const condition = r.object(entry, `status.conditions[${i}]`);
    const type = r.string(condition.type, `status.conditions[${i}].type`);
    if (type === 'Ready') ready = r.string(condition.status, `status.conditions[${i}].status`) === 'True';
  });
  return {
    name: r.string(metadata.name, 'metadata.name'),
    allocatableCpuMillicores: r.cpuMillicores(allocatable.cpu, 'status.allocatable.cpu'),
    allocatableMemoryMb: r.memoryMb(allocatable.memory, 'status.allocatable.memory'),
    ready,
    unschedulable: spec === null ? false : r.optionalBoolean(spec.unschedulable, 'spec.unschedulable'),
  };
}

export function decodeExecutorPod(item: unknown, index: number): ExecutorPod {
  const r = new FieldReader(objectLabel('Pod', item, index, true));
  const pod = r.object(item, '(item)');
  const metadata = r.object(pod.metadata, 'metadata');
  const labels = r.optionalObject(metadata.labels, 'metadata.labels') ?? {};
  const spec = r.object(pod.spec, 'spec');
  const status = r.object(pod.status, 'status');

  let restarts = 0;
  const terminations: ContainerTermination[] = [];
  r.optionalArray(status.containerStatuses, 'status.containerStatuses').forEach((entry, i) => {
    const path = `status.containerStatuses[${i}]`;
    const containerStatus = r.object(entry, path);
    const container = r.string(containerStatus.name, `${path}.name`);
    restarts += r.integer(containerStatus.restartCount, `${path}.restartCount`);
    for (const [stateField, current] of [
      ['state', true],
      ['lastState', false],
    ] as const) {
      const state = r.optionalObject(containerStatus[stateField], `${path}.${stateField}`);
      const terminated = state === null ? null : r.optionalObject(state.terminated, `${path}.${stateField}.terminated`);
      if (terminated === null) continue;
      const terminatedPath = `${path}.${stateField}.terminated`;
      terminations.push({
        container,
        reason: r.optionalString(terminated.reason, `${terminatedPath}.reason`),
        exitCode: r.integer(terminated.exitCode, `${terminatedPath}.exitCode`),
        finishedAtMs: r.optionalTime(terminated.finishedAt, `${terminatedPath}.finishedAt`),
        current,
      });
    }
  });

  let ready = false;
  r.optionalArray(status.conditions, 'status.conditions').forEach((entry, i) => {
    const condition = r.object(entry, `status.conditions[${i}]`);
    if (r.string(condition.type, `status.conditions[${i}].type`) === 'Ready') {
      ready = r.string(condition.status, `status.conditions[${i}].status`) === 'True';
    }
  });

  const sums = { cpuRequest: null, cpuLimit: null, memoryRequest: null, memoryLimit: null } as Record<
    'cpuRequest' | 'cpuLimit' | 'memoryRequest' | 'memoryLimit',
    number | null
  >;
  const add = (key: keyof typeof sums, value: number): void => {
    sums[key] = (sums[key] ?? 0) + value;
  };
  r.array(spec.containers, 'spec.containers').forEach((entry, i) => {
    const path = `spec.containers[${i}]`;
    const container = r.object(entry, path);
    const resources = r.optionalObject(container.resources, `${path}.resources`);
    if (resources === null) return;
    const requests = r.optionalObject(resources.requests, `${path}.resources.requests`);
    const limits = r.optionalObject(resources.limits, `${path}.resources.limits`);
    if (requests?.cpu !== undefined) add('cpuRequest', r.cpuMillicores(requests.cpu, `${path}.resources.requests.cpu`));
    if (limits?.cpu !== undefined) add('cpuLimit', r.cpuMillicores(limits.cpu, `${path}.resources.limits.cpu`));
    if (requests?.memory !== undefined) {
      add('memoryRequest', r.memoryMb(requests.memory, `${path}.resources.requests.memory`));
    }
    if (limits?.memory !== undefined) add('memoryLimit', r.memoryMb(limits.memory, `${path}.resources.limits.memory`));
  });

  return {
    name: r.string(metadata.name, 'metadata.name'),
    namespace: r.string(metadata.namespace, 'metadata.namespace'),
    appId: r.optionalString(labels[SPARK_APP_SELECTOR_LABEL], `metadata.labels.${SPARK_APP_SELECTOR_LABEL}`),
    executorId: r.optionalString(labels[SPARK_EXECUTOR_ID_LABEL], `metadata.labels.${SPARK_EXECUTOR_ID_LABEL}`),
    phase: r.string(status.phase, 'status.phase'),
    nodeName: r.optionalString(spec.nodeName, 'spec.nodeName'),
    ready,
    restarts,
    terminations,
    oomKilled: terminations.some((t) => t.reason === 'OOMKilled'),
    startTimeMs: r.optionalTime(status.startTime, 'status.startTime'),
    deletionTimeMs: r.optionalTime(metadata.deletionTimestamp, 'metadata.deletionTimestamp'),
    cpuRequestMillicores: sums.cpuRequest,
    cpuLimitMillicores: sums.cpuLimit,
    memoryRequestMb: sums.memoryRequest,
    memoryLimitMb: sums.memoryLimit,
  };
}

export function decodePodMetrics(item: unknown, index: number): PodMetrics {
  const r = new FieldReader(objectLabel('PodMetrics', item, index, true));
  const metrics = r.object(item, '(item)');
  const metadata = r.object(metrics.metadata, 'metadata');
  const containers = r.array(metrics.containers, 'containers').map((entry, i): ContainerUsage => {
    const container = r.object(entry, `containers[${i}]`);
    const usage = r.object(container.usage, `containers[${i}].usage`);
    return {
      name: r.string(container.name, `containers[${i}].name`),
      cpuMillicores: r.cpuMillicores(usage.cpu, `containers[${i}].usage.cpu`),
      memoryMb: r.memoryMb(usage.memory, `containers[${i}].usage.memory`),
    };
  });
  return {
    name: r.string(metadata.name, 'metadata.name'),
    namespace: r.string(metadata.namespace, 'metadata.namespace'),
    timestampMs: r.time(metrics.timestamp, 'timestamp'),
    windowMs: r.goDurationMs(metrics.window, 'window'),
    containers,
    cpuMillicores: containers.reduce((sum, c) => sum + c.cpuMillicores, 0),
    memoryMb: containers.reduce((sum, c) => sum + c.memoryMb, 0),
  };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value instanceof Date) return `Date ${String(value)}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
