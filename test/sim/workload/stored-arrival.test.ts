/**
 * A stored video (workload.arrival: stored): the driver cuts the next batch
 * from the shared store as soon as a job ends, so the application runs as
 * fast as its configuration allows; the trace's fps sets only the video's
 * frame rate, i.e. how many frames one second of video — one partition — has.
 */
import { describe, expect, it } from 'vitest';
import type { RunSpec, SparkConfig } from '../../../sim/config.js';
import { SparkOnK8sModel, simulateRun } from '../../../sim/model.js';
import { paperSpec } from '../fixtures.js';
import { NO_NOISE, runObserved, withParameters } from '../model/drive.js';

function stored(spark: Partial<SparkConfig>, fps: number, durationMs = 60_000): RunSpec {
  const spec = withParameters(paperSpec({ spark: { partitions: 8, framesPerPartition: 'fps', ...spark }, fps, durationMs }), NO_NOISE);
  spec.workload.arrival = 'stored';
  return spec;
}

describe('stored-video arrival', () => {
  it('keeps exactly concurrentJobs batches in Spark, cutting the next when one ends', () => {
    for (const concurrentJobs of [1, 2]) {
      const model = new SparkOnK8sModel(stored({ executorCores: 1, executorInstances: 8, concurrentJobs }, 10));
      let maxInSpark = 0;
      runObserved(model, 20_000, () => {
        maxInSpark = Math.max(maxInSpark, model.app.queuedJobs + Math.ceil(model.app.framesInFlight / 80));
      });
      const result = model.result();
      model.destroy();
      expect(result.batches).toBeGreaterThan(10);
      expect(result.backlogFrames).toBeLessThanOrEqual(concurrentJobs * 80);
      expect(maxInSpark).toBeLessThanOrEqual(concurrentJobs);
    }
  });

  it('processes frames as fast as the configuration allows: more executors, more throughput', () => {
    const small = simulateRun(stored({ executorCores: 1, executorInstances: 4 }, 30));
    const large = simulateRun(stored({ executorCores: 1, executorInstances: 8 }, 30));
    expect(large.throughputFps).toBeGreaterThan(1.5 * small.throughputFps);
    // Not paced by the trace: far above the video's own 30 fps.
    expect(large.throughputFps).toBeGreaterThan(30);
  });

  it('the load sets the partition size: one second of video per partition', () => {
    const ten = simulateRun(stored({ executorCores: 1, executorInstances: 8 }, 10));
    const sixty = simulateRun(stored({ executorCores: 1, executorInstances: 8 }, 60));
    expect(ten.framesArrived / ten.batches).toBe(80);
    expect(sixty.framesArrived / sixty.batches).toBe(480);
    expect(sixty.perFrameMs.mean).toBeGreaterThan(ten.perFrameMs.mean);
    expect(sixty.cpuUtil).toBeGreaterThan(ten.cpuUtil);
  });

  it('reports tasks waiting for a slot when partitions outnumber slots, and none when they do not', () => {
    const short = simulateRun(stored({ executorCores: 1, executorInstances: 4 }, 30));
    const enough = simulateRun(stored({ executorCores: 1, executorInstances: 8 }, 30));
    // Four of eight partitions wait for the first four, about half of the time.
    expect(short.pendingTasksMean).toBeGreaterThan(1);
    expect(short.pendingTasksMean).toBeLessThan(4);
    expect(enough.pendingTasksMean).toBe(0);
  });

  it('a frame waits for no batch to fill: end-to-end latency equals processing time', () => {
    const result = simulateRun(stored({ executorCores: 1, executorInstances: 8 }, 20));
    expect(result.endToEndMs.mean).toBeCloseTo(result.perFrameMs.mean, 6);
  });

  it('is deterministic: the same seed gives the same trace', () => {
    const a = simulateRun({ ...stored({ executorCores: 2, executorInstances: 6 }, 40), traceHash: true, profile: paperSpec().profile });
    const b = simulateRun({ ...stored({ executorCores: 2, executorInstances: 6 }, 40), traceHash: true, profile: paperSpec().profile });
    expect(a.traceHash).not.toBeNull();
    expect(a.traceHash).toBe(b.traceHash);
  });
});
