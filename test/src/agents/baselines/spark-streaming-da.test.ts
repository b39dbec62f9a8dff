import { describe, expect, it } from 'vitest';
import { SparkStreamingDynamicAllocationPolicy } from '../../../../src/agents/baselines/spark-streaming-da.js';
import { loadScenarioSync } from '../../../../src/scenario/load.js';
import { ADD_ONE, KEEP, REMOVE_ONE, decision, outcome } from './context.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');
const at6 = { executorCores: 1, executorMemoryMb: 800, executorInstances: 6 };

// 960 frames in 16 s = 60 fps: 8 partitions of 60 frames fill a batch in 8000 ms.
const after = (perFrameMeanMs: number) =>
  decision({ scenario: paper, config: at6, last: outcome({ perFrameMs: { mean: perFrameMeanMs, p50: 0, p95: 0, p99: 0, max: 0 } }) });

describe('the Spark Streaming dynamic allocation baseline', () => {
  const policy = new SparkStreamingDynamicAllocationPolicy(paper);

  it('reads the ratio as processing time over the batch interval', () => {
    expect(policy.processingRatio(after(4000))).toBe(0.5);
  });

  it('adds executors at a ratio of 0.9 and above, max(round(ratio), 1) of them', () => {
    const cases = [7199, 7200, 8000, 12_000, 16_000].map((ms) => [ms, policy.desiredInstances(after(ms)), policy.act(after(ms))]);
    expect(cases).toEqual([
      [7199, 6, KEEP],
      [7200, 7, ADD_ONE],
      [8000, 7, ADD_ONE],
      [12_000, 8, ADD_ONE],
      [16_000, 8, ADD_ONE],
    ]);
  });

  it('removes one executor at a ratio of 0.3 and below', () => {
    const cases = [2401, 2400, 500].map((ms) => [ms, policy.desiredInstances(after(ms)), policy.act(after(ms))]);
    expect(cases).toEqual([
      [2401, 6, KEEP],
      [2400, 5, REMOVE_ONE],
      [500, 5, REMOVE_ONE],
    ]);
  });

  it('makes no decision without a completed batch', () => {
    expect(policy.act(decision({ scenario: paper, config: at6, last: null }))).toBe(KEEP);
    const failed = outcome({ perFrameMs: { mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN }, failure: 'no frame was processed in the window' });
    expect(policy.act(decision({ scenario: paper, config: at6, last: failed }))).toBe(KEEP);
  });

  it('rejects a scale-up ratio not above the scale-down ratio, as Spark does', () => {
    expect(() => new SparkStreamingDynamicAllocationPolicy(paper, { scaleUpRatio: 0.3, scaleDownRatio: 0.5 })).toThrow(
      'spark-streaming-da.scaleUpRatio: expected more than scaleDownRatio (0.5), got 0.3',
    );
  });
});
