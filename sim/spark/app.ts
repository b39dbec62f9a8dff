import type { RunSpec, SparkConfig } from '../config.js';
import type { Simulation } from '../engine/simulation.js';
import type { Cluster } from '../k8s/cluster.js';
import type { FrameMetrics } from '../metrics/frame-metrics.js';
import type { Rng } from '../random.js';
import type { Batch } from '../workload/batcher.js';
import { Deployment, initialExecutorTarget, needsRedeploy } from './deployment.js';
import { DynamicAllocation } from './dynamic-allocation.js';
import type { ExecutorState } from './executor.js';
import { ExecutorLifecycle } from './executor-lifecycle.js';
import { JobQueue } from './job-queue.js';
import { TaskScheduler } from './task-scheduler.js';

export type { ExecutorState } from './executor.js';

/**
 * The Spark application on the Cluster, which owns pods and nodes: the
 * driver's job queue, its task scheduler, the executor lifecycle and dynamic
 * allocation, composed here; and reconfiguration (a redeploy when cores or
 * memory change).
 */
export class SparkApp {
  private readonly deployment: Deployment;
  private readonly jobs: JobQueue;
  private readonly lifecycle: ExecutorLifecycle;
  private readonly scheduler: TaskScheduler;
  private readonly allocation: DynamicAllocation;
  private readonly kDeployed: number;

  constructor(
    private readonly sim: Simulation,
    cluster: Cluster,
    private readonly spec: RunSpec,
    rng: Rng,
    metrics: FrameMetrics,
    megapixelsPerFrame: number,
  ) {
    const rngTasks = rng.split('tasks');
    this.deployment = new Deployment(sim, spec.spark);
    // Event kinds are numbered in registration order and the trace hash covers
    // them: job-tasks-ready, task-end, app-deployed, allocation-tick.
    this.jobs = new JobQueue(sim, this.deployment, spec.profile.parameters.jobOverheadMs, metrics, {
      tasksReady: (tasks) => this.scheduler.submit(tasks),
      cancel: (task) => this.scheduler.cancel(task),
    });
    this.lifecycle = new ExecutorLifecycle(
      sim,
      cluster,
      this.deployment,
      spec.profile.parameters,
      {
        registered: (executor) => this.scheduler.executorRegistered(executor),
        stopped: (executor) => this.scheduler.requeueTasksOf(executor),
        changed: () => this.scheduler.dispatch(),
      },
      initialExecutorTarget(spec.spark),
    );
    this.scheduler = new TaskScheduler(sim, cluster, spec, this.deployment, rngTasks, this.jobs, this.lifecycle, megapixelsPerFrame);
    this.kDeployed = sim.register('app-deployed', () => this.deployed());
    this.allocation = new DynamicAllocation(sim, this.deployment, this.lifecycle, this.scheduler, spec.durationMs);
  }

  /** Every executor ever requested, by id (the reports need the gone ones too). */
  get executors(): readonly ExecutorState[] {
    return this.lifecycle.all;
  }

  get currentConfig(): SparkConfig {
    return this.deployment.config;
  }

  /** Called whenever a job ends (done or aborted): a stored-video workload cuts its next batch then. */
  get onJobEnded(): () => void {
    return this.jobs.onJobEnded;
  }

  set onJobEnded(callback: () => void) {
    this.jobs.onJobEnded = callback;
  }

  /** Requests the initial executors; with `warm`, those that fit are running at once. */
  start(warm: boolean): void {
    for (let i = 0; i < this.lifecycle.target; i++) this.lifecycle.request(warm);
    this.allocation.ensureTicks();
  }

  /** A batch reaches the driver. */
  submitBatch(batch: Batch): void {
    this.jobs.submit(batch);
  }

  /** Tasks waiting for a slot. */
  get pendingTasks(): number {
    return this.scheduler.pending.size;
  }

  get runningTasks(): number {
    return this.scheduler.busySlots;
  }

  get queuedJobs(): number {
    return this.jobs.queuedJobs;
  }

  /** Frames in batches that Spark has received but not finished (processed or dropped). */
  get framesInFlight(): number {
    return this.jobs.framesInFlight;
  }

  /** Tasks waiting for a slot, time-weighted since the last reset (what Spark's dynamic allocation reacts to). */
  get pendingTaskMs(): number {
    return this.scheduler.pending.pendingTaskMs;
  }

  get taskFailures(): number {
    return this.scheduler.taskFailures;
  }

  get oomKills(): number {
    return this.scheduler.oomKills;
  }

  get podOomKills(): number {
    return this.scheduler.podOomKills;
  }

  get executorLosses(): number {
    return this.lifecycle.executorLosses;
  }

  get jobsAborted(): number {
    return this.jobs.jobsAborted;
  }

  /**
   * Applies a new configuration. Changing cores, memory or the serializer
   * means a redeploy: executors stop, the application is down for redeployMs,
   * then new executors start cold. Changing only the instance count scales in
   * place; batch-shape knobs apply from the next batch.
   */
  reconfigure(next: SparkConfig): void {
    const previous = this.deployment.config;
    this.deployment.config = next;
    if (needsRedeploy(previous, next)) {
      this.redeploy();
      return;
    }
    this.lifecycle.target = initialExecutorTarget(next);
    this.allocation.ensureTicks();
    this.lifecycle.reconcile();
  }

  /**
   * Restarts the application with its current configuration: every executor
   * stops, the application is down for redeployMs, then new executors start
   * cold (their pods placed by the placement policy in force then).
   */
  redeploy(): void {
    const redeployMs = this.spec.profile.parameters.redeployMs;
    this.lifecycle.removeAll();
    this.deployment.takeDown(redeployMs);
    this.lifecycle.target = initialExecutorTarget(this.deployment.config);
    this.sim.schedule(redeployMs, this.kDeployed);
    this.allocation.ensureTicks();
  }

  /** Time integrals of executors up to now. */
  flush(): void {
    this.lifecycle.flush();
    this.scheduler.pending.account();
  }

  resetIntegrals(): void {
    this.flush();
    this.lifecycle.resetIntegrals();
    this.scheduler.resetIntegrals();
    this.jobs.jobsAborted = 0;
  }

  private deployed(): void {
    if (this.deployment.down) return;
    this.lifecycle.reconcile();
    this.scheduler.dispatch();
  }
}
