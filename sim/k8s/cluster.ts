import { PLACEMENT_POLICIES, type ClusterSpec, type NodeSpec, type PlacementPolicy } from '../config.js';
import type { ProfileParameters } from '../profile.js';
import type { Simulation } from '../engine/simulation.js';
import type { Rng } from '../random.js';
import { chooseNode } from './placement.js';

export type PodPhase = 'Pending' | 'Starting' | 'Running' | 'Terminated';
export type PodEndReason = 'deleted' | 'node-failure' | 'node-removed' | 'oom' | 'killed';

export interface NodeState {
  index: number;
  name: string;
  vcpu: number;
  memoryMb: number;
  allocatableCpu: number;
  allocatableMemoryMb: number;
  requestedCpu: number;
  requestedMemoryMb: number;
  peakRequestedMemoryMb: number;
  costPerHour: number;
  /** Provisioned and not failed: pods may be bound. */
  ready: boolean;
  /** Requested and not yet provisioned (never Ready so far). */
  provisioning: boolean;
  /** Cordoned for a drain: no new pods are bound, those on it may finish. */
  cordoned: boolean;
  /** Leased (costs money) — from the provisioning request until removal. */
  leased: boolean;
  /** When the executor image is (or will be) on the node; Infinity before any pull started. */
  imageReadyAtMs: number;
  /** Tasks running on the node now (kept by the Spark model). */
  busySlots: number;
  pods: Set<number>;
  // Time integrals since the last metrics reset.
  lastChangeMs: number;
  upMs: number;
  busySlotMs: number;
  requestedMemoryMbMs: number;
  leasedMs: number;
}

export interface PodState {
  id: number;
  cpu: number;
  memoryMb: number;
  phase: PodPhase;
  node: number;
  createdMs: number;
  /** The placement policy in force when the pod was created (its pod template's affinity). */
  placement: PlacementPolicy;
}

/**
 * What the cluster tells those who subscribe (the Spark application, a node
 * autoscaler, a test's recorder); each callback is optional.
 */
export interface ClusterListener {
  /** The pod is Running (for an executor: it registers with the driver). */
  onPodRunning?(podId: number): void;
  /** The pod ended (deleted, killed, or with its node); what it held is free again. */
  onPodEnded?(podId: number, reason: PodEndReason): void;
  /** The node can take pods: provisioned, or back after a failure. */
  onNodeReady?(nodeIndex: number): void;
  /**
   * The node is cordoned for removal: its pods should leave (a Spark executor
   * decommissions: no new tasks, running ones finish, then its pod ends).
   */
  onNodeDraining?(nodeIndex: number): void;
  /** The node failed; its pods ended (reason 'node-failure') just before. */
  onNodeFailed?(nodeIndex: number): void;
  /** The node left the cluster and its lease ended; its pods ended (reason 'node-removed') just before. */
  onNodeRemoved?(nodeIndex: number): void;
}

/**
 * Kubernetes as the Spark application sees it: nodes with allocatable CPU and
 * memory, pods that request both, a scheduler that binds Pending pods (FIFO,
 * by each pod's placement policy: placement.ts), pod start-up latency, nodes
 * that are provisioned, fail, come back, are drained and are removed. Those
 * who care subscribe to its notifications.
 */
export class Cluster {
  readonly nodes: NodeState[] = [];
  readonly pods: PodState[] = [];
  private readonly pending: number[] = [];
  private pendingSinceMs = 0;
  pendingPodMs = 0;
  nodeFailures = 0;
  private placementPolicy: PlacementPolicy;
  private readonly rngStartup: Rng;
  private readonly listeners: ClusterListener[] = [];
  /** Notifications not yet delivered: one raised by a listener's callback waits until the current one reached everyone. */
  private readonly outbox: ((listener: ClusterListener) => void)[] = [];
  private delivering = false;
  private readonly kBound: number;
  private readonly kStarted: number;
  private readonly kProvisioned: number;

  constructor(
    private readonly sim: Simulation,
    private readonly spec: ClusterSpec,
    private readonly profile: ProfileParameters,
    rng: Rng,
  ) {
    this.placementPolicy = spec.placement;
    this.rngStartup = rng.split('startup');
    this.kBound = sim.register('pod-bound', (id) => this.podBound(id));
    this.kStarted = sim.register('pod-started', (id) => this.podStarted(id));
    this.kProvisioned = sim.register('node-provisioned', (i) => this.nodeProvisioned(i));
    for (const node of spec.nodes) this.addNodeState(node, true);
  }

  /**
   * Adds a listener (SimPy's callback list): every listener sees every
   * notification, in subscription order, and all listeners see notifications
   * in the same order, even those raised from inside a callback. Returns the
   * function that unsubscribes it.
   */
  subscribe(listener: ClusterListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  private emit(notify: (listener: ClusterListener) => void): void {
    this.outbox.push(notify);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.outbox.length; i++) {
        // Over a copy: a callback may unsubscribe.
        for (const listener of [...this.listeners]) this.outbox[i](listener);
      }
    } finally {
      this.outbox.length = 0;
      this.delivering = false;
    }
  }

  /** The placement policy pods created from now on get. */
  get placement(): PlacementPolicy {
    return this.placementPolicy;
  }

  /** Changes the placement of pods created from now on; pods already created keep theirs (as with a new pod template). */
  setPlacement(policy: PlacementPolicy): void {
    if (!PLACEMENT_POLICIES.includes(policy)) {
      throw new RangeError(`expected a placement policy, one of ${PLACEMENT_POLICIES.join(', ')}, got ${JSON.stringify(policy)}`);
    }
    this.placementPolicy = policy;
  }

  get pendingPods(): number {
    return this.pending.length;
  }

  /**
   * Creates a pod. With `warm`, a pod that fits is bound and Running at once
   * (the steady state before a measurement window); otherwise it waits for the
   * scheduler and its start-up. Returns the pod id.
   */
  createPod(request: { cpu: number; memoryMb: number; warm?: boolean }): number {
    const pod: PodState = {
      id: this.pods.length,
      cpu: request.cpu,
      memoryMb: request.memoryMb,
      phase: 'Pending',
      node: -1,
      createdMs: this.sim.nowMs,
      placement: this.placementPolicy,
    };
    this.pods.push(pod);
    if (request.warm) {
      const node = chooseNode(this.nodes, pod, this.spec.storageNode);
      if (node >= 0) {
        this.bind(pod, node);
        this.nodes[node].imageReadyAtMs = Math.min(this.nodes[node].imageReadyAtMs, this.sim.nowMs);
        pod.phase = 'Running';
        this.emit((l) => l.onPodRunning?.(pod.id));
        return pod.id;
      }
    }
    this.accountPending();
    this.pending.push(pod.id);
    this.trySchedule();
    return pod.id;
  }

  /** Deletes a pod (any phase) and frees what it held. */
  deletePod(podId: number): void {
    this.endPod(podId, 'deleted');
  }

  /** Kills a running or starting pod, e.g. an executor's JVM dying of OutOfMemoryError. */
  killPod(podId: number, reason: PodEndReason): void {
    const pod = this.pods[podId];
    if (pod === undefined || pod.phase === 'Terminated' || pod.phase === 'Pending') return;
    this.endPod(podId, reason);
  }

  /** Requests a new VM from the template; it joins after a provisioning delay. Returns its index. */
  addNode(template: Omit<NodeSpec, 'name'> = this.spec.nodeTemplate): number {
    if (this.nodes.filter((n) => n.leased).length >= this.spec.maxNodes) {
      throw new RangeError(`cannot add a node: the cluster already has maxNodes = ${this.spec.maxNodes}`);
    }
    let k = this.nodes.length + 1;
    while (this.nodes.some((n) => n.name === `node-${k}`)) k++;
    const index = this.addNodeState({ ...template, name: `node-${k}` }, false);
    this.nodes[index].provisioning = true;
    // A fixed boot delay when the spec gives one, else the profile's spread of VM boots.
    const delay = this.spec.nodeProvisioningMs ?? this.rngStartup.lognormal(this.profile.nodeProvisionMedianMs, this.profile.nodeProvisionSigma);
    this.sim.schedule(delay, this.kProvisioned, index);
    return index;
  }

  /**
   * Cordons a leased node and asks its pods to leave (kubectl drain, with the
   * pods' owners told through onNodeDraining). The node stays leased until
   * removeNode.
   */
  drainNode(index: number): void {
    const node = this.nodes[index];
    if (node === undefined || !node.leased) throw new RangeError(`cannot drain node ${index}: no such leased node`);
    if (node.cordoned) return;
    node.cordoned = true;
    this.emit((l) => l.onNodeDraining?.(index));
  }

  /** Takes a cordon off: the node takes new pods again (kubectl uncordon). */
  uncordonNode(index: number): void {
    const node = this.nodes[index];
    if (node === undefined || !node.leased) throw new RangeError(`cannot uncordon node ${index}: no such leased node`);
    if (!node.cordoned) return;
    node.cordoned = false;
    this.trySchedule();
  }

  /** Drains and releases a node: its pods end, and it stops costing money. */
  removeNode(name: string): void {
    const node = this.nodes.find((n) => n.name === name && n.leased);
    if (node === undefined) throw new RangeError(`cannot remove node '${name}': no such leased node`);
    this.accountNode(node);
    node.ready = false;
    node.leased = false;
    node.provisioning = false;
    for (const podId of [...node.pods]) this.endPod(podId, 'node-removed');
    this.emit((l) => l.onNodeRemoved?.(node.index));
  }

  /** Brings up time integrals to now (call before reading or resetting them). */
  flush(): void {
    for (const node of this.nodes) this.accountNode(node);
    this.accountPending();
  }

  resetIntegrals(): void {
    this.flush();
    this.pendingPodMs = 0;
    this.nodeFailures = 0;
    for (const node of this.nodes) {
      node.upMs = 0;
      node.busySlotMs = 0;
      node.requestedMemoryMbMs = 0;
      node.leasedMs = 0;
      node.peakRequestedMemoryMb = node.requestedMemoryMb;
    }
  }

  /** The Spark model calls this around every task start and end. */
  changeBusySlots(nodeIndex: number, delta: number): void {
    const node = this.nodes[nodeIndex];
    this.accountNode(node);
    node.busySlots += delta;
  }

  /** The node fails: it takes no pods, and those on it end. It stays down until repairNode. */
  failNode(index: number): void {
    const node = this.nodes[index];
    if (!node.ready) return;
    this.accountNode(node);
    node.ready = false;
    this.nodeFailures++;
    for (const podId of [...node.pods]) this.endPod(podId, 'node-failure');
    this.emit((l) => l.onNodeFailed?.(index));
  }

  repairNode(index: number): void {
    const node = this.nodes[index];
    if (node.ready || !node.leased) return;
    this.accountNode(node);
    node.ready = true;
    this.emit((l) => l.onNodeReady?.(index));
    this.trySchedule();
  }

  private addNodeState(spec: NodeSpec, ready: boolean): number {
    const index = this.nodes.length;
    this.nodes.push({
      index,
      name: spec.name,
      vcpu: spec.vcpu,
      memoryMb: spec.memoryMb,
      allocatableCpu: spec.vcpu - this.spec.systemReservedCpu,
      allocatableMemoryMb: spec.memoryMb - this.spec.systemReservedMemoryMb,
      requestedCpu: 0,
      requestedMemoryMb: 0,
      peakRequestedMemoryMb: 0,
      costPerHour: spec.costPerHour,
      ready,
      provisioning: false,
      cordoned: false,
      leased: true,
      imageReadyAtMs: Infinity,
      busySlots: 0,
      pods: new Set(),
      lastChangeMs: this.sim.nowMs,
      upMs: 0,
      busySlotMs: 0,
      requestedMemoryMbMs: 0,
      leasedMs: 0,
    });
    return index;
  }

  private nodeProvisioned(index: number): void {
    const node = this.nodes[index];
    if (!node.leased) return;
    this.accountNode(node);
    node.ready = true;
    node.provisioning = false;
    this.emit((l) => l.onNodeReady?.(index));
    this.trySchedule();
  }

  private bind(pod: PodState, nodeIndex: number): void {
    const node = this.nodes[nodeIndex];
    this.accountNode(node);
    pod.node = nodeIndex;
    pod.phase = 'Starting';
    node.requestedCpu += pod.cpu;
    node.requestedMemoryMb += pod.memoryMb;
    if (node.requestedMemoryMb > node.peakRequestedMemoryMb) node.peakRequestedMemoryMb = node.requestedMemoryMb;
    node.pods.add(pod.id);
  }

  private trySchedule(): void {
    if (this.pending.length === 0) return;
    this.accountPending();
    let kept = 0;
    for (let i = 0; i < this.pending.length; i++) {
      const pod = this.pods[this.pending[i]];
      const node = chooseNode(this.nodes, pod, this.spec.storageNode);
      if (node < 0) {
        this.pending[kept++] = pod.id;
        continue;
      }
      this.bind(pod, node);
      this.sim.schedule(this.profile.podSchedulingMs, this.kBound, pod.id);
    }
    this.pending.length = kept;
  }

  private podBound(podId: number): void {
    const pod = this.pods[podId];
    if (pod.phase !== 'Starting') return;
    const node = this.nodes[pod.node];
    const p = this.profile;
    // One pull per node: pods bound while it runs wait for the same pull.
    if (node.imageReadyAtMs === Infinity) {
      node.imageReadyAtMs = this.sim.nowMs + this.rngStartup.lognormal(p.imagePullMedianMs, p.startupSigma);
    }
    let startupMs = Math.max(0, node.imageReadyAtMs - this.sim.nowMs);
    startupMs += this.rngStartup.lognormal(p.containerStartMedianMs, p.startupSigma);
    startupMs += this.rngStartup.lognormal(p.jvmStartMedianMs, p.startupSigma);
    this.sim.schedule(startupMs, this.kStarted, podId);
  }

  private podStarted(podId: number): void {
    const pod = this.pods[podId];
    if (pod.phase !== 'Starting') return;
    pod.phase = 'Running';
    this.emit((l) => l.onPodRunning?.(podId));
  }

  private endPod(podId: number, reason: PodEndReason): void {
    const pod = this.pods[podId];
    if (pod === undefined || pod.phase === 'Terminated') return;
    const wasPending = pod.phase === 'Pending';
    if (wasPending) {
      this.accountPending();
      const at = this.pending.indexOf(podId);
      if (at >= 0) this.pending.splice(at, 1);
    } else {
      const node = this.nodes[pod.node];
      this.accountNode(node);
      node.requestedCpu -= pod.cpu;
      node.requestedMemoryMb -= pod.memoryMb;
      node.pods.delete(podId);
    }
    pod.phase = 'Terminated';
    this.emit((l) => l.onPodEnded?.(podId, reason));
    if (!wasPending) this.trySchedule();
  }

  private accountNode(node: NodeState): void {
    const dt = this.sim.nowMs - node.lastChangeMs;
    if (dt > 0) {
      if (node.ready) {
        node.upMs += dt;
        node.busySlotMs += Math.min(node.busySlots, node.vcpu) * dt;
        node.requestedMemoryMbMs += node.requestedMemoryMb * dt;
      }
      if (node.leased) node.leasedMs += dt;
    }
    node.lastChangeMs = this.sim.nowMs;
  }

  private accountPending(): void {
    const dt = this.sim.nowMs - this.pendingSinceMs;
    if (dt > 0) this.pendingPodMs += this.pending.length * dt;
    this.pendingSinceMs = this.sim.nowMs;
  }
}
