/**
 * The Kubernetes Cluster Autoscaler on the node count (nodeCount), from what
 * it sees of the last window:
 *
 * - scale-up: executor pods are Pending (unschedulable). It asks for the
 *   nodes its bin-packing estimate needs to hold every executor pod (running
 *   and pending) of the current shape, counting nodes already asked for as
 *   upcoming; when the estimate says they fit yet pods stay Pending past
 *   maxNodeProvisionTimeMs, it gives up on that capacity and adds one node.
 * - scale-down: a node is unneeded when the requests of the pods on it ÷ its
 *   allocatable CPU or memory (the larger) is below
 *   scaleDownUtilizationThreshold and its pods fit on the other nodes. One
 *   unneeded for scaleDownUnneededTimeMs is removed (empty ones together, up
 *   to maxEmptyBulkDelete), never within scaleDownDelayAfterAddMs of a
 *   scale-up.
 * https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md#what-are-the-parameters-to-ca
 * (and "How does scale-down work?" in the same FAQ).
 *
 * Time is the measured windows' (WindowClock). Pods per node are not
 * observed: the node the CA judges is the least loaded one the placement
 * policy leaves (spread: executors shared evenly; pack or storage affinity:
 * the others filled first). Removing a node lowers nodeCount, which the
 * simulator enacts on the pool's last node.
 */
import { executorPodCpu, executorPodMemoryMb } from '../../../sim/spark/constants.js';
import type { TrialOutcome } from '../../backend/backend.js';
import type { OptionValues } from '../../config/options.js';
import type { Scenario } from '../../scenario/schema.js';
import type { KnobValues } from '../../space/knobs.js';
import type { DecisionContext } from '../agent.js';
import { resolveOptions } from './options.js';
import { declaredKnob, gridValueAtLeast, type KnobRecommender } from './stack.js';
import { WindowClock } from './window-clock.js';

const MINUTE_MS = 60_000;

export const CLUSTER_AUTOSCALER_OPTIONS = {
  scaleDownUtilizationThreshold: { kind: 'number', default: 0.5, min: 0, max: 1, description: 'a node whose pods request less than this share of its allocatable CPU and memory may be removed (--scale-down-utilization-threshold)' },
  scaleDownUnneededTimeMs: { kind: 'number', default: 10 * MINUTE_MS, min: 0, max: 86_400_000, integer: true, description: 'how long a node must be unneeded before it is removed, ms (--scale-down-unneeded-time, 10m)' },
  scaleDownDelayAfterAddMs: { kind: 'number', default: 10 * MINUTE_MS, min: 0, max: 86_400_000, integer: true, description: 'no scale-down this long after a scale-up, ms (--scale-down-delay-after-add, 10m)' },
  maxNodeProvisionTimeMs: { kind: 'number', default: 15 * MINUTE_MS, min: 0, max: 86_400_000, integer: true, description: 'how long nodes asked for may take before the CA stops counting on them, ms (--max-node-provision-time, 15m)' },
  maxEmptyBulkDelete: { kind: 'number', default: 10, min: 1, max: 1000, integer: true, description: 'empty nodes removed at once (--max-empty-bulk-delete)' },
} as const;

export type ClusterAutoscalerOptions = OptionValues<typeof CLUSTER_AUTOSCALER_OPTIONS>;

interface NodeShape {
  vcpu: number;
  memoryMb: number;
}

/** One executor pod's requests. */
interface PodShape {
  cpu: number;
  memoryMb: number;
}

export class ClusterAutoscaler implements KnobRecommender {
  readonly name = 'cluster-autoscaler';
  readonly options: ClusterAutoscalerOptions;
  private readonly clock = new WindowClock();
  private lastScaleUpMs: number | null = null;
  /** Since when pods have been Pending although the nodes asked for should hold them. */
  private waitingSinceMs: number | null = null;
  private unneededSinceMs: number | null = null;
  /** The node count decided after a window (a decision may be asked for twice). */
  private decided: { after: TrialOutcome; nodeCount: number } | null = null;

  constructor(
    private readonly scenario: Scenario,
    options: Partial<ClusterAutoscalerOptions> = {},
  ) {
    this.options = resolveOptions('cluster-autoscaler', CLUSTER_AUTOSCALER_OPTIONS, options);
  }

  reset(): void {
    this.clock.reset();
    this.lastScaleUpMs = null;
    this.waitingSinceMs = null;
    this.unneededSinceMs = null;
    this.decided = null;
  }

  recommend(ctx: DecisionContext): KnobValues {
    const knob = declaredKnob(ctx, 'nodeCount');
    if (knob === undefined) return {};
    return { nodeCount: gridValueAtLeast(knob, this.desiredNodes(ctx)) };
  }

  /** The node count after the last window. */
  desiredNodes(ctx: DecisionContext): number {
    const current = ctx.configuration.point(ctx.config).nodeCount ?? this.scenario.cluster.nodes.length;
    const last = ctx.last;
    this.clock.observe(last);
    if (last === null) return current;
    if (this.decided?.after !== last) this.decided = { after: last, nodeCount: this.decide(ctx, last, current) };
    return this.decided.nodeCount;
  }

  private decide(ctx: DecisionContext, last: TrialOutcome, current: number): number {
    const values = (declaredKnob(ctx, 'nodeCount')?.values ?? [current]) as number[];
    const pod = podShape(ctx);
    if (last.pendingPods > 0) {
      this.unneededSinceMs = null;
      return this.afterScaleUp(current, Math.max(...values), last, pod);
    }
    this.waitingSinceMs = null;
    return this.afterScaleDown(current, Math.min(...values), last.executorsRunning, pod, ctx);
  }

  /** The node count the Pending pods call for: what the estimate needs, or one more once the nodes asked for are overdue. */
  private afterScaleUp(current: number, maxNodes: number, last: TrialOutcome, pod: PodShape): number {
    const nowMs = this.clock.nowMs;
    const needed = this.nodesHolding(last.executorsRunning + last.pendingPods, pod, maxNodes);
    // When the estimate says the pods fit (on nodes still coming up), the CA waits for them, but not for ever.
    this.waitingSinceMs ??= nowMs - last.windowMs;
    const overdue = needed <= current && nowMs - this.waitingSinceMs >= this.options.maxNodeProvisionTimeMs;
    const next = Math.min(maxNodes, overdue ? current + 1 : Math.max(current, needed));
    if (next > current) {
      this.lastScaleUpMs = nowMs;
      this.waitingSinceMs = nowMs;
    }
    return next;
  }

  /** The node count after the scale-down rules (unneeded long enough, not too soon after a scale-up). */
  private afterScaleDown(current: number, minNodes: number, pods: number, pod: PodShape, ctx: DecisionContext): number {
    const nowMs = this.clock.nowMs;
    const tooSoon = this.lastScaleUpMs !== null && nowMs - this.lastScaleUpMs < this.options.scaleDownDelayAfterAddMs;
    const removable = current > minNodes ? this.removableNodes(current, pods, pod, ctx) : 0;
    if (removable === 0) {
      this.unneededSinceMs = null;
      return current;
    }
    this.unneededSinceMs ??= nowMs;
    if (tooSoon || nowMs - this.unneededSinceMs < this.options.scaleDownUnneededTimeMs) return current;
    this.unneededSinceMs = null;
    return Math.max(minNodes, current - removable);
  }

  /**
   * How many nodes are unneeded now: the empty ones (up to maxEmptyBulkDelete),
   * else one when the least loaded node is under the threshold and its pods
   * fit on the others; 0 when none is.
   */
  private removableNodes(nodeCount: number, pods: number, pod: PodShape, ctx: DecisionContext): number {
    const nodes = this.nodesOf(nodeCount);
    const placement = ctx.config.placement ?? this.scenario.cluster.placement;
    const spread = placement === 'spread';
    const usedNodes = spread ? Math.min(nodeCount, pods) : this.nodesHolding(pods, pod, nodeCount);
    const empty = nodeCount - usedNodes;
    if (empty > 0) return Math.min(empty, this.options.maxEmptyBulkDelete);
    if (this.capacity(nodes.slice(0, -1), pod) < pods) return 0;
    // The node the CA would judge: the least loaded one (the pool's last node stands for its shape).
    const onLightest = spread ? Math.floor(pods / nodeCount) : Math.max(0, pods - this.capacity(nodes.slice(0, -1), pod));
    const node = this.allocatable(nodes[nodes.length - 1]);
    const utilisation = Math.max((onLightest * pod.cpu) / node.vcpu, (onLightest * pod.memoryMb) / node.memoryMb);
    return utilisation < this.options.scaleDownUtilizationThreshold ? 1 : 0;
  }

  /** The fewest nodes (at most `maxNodes`) whose allocatable holds `pods` executor pods. */
  private nodesHolding(pods: number, pod: PodShape, maxNodes: number): number {
    for (let n = 1; n < maxNodes; n++) if (this.capacity(this.nodesOf(n), pod) >= pods) return n;
    return maxNodes;
  }

  /** The cluster with `count` nodes: the scenario's nodes first, then template nodes (as the simulator grows it). */
  private nodesOf(count: number): NodeShape[] {
    const cluster = this.scenario.cluster;
    const nodes: NodeShape[] = cluster.nodes.slice(0, count);
    while (nodes.length < count) nodes.push(cluster.nodeTemplate);
    return nodes;
  }

  private allocatable(node: NodeShape): NodeShape {
    const cluster = this.scenario.cluster;
    return { vcpu: node.vcpu - cluster.systemReservedCpu, memoryMb: node.memoryMb - cluster.systemReservedMemoryMb };
  }

  /** Executor pods of one shape that fit on the nodes. */
  private capacity(nodes: readonly NodeShape[], pod: PodShape): number {
    return nodes.reduce((sum, n) => {
      const free = this.allocatable(n);
      return sum + Math.max(0, Math.floor(Math.min(free.vcpu / pod.cpu + 1e-9, free.memoryMb / pod.memoryMb)));
    }, 0);
  }
}

function podShape(ctx: DecisionContext): PodShape {
  return {
    cpu: executorPodCpu(ctx.config.executorCores, ctx.config.cpuRequestRatio),
    memoryMb: executorPodMemoryMb(ctx.config),
  };
}
