import type { Simulation } from '../engine/simulation.js';
import { ALLOCATION_INTERVAL_MS } from './constants.js';
import type { Deployment } from './deployment.js';
import type { ExecutorLifecycle } from './executor-lifecycle.js';
import type { TaskScheduler } from './task-scheduler.js';

/**
 * Spark's dynamic allocation, after its ExecutorAllocationManager: every
 * ALLOCATION_INTERVAL_MS the target follows the backlog (it grows
 * exponentially while tasks stay pending past the backlog timeouts and drops
 * to what the running and pending tasks need), pending requests beyond the
 * target are withdrawn and executors idle past their timeout are removed.
 */
export class DynamicAllocation {
  private addTimeMs = Infinity;
  private executorsToAdd = 1;
  private tickPending = false;
  private readonly kAllocate: number;

  constructor(
    private readonly sim: Simulation,
    private readonly deployment: Deployment,
    private readonly executors: ExecutorLifecycle,
    private readonly scheduler: TaskScheduler,
    private readonly durationMs: number,
  ) {
    this.kAllocate = sim.register('allocation-tick', () => this.tick());
  }

  /** Starts the periodic tick when dynamic allocation is on and none is pending. */
  ensureTicks(): void {
    if (this.deployment.config.dynamicAllocation.enabled && !this.tickPending) {
      this.tickPending = true;
      this.sim.schedule(ALLOCATION_INTERVAL_MS, this.kAllocate);
    }
  }

  private tick(): void {
    this.tickPending = false;
    const config = this.deployment.config;
    const da = config.dynamicAllocation;
    if (!da.enabled) return;
    const now = this.sim.nowMs;
    const executors = this.executors;
    const pendingTasks = this.scheduler.pending.size;
    const maxNeeded = Math.max(da.minExecutors, Math.min(da.maxExecutors, Math.ceil((pendingTasks + this.scheduler.busySlots) / config.executorCores)));
    if (executors.target > maxNeeded) {
      executors.target = maxNeeded;
      this.executorsToAdd = 1;
    } else if (pendingTasks > 0) {
      if (this.addTimeMs === Infinity) {
        this.addTimeMs = now + da.schedulerBacklogTimeoutMs;
      } else if (now >= this.addTimeMs) {
        const before = executors.target;
        executors.target = Math.min(maxNeeded, executors.target + this.executorsToAdd);
        this.executorsToAdd = executors.target - before === this.executorsToAdd ? this.executorsToAdd * 2 : 1;
        this.addTimeMs = now + da.sustainedBacklogTimeoutMs;
      }
    } else {
      this.addTimeMs = Infinity;
      this.executorsToAdd = 1;
    }
    // Pod requests beyond the target are withdrawn (Spark on Kubernetes deletes pending executor pods).
    for (const executor of [...executors.live].reverse()) {
      if (executors.live.length <= executors.target) break;
      if (executor.phase === 'requested') executors.remove(executor, false);
    }
    // Idle executors past the timeout go, down to the minimum.
    let alive = executors.live.length;
    for (const executor of [...executors.live]) { // a copy, as removal takes executors out
      if (alive <= Math.max(da.minExecutors, executors.target)) break;
      if (executor.phase === 'running' && executor.runningTasks.size === 0 && now - executor.idleSinceMs >= da.executorIdleTimeoutMs) {
        executors.remove(executor, true);
        alive--;
      }
    }
    if (!this.deployment.down) {
      for (let i = executors.live.length; i < executors.target; i++) executors.request();
    }
    this.scheduler.dispatch();
    if (now + ALLOCATION_INTERVAL_MS <= this.durationMs) this.ensureTicks();
  }
}
