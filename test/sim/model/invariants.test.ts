import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunSpec } from '../../../sim/config.js';
import { SparkOnK8sModel, type FrameTotals } from '../../../sim/model.js';
import type { RunResult } from '../../../sim/metrics/result.js';
import { paperSpec } from '../fixtures.js';
import { caseArb, executorCapacity, sparkArb } from './arbitraries.js';
import { burst, runObserved } from './drive.js';

function conserved(totals: FrameTotals): boolean {
  return totals.arrived === totals.processed + totals.dropped + totals.inFlight + totals.open;
}

function quantilesOrdered(result: RunResult): void {
  const q = result.perFrameMs;
  const e = result.endToEndMs;
  if (result.framesProcessed === 0) return;
  for (const quantiles of [q, e]) {
    expect(quantiles.mean).toBeGreaterThan(0);
    expect(quantiles.p50).toBeGreaterThan(0);
    expect(quantiles.p50).toBeLessThanOrEqual(quantiles.p95);
    expect(quantiles.p95).toBeLessThanOrEqual(quantiles.p99);
    expect(quantiles.p99).toBeLessThanOrEqual(quantiles.max);
    expect(quantiles.mean).toBeLessThanOrEqual(quantiles.max);
  }
  // A frame's end-to-end latency includes its wait for the batch to be cut.
  expect(e.max).toBeGreaterThanOrEqual(q.max);
}

describe('model invariants over random configurations', () => {
  it('time never goes backwards, no node is over-committed, frames are conserved at every event', () => {
    fc.assert(
      fc.property(caseArb, ({ spec }) => {
        const model = new SparkOnK8sModel(spec);
        let lastMs = 0;
        try {
          runObserved(model, spec.durationMs, (event) => {
            if (event.timeMs < lastMs) throw new Error(`time went back from ${lastMs} to ${event.timeMs} at '${event.kind}'`);
            lastMs = event.timeMs;
            for (const n of model.cluster.nodes) {
              if (n.requestedCpu > n.allocatableCpu + 1e-9 || n.requestedMemoryMb > n.allocatableMemoryMb) {
                throw new Error(
                  `node ${n.name} over-committed after '${event.kind}' at ${event.timeMs}: ` +
                    `${n.requestedCpu}/${n.allocatableCpu} vCPU, ${n.requestedMemoryMb}/${n.allocatableMemoryMb} MB`,
                );
              }
              if (n.requestedCpu < -1e-9 || n.requestedMemoryMb < 0 || n.busySlots < 0) {
                throw new Error(`node ${n.name} has negative requests or busy slots after '${event.kind}' at ${event.timeMs}`);
              }
            }
            const totals = model.totals();
            if (!conserved(totals)) {
              throw new Error(`frames not conserved after '${event.kind}' at ${event.timeMs}: ${JSON.stringify(totals)}`);
            }
          });
          expect(model.sim.nowMs).toBe(spec.durationMs);
          const totals = model.totals();
          expect(conserved(totals)).toBe(true);
          expect(totals.arrived).toBe(Math.floor((spec.workload.trace as { fps: number }).fps * (spec.durationMs / 1000) + 1e-9));
          const result = model.result();
          expect(result.framesArrived).toBe(totals.arrived);
          expect(result.framesProcessed).toBe(totals.processed);
          expect(result.framesDropped).toBe(totals.dropped);
          expect(result.backlogFrames).toBe(totals.inFlight + totals.open);
          for (const n of result.nodes) expect(n.peakMemoryRequestedMb).toBeLessThanOrEqual(n.allocatableMemoryMb);
        } finally {
          model.destroy();
        }
      }),
      { numRuns: 150, seed: 20240601 },
    );
  });

  it('frames are conserved when the run is sampled at 500 ms steps, with reconfigurations in between', () => {
    fc.assert(
      fc.property(caseArb, sparkArb, ({ spec }, next) => {
        const model = new SparkOnK8sModel(spec);
        try {
          for (let t = 0; t <= spec.durationMs; t += 500) {
            model.runUntil(t);
            if (t === 10_000) model.reconfigure({ ...spec.spark, ...next });
            const totals = model.totals();
            if (!conserved(totals)) throw new Error(`frames not conserved at ${t}: ${JSON.stringify(totals)}`);
          }
        } finally {
          model.destroy();
        }
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it('every batch handed to Spark is eventually processed or dropped once the load stops (no task is lost)', () => {
    fc.assert(
      fc.property(
        caseArb.filter(({ spec }) => executorCapacity(spec) >= 1),
        ({ spec: base }) => {
          // Long enough to drain the worst case: every attempt dies of OOM and takes its executor
          // with it, so each of ~100 jobs waits for up to taskMaxFailures executor restarts.
          const loadMs = 20_000;
          const spec: RunSpec = { ...base, durationMs: loadMs + 3_600_000, workload: { ...base.workload, trace: burst((base.workload.trace as { fps: number }).fps, loadMs) } };
          const model = new SparkOnK8sModel(spec);
          try {
            model.runUntil(spec.durationMs);
            const totals = model.totals();
            expect(totals.inFlight).toBe(0);
            expect(totals.processed + totals.dropped + totals.open).toBe(totals.arrived);
            expect(model.app.runningTasks).toBe(0);
            expect(model.app.pendingTasks).toBe(0);
          } finally {
            model.destroy();
          }
        },
      ),
      { numRuns: 100, seed: 99 },
    );
  });

  it('keeps processing after 2^24 tasks (a long run): task ids do not wrap into each other', () => {
    // 2^24 tasks take days of simulated time; start the task counter near the limit instead.
    const spec = paperSpec({ fps: 30, durationMs: 60_000, spark: { executorCores: 1, executorInstances: 6 } });
    const fresh = new SparkOnK8sModel(spec);
    const aged = new SparkOnK8sModel(spec);
    (aged.app as unknown as { nextTaskId: number }).nextTaskId = 2 ** 24 - 4;
    fresh.runUntil(spec.durationMs);
    aged.runUntil(spec.durationMs);
    expect(aged.totals()).toEqual(fresh.totals());
    fresh.destroy();
    aged.destroy();
  });

  it('leaves no pod Pending when every executor fits on the healthy cluster (no failures)', () => {
    fc.assert(
      fc.property(
        caseArb.filter(({ failures, spec }) => {
          const wanted = spec.spark.dynamicAllocation.enabled
            ? Math.max(spec.spark.executorInstances, spec.spark.dynamicAllocation.maxExecutors)
            : spec.spark.executorInstances;
          return !failures && executorCapacity(spec) >= wanted;
        }),
        ({ spec }) => {
          const model = new SparkOnK8sModel(spec);
          try {
            model.runUntil(spec.durationMs);
            const result = model.result();
            expect(result.pendingPods).toBe(0);
            expect(result.pendingPodsMean).toBe(0);
          } finally {
            model.destroy();
          }
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });

  it('reports per-frame and end-to-end quantiles in order (p50 <= p95 <= p99 <= max) with a positive mean', () => {
    fc.assert(
      fc.property(caseArb, ({ spec }) => {
        const model = new SparkOnK8sModel(spec);
        try {
          model.runUntil(spec.durationMs);
          quantilesOrdered(model.result());
        } finally {
          model.destroy();
        }
      }),
      { numRuns: 100, seed: 3 },
    );
  });

  it('reports utilisations and the SLO violation fraction within [0, 1]', () => {
    fc.assert(
      fc.property(caseArb, ({ spec }) => {
        const model = new SparkOnK8sModel(spec);
        try {
          model.runUntil(spec.durationMs);
          const result = model.result();
          for (const value of [result.slotUtil, result.heapUtil, result.memUtil, result.sloViolations.fraction]) {
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(1 + 1e-12);
          }
          // Without a CPU limit a pod may use more than it requested (its
          // cores' tasks plus its JVM's background threads), as on Kubernetes.
          const background = spec.profile.parameters.executorBackgroundCpu;
          const cores = spec.spark.executorCores;
          const usedBound = (cores + background) / (cores * spec.spark.cpuRequestRatio);
          expect(result.cpuUtil).toBeGreaterThanOrEqual(0);
          expect(result.cpuUtil).toBeLessThanOrEqual(usedBound + 1e-9);
          for (const e of result.executors) {
            expect(e.cpuUtil).toBeGreaterThanOrEqual(0);
            expect(e.memUtil).toBeGreaterThanOrEqual(0);
            expect(e.memUtil).toBeLessThanOrEqual(1 + 1e-12);
            expect(e.slotUtil).toBeLessThanOrEqual(1 + 1e-12);
            expect(e.tasksFailed).toBeLessThanOrEqual(e.tasksRun);
          }
          for (const n of result.nodes) {
            expect(n.cpuUtil).toBeGreaterThanOrEqual(0);
            expect(n.memUtil).toBeGreaterThanOrEqual(0);
            expect(n.memUtil).toBeLessThanOrEqual(1 + 1e-12);
            expect(n.workingSetUtil).toBeLessThanOrEqual(n.memUtil + 1e-9);
          }
        } finally {
          model.destroy();
        }
      }),
      { numRuns: 100, seed: 3 },
    );
  });
});
