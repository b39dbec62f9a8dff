import type { Simulation } from '../engine/simulation.js';
import type { Cluster, PodEndReason } from '../k8s/cluster.js';
import type { ProfileParameters } from '../profile.js';
import type { Deployment } from './deployment.js';
import { accountExecutor, newExecutor, resetExecutorIntegrals, type ExecutorState } from './executor.js';
import { usableMemoryPerTaskMb } from './latency.js';

/** What the executor lifecycle tells the task scheduler. */
export interface ExecutorEvents {
  /** The executor registered with the driver: its slots are free. */
  registered(executor: ExecutorState): void;
  /** A running executor is gone: the tasks it ran go back to the queue. */
  stopped(executor: ExecutorState): void;
  /** The executor set changed: free slots may be offered again. */
  changed(): void;
}

/**
 * Spark on Kubernetes' executor lifecycle: executor pods requested from the
 * cluster, registered when Running, lost with their pod (OOM kill, node
 * failure, a kill) and replaced to keep the target count, removed when the
 * target falls (pending requests first, then idle executors), and
 * decommissioned when their node is drained (spark.decommission.enabled: no
 * new tasks, running ones finish, then the executor leaves and is replaced).
 */
export class ExecutorLifecycle {
  /** Every executor ever requested, by id (the reports need the gone ones too). */
  readonly all: ExecutorState[] = [];
  /**
   * The executors not gone, in id order: what scheduling and scaling look at,
   * so that their cost does not grow with every executor ever replaced.
   */
  readonly live: ExecutorState[] = [];
  private readonly podToExecutor = new Map<number, number>();
  /** Executors the application wants (spark.executor.instances, or dynamic allocation's target). */
  target: number;
  executorLosses = 0;
  /** Executors decommissioning now (0 in a run whose nodes are never drained). */
  private decommissioning = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly cluster: Cluster,
    private readonly deployment: Deployment,
    private readonly parameters: ProfileParameters,
    private readonly events: ExecutorEvents,
    target: number,
  ) {
    this.target = target;
    cluster.subscribe({
      onPodRunning: (podId) => this.registered(podId),
      onPodEnded: (podId, reason) => this.podEnded(podId, reason),
      onNodeDraining: (nodeIndex) => this.decommissionNode(nodeIndex),
    });
  }

  /** Requests one executor of the current configuration's shape; with `warm`, it is Running at once if it fits. */
  request(warm = false): void {
    const executor = newExecutor(this.all.length, this.deployment.config, this.parameters, this.sim.nowMs);
    this.all.push(executor);
    this.live.push(executor);
    // Register the pod mapping before createPod: a warm pod reports Running synchronously.
    const podId = this.cluster.pods.length;
    executor.podId = podId;
    this.podToExecutor.set(podId, executor.id);
    this.cluster.createPod({ cpu: executor.cpuRequest, memoryMb: executor.podMemoryLimitMb, warm });
  }

  /** Removes an executor and deletes its pod; with `gracefulOnly`, only if it runs no task. */
  remove(executor: ExecutorState, gracefulOnly: boolean): boolean {
    if (gracefulOnly && executor.runningTasks.size > 0) return false;
    executor.removing = true;
    this.gone(executor);
    this.cluster.deletePod(executor.podId);
    return true;
  }

  /** Brings live + requested executors to the target: requests more, or removes idle ones first. */
  reconcile(): void {
    if (this.deployment.down) return;
    const alive = [...this.live];
    if (alive.length < this.target) {
      for (let i = alive.length; i < this.target; i++) this.request();
    } else if (alive.length > this.target) {
      // Decommissioning executors first, then pending requests, then idle executors, then the least busy.
      const order = [...alive].sort(
        (a, b) =>
          Number(b.decommissioning) - Number(a.decommissioning) ||
          Number(a.phase === 'running') - Number(b.phase === 'running') ||
          a.runningTasks.size - b.runningTasks.size ||
          b.id - a.id,
      );
      for (let i = 0; i < alive.length - this.target; i++) this.remove(order[i], false);
    }
    this.events.changed();
  }

  /** Removes every executor (a redeploy). */
  removeAll(): void {
    // Over a copy: removing an executor takes it out of `live`.
    for (const executor of [...this.live]) this.remove(executor, false);
  }

  /**
   * Decommissioning executors that no longer run a task leave, and the target
   * count is restored elsewhere (the task scheduler calls this after a task ends).
   */
  retireDrained(): void {
    if (this.decommissioning === 0) return;
    let retired = false;
    for (const executor of [...this.live]) {
      if (executor.decommissioning && executor.runningTasks.size === 0) {
        this.remove(executor, false);
        retired = true;
      }
    }
    if (retired) this.reconcile();
  }

  account(executor: ExecutorState): void {
    accountExecutor(executor, this.sim.nowMs, this.parameters);
  }

  /** Time integrals of every executor up to now. */
  flush(): void {
    for (const executor of this.all) this.account(executor);
  }

  resetIntegrals(): void {
    for (const executor of this.all) resetExecutorIntegrals(executor);
    this.executorLosses = 0;
  }

  private registered(podId: number): void {
    const executor = this.all[this.podToExecutor.get(podId) ?? -1];
    if (executor === undefined || executor.phase !== 'requested') return;
    executor.phase = 'running';
    executor.node = this.cluster.pods[podId].node;
    executor.freeSlots = executor.cores;
    const config = this.deployment.config;
    executor.usableMemoryMb = usableMemoryPerTaskMb(this.parameters, executor.memoryMb, config.memoryFraction, executor.cores) * executor.cores;
    executor.lastChangeMs = this.sim.nowMs;
    executor.idleSinceMs = this.sim.nowMs;
    this.events.registered(executor);
  }

  /** The node is drained: its executors decommission; requests bound there go back to the cluster as new ones. */
  private decommissionNode(nodeIndex: number): void {
    for (const executor of this.live) {
      const onNode = executor.phase === 'running' ? executor.node === nodeIndex : this.cluster.pods[executor.podId].node === nodeIndex;
      if (onNode && !executor.decommissioning) {
        executor.decommissioning = true;
        this.decommissioning++;
      }
    }
    this.retireDrained();
  }

  private podEnded(podId: number, reason: PodEndReason): void {
    const executor = this.all[this.podToExecutor.get(podId) ?? -1];
    if (executor === undefined || executor.phase === 'gone') return;
    const wanted = !executor.removing;
    this.gone(executor);
    if (wanted && reason !== 'deleted') {
      this.executorLosses++;
      // Spark on Kubernetes replaces lost executors to keep the requested count.
      this.reconcile();
    }
  }

  /** Marks an executor gone; the scheduler re-queues its running tasks (not counted as the tasks' failures). */
  private gone(executor: ExecutorState): void {
    this.account(executor);
    const wasRunning = executor.phase === 'running';
    if (executor.phase !== 'gone') this.live.splice(this.live.indexOf(executor), 1);
    if (executor.phase !== 'gone' && executor.decommissioning) this.decommissioning--;
    executor.phase = 'gone';
    if (wasRunning) this.events.stopped(executor);
  }
}
