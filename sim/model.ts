import type { PlacementPolicy, RunSpec, SparkConfig } from './config.js';
import { Simulation } from './engine/simulation.js';
import { Cluster } from './k8s/cluster.js';
import { FaultInjector } from './k8s/faults.js';
import { NodePool } from './k8s/node-pool.js';
import { FrameMetrics } from './metrics/frame-metrics.js';
import type { ExecutorReport, NodeReport, RunResult } from './metrics/result.js';
import { TraceHash } from './metrics/trace-hash.js';
import { Rng } from './random.js';
import { SparkApp } from './spark/app.js';
import { Batcher, meanFrameMegapixels } from './workload/batcher.js';

/** Counts over the whole run, for conservation checks. */
export interface FrameTotals {
  arrived: number;
  processed: number;
  dropped: number;
  /** In Spark: in queued or running jobs. */
  inFlight: number;
  /** Captured but not yet cut into a batch. */
  open: number;
}

/**
 * A streaming Spark application on a Kubernetes cluster, as one discrete-event
 * model. Drive it with runUntil(); read a window's outcome with result();
 * between windows, change its configuration with reconfigure(), its node
 * count with setNodeCount() and its executor placement with setPlacement()
 * (what the agents' actions do).
 */
export class SparkOnK8sModel {
  readonly sim = new Simulation();
  readonly cluster: Cluster;
  readonly faults: FaultInjector;
  readonly app: SparkApp;
  readonly batcher: Batcher;
  readonly metrics: FrameMetrics;
  /** The node pool the Cluster Autoscaler drives. */
  readonly nodePool: NodePool;
  private readonly hash: TraceHash | null;
  private windowStartMs = 0;
  private arrivedAtWindowStart = 0;
  private eventsAtWindowStart = 0;
  private started = false;

  constructor(readonly spec: RunSpec) {
    const rng = new Rng(spec.seed);
    this.metrics = new FrameMetrics(spec.warmupMs, spec.sloPerFrameMs);
    const clusterRng = rng.split('cluster');
    this.cluster = new Cluster(this.sim, spec.cluster, spec.profile.parameters, clusterRng);
    // Right after the cluster: event kinds are numbered in registration order and the trace hash covers them.
    this.faults = new FaultInjector(this.sim, this.cluster, spec.cluster.failures, clusterRng.split('failures'));
    this.app = new SparkApp(this.sim, this.cluster, spec, rng.split('spark'), this.metrics, meanFrameMegapixels(spec.workload));
    this.batcher = new Batcher(this.sim, spec.workload, () => this.app.currentConfig, spec.durationMs, (batch) => {
      this.metrics.recordBatch();
      this.app.submitBatch(batch);
    });
    this.app.onJobEnded = () => this.batcher.jobEnded();
    // Constructed last: its event kind comes after every other, so runs that never scale keep their traces.
    this.nodePool = new NodePool(this.sim, this.cluster, spec.cluster);
    if (spec.traceHash) {
      const hash = new TraceHash();
      this.hash = hash;
      this.sim.observe((t, kind, arg) => hash.add(t, kind, arg));
    } else {
      this.hash = null;
    }
  }

  /** Starts executors and the workload at the current time. */
  start(): void {
    if (this.started) throw new Error('SparkOnK8sModel.start() called twice');
    this.started = true;
    this.app.start(this.spec.warmStart);
    this.batcher.start();
  }

  runUntil(tMs: number): void {
    if (!this.started) this.start();
    this.sim.run(Math.min(tMs, this.spec.durationMs));
  }

  /**
   * After the load window: keeps simulating, with no new batches, until every
   * batch already handed to Spark is processed or dropped, or `maxExtraMs`
   * have passed. A trial then measures all of its window's batches.
   */
  drain(maxExtraMs: number): void {
    const limitMs = this.sim.nowMs + maxExtraMs;
    while (this.app.framesInFlight > 0 && this.sim.nextEventMs <= limitMs && this.sim.step()) {
      // one event at a time: the in-flight count is checked after each
    }
  }

  reconfigure(config: SparkConfig): void {
    this.app.reconfigure(config);
    this.batcher.reschedule();
  }

  /** Nodes in the pool: leased and not draining (those still booting included). */
  get nodeCount(): number {
    return this.nodePool.nodeCount;
  }

  /**
   * Sets the desired node count, within [cluster.minNodes, cluster.maxNodes]
   * (a RangeError names both otherwise). New nodes are billed from now and
   * take pods after nodeProvisioningMs; removed nodes are drained first:
   * their executors finish their running tasks, then leave and are replaced
   * elsewhere, and the node's lease ends when it is empty.
   */
  setNodeCount(count: number): void {
    this.nodePool.setNodeCount(count);
  }

  /** The placement policy executor pods created from now on get. */
  get placement(): PlacementPolicy {
    return this.cluster.placement;
  }

  /**
   * Changes where executor pods go. Pods created from now on (replacements,
   * scale-out) follow the new policy and those running stay where they are;
   * with `redeploy`, the application restarts (down for redeployMs) and every
   * executor is recreated under the new policy.
   */
  setPlacement(policy: PlacementPolicy, options: { redeploy?: boolean } = {}): void {
    this.cluster.setPlacement(policy);
    if (options.redeploy === true) this.app.redeploy();
  }

  /**
   * Changes the load from now on to a constant `fps` (the run's trace must be
   * a step trace: the new level is appended to it).
   */
  setLoad(fps: number): void {
    const trace = this.spec.workload.trace;
    if (trace.kind !== 'step') throw new Error(`setLoad needs a 'step' load trace, the run has '${trace.kind}'`);
    const last = trace.steps[trace.steps.length - 1];
    if (last !== undefined && last.atMs === this.sim.nowMs) last.fps = fps;
    else trace.steps.push({ atMs: this.sim.nowMs, fps });
    this.batcher.reschedule();
  }

  /** Starts a new measurement window at the current time. */
  resetWindow(): void {
    this.windowStartMs = this.sim.nowMs;
    this.arrivedAtWindowStart = this.batcher.arrivedBy(this.sim.nowMs);
    this.eventsAtWindowStart = this.sim.eventsProcessed;
    this.metrics.resetWindow(this.sim.nowMs);
    this.cluster.resetIntegrals();
    this.app.resetIntegrals();
  }

  totals(): FrameTotals {
    return {
      arrived: this.batcher.arrivedBy(this.sim.nowMs),
      processed: this.metrics.totalProcessed,
      dropped: this.metrics.totalDropped,
      inFlight: this.app.framesInFlight,
      open: this.batcher.openFrames,
    };
  }

  /** What happened since the window started (the run's start if never reset). */
  result(): RunResult {
    this.cluster.flush();
    this.app.flush();
    const windowMs = this.sim.nowMs - this.windowStartMs;
    const executors: ExecutorReport[] = [];
    let slotMs = 0;
    let busySlotMs = 0;
    let usableMbMs = 0;
    let heldMbMs = 0;
    let requestedCpuMs = 0;
    let usedCpuMs = 0;
    let limitMbMs = 0;
    let workingSetMbMs = 0;
    const nodeCpuUsedMs = new Array<number>(this.cluster.nodes.length).fill(0);
    const nodeWorkingSetMbMs = new Array<number>(this.cluster.nodes.length).fill(0);
    for (const e of this.app.executors) {
      if (e.registeredMs <= 0) continue;
      slotMs += e.cores * e.registeredMs;
      busySlotMs += e.busySlotMs;
      usableMbMs += e.usableMemoryMb * e.registeredMs;
      heldMbMs += e.memoryHeldMbMs;
      requestedCpuMs += e.cpuRequest * e.registeredMs;
      usedCpuMs += e.cpuUsedMs;
      limitMbMs += e.podMemoryLimitMb * e.registeredMs;
      workingSetMbMs += e.workingSetMbMs;
      if (e.node >= 0) {
        nodeCpuUsedMs[e.node] += e.cpuUsedMs;
        nodeWorkingSetMbMs[e.node] += e.workingSetMbMs;
      }
      executors.push({
        id: e.id,
        node: e.node >= 0 ? this.cluster.nodes[e.node].name : null,
        cpuUtil: e.cpuUsedMs / (e.cpuRequest * e.registeredMs),
        memUtil: e.workingSetMbMs / (e.podMemoryLimitMb * e.registeredMs),
        slotUtil: e.busySlotMs / (e.cores * e.registeredMs),
        heapUtil: e.usableMemoryMb > 0 ? e.memoryHeldMbMs / (e.usableMemoryMb * e.registeredMs) : 1,
        tasksRun: e.tasksRun,
        tasksFailed: e.tasksFailed,
      });
    }
    let cost = 0;
    let nodeHours = 0;
    const nodes: NodeReport[] = [];
    for (const n of this.cluster.nodes) {
      cost += (n.leasedMs / 3_600_000) * n.costPerHour;
      nodeHours += n.leasedMs / 3_600_000;
      if (n.leasedMs <= 0) continue;
      nodes.push({
        name: n.name,
        cpuUtil: n.upMs > 0 ? nodeCpuUsedMs[n.index] / (n.allocatableCpu * n.upMs) : 0,
        memUtil: n.upMs > 0 ? n.requestedMemoryMbMs / (n.allocatableMemoryMb * n.upMs) : 0,
        workingSetUtil: n.upMs > 0 ? nodeWorkingSetMbMs[n.index] / (n.allocatableMemoryMb * n.upMs) : 0,
        peakMemoryRequestedMb: n.peakRequestedMemoryMb,
        allocatableMemoryMb: n.allocatableMemoryMb,
        upMs: n.upMs,
        leasedMs: n.leasedMs,
      });
    }
    const m = this.metrics;
    const arrived = this.batcher.arrivedBy(this.sim.nowMs) - this.arrivedAtWindowStart;
    return {
      perFrameMs: m.perFrame.quantiles(),
      endToEndMs: m.endToEnd.quantiles(),
      framesArrived: arrived,
      framesProcessed: m.processed,
      framesDropped: m.dropped,
      backlogFrames: this.batcher.openFrames + this.app.framesInFlight,
      throughputFps: windowMs > 0 ? (m.processed / windowMs) * 1000 : 0,
      cpuUtil: requestedCpuMs > 0 ? usedCpuMs / requestedCpuMs : 0,
      memUtil: limitMbMs > 0 ? workingSetMbMs / limitMbMs : 0,
      slotUtil: slotMs > 0 ? busySlotMs / slotMs : 0,
      heapUtil: usableMbMs > 0 ? heldMbMs / usableMbMs : 0,
      executors,
      nodes,
      pendingPods: this.cluster.pendingPods,
      pendingPodsMean: windowMs > 0 ? this.cluster.pendingPodMs / windowMs : this.cluster.pendingPods,
      pendingTasksMean: windowMs > 0 ? this.app.pendingTaskMs / windowMs : this.app.pendingTasks,
      failures: {
        taskFailures: this.app.taskFailures,
        oomKills: this.app.oomKills,
        podOomKills: this.app.podOomKills,
        executorLosses: this.app.executorLosses,
        nodeFailures: this.cluster.nodeFailures,
        jobsAborted: this.app.jobsAborted,
      },
      cost,
      nodeHours,
      sloViolations: { frames: m.sloViolations, fraction: m.measured > 0 ? m.sloViolations / m.measured : 0 },
      batches: m.batches,
      simulatedMs: windowMs,
      events: this.sim.eventsProcessed - this.eventsAtWindowStart,
      traceHash: this.hash?.hex() ?? null,
    };
  }

  destroy(): void {
    this.metrics.destroy();
  }
}

/** Simulates one run from start to spec.durationMs and reports it. */
export function simulateRun(spec: RunSpec): RunResult {
  const model = new SparkOnK8sModel(spec);
  try {
    model.runUntil(spec.durationMs);
    return model.result();
  } finally {
    model.destroy();
  }
}
