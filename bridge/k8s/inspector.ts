/**
 * Read-only look at the Kubernetes cluster a Spark application runs on: node
 * capacity, the application's executor pods, and pod resource use from
 * metrics-server. The bridge's metrics manager polls it; nothing here changes
 * the cluster.
 *
 * Uses @kubernetes/client-node 1.4.0 (2.x needs a newer Node than our 20).
 */
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  ServerConfiguration,
  createConfiguration,
  type Middleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { UserInputError } from '../../src/errors.js';
import {
  SPARK_APP_SELECTOR_LABEL,
  SPARK_ROLE_LABEL,
  decodeExecutorPod,
  decodeNode,
  decodePodMetrics,
  listItems,
  type ExecutorPod,
  type NodeCapacity,
  type PodMetrics,
} from './decode.js';

export type { ContainerTermination, ContainerUsage, ExecutorPod, NodeCapacity, PodMetrics } from './decode.js';

export interface KubeInspectorOptions {
  /** Cluster and credentials; default: loaded from KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  kubeConfig?: KubeConfig;
  /** Namespace for calls that name none; default: the kubeconfig context's namespace, else 'default'. */
  namespace?: string;
  /** Limit for each API request, in ms. */
  requestTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Which executor pods: those of one Spark application id, or those matching a label selector. */
export type ExecutorPodQuery = string | { appId: string; namespace?: string } | { labelSelector: string; namespace?: string };

/**
 * What loadFromDefault() silently falls back to when it finds no kubeconfig and
 * no service account (config.js, loadFromDefault): we say so instead.
 */
const FALLBACK_CLUSTER = { name: 'cluster', server: 'http://localhost:8080' };

export class KubeInspector {
  readonly server: string;
  readonly namespace: string;
  private readonly core: CoreV1Api;
  private readonly customObjects: CustomObjectsApi;

  /** Same as `new KubeInspector(options)` without a kubeConfig: loads it from the usual places. */
  static fromDefault(options: Omit<KubeInspectorOptions, 'kubeConfig'> = {}): KubeInspector {
    return new KubeInspector(options);
  }

  constructor(options: KubeInspectorOptions = {}) {
    const kubeConfig = options.kubeConfig ?? loadDefaultKubeConfig();
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) {
      throw new UserInputError(
        `kubeconfig context '${kubeConfig.getCurrentContext()}' names no cluster; expected a context with a cluster entry`,
      );
    }
    const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0) {
      throw new RangeError(`expected a positive requestTimeoutMs, got ${requestTimeoutMs}`);
    }
    this.server = cluster.server;
    this.namespace = options.namespace ?? kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default';
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
      promiseMiddleware: [timeoutMiddleware(requestTimeoutMs)],
    });
    this.core = new CoreV1Api(configuration);
    this.customObjects = new CustomObjectsApi(configuration);
  }

  /** Every node's allocatable CPU and memory and whether it is Ready, sorted by name. */
  async nodeCapacity(): Promise<NodeCapacity[]> {
    const answer = await this.call('listing nodes', () => this.core.listNode());
    const nodes = this.decode('NodeList', answer, decodeNode);
    return nodes.sort((a, b) => compare(a.name, b.name));
  }

  /**
   * The executor pods of one application (labels spark-role=executor and
   * spark-app-selector=<appId>), or of a label selector; spark-role=executor is
   * added to a selector that does not constrain spark-role itself. Sorted by
   * executor id, then name.
   */
  async executorPods(query: ExecutorPodQuery): Promise<ExecutorPod[]> {
    const { labelSelector, namespace } = this.selectorOf(query);
    const answer = await this.call(`listing pods '${labelSelector}' in namespace '${namespace}'`, () =>
      this.core.listNamespacedPod({ namespace, labelSelector }),
    );
    const pods = this.decode('PodList', answer, decodeExecutorPod);
    return pods.sort((a, b) => compareExecutorIds(a.executorId, b.executorId) || compare(a.name, b.name));
  }

  /**
   * Current CPU and memory use of the namespace's pods from metrics.k8s.io/v1beta1,
   * sorted by pod name; null when the server has no metrics API (404: no
   * metrics-server installed).
   */
  async podMetrics(namespace: string = this.namespace, options: { labelSelector?: string } = {}): Promise<PodMetrics[] | null> {
    let answer: unknown;
    try {
      answer = await this.call(`reading pod metrics in namespace '${namespace}'`, () =>
        this.customObjects.listNamespacedCustomObject({
          group: 'metrics.k8s.io',
          version: 'v1beta1',
          namespace,
          plural: 'pods',
          labelSelector: options.labelSelector,
        }),
      );
    } catch (error) {
      if (error instanceof KubeRequestError && error.statusCode === 404) return null;
      throw error;
    }
    const metrics = this.decode('PodMetricsList', answer, decodePodMetrics);
    return metrics.sort((a, b) => compare(a.name, b.name));
  }

  private selectorOf(query: ExecutorPodQuery): { labelSelector: string; namespace: string } {
    if (typeof query === 'string') query = { appId: query };
    const namespace = query.namespace ?? this.namespace;
    if ('appId' in query) {
      if (!/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(query.appId)) {
        throw new UserInputError(`expected a Spark application id usable as a label value (e.g. 'spark-3f2a...'), got '${query.appId}'`);
      }
      return { labelSelector: `${SPARK_ROLE_LABEL}=executor,${SPARK_APP_SELECTOR_LABEL}=${query.appId}`, namespace };
    }
    const selector = query.labelSelector.trim();
    if (selector === '') throw new UserInputError("expected a label selector like 'app=etl', got ''");
    const constrainsRole = new RegExp(`(^|,)\\s*!?${SPARK_ROLE_LABEL}\\b`).test(selector);
    return { labelSelector: constrainsRole ? selector : `${selector},${SPARK_ROLE_LABEL}=executor`, namespace };
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw KubeRequestError.from(what, this.server, error);
    }
  }

  private decode<T>(kind: string, answer: unknown, decodeItem: (item: unknown, index: number) => T): T[] {
    try {
      return listItems(answer, kind).map(decodeItem);
    } catch (error) {
      throw new Error(`unexpected ${kind} from ${this.server}: ${messageOf(error)}`, { cause: error });
    }
  }
}

/** KUBECONFIG, else ~/.kube/config, else the in-cluster service account; UserInputError when none exists. */
export function loadDefaultKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromDefault();
  } catch (error) {
    throw new UserInputError(`cannot load kubeconfig (KUBECONFIG, ~/.kube/config): ${messageOf(error)}`, { cause: error });
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster?.name === FALLBACK_CLUSTER.name && cluster.server === FALLBACK_CLUSTER.server) {
    throw new UserInputError(
      'no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, or run inside a pod with a service account',
    );
  }
  return kubeConfig;
}

/** A request that failed (HTTP error status, timeout, connection refused, undecodable answer). */
export class KubeRequestError extends Error {
  /** HTTP status, or null when no answer arrived. */
  readonly statusCode: number | null;

  constructor(message: string, statusCode: number | null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeRequestError';
    this.statusCode = statusCode;
  }

  static from(what: string, server: string, error: unknown): KubeRequestError {
    if (error instanceof ApiException) {
      const code = error.code as number;
      return new KubeRequestError(`${what} at ${server}: HTTP ${code}: ${statusMessage(error.body)}`, code, { cause: error });
    }
    const name = error instanceof Error ? error.name : '';
    const detail =
      name === 'AbortError' || name === 'TimeoutError'
        ? 'no answer before the request timeout'
        : name === 'FetchError'
          ? messageOf(error)
          : // Anything else comes from the client turning the body into its model classes.
            `unreadable answer: ${messageOf(error)}`;
    return new KubeRequestError(`${what} at ${server}: ${detail}`, null, { cause: error });
  }
}

/** Aborts each request after `timeoutMs`; the generated client has no timeout of its own. */
function timeoutMiddleware(timeoutMs: number): Middleware {
  return {
    pre: async (context: RequestContext) => {
      context.setSignal(AbortSignal.timeout(timeoutMs) as Parameters<RequestContext['setSignal']>[0]);
      return context;
    },
    post: async (context: ResponseContext) => context,
  };
}

/** The `message` of a Kubernetes Status body, else the body itself, shortened. */
function statusMessage(body: unknown): string {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim().slice(0, 200) || '(empty body)';
    }
  }
  if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string') {
    return (parsed as { message: string }).message;
  }
  return JSON.stringify(parsed ?? null).slice(0, 200);
}

/** Executor ids are decimal strings; order them as numbers, ids missing last. */
function compareExecutorIds(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return compare(a, b);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
