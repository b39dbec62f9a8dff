/**
 * The Infrastructure Manager: how the agents' infrastructure decisions (the
 * Cluster Autoscaler's node count, the Scheduler's placement) reach a
 * cluster. As Flink's autoscaler keeps its scaling logic behind
 * ScalingRealizer, the logic above this never touches Kubernetes; two
 * methods do, with a real implementation (KubernetesInfrastructureManager)
 * and a recording one (RecordingInfrastructureManager) for tests of that
 * logic. The simulator's counterpart is src/backend/sim-enactor.ts.
 */
import type { PlacementPolicy } from '../../../sim/config.js';
import type { ExecutorPlacement } from './executor-placement.js';

export type { PlacementPolicy } from '../../../sim/config.js';

export interface InfrastructureManager {
  /**
   * Makes `count` nodes of the fixed pool schedulable. Scale-out uncordons;
   * scale-in cordons nodes (never the storage node) and drains them: their
   * executor pods are evicted with their own grace period, and Spark asks
   * for replacements, which the scheduler puts on the nodes still open.
   */
  setNodeCount(count: number): Promise<NodeCountChange>;
  /**
   * What executor pods created from now on need for `policy` (scheduler
   * profile, node affinity); the cluster itself is not changed. Pods that
   * run keep their place: Spark applies a pod template when it creates a pod,
   * so the new placement takes hold at the next deploy (the knob table marks
   * placement 'redeploy').
   */
  setPlacement(policy: PlacementPolicy): Promise<ExecutorPlacement>;
}

/** What setNodeCount did, each list in pool order. */
export interface NodeCountChange {
  /** Schedulable pool nodes afterwards. */
  schedulable: string[];
  cordoned: string[];
  uncordoned: string[];
  /** Executor pods evicted from the cordoned nodes, as namespace/name. */
  evictedPods: string[];
  /** Evicted pods that had not ended within the drain timeout (empty when the drain was not awaited or finished). */
  stillTerminating: string[];
}

/** A RangeError unless `count` is an integer in [1, poolSize]: one node (the storage node) always stays. */
export function checkNodeCount(count: number, poolSize: number): void {
  if (!Number.isInteger(count) || count < 1 || count > poolSize) {
    throw new RangeError(`expected a node count, an integer in [1, ${poolSize}] (the pool's nodes), got ${count}`);
  }
}
