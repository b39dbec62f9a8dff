import type { ClusterSpec } from '../config.js';
import type { Simulation } from '../engine/simulation.js';
import type { Cluster, NodeState } from './cluster.js';

/** Cluster Autoscaler's --max-graceful-termination-sec, in ms. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 600_000;

/**
 * The node pool a cluster autoscaler drives: a desired node count within
 * [minNodes, maxNodes]. Scaling out leases template nodes (billed from the
 * request, Ready after the boot delay). Scaling in drains nodes first — the
 * node is cordoned, its pods' owners are told (Spark decommissions its
 * executors: running tasks finish, then their pods end) — and removes each
 * node, ending its lease, once it is empty or after drainTimeoutMs.
 */
export class NodePool {
  readonly minNodes: number;
  readonly maxNodes: number;
  private readonly drainTimeoutMs: number;
  /** Draining nodes by index, with the time their drain gives up waiting. */
  private readonly drainDeadlineMs = new Map<number, number>();
  private readonly kDrainTimeout: number;

  constructor(
    private readonly sim: Simulation,
    private readonly cluster: Cluster,
    private readonly spec: ClusterSpec,
  ) {
    this.minNodes = spec.minNodes ?? 1;
    this.maxNodes = spec.maxNodes;
    this.drainTimeoutMs = spec.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    if (!Number.isInteger(this.minNodes) || this.minNodes < 1 || this.minNodes > this.maxNodes) {
      throw new RangeError(`expected cluster.minNodes to be an integer in [1, maxNodes = ${this.maxNodes}], got ${this.minNodes}`);
    }
    if (!(this.drainTimeoutMs >= 0)) throw new RangeError(`expected cluster.drainTimeoutMs >= 0, got ${this.drainTimeoutMs}`);
    this.kDrainTimeout = sim.register('node-drain-timeout', (index) => this.drainTimedOut(index));
    cluster.subscribe({ onPodEnded: (podId) => this.podLeft(podId) });
  }

  /** Nodes that count toward the desired count: leased and not draining (provisioning and failed ones included). */
  get nodeCount(): number {
    return this.activeNodes().length;
  }

  /** Names of the nodes being drained now. */
  get drainingNodes(): string[] {
    return [...this.drainDeadlineMs.keys()].map((index) => this.cluster.nodes[index].name);
  }

  /**
   * Brings the pool to `count` nodes: scaling out first takes the cordon off
   * draining nodes, then requests template nodes; scaling in drains the nodes
   * that cost least work to empty (never the storage node).
   */
  setNodeCount(count: number): void {
    if (!Number.isInteger(count) || count < this.minNodes || count > this.maxNodes) {
      throw new RangeError(`expected a node count, an integer in [minNodes = ${this.minNodes}, maxNodes = ${this.maxNodes}], got ${count}`);
    }
    const active = this.activeNodes();
    if (count > active.length) this.scaleOut(count - active.length);
    else if (count < active.length) this.scaleIn(active, active.length - count);
  }

  private activeNodes(): NodeState[] {
    return this.cluster.nodes.filter((node) => node.leased && !this.drainDeadlineMs.has(node.index));
  }

  private scaleOut(extra: number): void {
    // Newest drains first: an uncordoned node is back at once, with no boot and no new lease.
    const reclaimable = [...this.drainDeadlineMs.keys()].sort((a, b) => b - a);
    for (const index of reclaimable.slice(0, extra)) {
      this.drainDeadlineMs.delete(index);
      this.cluster.uncordonNode(index);
    }
    for (let i = reclaimable.length; i < extra; i++) this.cluster.addNode();
  }

  private scaleIn(active: NodeState[], fewer: number): void {
    for (const node of scaleInOrder(active, this.spec.storageNode).slice(0, fewer)) this.drain(node);
  }

  private drain(node: NodeState): void {
    // Nothing runs on a node that is still booting or down: it goes at once.
    if (!node.ready) {
      this.cluster.removeNode(node.name);
      return;
    }
    const deadlineMs = this.sim.nowMs + this.drainTimeoutMs;
    this.drainDeadlineMs.set(node.index, deadlineMs);
    this.cluster.drainNode(node.index);
    this.removeIfEmpty(node.index);
    if (this.drainDeadlineMs.has(node.index)) this.sim.scheduleAt(deadlineMs, this.kDrainTimeout, node.index);
  }

  private podLeft(podId: number): void {
    const nodeIndex = this.cluster.pods[podId].node;
    if (nodeIndex >= 0 && this.drainDeadlineMs.has(nodeIndex)) this.removeIfEmpty(nodeIndex);
  }

  private removeIfEmpty(index: number): void {
    const node = this.cluster.nodes[index];
    if (node.pods.size > 0 || !this.drainDeadlineMs.has(index)) return;
    this.drainDeadlineMs.delete(index);
    this.cluster.removeNode(node.name);
  }

  /** The drain gave up waiting: the node goes with the pods still on it (their owners see them lost). */
  private drainTimedOut(index: number): void {
    if (this.drainDeadlineMs.get(index) !== this.sim.nowMs) return; // reclaimed, or drained again later
    this.drainDeadlineMs.delete(index);
    this.cluster.removeNode(this.cluster.nodes[index].name);
  }
}

/**
 * Which nodes go first when the pool shrinks: never the storage node (the
 * shared store lives there); first nodes not Ready (booting or down, nothing
 * to move), then those running the fewest tasks, then the fewest pods, then
 * the newest.
 */
export function scaleInOrder(active: readonly NodeState[], storageNode: string): NodeState[] {
  return active
    .filter((node) => node.name !== storageNode)
    .sort(
      (a, b) =>
        Number(a.ready) - Number(b.ready) ||
        a.busySlots - b.busySlots ||
        a.pods.size - b.pods.size ||
        b.index - a.index,
    );
}
