/**
 * The Infrastructure Manager on a real cluster, over @kubernetes/client-node
 * 1.4.0: a fixed node pool whose capacity changes by cordon and uncordon
 * (spec.unschedulable, as `kubectl cordon` sets it), with scale-in draining
 * the cordoned nodes the way `kubectl drain` does for our pods: each executor
 * pod on them is evicted through the Eviction API (so PodDisruptionBudgets
 * are honoured and the pod ends with its own grace period), and Spark's
 * driver, seeing its executors go, asks for replacements, which the scheduler
 * can put only on the nodes still open. Placement changes nothing in the
 * cluster: it says what the executor pod template needs.
 */
import { ApiException, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { KubeRequestError } from '../inspector.js';
import { SPARK_ROLE_LABEL } from '../decode.js';
import { executorPlacement, type ExecutorPlacement } from './executor-placement.js';
import { checkNodeCount, type InfrastructureManager, type NodeCountChange, type PlacementPolicy } from './infrastructure-manager.js';

export interface KubernetesInfrastructureManagerOptions {
  kubeConfig: KubeConfig;
  /** The pool's node names, in pool order (scale-out reopens them in this order). */
  nodes: string[];
  /** The node serving the shared store: never cordoned, storage-affinity's target. Default: the first node. */
  storageNode?: string;
  /** Namespace of the executor pods a drain evicts; default: every namespace. */
  namespace?: string;
  /** Which pods a drain evicts; default 'spark-role=executor' (the driver stays: losing it ends the application). */
  podSelector?: string;
  /** How long setNodeCount waits for the evicted pods to end; 0: it returns once the evictions are accepted. */
  drainTimeoutMs?: number;
  pollIntervalMs?: number;
  /** The bin-packing scheduler profile; default the testbed's 'sspe-pack'. */
  packScheduler?: string;
  delayFn?: (ms: number) => Promise<void>;
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 60_000;
const DEFAULT_POLL_INTERVAL_MS = 250;

export class KubernetesInfrastructureManager implements InfrastructureManager {
  readonly storageNode: string;
  private readonly core: CoreV1Api;
  private readonly server: string;
  private readonly nodes: string[];
  private readonly podSelector: string;
  private readonly drainTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly delayFn: (ms: number) => Promise<void>;

  constructor(private readonly options: KubernetesInfrastructureManagerOptions) {
    if (options.nodes.length === 0) throw new RangeError('expected a node pool of at least one node, got none');
    if (new Set(options.nodes).size !== options.nodes.length) throw new RangeError(`expected distinct node names, got ${options.nodes.join(', ')}`);
    this.nodes = [...options.nodes];
    this.storageNode = options.storageNode ?? this.nodes[0];
    if (!this.nodes.includes(this.storageNode)) {
      throw new RangeError(`expected the storage node to be one of the pool's nodes (${this.nodes.join(', ')}), got '${this.storageNode}'`);
    }
    this.drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    if (!(this.drainTimeoutMs >= 0)) throw new RangeError(`expected drainTimeoutMs >= 0, got ${this.drainTimeoutMs}`);
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (!(this.pollIntervalMs > 0)) throw new RangeError(`expected a positive pollIntervalMs, got ${this.pollIntervalMs}`);
    this.podSelector = options.podSelector ?? `${SPARK_ROLE_LABEL}=executor`;
    this.delayFn = options.delayFn ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.server = options.kubeConfig.getCurrentCluster()?.server ?? '(no cluster in the kubeconfig)';
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
  }

  async setNodeCount(count: number): Promise<NodeCountChange> {
    checkNodeCount(count, this.nodes.length);
    const open = await this.schedulableNodes();
    const change: NodeCountChange = { schedulable: [], cordoned: [], uncordoned: [], evictedPods: [], stillTerminating: [] };
    if (count > open.length) {
      const closed = this.nodes.filter((n) => !open.includes(n));
      change.uncordoned = closed.slice(0, count - open.length);
      for (const name of change.uncordoned) await this.setUnschedulable(name, false);
    } else if (count < open.length) {
      const podsByNode = countByNode(await this.executorPods());
      change.cordoned = this.scaleInOrder(open, podsByNode).slice(0, open.length - count);
      // Every node closed before any pod leaves, so no replacement lands on a node about to drain.
      for (const name of change.cordoned) await this.setUnschedulable(name, true);
      const evicted: V1Pod[] = [];
      for (const name of change.cordoned) evicted.push(...(await this.evictExecutors(name)));
      change.evictedPods = evicted.map(podKey);
      change.stillTerminating = this.drainTimeoutMs > 0 ? await this.awaitGone(evicted) : [];
      change.cordoned = this.nodes.filter((n) => change.cordoned.includes(n));
    }
    change.schedulable = await this.schedulableNodes();
    return change;
  }

  async setPlacement(policy: PlacementPolicy): Promise<ExecutorPlacement> {
    return executorPlacement(policy, { storageNode: this.storageNode, packScheduler: this.options.packScheduler });
  }

  /** Pool nodes not cordoned, in pool order; an Error when a pool node is not in the cluster. */
  async schedulableNodes(): Promise<string[]> {
    const list = await this.call('listing nodes', () => this.core.listNode());
    const byName = new Map<string, V1Node>(list.items.map((n) => [n.metadata?.name ?? '', n]));
    const missing = this.nodes.filter((n) => !byName.has(n));
    if (missing.length > 0) {
      throw new Error(`expected the pool's nodes ${this.nodes.join(', ')} at ${this.server}, missing: ${missing.join(', ')} (the cluster has ${[...byName.keys()].join(', ') || 'none'})`);
    }
    return this.nodes.filter((n) => byName.get(n)?.spec?.unschedulable !== true);
  }

  /** Which open nodes close first: never the storage node; fewest executor pods (least to move), then the newest (last in the pool). */
  private scaleInOrder(open: string[], podsByNode: Map<string, number>): string[] {
    return open
      .filter((n) => n !== this.storageNode)
      .map((name) => ({ name, pods: podsByNode.get(name) ?? 0, index: this.nodes.indexOf(name) }))
      .sort((a, b) => a.pods - b.pods || b.index - a.index)
      .map((n) => n.name);
  }

  private async setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
    // null, not false, on uncordon: kubectl's patch removes the field.
    const body = { spec: { unschedulable: unschedulable ? true : null } };
    await this.call(`${unschedulable ? 'cordoning' : 'uncordoning'} node ${name}`, () =>
      // client-node 1.4.0 sends a JSON Patch content type unless told otherwise (the kubelet's patches say so too).
      this.core.patchNode({ name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
    );
  }

  private async executorPods(fieldSelector?: string): Promise<V1Pod[]> {
    const labelSelector = this.podSelector;
    const what = `listing pods '${labelSelector}'${fieldSelector ? ` (${fieldSelector})` : ''}`;
    const list = await this.call(what, () =>
      this.options.namespace === undefined
        ? this.core.listPodForAllNamespaces({ labelSelector, fieldSelector })
        : this.core.listNamespacedPod({ namespace: this.options.namespace, labelSelector, fieldSelector }),
    );
    return list.items;
  }

  /** Evicts the node's live executor pods (not those already terminating or finished); returns those evicted. */
  private async evictExecutors(node: string): Promise<V1Pod[]> {
    const pods = (await this.executorPods(`spec.nodeName=${node}`)).filter(
      (p) => p.metadata?.deletionTimestamp === undefined && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
    );
    const evicted: V1Pod[] = [];
    for (const pod of pods) {
      const name = pod.metadata?.name ?? '';
      const namespace = pod.metadata?.namespace ?? 'default';
      try {
        await this.core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } });
        evicted.push(pod);
      } catch (error) {
        // Gone meanwhile: nothing to evict.
        if (error instanceof ApiException && error.code === 404) continue;
        const blocked = error instanceof ApiException && error.code === 429 ? ' (a PodDisruptionBudget forbids it now; the node stays cordoned)' : '';
        throw KubeRequestError.from(`evicting pod ${namespace}/${name} from node ${node}${blocked}`, this.server, error);
      }
    }
    return evicted;
  }

  /** Waits until no pod with the evicted pods' uids is left; returns those still there at the drain timeout. */
  private async awaitGone(pods: V1Pod[]): Promise<string[]> {
    const uids = new Set(pods.map((p) => p.metadata?.uid ?? ''));
    if (uids.size === 0) return [];
    const deadlineMs = Date.now() + this.drainTimeoutMs;
    for (;;) {
      const left = (await this.executorPods()).filter((p) => uids.has(p.metadata?.uid ?? ''));
      if (left.length === 0) return [];
      if (Date.now() >= deadlineMs) return left.map(podKey);
      await this.delayFn(this.pollIntervalMs);
    }
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw KubeRequestError.from(what, this.server, error);
    }
  }
}

function countByNode(pods: V1Pod[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (node !== undefined && p.metadata?.deletionTimestamp === undefined) counts.set(node, (counts.get(node) ?? 0) + 1);
  }
  return counts;
}

function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}
