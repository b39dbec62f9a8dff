import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateRun, SparkOnK8sModel } from '../../../sim/model.js';
import { executorPodMemoryMb } from '../../../sim/spark/constants.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { toRunSpec } from '../../../src/scenario/run-spec.js';
import { paperSpec } from '../fixtures.js';
import { burst, NO_NOISE, runObserved, withParameters } from './drive.js';

const HOUR_MS = 3_600_000;

describe('run result', () => {
  it('counts frames, batches, events and time consistently', () => {
    const spec = paperSpec({ fps: 30, durationMs: 120_000, spark: { executorCores: 1, executorInstances: 6 } });
    const model = new SparkOnK8sModel(spec);
    let events = 0;
    let cuts = 0;
    let lastBatches = 0;
    runObserved(model, spec.durationMs, () => {
      events++;
      if (model.metrics.batches !== lastBatches) cuts++;
      lastBatches = model.metrics.batches;
    });
    const result = model.result();
    expect(result.simulatedMs).toBe(120_000);
    expect(result.events).toBe(events);
    expect(result.batches).toBe(cuts);
    // 8 partitions × 30 frames every 8 s.
    expect(result.batches).toBe(15);
    expect(result.framesArrived).toBe(30 * 120);
    expect(result.framesProcessed + result.framesDropped + result.backlogFrames).toBe(result.framesArrived);
    expect(result.throughputFps).toBeCloseTo(result.framesProcessed / 120, 12);
    // No failure, every finished batch ran each of its partitions once.
    const finishedBatches = result.framesProcessed / 240;
    expect(Number.isInteger(finishedBatches)).toBe(true);
    expect(result.executors.reduce((sum, e) => sum + e.tasksRun, 0)).toBe(finishedBatches * 8);
    expect(result.executors.every((e) => e.tasksFailed === 0)).toBe(true);
    expect(result.failures).toEqual({ taskFailures: 0, oomKills: 0, podOomKills: 0, executorLosses: 0, nodeFailures: 0, jobsAborted: 0 });
    model.destroy();
  });

  it('measures end-to-end latency from capture, so it is never below the per-frame time', () => {
    const result = simulateRun(paperSpec({ fps: 20 }));
    expect(result.endToEndMs.mean).toBeGreaterThan(result.perFrameMs.mean);
    expect(result.endToEndMs.max).toBeGreaterThanOrEqual(result.perFrameMs.max);
  });

  it('reports per-frame quantiles no larger than the max: one partition, one latency', () => {
    const spec = withParameters(paperSpec({ spark: { partitions: 1, framesPerPartition: 10 }, durationMs: 30_000 }), NO_NOISE);
    spec.workload.trace = burst(10, 1000);
    const q = simulateRun(spec).perFrameMs;
    // Every frame took the same time: all quantiles are that time, to the histogram's resolution.
    expect(q.mean).toBe(q.max);
    for (const quantile of [q.p50, q.p95, q.p99]) {
      expect(quantile).toBeLessThanOrEqual(q.max);
      expect(quantile).toBeGreaterThanOrEqual(q.max * (1 - 1e-3));
    }
  });

  it('counts SLO violations as a fraction of measured frames: 0 with a huge SLO, 1 with a tiny one', () => {
    const at = (sloPerFrameMs: number) => simulateRun(paperSpec({ fps: 30, sloPerFrameMs })).sloViolations;
    expect(at(1e9)).toEqual({ frames: 0, fraction: 0 });
    const all = at(1);
    expect(all.fraction).toBe(1);
    expect(all.frames).toBe(simulateRun(paperSpec({ fps: 30 })).framesProcessed);
    const some = at(simulateRun(paperSpec({ fps: 30 })).perFrameMs.p50);
    expect(some.fraction).toBeGreaterThan(0.3);
    expect(some.fraction).toBeLessThan(0.7);
  });

  it('leaves frames of batches cut during the warm-up out of latencies and SLO counts, not out of throughput', () => {
    const cold = simulateRun(paperSpec({ fps: 30, warmupMs: 0 }));
    const warmedUp = simulateRun(paperSpec({ fps: 30, warmupMs: 60_000 }));
    expect(warmedUp.framesProcessed).toBe(cold.framesProcessed);
    expect(warmedUp.throughputFps).toBe(cold.throughputFps);
    expect(warmedUp.sloViolations.frames).toBeLessThan(cold.sloViolations.frames);
  });

  it('costs nodes × costPerHour × hours on a static cluster, failed nodes included (the VM is still paid for)', () => {
    expect(simulateRun(paperSpec({ durationMs: 120_000 })).cost).toBeCloseTo((3 * 0.1664 * 120_000) / HOUR_MS, 12);
    const scenario = loadScenarioSync(join(new URL('../../../scenarios/', import.meta.url).pathname, 'heterogeneous-failures.yaml'));
    const result = simulateRun(toRunSpec(scenario, { durationMs: 600_000 }));
    expect(result.failures.nodeFailures).toBeGreaterThan(0);
    const perHour = scenario.cluster.nodes.reduce((sum, n) => sum + n.costPerHour, 0);
    expect(result.cost).toBeCloseTo((perHour * 600_000) / HOUR_MS, 12);
  });

  it('reports node memory as requested ÷ allocatable and pending pods as a time average', () => {
    // Six 1-core executors, two per node (spread): each node holds two pods' worth of memory the whole run.
    const spread = simulateRun(paperSpec({ spark: { executorCores: 1, executorInstances: 6 } }));
    for (const n of spread.nodes) {
      expect(n.memUtil).toBeCloseTo((2 * executorPodMemoryMb(800)) / (8192 - 512), 12);
      expect(n.peakMemoryRequestedMb).toBe(2 * executorPodMemoryMb(800));
      expect(n.upMs).toBe(120_000);
    }
    expect(spread.pendingPods).toBe(0);
    expect(spread.pendingPodsMean).toBe(0);
    // Six 2-core executors: one per 4 vCPU node fits, three wait the whole run.
    const crowded = simulateRun(paperSpec({ spark: { executorCores: 2, executorInstances: 6 } }));
    expect(crowded.pendingPods).toBe(3);
    expect(crowded.pendingPodsMean).toBe(3);
    expect(crowded.executors).toHaveLength(3);
  });

  it('slot utilisation is near 1 when executors never run out of work, and CPU used ÷ requested is small when they idle', () => {
    const busy = withParameters(
      paperSpec({ fps: 80, durationMs: 60_000, spark: { executorCores: 1, executorInstances: 1, framesPerPartition: 1, partitions: 16 } }),
      NO_NOISE,
    );
    const saturated = simulateRun(busy);
    expect(saturated.slotUtil).toBeGreaterThan(0.9);
    expect(saturated.slotUtil).toBeLessThanOrEqual(1);
    expect(saturated.backlogFrames).toBeGreaterThan(1000);
    const idle = simulateRun(paperSpec({ fps: 1, spark: { executorCores: 1, executorInstances: 6 } }));
    expect(idle.slotUtil).toBeLessThan(0.1);
    expect(idle.cpuUtil).toBeLessThan(0.1);
    expect(idle.cpuUtil).toBeGreaterThan(0);
    // A saturated executor uses its requested core for the CPU part of every task.
    expect(saturated.cpuUtil).toBeGreaterThan(5 * idle.cpuUtil);
  });
});
