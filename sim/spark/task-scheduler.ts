import type { RunSpec } from '../config.js';
import type { Simulation } from '../engine/simulation.js';
import type { Cluster } from '../k8s/cluster.js';
import type { Rng } from '../random.js';
import type { Deployment } from './deployment.js';
import type { ExecutorState } from './executor.js';
import type { ExecutorLifecycle } from './executor-lifecycle.js';
import type { JobQueue, TaskState } from './job-queue.js';
import { taskCost } from './latency.js';
import { PendingTasks } from './task-queue.js';

/** Task-end events carry id × TOKEN_SPAN + (attempt token mod TOKEN_SPAN); exact up to 1.4e14 tasks. */
const TOKEN_SPAN = 64;

/**
 * The driver's task scheduler: offers executors' free slots to pending
 * tasks, costs each attempt with the latency model, and handles its end — a
 * success, or a failure (OutOfMemoryError or an OOM-killed pod) that retries
 * the task until spark.task.maxFailures and takes the executor with it.
 */
export class TaskScheduler {
  readonly pending: PendingTasks;
  /** Tasks running in the whole cluster. */
  busySlots = 0;
  /** Executors with at least one running task, per node index (their background CPU loads the node). */
  private readonly activeExecutorsOnNode: number[] = [];
  taskFailures = 0;
  oomKills = 0;
  podOomKills = 0;
  private readonly kTaskEnd: number;

  constructor(
    private readonly sim: Simulation,
    private readonly cluster: Cluster,
    private readonly spec: RunSpec,
    private readonly deployment: Deployment,
    private readonly rngTasks: Rng,
    private readonly jobs: JobQueue,
    private readonly executors: ExecutorLifecycle,
    private readonly megapixelsPerFrame: number,
  ) {
    this.pending = new PendingTasks(sim);
    this.kTaskEnd = sim.register('task-end', (arg) => this.taskEnd(arg));
  }

  /** A job's tasks are ready: queue them and start what fits. */
  submit(tasks: readonly TaskState[]): void {
    for (const task of tasks) this.pending.push(task, false);
    this.dispatch();
  }

  /** Frees a running task's slot, or stops counting a waiting one (its job was aborted). */
  cancel(task: TaskState): void {
    if (task.state === 'running') this.releaseSlot(task, this.executors.all[task.executor]);
    this.pending.withdraw(task);
  }

  executorRegistered(executor: ExecutorState): void {
    this.activeExecutorsOnNode[executor.node] ??= 0;
    this.dispatch();
  }

  /** A running executor is gone: its running tasks go back to the retry queue. */
  requeueTasksOf(executor: ExecutorState): void {
    for (const taskId of executor.runningTasks) {
      const task = this.jobs.task(taskId)!;
      this.releaseSlot(task, executor);
      this.pending.push(task, true);
    }
    executor.runningTasks.clear();
    executor.freeSlots = 0;
  }

  /**
   * Offers free slots to queued tasks: the executor with the most free slots
   * first, ties to the lowest id. Tasks that start at the same instant are all
   * placed before any is costed, so they see the same node contention and the
   * same share of the storage bandwidth.
   */
  dispatch(): void {
    if (this.deployment.down) return;
    const started: TaskState[] = [];
    while (this.pending.size > 0) {
      let best: ExecutorState | undefined;
      for (const executor of this.executors.live) {
        if (executor.phase === 'running' && !executor.removing && !executor.decommissioning && executor.freeSlots > 0) {
          if (best === undefined || executor.freeSlots > best.freeSlots) best = executor;
        }
      }
      if (best === undefined) break;
      const task = this.pending.next();
      if (task === undefined) break;
      this.occupySlot(task, best);
      started.push(task);
    }
    for (const task of started) this.startTask(task, this.executors.all[task.executor]);
  }

  private occupySlot(task: TaskState, executor: ExecutorState): void {
    this.executors.account(executor);
    this.cluster.changeBusySlots(executor.node, +1);
    this.busySlots++;
    executor.freeSlots--;
    if (executor.runningTasks.size === 0) this.activeExecutorsOnNode[executor.node]++;
    executor.runningTasks.add(task.id);
    task.state = 'running';
    task.executor = executor.id;
  }

  private startTask(task: TaskState, executor: ExecutorState): void {
    const p = this.spec.profile.parameters;
    const config = this.deployment.config;
    const node = this.cluster.nodes[executor.node];
    const cost = taskCost(p, {
      partitionMegapixels: task.frames * this.megapixelsPerFrame,
      executorCores: executor.cores,
      executorMemoryMb: executor.memoryMb,
      memoryFraction: config.memoryFraction,
      serializer: config.serializer,
      nodeBusySlots: node.busySlots,
      nodeExecutors: this.activeExecutorsOnNode[executor.node],
      nodeVcpu: node.vcpu,
      clusterBusySlots: this.busySlots,
      remoteStorage: node.name !== this.spec.cluster.storageNode,
      podBusySlots: executor.cores - executor.freeSlots,
      podCpuLimit: executor.cpuLimit,
      podMemoryLimitMb: executor.podMemoryLimitMb,
      podWorkingSetMb: executor.baseWorkingSetMb + executor.pythonHeldMb,
      podHeapHeldMb: executor.memoryHeldMb,
    });
    task.attemptToken++;
    task.oom = cost.oom;
    task.podOom = cost.podOom;
    task.cpuMs = cost.cpuMs;
    task.memoryHeldMb = Math.min(cost.memoryNeedMb, cost.usableMemoryPerTaskMb);
    task.pythonMemoryMb = cost.pythonMemoryMb;
    this.executors.account(executor);
    executor.memoryHeldMb += task.memoryHeldMb;
    executor.pythonHeldMb += task.pythonMemoryMb;
    const durationMs = this.rngTasks.lognormal(cost.durationMs, p.taskJitterSigma);
    this.sim.schedule(durationMs, this.kTaskEnd, task.id * TOKEN_SPAN + (task.attemptToken % TOKEN_SPAN));
  }

  private releaseSlot(task: TaskState, executor: ExecutorState): void {
    this.executors.account(executor);
    this.cluster.changeBusySlots(executor.node, -1);
    this.busySlots--;
    executor.freeSlots++;
    executor.memoryHeldMb -= task.memoryHeldMb;
    executor.pythonHeldMb -= task.pythonMemoryMb;
    executor.runningTasks.delete(task.id);
    if (executor.runningTasks.size === 0) {
      executor.idleSinceMs = this.sim.nowMs;
      this.activeExecutorsOnNode[executor.node]--;
    }
  }

  private taskEnd(arg: number): void {
    const taskId = Math.floor(arg / TOKEN_SPAN);
    const token = arg % TOKEN_SPAN;
    const task = this.jobs.task(taskId);
    if (task === undefined || task.state !== 'running' || task.attemptToken % TOKEN_SPAN !== token) return;
    const executor = this.executors.all[task.executor];
    this.releaseSlot(task, executor);
    executor.tasksRun++;
    executor.cpuUsedMs += task.cpuMs;
    if (task.oom || task.podOom) {
      task.attempts++;
      executor.tasksFailed++;
      this.taskFailures++;
      // The JVM dies of OutOfMemoryError, or the kernel OOM-kills the
      // container whose working set outgrew its limit (Kubernetes: OOMKilled);
      // either way the pod goes and the executor is lost.
      if (task.oom) this.oomKills++;
      else this.podOomKills++;
      task.state = 'queued';
      if (task.attempts >= this.deployment.config.taskMaxFailures) this.jobs.abort(task.job);
      else this.pending.push(task, true);
      this.cluster.killPod(executor.podId, 'oom');
      this.executors.retireDrained();
      this.dispatch();
      return;
    }
    this.jobs.taskSucceeded(task);
    this.executors.retireDrained();
    this.dispatch();
  }

  resetIntegrals(): void {
    this.pending.resetIntegral();
    this.taskFailures = 0;
    this.oomKills = 0;
    this.podOomKills = 0;
  }
}
