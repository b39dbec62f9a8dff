import type { Simulation } from '../engine/simulation.js';
import type { TaskState } from './job-queue.js';

/**
 * Tasks waiting for a slot: retries first, then new tasks in FIFO order,
 * with the time-weighted count that Spark's dynamic allocation reacts to.
 * A cancelled task may stay behind in the arrays; it no longer counts.
 */
export class PendingTasks {
  private readonly retries: TaskState[] = [];
  private readonly fresh: TaskState[] = [];
  private freshHead = 0;
  private count = 0;
  /** Integral of the count since the last reset, task·ms, and when it was last brought up to date. */
  private taskMs = 0;
  private accountedMs = 0;

  constructor(private readonly sim: Simulation) {}

  get size(): number {
    return this.count;
  }

  /** Tasks waiting, time-weighted since the last reset, task·ms. */
  get pendingTaskMs(): number {
    return this.taskMs;
  }

  push(task: TaskState, retry: boolean): void {
    task.state = 'queued';
    task.inQueue = true;
    this.account();
    this.count++;
    (retry ? this.retries : this.fresh).push(task);
  }

  /** The next task to run, or undefined when none waits. */
  next(): TaskState | undefined {
    while (this.retries.length > 0) {
      const task = this.retries.shift()!;
      if (this.take(task)) return task;
    }
    while (this.freshHead < this.fresh.length) {
      const task = this.fresh[this.freshHead++];
      if (this.freshHead > 1024 && this.freshHead * 2 > this.fresh.length) {
        this.fresh.splice(0, this.freshHead);
        this.freshHead = 0;
      }
      if (this.take(task)) return task;
    }
    return undefined;
  }

  /** Stops counting a task that waits (its job was aborted); it is skipped when reached. */
  withdraw(task: TaskState): void {
    this.take(task);
  }

  account(): void {
    this.taskMs += this.count * (this.sim.nowMs - this.accountedMs);
    this.accountedMs = this.sim.nowMs;
  }

  resetIntegral(): void {
    this.taskMs = 0;
  }

  /** Takes a task off the queue; false for a cancelled one left behind there. */
  private take(task: TaskState): boolean {
    if (!task.inQueue) return false;
    task.inQueue = false;
    this.account();
    this.count--;
    return task.state === 'queued';
  }
}
