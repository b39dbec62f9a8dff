import type { Simulation } from '../engine/simulation.js';
import type { FrameMetrics } from '../metrics/frame-metrics.js';
import type { Batch } from '../workload/batcher.js';
import type { Deployment } from './deployment.js';

export interface TaskState {
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
  /** In the pending-task queue (a cancelled task may still sit there; it no longer counts). */
  inQueue: boolean;
}

export interface JobState {
  batch: Batch;
  tasks: TaskState[];
  remaining: number;
  aborted: boolean;
}

/** What the job queue asks of the task scheduler. */
export interface TaskSink {
  /** A job's tasks are ready to run (after the job's overhead). */
  tasksReady(tasks: readonly TaskState[]): void;
  /** The task's job is aborted: free its slot if it runs, take it off the queue if it waits. */
  cancel(task: TaskState): void;
}

/**
 * The driver's streaming job queue: each micro-batch is a job of one task per
 * partition; up to concurrentJobs run at once, in FIFO order, each after the
 * driver's per-job overhead. A job ends when its last task is done, or when
 * one task failed too often (Spark aborts it and its unfinished partitions
 * are dropped).
 */
export class JobQueue {
  private readonly waiting: JobState[] = [];
  private running = 0;
  /** Tasks not yet done or cancelled, by id; finished ones are let go so memory stays flat. */
  private readonly liveTasks = new Map<number, TaskState>();
  private nextTaskId = 0;
  jobsAborted = 0;
  /** Called whenever a job ends (done or aborted): a stored-video workload cuts its next batch then. */
  onJobEnded: () => void = () => {};
  private readonly kJobReady: number;

  constructor(
    private readonly sim: Simulation,
    private readonly deployment: Deployment,
    private readonly jobOverheadMs: number,
    private readonly metrics: FrameMetrics,
    private readonly sink: TaskSink,
  ) {
    this.kJobReady = sim.register('job-tasks-ready', (i) => this.jobTasksReady(i));
  }

  /** A batch reaches the driver. */
  submit(batch: Batch): void {
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
    this.waiting.push(job);
    this.startJobs();
  }

  /** A task not yet done or cancelled, or undefined. */
  task(id: number): TaskState | undefined {
    return this.liveTasks.get(id);
  }

  get queuedJobs(): number {
    return this.waiting.length;
  }

  /** Frames in batches that Spark has received but not finished (processed or dropped). */
  get framesInFlight(): number {
    let frames = 0;
    for (const task of this.liveTasks.values()) frames += task.frames;
    return frames;
  }

  /** The task's attempt succeeded: its partition's frames are written. */
  taskSucceeded(task: TaskState): void {
    task.state = 'done';
    this.liveTasks.delete(task.id);
    this.metrics.recordPartition(task.job.batch, task.frames, this.sim.nowMs);
    task.job.remaining--;
    if (task.job.remaining === 0) this.jobEnded();
  }

  /** Too many failures of one task: Spark aborts the job; its unfinished partitions are dropped. */
  abort(job: JobState): void {
    if (job.aborted) return;
    job.aborted = true;
    this.jobsAborted++;
    for (const task of job.tasks) {
      if (task.state === 'running' || task.state === 'queued') {
        this.sink.cancel(task);
        task.state = 'cancelled';
        this.liveTasks.delete(task.id);
        this.metrics.recordDropped(task.frames);
      }
    }
    job.remaining = 0;
    this.jobEnded();
  }

  private jobEnded(): void {
    this.running--;
    this.startJobs();
    this.onJobEnded();
  }

  private startJobs(): void {
    while (this.running < this.deployment.config.concurrentJobs && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      this.sim.schedule(this.jobOverheadMs, this.kJobReady, job.tasks[0].id);
    }
  }

  private jobTasksReady(firstTaskId: number): void {
    const job = this.liveTasks.get(firstTaskId)?.job;
    if (job === undefined || job.aborted) return;
    this.sink.tasksReady(job.tasks);
  }
}
