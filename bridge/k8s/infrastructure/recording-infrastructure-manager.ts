/**
 * An Infrastructure Manager that changes nothing and records every call, for
 * tests of the logic above it (Flink's autoscaler tests its ScalingExecutor
 * against a recording realizer the same way). It keeps a model of the pool
 * so that its answers look like the real one's: scale-in takes the last
 * schedulable nodes other than the storage node, scale-out reopens
 * cordoned nodes in pool order; no pods are known, so none are evicted.
 */
import { executorPlacement, type ExecutorPlacement } from './executor-placement.js';
import { checkNodeCount, type InfrastructureManager, type NodeCountChange, type PlacementPolicy } from './infrastructure-manager.js';

export type InfrastructureCall = { method: 'setNodeCount'; count: number } | { method: 'setPlacement'; policy: PlacementPolicy };

export interface RecordingInfrastructureManagerOptions {
  /** The pool's node names, in pool order; all start schedulable. */
  nodes: string[];
  /** Default: the first node. */
  storageNode?: string;
  packScheduler?: string;
}

export class RecordingInfrastructureManager implements InfrastructureManager {
  /** Every call, in order. */
  readonly calls: InfrastructureCall[] = [];
  private readonly nodes: string[];
  private readonly storageNode: string;
  private readonly cordoned = new Set<string>();

  constructor(private readonly options: RecordingInfrastructureManagerOptions) {
    if (options.nodes.length === 0) throw new RangeError('expected a node pool of at least one node, got none');
    this.nodes = [...options.nodes];
    this.storageNode = options.storageNode ?? this.nodes[0];
    if (!this.nodes.includes(this.storageNode)) {
      throw new RangeError(`expected the storage node to be one of the pool's nodes (${this.nodes.join(', ')}), got '${this.storageNode}'`);
    }
  }

  /** The pool nodes schedulable now, in pool order. */
  get schedulable(): string[] {
    return this.nodes.filter((n) => !this.cordoned.has(n));
  }

  async setNodeCount(count: number): Promise<NodeCountChange> {
    this.calls.push({ method: 'setNodeCount', count });
    checkNodeCount(count, this.nodes.length);
    const open = this.schedulable;
    const cordoned = open.filter((n) => n !== this.storageNode).reverse().slice(0, Math.max(0, open.length - count));
    const uncordoned = this.nodes.filter((n) => this.cordoned.has(n)).slice(0, Math.max(0, count - open.length));
    for (const n of cordoned) this.cordoned.add(n);
    for (const n of uncordoned) this.cordoned.delete(n);
    const inPoolOrder = (names: string[]) => this.nodes.filter((n) => names.includes(n));
    return { schedulable: this.schedulable, cordoned: inPoolOrder(cordoned), uncordoned, evictedPods: [], stillTerminating: [] };
  }

  async setPlacement(policy: PlacementPolicy): Promise<ExecutorPlacement> {
    this.calls.push({ method: 'setPlacement', policy });
    return executorPlacement(policy, { storageNode: this.storageNode, packScheduler: this.options.packScheduler });
  }
}
