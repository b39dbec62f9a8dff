import { describe, expect, it } from 'vitest';
import * as ss from 'simple-statistics';
import { simulateRealRun, type RunSetting } from '../../../bridge/calibration/simulate-run.js';
import type { LatencyProfile } from '../../../sim/profile.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';

const scenario = loadScenarioSync('scenarios/local-cluster.yaml');
const RUN: RunSetting = { cores: 1, memoryMb: 1024, instances: 2, partitions: 4, framesPerPartition: 10, fps: 10, batches: 4, megapixelsPerFrame: 0.0165 };
const withJitter = (taskJitterSigma: number): LatencyProfile => ({ ...scenario.profile, parameters: { ...scenario.profile.parameters, taskJitterSigma } });

describe("a real run's setting replayed in the simulator", () => {
  it('one replication by default; more replications average the noise out of the prediction', () => {
    const profile = withJitter(0.3);
    const seeds = Array.from({ length: 8 }, (_, i) => `seed-${i}`);
    const one = seeds.map((seed) => simulateRealRun(scenario, RUN, profile, { maxBatches: 20, seed }));
    const many = seeds.map((seed) => simulateRealRun(scenario, RUN, profile, { maxBatches: 20, minBatches: 200, seed }));
    expect(simulateRealRun(scenario, RUN, profile, { maxBatches: 20, minBatches: 1, seed: 'seed-0' })).toBe(one[0]);
    // 50 replications of 4 batches: the spread across seeds shrinks about sqrt(50)-fold.
    expect(ss.standardDeviation(many)).toBeLessThan(ss.standardDeviation(one) / 3);
    expect(Math.abs(ss.mean(many) / ss.mean(one) - 1)).toBeLessThan(0.1);
  });

  it('without noise, replications change nothing', () => {
    const profile = withJitter(0);
    const one = simulateRealRun(scenario, RUN, profile, { maxBatches: 20, seed: 1 });
    expect(simulateRealRun(scenario, RUN, profile, { maxBatches: 20, minBatches: 40, seed: 1 })).toBeCloseTo(one, 9);
  });
});
