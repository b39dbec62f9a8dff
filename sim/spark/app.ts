import type { RunSpec, SparkConfig } from '../config.js';
import type { Simulation } from '../engine/simulation.js';
import type { Cluster, PodEndReason } from '../k8s/cluster.js';
import type { Rng } from '../random.js';
import type { Batch } from '../workload/batcher.js';
import type { FrameMetrics } from '../metrics/frame-metrics.js';
import { ALLOCATION_INTERVAL_MS, executorPodCpu, executorPodMemoryMb } from './constants.js';
import { taskCost, usableMemoryPerTaskMb } from './latency.js';

type ExecutorPhase = 'requested' | 'running' | 'gone';

export interface ExecutorState {
  id: number;
  podId: number;
  cores: number;
  memoryMb: number;
  phase: ExecutorPhase;
  freeSlots: number;
  node: number;
  runningTasks: Set<number>;
  /** Memory held by running tasks, capped per task at the usable share, MB. */
  memoryHeldMb: number;
  usableMemoryMb: number;
  /** Python-worker memory held by running tasks (their decoded frames), MB. */
  pythonHeldMb: number;
  /** The pod's working set outside the heap with no task running: JVM non-heap and one idle Python worker per core, MB. */
  baseWorkingSetMb: number;
  /** The pod's memory limit (= request), MB. */
  podMemoryLimitMb: number;
  /** The pod's CPU request and limit (0 = none), vCPU. */
  cpuRequest: number;
  cpuLimit: number;
  idleSinceMs: number;
  removing: boolean;
  // Time integrals since the last metrics reset.
  lastChangeMs: number;
  registeredMs: number;
  busySlotMs: number;
  memoryHeldMbMs: number;
  /** CPU time used (tasks' CPU plus the executor's background threads), ms. */
  cpuUsedMs: number;
  /** Integral of the pod's working set, MB·ms. */
  workingSetMbMs: number;
  tasksRun: number;
  tasksFailed: number;
}

interface TaskState {
  id: number;
  job: JobState;
  frames: number;
  attempts: number;
  /** Bumped at each start so that a stale end event is recognised. */
  attemptToken: number;
  executor: number;
  state: 'queued' | 'running' | 'done' | 'cancelled';
  memoryHeldMb: number;
  pythonMemoryMb: number;
  /** CPU time the running attempt will have used when it ends, ms. */
  cpuMs: number;
  /** The running attempt fails: OutOfMemoryError in the JVM, or the pod OOM-killed. */
  oom: boolean;
  podOom: boolean;
  /** In taskQueue or retryQueue (a cancelled task may still sit there; it no longer counts). */
  inQueue: boolean;
}

interface JobState {
  batch: Batch;
  tasks: TaskState[];
  remaining: number;
  aborted: boolean;
}

/** Task-end events carry id × TOKEN_SPAN + (attempt token mod TOKEN_SPAN); exact up to 1.4e14 tasks. */
const TOKEN_SPAN = 64;

/**
 * The Spark application: a driver that runs micro-batch jobs (up to
 * concurrentJobs at once, FIFO), executors whose cores are task slots, FIFO
 * task scheduling with retries, executor loss and replacement, optional
 * dynamic allocation, and reconfiguration (a redeploy when cores or memory
 * change). It runs on the Cluster, which owns pods and nodes.
 */
export class SparkApp {
  /** Every executor ever requested, by id (the reports need the gone ones too). */
  readonly executors: ExecutorState[] = [];
  /**
   * The executors not gone, in id order: what scheduling and scaling look at,
   * so that their cost does not grow with every executor ever replaced.
   */
  private readonly liveExecutors: ExecutorState[] = [];
  private readonly podToExecutor = new Map<number, number>();
  private readonly jobQueue: JobState[] = [];
  private runningJobs = 0;
  private readonly retryQueue: TaskState[] = [];
  private readonly taskQueue: TaskState[] = [];
  private taskQueueHead = 0;
  /** Tasks not yet done or cancelled, by id; finished ones are let go so memory stays flat. */
  private readonly liveTasks = new Map<number, TaskState>();
  private nextTaskId = 0;
  private queuedTasks = 0;
  /** Integral of queuedTasks since the last reset, task·ms, and when it was last brought up to date. */
  private queuedTaskMs = 0;
  private queuedAccountedMs = 0;
  private clusterBusySlots = 0;
  /** Executors with at least one running task, per node index (their background CPU loads the node). */
  private readonly activeExecutorsOnNode: number[] = [];
  private config: SparkConfig;
  private deployedUntilMs = 0;
  taskFailures = 0;
  oomKills = 0;
  podOomKills = 0;
  executorLosses = 0;
  jobsAborted = 0;
  // Dynamic allocation state, after Spark's ExecutorAllocationManager.
  private targetExecutors: number;
  private addTimeMs = Infinity;
  private executorsToAdd = 1;
  private allocationTickPending = false;
  private readonly kJobReady: number;
  private readonly kTaskEnd: number;
  private readonly kDeployed: number;
  private readonly kAllocate: number;
  private readonly rngTasks: Rng;
  /** Called whenever a job ends (done or aborted): a stored-video workload cuts its next batch then. */
  onJobEnded: () => void = () => {};

  constructor(
    private readonly sim: Simulation,
    private readonly cluster: Cluster,
    private readonly spec: RunSpec,
    rng: Rng,
    private readonly metrics: FrameMetrics,
    private readonly megapixelsPerFrame: number,
  ) {
    this.config = spec.spark;
    this.rngTasks = rng.split('tasks');
    this.kJobReady = sim.register('job-tasks-ready', (i) => this.jobTasksReady(i));
    this.kTaskEnd = sim.register('task-end', (arg) => this.taskEnd(arg));
    this.kDeployed = sim.register('app-deployed', () => this.deployed());
    this.kAllocate = sim.register('allocation-tick', () => this.allocationTick());
    this.targetExecutors = this.initialTarget(this.config);
    cluster.setListener({
      onPodRunning: (podId) => this.executorRegistered(podId),
      onPodEnded: (podId, reason) => this.podEnded(podId, reason),
    });
  }

  get currentConfig(): SparkConfig {
    return this.config;
  }

  /** Requests the initial executors; with `warm`, those that fit are running at once. */
  start(warm: boolean): void {
    for (let i = 0; i < this.targetExecutors; i++) this.requestExecutor(warm);
    this.ensureAllocationTicks();
  }

  /** Spark's initial executor count: with dynamic allocation, instances clamped to [min, max]. */
  private initialTarget(config: SparkConfig): number {
    const da = config.dynamicAllocation;
    return da.enabled ? Math.min(da.maxExecutors, Math.max(da.minExecutors, config.executorInstances)) : config.executorInstances;
  }

  /** Starts the allocation manager's periodic tick when dynamic allocation is on and none is pending. */
  private ensureAllocationTicks(): void {
    if (this.config.dynamicAllocation.enabled && !this.allocationTickPending) {
      this.allocationTickPending = true;
      this.sim.schedule(ALLOCATION_INTERVAL_MS, this.kAllocate);
    }
  }

  /** A batch reaches the driver. */
  submitBatch(batch: Batch): void {
    const job: JobState = { batch, tasks: [], remaining: batch.partitionFrames.length, aborted: false };
    for (const frames of batch.partitionFrames) {
      const task: TaskState = {
        id: this.nextTaskId++,
        job,
        frames,
        attempts: 0,
        attemptToken: 0,
        executor: -1,
        state: 'queued',
        memoryHeldMb: 0,
        pythonMemoryMb: 0,
        cpuMs: 0,
        oom: false,
        podOom: false,
        inQueue: false,
      };
      this.liveTasks.set(task.id, task);
      job.tasks.push(task);
    }
    this.jobQueue.push(job);
    this.startJobs();
  }

  /** Tasks waiting for a slot. */
  get pendingTasks(): number {
    return this.queuedTasks;
  }

  private enqueue(task: TaskState, retry: boolean): void {
    task.state = 'queued';
    task.inQueue = true;
    this.accountQueue();
    this.queuedTasks++;
    (retry ? this.retryQueue : this.taskQueue).push(task);
  }

  get runningTasks(): number {
    return this.clusterBusySlots;
  }

  get queuedJobs(): number {
    return this.jobQueue.length;
  }

  /** Frames in batches that Spark has received but not finished (processed or dropped). */
  get framesInFlight(): number {
    let frames = 0;
    for (const task of this.liveTasks.values()) frames += task.frames;
    return frames;
  }

  /**
   * Applies a new configuration. Changing cores, memory or the serializer
   * means a redeploy: executors stop, the application is down for redeployMs,
   * then new executors start cold. Changing only the instance count scales in
   * place; batch-shape knobs apply from the next batch.
   */
  reconfigure(next: SparkConfig): void {
    const previous = this.config;
    this.config = next;
    const redeploy =
      next.executorCores !== previous.executorCores ||
      next.executorMemoryMb !== previous.executorMemoryMb ||
      next.serializer !== previous.serializer ||
      next.memoryFraction !== previous.memoryFraction ||
      next.cpuRequestRatio !== previous.cpuRequestRatio;
    if (redeploy) {
      // Over a copy: removing an executor takes it out of liveExecutors.
      for (const executor of [...this.liveExecutors]) this.removeExecutor(executor, false);
      this.deployedUntilMs = this.sim.nowMs + this.spec.profile.parameters.redeployMs;
      this.targetExecutors = this.initialTarget(next);
      this.sim.schedule(this.spec.profile.parameters.redeployMs, this.kDeployed);
      this.ensureAllocationTicks();
      return;
    }
    this.targetExecutors = this.initialTarget(next);
    this.ensureAllocationTicks();
    this.reconcileExecutors();
  }

  /** Time integrals of executors up to now. */
  flush(): void {
    for (const executor of this.executors) this.accountExecutor(executor);
    this.accountQueue();
  }

  /** Tasks waiting for a slot, time-weighted since the last reset (what Spark's dynamic allocation reacts to). */
  get pendingTaskMs(): number {
    return this.queuedTaskMs;
  }

  private accountQueue(): void {
    this.queuedTaskMs += this.queuedTasks * (this.sim.nowMs - this.queuedAccountedMs);
    this.queuedAccountedMs = this.sim.nowMs;
  }

  resetIntegrals(): void {
    this.flush();
    for (const executor of this.executors) {
      executor.registeredMs = 0;
      executor.busySlotMs = 0;
      executor.memoryHeldMbMs = 0;
      executor.cpuUsedMs = 0;
      executor.workingSetMbMs = 0;
      executor.tasksRun = 0;
      executor.tasksFailed = 0;
    }
    this.queuedTaskMs = 0;
    this.taskFailures = 0;
    this.oomKills = 0;
    this.podOomKills = 0;
    this.executorLosses = 0;
    this.jobsAborted = 0;
  }

  private deployed(): void {
    if (this.sim.nowMs < this.deployedUntilMs) return;
    this.reconcileExecutors();
    this.dispatch();
  }

  private requestExecutor(warm = false): void {
    const config = this.config;
    const p = this.spec.profile.parameters;
    const id = this.executors.length;
    const podMemoryLimitMb = executorPodMemoryMb(config.executorMemoryMb);
    const cpuRequest = executorPodCpu(config.executorCores, config.cpuRequestRatio);
    const executor: ExecutorState = {
      id,
      podId: -1,
      cores: config.executorCores,
      memoryMb: config.executorMemoryMb,
      phase: 'requested',
      freeSlots: 0,
      node: -1,
      runningTasks: new Set(),
      memoryHeldMb: 0,
      usableMemoryMb: 0,
      pythonHeldMb: 0,
      baseWorkingSetMb: p.jvmBaseRssMb + config.executorCores * p.pythonWorkerBaseMb,
      podMemoryLimitMb,
      cpuRequest,
      cpuLimit: config.cpuLimitRatio * config.executorCores,
      idleSinceMs: this.sim.nowMs,
      removing: false,
      lastChangeMs: this.sim.nowMs,
      registeredMs: 0,
      busySlotMs: 0,
      memoryHeldMbMs: 0,
      cpuUsedMs: 0,
      workingSetMbMs: 0,
      tasksRun: 0,
      tasksFailed: 0,
    };
    this.executors.push(executor);
    this.liveExecutors.push(executor);
    // Register the pod mapping before createPod: a warm pod reports Running synchronously.
    const podId = this.cluster.pods.length;
    executor.podId = podId;
    this.podToExecutor.set(podId, id);
    this.cluster.createPod({ cpu: cpuRequest, memoryMb: podMemoryLimitMb, warm });
  }

  private executorRegistered(podId: number): void {
    const executor = this.executors[this.podToExecutor.get(podId) ?? -1];
    if (executor === undefined || executor.phase !== 'requested') return;
    const p = this.spec.profile.parameters;
    executor.phase = 'running';
    executor.node = this.cluster.pods[podId].node;
    this.activeExecutorsOnNode[executor.node] ??= 0;
    executor.freeSlots = executor.cores;
    executor.usableMemoryMb = usableMemoryPerTaskMb(p, executor.memoryMb, this.config.memoryFraction, executor.cores) * executor.cores;
    executor.lastChangeMs = this.sim.nowMs;
    executor.idleSinceMs = this.sim.nowMs;
    this.dispatch();
  }

  private podEnded(podId: number, reason: PodEndReason): void {
    const executor = this.executors[this.podToExecutor.get(podId) ?? -1];
    if (executor === undefined || executor.phase === 'gone') return;
    const wanted = !executor.removing;
    this.executorGone(executor);
    if (wanted && reason !== 'deleted') {
      this.executorLosses++;
      // Spark on Kubernetes replaces lost executors to keep the requested count.
      this.reconcileExecutors();
    }
  }

  /** Marks an executor gone and re-queues its running tasks (not counted as the tasks' failures). */
  private executorGone(executor: ExecutorState): void {
    this.accountExecutor(executor);
    const wasRunning = executor.phase === 'running';
    if (executor.phase !== 'gone') this.liveExecutors.splice(this.liveExecutors.indexOf(executor), 1);
    executor.phase = 'gone';
    if (!wasRunning) return;
    for (const taskId of executor.runningTasks) {
      const task = this.liveTasks.get(taskId)!;
      this.releaseSlot(task, executor);
      this.enqueue(task, true);
    }
    executor.runningTasks.clear();
    executor.freeSlots = 0;
  }

  private removeExecutor(executor: ExecutorState, gracefulOnly: boolean): boolean {
    if (gracefulOnly && executor.runningTasks.size > 0) return false;
    executor.removing = true;
    this.executorGone(executor);
    this.cluster.deletePod(executor.podId);
    return true;
  }

  /** Brings live + requested executors to the target: requests more, or removes idle ones first. */
  private reconcileExecutors(): void {
    if (this.sim.nowMs < this.deployedUntilMs) return;
    const alive = [...this.liveExecutors];
    if (alive.length < this.targetExecutors) {
      for (let i = alive.length; i < this.targetExecutors; i++) this.requestExecutor();
    } else if (alive.length > this.targetExecutors) {
      // Pending requests first, then idle executors, then the least busy.
      const order = [...alive].sort(
        (a, b) =>
          Number(a.phase === 'running') - Number(b.phase === 'running') ||
          a.runningTasks.size - b.runningTasks.size ||
          b.id - a.id,
      );
      for (let i = 0; i < alive.length - this.targetExecutors; i++) this.removeExecutor(order[i], false);
    }
    this.dispatch();
  }

  private startJobs(): void {
    while (this.runningJobs < this.config.concurrentJobs && this.jobQueue.length > 0) {
      const job = this.jobQueue.shift()!;
      this.runningJobs++;
      this.sim.schedule(this.spec.profile.parameters.jobOverheadMs, this.kJobReady, job.tasks[0].id);
    }
  }

  private jobTasksReady(firstTaskId: number): void {
    const job = this.liveTasks.get(firstTaskId)?.job;
    if (job === undefined || job.aborted) return;
    for (const task of job.tasks) this.enqueue(task, false);
    this.dispatch();
  }

  private nextTask(): TaskState | undefined {
    while (this.retryQueue.length > 0) {
      const task = this.retryQueue.shift()!;
      if (this.dequeue(task)) return task;
    }
    while (this.taskQueueHead < this.taskQueue.length) {
      const task = this.taskQueue[this.taskQueueHead++];
      if (this.taskQueueHead > 1024 && this.taskQueueHead * 2 > this.taskQueue.length) {
        this.taskQueue.splice(0, this.taskQueueHead);
        this.taskQueueHead = 0;
      }
      if (this.dequeue(task)) return task;
    }
    return undefined;
  }

  /** Takes a task off a queue; false for a cancelled one left behind there. */
  private dequeue(task: TaskState): boolean {
    if (!task.inQueue) return false;
    task.inQueue = false;
    this.accountQueue();
    this.queuedTasks--;
    return task.state === 'queued';
  }

  /**
   * Offers free slots to queued tasks: the executor with the most free slots
   * first, ties to the lowest id. Tasks that start at the same instant are all
   * placed before any is costed, so they see the same node contention and the
   * same share of the storage bandwidth.
   */
  private dispatch(): void {
    if (this.sim.nowMs < this.deployedUntilMs) return;
    const started: TaskState[] = [];
    while (this.queuedTasks > 0) {
      let best: ExecutorState | undefined;
      for (const executor of this.liveExecutors) {
        if (executor.phase === 'running' && !executor.removing && executor.freeSlots > 0) {
          if (best === undefined || executor.freeSlots > best.freeSlots) best = executor;
        }
      }
      if (best === undefined) break;
      const task = this.nextTask();
      if (task === undefined) break;
      this.occupySlot(task, best);
      started.push(task);
    }
    for (const task of started) this.startTask(task, this.executors[task.executor]);
  }

  private occupySlot(task: TaskState, executor: ExecutorState): void {
    this.accountExecutor(executor);
    this.cluster.changeBusySlots(executor.node, +1);
    this.clusterBusySlots++;
    executor.freeSlots--;
    if (executor.runningTasks.size === 0) this.activeExecutorsOnNode[executor.node]++;
    executor.runningTasks.add(task.id);
    task.state = 'running';
    task.executor = executor.id;
  }

  private startTask(task: TaskState, executor: ExecutorState): void {
    const p = this.spec.profile.parameters;
    const node = this.cluster.nodes[executor.node];
    const cost = taskCost(p, {
      partitionMegapixels: task.frames * this.megapixelsPerFrame,
      executorCores: executor.cores,
      executorMemoryMb: executor.memoryMb,
      memoryFraction: this.config.memoryFraction,
      serializer: this.config.serializer,
      nodeBusySlots: node.busySlots,
      nodeExecutors: this.activeExecutorsOnNode[executor.node],
      nodeVcpu: node.vcpu,
      clusterBusySlots: this.clusterBusySlots,
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
    this.accountExecutor(executor);
    executor.memoryHeldMb += task.memoryHeldMb;
    executor.pythonHeldMb += task.pythonMemoryMb;
    const durationMs = this.rngTasks.lognormal(cost.durationMs, p.taskJitterSigma);
    this.sim.schedule(durationMs, this.kTaskEnd, task.id * TOKEN_SPAN + (task.attemptToken % TOKEN_SPAN));
  }

  private releaseSlot(task: TaskState, executor: ExecutorState): void {
    this.accountExecutor(executor);
    this.cluster.changeBusySlots(executor.node, -1);
    this.clusterBusySlots--;
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
    const task = this.liveTasks.get(taskId);
    if (task === undefined || task.state !== 'running' || task.attemptToken % TOKEN_SPAN !== token) return;
    const executor = this.executors[task.executor];
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
      if (task.attempts >= this.config.taskMaxFailures) this.abortJob(task.job);
      else this.enqueue(task, true);
      this.cluster.killPod(executor.podId, 'oom');
      this.dispatch();
      return;
    }
    task.state = 'done';
    this.liveTasks.delete(task.id);
    this.metrics.recordPartition(task.job.batch, task.frames, this.sim.nowMs);
    this.finishTaskOfJob(task.job);
    this.dispatch();
  }

  private finishTaskOfJob(job: JobState): void {
    job.remaining--;
    if (job.remaining === 0) {
      this.runningJobs--;
      this.startJobs();
      this.onJobEnded();
    }
  }

  /** Too many failures of one task: Spark aborts the job; its unfinished partitions are dropped. */
  private abortJob(job: JobState): void {
    if (job.aborted) return;
    job.aborted = true;
    this.jobsAborted++;
    for (const task of job.tasks) {
      if (task.state === 'running') this.releaseSlot(task, this.executors[task.executor]);
      if (task.state === 'running' || task.state === 'queued') {
        if (task.inQueue) {
          task.inQueue = false;
          this.accountQueue();
          this.queuedTasks--;
        }
        task.state = 'cancelled';
        this.liveTasks.delete(task.id);
        this.metrics.recordDropped(task.frames);
      }
    }
    job.remaining = 0;
    this.runningJobs--;
    this.startJobs();
    this.onJobEnded();
  }

  private allocationTick(): void {
    this.allocationTickPending = false;
    const da = this.config.dynamicAllocation;
    if (!da.enabled) return;
    const now = this.sim.nowMs;
    const cores = this.config.executorCores;
    const maxNeeded = Math.max(da.minExecutors, Math.min(da.maxExecutors, Math.ceil((this.pendingTasks + this.runningTasks) / cores)));
    if (this.targetExecutors > maxNeeded) {
      this.targetExecutors = maxNeeded;
      this.executorsToAdd = 1;
    } else if (this.pendingTasks > 0) {
      if (this.addTimeMs === Infinity) {
        this.addTimeMs = now + da.schedulerBacklogTimeoutMs;
      } else if (now >= this.addTimeMs) {
        const before = this.targetExecutors;
        this.targetExecutors = Math.min(maxNeeded, this.targetExecutors + this.executorsToAdd);
        this.executorsToAdd = this.targetExecutors - before === this.executorsToAdd ? this.executorsToAdd * 2 : 1;
        this.addTimeMs = now + da.sustainedBacklogTimeoutMs;
      }
    } else {
      this.addTimeMs = Infinity;
      this.executorsToAdd = 1;
    }
    // Pod requests beyond the target are withdrawn (Spark on Kubernetes deletes pending executor pods).
    for (const executor of [...this.liveExecutors].reverse()) {
      if (this.liveExecutors.length <= this.targetExecutors) break;
      if (executor.phase === 'requested') this.removeExecutor(executor, false);
    }
    // Idle executors past the timeout go, down to the minimum.
    let alive = this.liveExecutors.length;
    for (const executor of [...this.liveExecutors]) { // a copy, as removal takes executors out
      if (alive <= Math.max(da.minExecutors, this.targetExecutors)) break;
      if (executor.phase === 'running' && executor.runningTasks.size === 0 && now - executor.idleSinceMs >= da.executorIdleTimeoutMs) {
        this.removeExecutor(executor, true);
        alive--;
      }
    }
    if (this.sim.nowMs >= this.deployedUntilMs) {
      const requested = this.liveExecutors.length;
      for (let i = requested; i < this.targetExecutors; i++) this.requestExecutor();
    }
    this.dispatch();
    if (now + ALLOCATION_INTERVAL_MS <= this.spec.durationMs) this.ensureAllocationTicks();
  }

  /** The pod's working set now: JVM non-heap, resident heap, Python workers and their frames, MB. */
  private workingSetMb(executor: ExecutorState): number {
    const heapResidentMb = Math.max(this.spec.profile.parameters.jvmHeapResidentFraction * executor.memoryMb, executor.memoryHeldMb);
    // A pod never holds more than its limit: at the limit the kernel kills it.
    return Math.min(executor.podMemoryLimitMb, executor.baseWorkingSetMb + heapResidentMb + executor.pythonHeldMb);
  }

  private accountExecutor(executor: ExecutorState): void {
    const dt = this.sim.nowMs - executor.lastChangeMs;
    if (dt > 0 && executor.phase === 'running') {
      executor.registeredMs += dt;
      executor.busySlotMs += (executor.cores - executor.freeSlots) * dt;
      executor.memoryHeldMbMs += executor.memoryHeldMb * dt;
      // An executor's own threads work while it runs tasks (the PySpark pipe, GC, JIT); idle, they are nearly still.
      if (executor.runningTasks.size > 0) executor.cpuUsedMs += this.spec.profile.parameters.executorBackgroundCpu * dt;
      executor.workingSetMbMs += this.workingSetMb(executor) * dt;
    }
    executor.lastChangeMs = this.sim.nowMs;
  }
}
