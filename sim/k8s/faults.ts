import type { FailureSpec } from '../config.js';
import type { Simulation } from '../engine/simulation.js';
import type { Rng } from '../random.js';
import type { Cluster } from './cluster.js';

const FAILURE_TOKEN_SPAN = 1024;

/**
 * Fault injection on the cluster: faults at fixed times (node down, node up,
 * a pod kill), and random ones — each Ready node fails after an exponential
 * time with mean nodeMtbfMs and rejoins nodeRepairMs later; each Running pod
 * is killed after an exponential time with mean podMtbfMs.
 */
export class FaultInjector {
  /** Bumped when a random failure is scheduled, per node; an older pending failure event is ignored. */
  private readonly failureTokens: number[] = [];
  private readonly kNodeFail: number;
  private readonly kNodeRepair: number;
  private readonly kScheduledFault: number;
  private readonly kPodKill: number;

  constructor(
    private readonly sim: Simulation,
    private readonly cluster: Cluster,
    private readonly failures: FailureSpec,
    private readonly rng: Rng,
  ) {
    this.kNodeFail = sim.register('node-fail', (arg) => this.randomNodeFailure(arg));
    this.kNodeRepair = sim.register('node-repair', (i) => cluster.repairNode(i));
    this.kScheduledFault = sim.register('scheduled-fault', (i) => this.scheduledFault(i));
    this.kPodKill = sim.register('pod-kill', (id) => cluster.killPod(id, 'killed'));
    failures.scheduled.forEach((fault, i) => sim.scheduleAt(fault.atMs, this.kScheduledFault, i));
    for (const node of cluster.nodes) if (node.ready) this.scheduleRandomFailure(node.index);
    cluster.subscribe({
      onNodeReady: (index) => this.scheduleRandomFailure(index),
      onPodRunning: (podId) => this.scheduleRandomPodKill(podId),
    });
  }

  private scheduledFault(i: number): void {
    const fault = this.failures.scheduled[i];
    if (fault.kind === 'pod-kill') {
      // The target counts Running pods in creation order, as `kubectl get pods` lists them.
      const running = this.cluster.pods.filter((p) => p.phase === 'Running');
      const victim = running[Number(fault.target)];
      if (victim !== undefined) this.cluster.killPod(victim.id, 'killed');
      return;
    }
    const node = this.cluster.nodes.find((n) => n.name === fault.target);
    if (node === undefined) throw new RangeError(`scheduled fault ${i}: no node named '${fault.target}'`);
    if (fault.kind === 'node-down') this.cluster.failNode(node.index);
    else this.cluster.repairNode(node.index);
  }

  /** One pending random failure per node at most: a new chain replaces the old one. */
  private scheduleRandomFailure(index: number): void {
    const mtbf = this.failures.nodeMtbfMs;
    if (mtbf <= 0) return;
    const token = (this.failureTokens[index] ?? 0) + 1;
    this.failureTokens[index] = token;
    this.sim.schedule(this.rng.exponential(mtbf), this.kNodeFail, index * FAILURE_TOKEN_SPAN + (token % FAILURE_TOKEN_SPAN));
  }

  private randomNodeFailure(arg: number): void {
    const index = Math.floor(arg / FAILURE_TOKEN_SPAN);
    const node = this.cluster.nodes[index];
    if ((this.failureTokens[index] ?? 0) % FAILURE_TOKEN_SPAN !== arg % FAILURE_TOKEN_SPAN) return;
    if (node.ready) {
      this.cluster.failNode(index);
      this.sim.schedule(this.failures.nodeRepairMs, this.kNodeRepair, index);
    } else if (node.leased) {
      // A node that is already down (a scheduled outage) fails again only after it is back.
      this.scheduleRandomFailure(index);
    }
  }

  private scheduleRandomPodKill(podId: number): void {
    const mtbf = this.failures.podMtbfMs;
    if (mtbf > 0) this.sim.schedule(this.rng.exponential(mtbf), this.kPodKill, podId);
  }
}
