import { beforeAll, describe, expect, it } from 'vitest';
import { calibrate, type CalibrationResult } from '../../../bridge/calibration/calibrate.js';
import { ernestFeatures, fitErnest, predictErnest } from '../../../bridge/calibration/ernest.js';
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import type { LatencyProfile } from '../../../sim/profile.js';
import { UserInputError } from '../../../src/errors.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { syntheticRuns } from './synthetic.js';

const scenarioFile = loadScenarioSync('scenarios/local-cluster.yaml');
// Little task jitter: the runs' own noise is the 3% added to each measured mean.
const start: LatencyProfile = { ...scenarioFile.profile, parameters: { ...scenarioFile.profile.parameters, taskJitterSigma: 0.05 } };
const scenario: Scenario = { ...scenarioFile, profile: start };
const TRUTH = { frameCpuMsPerMegapixel: 60, taskOverheadMs: 120, jobOverheadMs: 25, cpuContentionExponent: 1.3, executorBackgroundCpu: 0.3 };
const truth: LatencyProfile = { ...start, name: 'truth', parameters: { ...start.parameters, ...TRUTH } };

/** The action space (memory fixed) × five workloads that tell per-frame CPU, task and job overhead and contention apart, twice each. */
function truthRuns(seed: string): RealRun[] {
  return syntheticRuns({
    scenario,
    truth,
    configs: [1, 2].flatMap((cores) => [1, 2].map((instances) => ({ cores, memoryMb: 1024, instances }))),
    workloads: [
      { partitions: 1, framesPerPartition: 10, megapixelsPerFrame: 0.1 },
      { partitions: 2, framesPerPartition: 10, megapixelsPerFrame: 0.1 },
      { partitions: 4, framesPerPartition: 5, megapixelsPerFrame: 0.5 },
      { partitions: 4, framesPerPartition: 10, megapixelsPerFrame: 0.3 },
      { partitions: 8, framesPerPartition: 5, megapixelsPerFrame: 0.1 },
    ],
    repeats: 2,
    noiseSigma: 0.03,
    fps: 10,
    batches: 5,
    seed,
  });
}

describe('calibrate on runs the simulator made (known profile, 3% noise)', () => {
  let runs: RealRun[];
  let result: CalibrationResult;
  beforeAll(() => {
    runs = truthRuns('truth');
    result = calibrate({ runs, scenario, start, holdoutFraction: 0.3, seed: 3 });
  });

  it('recovers the parameters it fits', () => {
    const fitted = result.profile.parameters;
    expect(Math.abs(fitted.frameCpuMsPerMegapixel / TRUTH.frameCpuMsPerMegapixel - 1)).toBeLessThan(0.1);
    expect(Math.abs(fitted.taskOverheadMs / TRUTH.taskOverheadMs - 1)).toBeLessThan(0.1);
    expect(Math.abs(fitted.cpuContentionExponent / TRUTH.cpuContentionExponent - 1)).toBeLessThan(0.1);
    // 25 ms against task times of hundreds: the least identified of the four.
    expect(Math.abs(fitted.jobOverheadMs / TRUTH.jobOverheadMs - 1)).toBeLessThan(0.4);
    // One executor of two cores against two of one, on a full node.
    expect(Math.abs(fitted.executorBackgroundCpu - TRUTH.executorBackgroundCpu)).toBeLessThan(0.1);
    // The others keep the start's values (taskMemoryBaseMb is fitted too, but no run here presses on memory).
    const { frameCpuMsPerMegapixel: _a, taskOverheadMs: _b, jobOverheadMs: _c, cpuContentionExponent: _d, executorBackgroundCpu: _i, taskMemoryBaseMb: _k, ...rest } = fitted;
    const { frameCpuMsPerMegapixel: _e, taskOverheadMs: _f, jobOverheadMs: _g, cpuContentionExponent: _h, executorBackgroundCpu: _j, taskMemoryBaseMb: _l, ...startRest } = start.parameters;
    expect(rest).toEqual(startRest);
  });

  it('predicts the held-out runs within a few percent, better than Ernest', () => {
    const f = result.fidelity;
    expect(f.n_runs).toBe(40);
    expect(f.n_holdout).toBe(12);
    expect(f.n_train).toBe(28);
    expect(f.n_failed).toBe(0);
    expect(result.fit.startMapeTrainPct).toBeGreaterThan(20);
    expect(f.mape_train).toBeLessThan(5);
    expect(f.mape_holdout!).toBeLessThan(5);
    expect(f.mape_holdout_ernest!).toBeGreaterThan(2 * f.mape_holdout!);
    expect(result.ernest.coefficients.every((c) => c >= 0)).toBe(true);
  });

  it('reports every run with its split, measured, simulated and Ernest times', () => {
    const perRun = result.fidelity.perRun;
    expect(perRun.map((r) => r.runId)).toEqual(runs.map((r) => r.runId));
    for (const r of perRun) {
      expect(r.measuredMs).toBeGreaterThan(0);
      expect(r.simulatedMs).toBeGreaterThan(0);
      expect(r.errorPct).toBeCloseTo((100 * (r.simulatedMs - r.measuredMs)) / r.measuredMs, 9);
    }
    const holdout = perRun.filter((r) => r.split === 'holdout');
    const mape = holdout.reduce((s, r) => s + Math.abs(r.errorPct), 0) / holdout.length;
    expect(result.fidelity.mape_holdout).toBeCloseTo(mape, 9);
  });

  it('is deterministic for a seed', () => {
    const again = calibrate({ runs, scenario, start, holdoutFraction: 0.3, seed: 3, maxIterations: 20 });
    const once = calibrate({ runs, scenario, start, holdoutFraction: 0.3, seed: 3, maxIterations: 20 });
    expect(again.profile).toEqual(once.profile);
    expect(again.fidelity).toEqual(once.fidelity);
  });
});

describe('calibrate input', () => {
  const runs = truthRuns('small').slice(0, 6);
  const failedRun = (r: RealRun): RealRun => ({ ...r, perFrameMs: null, failure: 'spark-submit exited with code 1' });

  it('leaves failed runs out and counts them', () => {
    const mixed = [failedRun(runs[0]), ...runs.slice(1)];
    const r = calibrate({ runs: mixed, scenario, start, holdoutFraction: 0.3, seed: 1, maxIterations: 5 });
    expect(r.fidelity.n_failed).toBe(1);
    expect(r.fidelity.n_runs).toBe(5);
    expect(r.failed).toEqual([{ runId: runs[0].runId, failure: 'spark-submit exited with code 1' }]);
    expect(r.fidelity.perRun.map((p) => p.runId)).not.toContain(runs[0].runId);
  });

  it.each([
    [{ runs: [] }, /expected at least one real run to calibrate from, got none/],
    [{ runs: runs.map(failedRun) }, /expected at least one run without a failure, got 6 failed \(first: .*spark-submit exited with code 1\)/],
    [{ holdoutFraction: 1 }, /holdout: expected a fraction in \(0, 1\), got 1/],
    [{ holdoutFraction: 0 }, /holdout: expected a fraction in \(0, 1\), got 0/],
    [{ parameters: ['warpFactor'] }, /expected profile parameters to fit among .*, got 'warpFactor'/],
    [{ runs: [{ ...runs[0], partitions: 0 }] }, /run .*: partitions: expected a positive integer, got 0/],
  ])('rejects %j with a UserInputError', (override, message) => {
    const options = { runs, scenario, start, holdoutFraction: 0.3, seed: 1, maxIterations: 5, ...override } as Parameters<typeof calibrate>[0];
    expect(() => calibrate(options)).toThrow(UserInputError);
    expect(() => calibrate(options)).toThrow(message);
  });

  it("gives a run without a frame size the scenario sources' mean", () => {
    const r = calibrate({ runs: [{ ...runs[0], megapixelsPerFrame: NaN }, ...runs.slice(1)], scenario, start, holdoutFraction: 0.3, seed: 1, maxIterations: 5 });
    expect(r.megapixelsFromScenario).toEqual([runs[0].runId]);
    expect(r.fidelity.perRun[0].config.megapixelsPerFrame).toBeCloseTo((160 * 90 + 80 * 60 + 240 * 136) / 3 / 1e6, 12);
  });
});

describe('Ernest', () => {
  it('fits its own model exactly', () => {
    const theta = [50, 400, 30, 5];
    const runs = [1, 2, 3, 4, 6, 8].flatMap((slots) =>
      [0.5, 2].map((megapixels) => ({ cores: 1, instances: slots, partitions: 4, framesPerPartition: 10, megapixelsPerFrame: megapixels })),
    );
    const measured = runs.map((r) => ernestFeatures(r).reduce((s, f, i) => s + f * theta[i], 0));
    const model = fitErnest(runs, measured);
    model.coefficients.forEach((c, i) => expect(c).toBeCloseTo(theta[i], 6));
    expect(predictErnest(model, { cores: 2, instances: 5, partitions: 8, framesPerPartition: 5, megapixelsPerFrame: 1 })).toBeCloseTo(
      50 + (400 * 40) / 10 + 30 * Math.log(10) + 5 * 10,
      6,
    );
  });
});
