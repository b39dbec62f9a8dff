import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSpec, SparkConfig } from '../../../sim/config.js';
import { SparkOnK8sModel } from '../../../sim/model.js';
import { ALLOCATION_INTERVAL_MS } from '../../../sim/spark/constants.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { toRunSpec } from '../../../src/scenario/run-spec.js';
import { paperProfile, paperSpec } from '../fixtures.js';
import { aliveExecutors, NO_NOISE, node, runObserved, withNodes, withParameters } from './drive.js';

const p = paperProfile().parameters;
/** Start-up of an executor pod on a node that already has the image. */
const cachedStartupMs = p.podSchedulingMs + p.containerStartMedianMs + p.jvmStartMedianMs;

/**
 * Dynamic allocation from one executor on one roomy node; a job of 64
 * one-frame tasks every 800 ms (about 20 busy slots' worth) for `loadMs`,
 * then no load.
 */
function dynamicSpec(loadMs: number, durationMs: number): RunSpec {
  const spec = paperSpec({
    durationMs,
    spark: {
      executorCores: 1,
      executorInstances: 1,
      partitions: 64,
      framesPerPartition: 1,
      dynamicAllocation: {
        enabled: true,
        minExecutors: 1,
        maxExecutors: 8,
        schedulerBacklogTimeoutMs: 1000,
        sustainedBacklogTimeoutMs: 1000,
        executorIdleTimeoutMs: 5000,
      },
    },
  });
  spec.workload.trace = { kind: 'step', steps: [{ atMs: 0, fps: 80 }, { atMs: loadMs, fps: 0 }] };
  return withParameters(withNodes(spec, [node('node-1', 64, 262_144)]), NO_NOISE);
}

describe('dynamic allocation', () => {
  it('a sustained backlog ramps executors up 1, 2, 4 at a time, bounded by maxExecutors', () => {
    const model = new SparkOnK8sModel(dynamicSpec(60_000, 30_000));
    model.start();
    const log = [`start: ${aliveExecutors(model)}`];
    let last = aliveExecutors(model);
    let most = last;
    const started: number[] = [];
    runObserved(model, 30_000, (event) => {
      if (event.kind === 'pod-started') started.push(event.timeMs);
      const alive = aliveExecutors(model);
      most = Math.max(most, alive);
      if (alive !== last) log.push(`${event.timeMs} ${event.kind}: ${alive}`);
      last = alive;
    });
    // First batch at 800 ms, its tasks queue after the job overhead; the tick at 900 ms sees the
    // backlog, so the target rises at 900 + 1000 ms, then every sustained timeout (1000 ms).
    expect(log).toEqual(['start: 1', '1900 allocation-tick: 2', '2900 allocation-tick: 4', '3900 allocation-tick: 8']);
    expect(most).toBe(8);
    // The image is on the node already: each new executor registers after the cached start-up.
    expect(started).toEqual([1900, 2900, 2900, 3900, 3900, 3900, 3900].map((requestedMs) => requestedMs + cachedStartupMs));
    expect(model.app.executors.map((e) => e.phase)).toEqual(Array(8).fill('running'));
    expect(model.result().pendingPods).toBe(0);
    model.destroy();
  });

  it('removes executors idle for executorIdleTimeoutMs, down to minExecutors, at the first tick after the timeout', () => {
    const spec = dynamicSpec(8_000, 120_000);
    const model = new SparkOnK8sModel(spec);
    const removals: string[] = [];
    const phaseBefore = new Map<number, string>();
    runObserved(model, spec.durationMs, (event) => {
      for (const e of model.app.executors) {
        if (phaseBefore.get(e.id) === 'running' && e.phase === 'gone') {
          const idleMs = event.timeMs - e.idleSinceMs;
          removals.push(`${e.id}@${event.kind}`);
          if (idleMs < spec.spark.dynamicAllocation.executorIdleTimeoutMs || idleMs >= spec.spark.dynamicAllocation.executorIdleTimeoutMs + ALLOCATION_INTERVAL_MS) {
            throw new Error(`executor ${e.id} removed at ${event.timeMs} after ${idleMs} ms idle`);
          }
        }
        phaseBefore.set(e.id, e.phase);
      }
    });
    expect(removals).toHaveLength(7);
    for (const removal of removals) expect(removal).toMatch(/@allocation-tick$/);
    expect(aliveExecutors(model)).toBe(1);
    const result = model.result();
    expect(result.framesProcessed).toBe(640);
    expect(result.framesDropped).toBe(0);
    expect(result.failures.executorLosses).toBe(0);
    model.destroy();
  });

  it('keeps at least minExecutors even when spark.executor.instances is lower (Spark starts from the larger)', () => {
    const spec = dynamicSpec(0, 30_000);
    spec.spark = { ...spec.spark, executorInstances: 1, dynamicAllocation: { ...spec.spark.dynamicAllocation, minExecutors: 3 } };
    const model = new SparkOnK8sModel(spec);
    model.runUntil(30_000);
    expect(aliveExecutors(model)).toBe(3);
    model.destroy();
  });

  it('starts allocating when reconfigure() turns dynamic allocation on', () => {
    const spec = dynamicSpec(60_000, 30_000);
    const enabled = spec.spark.dynamicAllocation;
    spec.spark = { ...spec.spark, dynamicAllocation: { ...enabled, enabled: false } };
    const model = new SparkOnK8sModel(spec);
    model.runUntil(5_000);
    expect(aliveExecutors(model)).toBe(1);
    model.reconfigure({ ...spec.spark, dynamicAllocation: enabled });
    // The target follows the pending tasks of the running job only (queued micro-batch jobs are not
    // stages yet, as in Spark Streaming), so it dips between jobs; it reaches maxExecutors while the backlog lasts.
    let most = 0;
    for (let t = 5_500; t <= 30_000; t += 500) {
      model.runUntil(t);
      most = Math.max(most, aliveExecutors(model));
    }
    expect(most).toBe(8);
    model.destroy();
  });
});

describe('reconfigure', () => {
  function steadySpec(spark: Partial<SparkConfig>): RunSpec {
    return withParameters(paperSpec({ fps: 20, durationMs: 120_000, spark: { executorCores: 1, executorInstances: 6, ...spark } }), NO_NOISE);
  }

  it('changing cores and memory redeploys: nothing runs for redeployMs, then new executors with the new shape start', () => {
    const spec = steadySpec({});
    const model = new SparkOnK8sModel(spec);
    model.runUntil(30_000);
    const old = model.app.executors.map((e) => e.id);
    expect(old).toHaveLength(6);
    model.reconfigure({ ...spec.spark, executorCores: 2, executorMemoryMb: 1000, executorInstances: 3 });
    expect(aliveExecutors(model)).toBe(0);
    expect(model.app.runningTasks).toBe(0);
    const processedAtReconfigure = model.totals().processed;
    const redeployedMs = 30_000 + p.redeployMs;
    const started: number[] = [];
    runObserved(model, spec.durationMs, (event) => {
      if (event.timeMs < redeployedMs) {
        if (aliveExecutors(model) !== 0 || model.app.runningTasks !== 0) throw new Error(`something ran during the redeploy, at ${event.timeMs}`);
      }
      if (event.timeMs < redeployedMs + cachedStartupMs && model.totals().processed !== processedAtReconfigure) {
        throw new Error(`frames processed before any new executor was up, at ${event.timeMs} (${event.kind})`);
      }
      if (event.kind === 'pod-started') started.push(event.timeMs);
    });
    // The image is cached on every node, so the three new pods start together.
    expect(started).toEqual([redeployedMs + cachedStartupMs, redeployedMs + cachedStartupMs, redeployedMs + cachedStartupMs]);
    const fresh = model.app.executors.filter((e) => !old.includes(e.id));
    expect(fresh.map((e) => `${e.cores}x${e.memoryMb}:${e.phase}`)).toEqual(Array(3).fill('2x1000:running'));
    expect(model.app.executors.filter((e) => old.includes(e.id)).every((e) => e.phase === 'gone')).toBe(true);
    const result = model.result();
    expect(result.framesDropped).toBe(0);
    expect(result.failures.executorLosses).toBe(0);
    expect(result.failures.taskFailures).toBe(0);
    model.destroy();
  });

  it('changing only the instance count scales in place, without a redeploy', () => {
    const spec = steadySpec({});
    const model = new SparkOnK8sModel(spec);
    model.runUntil(30_000);
    const processedBefore = model.totals().processed;
    model.reconfigure({ ...spec.spark, executorInstances: 8 });
    expect(model.app.executors.map((e) => e.phase)).toEqual([...Array(6).fill('running'), 'requested', 'requested']);
    const started: number[] = [];
    runObserved(model, 30_000 + p.redeployMs, (event) => {
      if (event.kind === 'pod-started') started.push(event.timeMs);
    });
    expect(started).toEqual([30_000 + cachedStartupMs, 30_000 + cachedStartupMs]);
    // Work went on through what would have been the redeploy.
    expect(model.totals().processed).toBeGreaterThan(processedBefore);

    model.reconfigure({ ...spec.spark, executorInstances: 4 });
    expect(aliveExecutors(model)).toBe(4);
    model.runUntil(spec.durationMs);
    expect(aliveExecutors(model)).toBe(4);
    const result = model.result();
    expect(result.framesDropped).toBe(0);
    expect(result.executors.every((e) => e.cpuUtil > 0)).toBe(true);
    model.destroy();
  });

  it('changing batch-shape knobs needs no redeploy and applies to the next batch', () => {
    const spec = steadySpec({ framesPerPartition: 10 });
    const model = new SparkOnK8sModel(spec);
    const batches: number[] = [];
    model.runUntil(20_000);
    model.reconfigure({ ...spec.spark, partitions: 4, framesPerPartition: 5 });
    let cut = model.metrics.batches;
    runObserved(model, 40_000, (event) => {
      if (model.metrics.batches !== cut) batches.push(event.timeMs);
      cut = model.metrics.batches;
    });
    expect(aliveExecutors(model)).toBe(6);
    expect(model.app.executors.every((e) => e.phase === 'running')).toBe(true);
    // Until 20 s, 80 frames every 4 s; from the next batch on, 20 frames at 20 fps: one a second.
    expect(batches.slice(0, 6)).toEqual([21_000, 22_000, 23_000, 24_000, 25_000, 26_000]);
    expect(batches).toHaveLength(20);
    model.destroy();
  });
});

describe('resetWindow', () => {
  it('reports only what happened since the reset', () => {
    const scenario = loadScenarioSync(join(new URL('../../../scenarios/', import.meta.url).pathname, 'heterogeneous-failures.yaml'));
    const spec = toRunSpec(scenario, { durationMs: 400_000 });
    const resetMs = 150_000;
    // The same run without a reset, sampled at the reset time and at the end.
    const whole = new SparkOnK8sModel({ ...spec, warmupMs: resetMs });
    whole.runUntil(resetMs);
    const atReset = { result: whole.result(), totals: whole.totals() };
    whole.runUntil(spec.durationMs);
    const atEnd = { result: whole.result(), totals: whole.totals() };

    const windowed = new SparkOnK8sModel(spec);
    windowed.runUntil(resetMs);
    windowed.resetWindow();
    windowed.runUntil(spec.durationMs);
    const window = windowed.result();

    expect(window.simulatedMs).toBe(spec.durationMs - resetMs);
    expect(window.framesArrived).toBe(atEnd.totals.arrived - atReset.totals.arrived);
    expect(window.framesProcessed).toBe(atEnd.totals.processed - atReset.totals.processed);
    expect(window.framesDropped).toBe(atEnd.totals.dropped - atReset.totals.dropped);
    expect(window.throughputFps).toBeCloseTo(window.framesProcessed / ((spec.durationMs - resetMs) / 1000), 9);
    expect(window.batches).toBe(atEnd.result.batches - atReset.result.batches);
    expect(window.events).toBe(atEnd.result.events - atReset.result.events);
    expect(window.cost).toBeCloseTo(atEnd.result.cost - atReset.result.cost, 12);
    expect(window.failures).toEqual({
      taskFailures: atEnd.result.failures.taskFailures - atReset.result.failures.taskFailures,
      oomKills: atEnd.result.failures.oomKills - atReset.result.failures.oomKills,
      podOomKills: atEnd.result.failures.podOomKills - atReset.result.failures.podOomKills,
      executorLosses: atEnd.result.failures.executorLosses - atReset.result.failures.executorLosses,
      nodeFailures: atEnd.result.failures.nodeFailures - atReset.result.failures.nodeFailures,
      jobsAborted: atEnd.result.failures.jobsAborted - atReset.result.failures.jobsAborted,
    });
    expect(window.failures.executorLosses).toBeGreaterThan(0);
    // Latencies count frames whose batch reached Spark after the reset, as a warm-up of that length would.
    expect(window.perFrameMs).toEqual(atEnd.result.perFrameMs);
    expect(window.endToEndMs).toEqual(atEnd.result.endToEndMs);
    expect(window.sloViolations).toEqual(atEnd.result.sloViolations);
    whole.destroy();
    windowed.destroy();
  });
});
