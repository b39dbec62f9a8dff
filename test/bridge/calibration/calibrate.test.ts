import { beforeAll, describe, expect, it } from 'vitest';
import { calibrate, DEFAULT_CALIBRATION_PARAMETERS, LOCAL_FIT_RANGES, type CalibrationResult } from '../../../bridge/calibration/calibrate.js';
import { loadProfile } from '../../../src/profile/load.js';
import { ernestFeatures, fitErnest, predictErnest } from '../../../bridge/calibration/ernest.js';
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import type { LatencyProfile } from '../../../sim/profile.js';
import { UserInputError } from '../../../src/errors.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { syntheticRuns } from './synthetic.js';

const scenarioFile = loadScenarioSync('scenarios/local-cluster.yaml');
// Little task jitter: the runs' own noise is the 3% added to each measured mean. The background CPU starts off the
// truth but not at the shipped profile's measured 0.001 vCPU: from there, in log space, the fit's ±50 % steps would
// need about fourteen to reach 0.3, and the other parameters absorb it first.
// The fitted ones start where they are written here, not at whatever the shipped profile's latest refit left.
const start: LatencyProfile = {
  ...scenarioFile.profile,
  parameters: { ...scenarioFile.profile.parameters, taskJitterSigma: 0.05, executorBackgroundCpu: 0.5, taskOverheadMs: 30, cpuContentionExponent: 0.6, taskMemoryBaseMb: 28 },
};
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
  let recovered: CalibrationResult;
  beforeAll(() => {
    runs = truthRuns('truth');
    // The five parameters the truth moved (the default set fits only what measure:frames cannot measure; see below).
    const parameters = Object.keys(TRUTH) as (keyof typeof TRUTH)[];
    result = calibrate({ runs, scenario, start, holdoutFraction: 0.3, seed: 3, parameters });
    // Recovery is a property of the fit on every configuration.
    recovered = calibrate({ runs, scenario, start, holdoutFraction: 0, seed: 3, parameters });
  });

  it('recovers the parameters it fits', () => {
    const fitted = recovered.profile.parameters;
    expect(Math.abs(fitted.frameCpuMsPerMegapixel / TRUTH.frameCpuMsPerMegapixel - 1)).toBeLessThan(0.1);
    expect(Math.abs(fitted.taskOverheadMs / TRUTH.taskOverheadMs - 1)).toBeLessThan(0.1);
    expect(Math.abs(fitted.cpuContentionExponent / TRUTH.cpuContentionExponent - 1)).toBeLessThan(0.1);
    // 25 ms against task times of hundreds (and a measured 48 ms of CPU per task beside them): the least identified.
    expect(Math.abs(fitted.jobOverheadMs / TRUTH.jobOverheadMs - 1)).toBeLessThan(0.5);
    // One executor of two cores against two of one, on a full node.
    expect(Math.abs(fitted.executorBackgroundCpu - TRUTH.executorBackgroundCpu)).toBeLessThan(0.1);
    // The others keep the start's values.
    const { frameCpuMsPerMegapixel: _a, taskOverheadMs: _b, jobOverheadMs: _c, cpuContentionExponent: _d, executorBackgroundCpu: _i, ...rest } = fitted;
    const { frameCpuMsPerMegapixel: _e, taskOverheadMs: _f, jobOverheadMs: _g, cpuContentionExponent: _h, executorBackgroundCpu: _j, ...startRest } = start.parameters;
    expect(rest).toEqual(startRest);
    expect(recovered.fidelity.n_configs_holdout).toBe(0);
    expect(recovered.fidelity.mape_holdout).toBeNull();
  });

  it('predicts configurations it never saw within a few percent, better than Ernest, and says how noisy the runs are', () => {
    const f = result.fidelity;
    expect(f.n_runs).toBe(40);
    // 30 % of the 20 configurations, each with both its runs.
    expect([f.n_configs_holdout, f.n_configs_train]).toEqual([6, 14]);
    expect(f.n_holdout).toBe(12);
    expect(f.n_train).toBe(28);
    expect(f.n_failed).toBe(0);
    const trainKeys = new Set(f.perRun.filter((r) => r.split === 'train').map((r) => JSON.stringify(r.config)));
    expect(f.perRun.filter((r) => r.split === 'holdout' && trainKeys.has(JSON.stringify(r.config)))).toEqual([]);
    // 3 % relative noise per run: the median |run - mean of its pair| / mean is about 0.48 x 3 %.
    expect(f.noise.repeatedConfigs).toBe(20);
    expect(f.noise.pct!).toBeGreaterThan(0.3);
    expect(f.noise.pct!).toBeLessThan(3);
    expect(result.fit.startMapeTrainPct).toBeGreaterThan(20);
    expect(f.mape_train).toBeLessThan(5);
    // Unseen configurations, 3 % noise, a fit of 5 parameters in 300 iterations: within about 3 sigma.
    expect(f.mape_holdout!).toBeLessThan(10);
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
    // Determinism needs no good fit: one short round on few simulated batches.
    const quickFit = { runs, scenario, start, holdoutFraction: 0.3, seed: 3, maxIterations: 10, rounds: 1, minSimulatedBatches: 10 } as const;
    const again = calibrate(quickFit);
    const once = calibrate(quickFit);
    expect(again.profile).toEqual(once.profile);
    expect(again.fidelity).toEqual(once.fidelity);
  });
});

describe('calibrate by default: what measure:frames measured stays, the rest is fitted inside its plausible range', () => {
  // The shipped local-machine profile, its measured parameters as measured; the truth differs only in what cannot be measured.
  const measuredStart = loadProfile('models/profiles/local-machine.json');
  const base: LatencyProfile = { ...measuredStart, parameters: { ...measuredStart.parameters, taskJitterSigma: 0.05 } };
  const onBase: Scenario = { ...scenarioFile, profile: base };
  const hidden = { taskOverheadMs: 70, cpuContentionExponent: 1.2 };
  let r: CalibrationResult;
  beforeAll(() => {
    const runs = syntheticRuns({
      scenario: onBase,
      truth: { ...base, parameters: { ...base.parameters, ...hidden } },
      configs: [1, 2].flatMap((cores) => [1, 2].map((instances) => ({ cores, memoryMb: 1024, instances }))),
      workloads: [
        { partitions: 2, framesPerPartition: 10, megapixelsPerFrame: 0.2 },
        { partitions: 4, framesPerPartition: 10, megapixelsPerFrame: 0.2 },
      ],
      repeats: 2,
      noiseSigma: 0.03,
      fps: 10,
      batches: 5,
      seed: 'defaults',
    });
    r = calibrate({ runs, scenario: onBase, start: base, holdoutFraction: 0, seed: 2, maxIterations: 40 });
  });

  it('fits only the parameters with a plausible range, and none of them is a measured one', () => {
    expect(DEFAULT_CALIBRATION_PARAMETERS).toEqual(Object.keys(LOCAL_FIT_RANGES));
    expect(Object.keys(r.fit.parameters)).toEqual([...DEFAULT_CALIBRATION_PARAMETERS]);
    for (const name of DEFAULT_CALIBRATION_PARAMETERS) {
      expect(measuredStart.provenance?.[name]?.source).not.toBe('measured');
      const range = LOCAL_FIT_RANGES[name]!;
      expect(r.fit.parameters[name].bounds).toEqual([range.min, range.max]);
      expect(r.profile.provenance?.[name]).toMatchObject({ source: 'fitted', range: [range.min, range.max] });
      expect(r.profile.provenance?.[name]?.note).toContain(range.why);
    }
  });

  it('keeps every measured parameter at its measured value, with its provenance, and says so', () => {
    const measured = Object.entries(measuredStart.provenance ?? {}).filter(([, p]) => p.source === 'measured').map(([name]) => name);
    expect(measured).toEqual(expect.arrayContaining(['frameCpuMsPerMegapixel', 'taskCpuMs', 'jobOverheadMs', 'executorBackgroundCpu']));
    expect([...r.fit.measuredKept].sort()).toEqual([...measured].sort());
    for (const name of r.fit.measuredKept) {
      expect(r.profile.parameters[name]).toBe(measuredStart.parameters[name]);
      expect(r.profile.provenance?.[name]).toEqual(measuredStart.provenance?.[name]);
    }
  });

  it('recovers the unmeasured task overhead and contention from the runs', () => {
    expect(Math.abs(r.profile.parameters.taskOverheadMs / hidden.taskOverheadMs - 1)).toBeLessThan(0.15);
    expect(Math.abs(r.profile.parameters.cpuContentionExponent / hidden.cpuContentionExponent - 1)).toBeLessThan(0.2);
    expect(r.fidelity.mape_train).toBeLessThan(5);
  });
});

describe('calibrate input', () => {
  const runs = truthRuns('small').slice(0, 6);
  const failedRun = (r: RealRun): RealRun => ({ ...r, perFrameMs: null, failure: 'spark-submit exited with code 1' });

  it('leaves failed runs out and counts them', () => {
    const mixed = [failedRun(runs[0]), ...runs.slice(1)];
    const r = calibrate({ runs: mixed, scenario, start, holdoutFraction: 0.3, seed: 1, maxIterations: 5, rounds: 1, minSimulatedBatches: 5 });
    expect(r.fidelity.n_failed).toBe(1);
    expect(r.fidelity.n_runs).toBe(5);
    expect(r.failed).toEqual([{ runId: runs[0].runId, failure: 'spark-submit exited with code 1' }]);
    expect(r.fidelity.perRun.map((p) => p.runId)).not.toContain(runs[0].runId);
  });

  it.each([
    [{ runs: [] }, /expected at least one real run to calibrate from, got none/],
    [{ runs: runs.map(failedRun) }, /expected at least one run without a failure, got 6 failed \(first: .*spark-submit exited with code 1\)/],
    [{ holdoutFraction: 1 }, /holdout: expected a fraction in \[0, 1\), got 1/],
    [{ holdoutFraction: -0.5 }, /holdout: expected a fraction in \[0, 1\), got -0.5/],
    [{ parameters: ['warpFactor'] }, /expected profile parameters to fit among .*, got 'warpFactor'/],
    [{ runs: [{ ...runs[0], partitions: 0 }] }, /run .*: partitions: expected a positive integer, got 0/],
  ])('rejects %j with a UserInputError', (override, message) => {
    const options = { runs, scenario, start, holdoutFraction: 0.3, seed: 1, maxIterations: 5, ...override } as Parameters<typeof calibrate>[0];
    expect(() => calibrate(options)).toThrow(UserInputError);
    expect(() => calibrate(options)).toThrow(message);
  });

  it("gives a run without a frame size the scenario sources' mean", () => {
    const r = calibrate({ runs: [{ ...runs[0], megapixelsPerFrame: NaN }, ...runs.slice(1)], scenario, start, holdoutFraction: 0.3, seed: 1, maxIterations: 5, rounds: 1, minSimulatedBatches: 5 });
    expect(r.megapixelsFromScenario).toEqual([runs[0].runId]);
    expect(r.fidelity.perRun[0].config.megapixelsPerFrame).toBeCloseTo((160 * 90 + 80 * 60 + 240 * 136) / 3 / 1e6, 12);
  });
});

describe('what the data identified, the refusals, the CPU probe', () => {
  const runs = truthRuns('small').filter((r) => r.instances === 2 && r.megapixelsPerFrame === 0.1);
  const quick = { runs, scenario, start, holdoutFraction: 0, seed: 1, maxIterations: 8, minSimulatedBatches: 5 } as const;

  it('reports a parameter the runs do not see as not identified, and one that ends at its bound', () => {
    // Warm-started replays never schedule a pod: podSchedulingMs moves nothing.
    const r = calibrate({ ...quick, parameters: ['taskOverheadMs', 'podSchedulingMs'] });
    expect(r.fit.parameters.taskOverheadMs).toMatchObject({ identified: true, atBound: null });
    expect(r.fit.parameters.taskOverheadMs.sensitivityPct).toBeGreaterThan(r.fit.identificationThresholdPct);
    expect(r.fit.parameters.podSchedulingMs).toMatchObject({ identified: false, sensitivityPct: 0, bounds: [0.001, 1e6] });
    expect(r.fit.identificationThresholdPct).toBe(r.fidelity.noise.pct);
    // Runs 20 x faster than any task overhead allows: the fit drives it down to its floor, and says so.
    const fast = runs.map((run) => ({ ...run, perFrameMs: { ...run.perFrameMs!, mean: run.perFrameMs!.mean / 20 } }));
    const floored = calibrate({ ...quick, runs: fast, parameters: ['taskOverheadMs'], maxIterations: 40 });
    expect(floored.fit.parameters.taskOverheadMs).toMatchObject({ atBound: 'lower', fitted: 5, bounds: [5, 300] });
    expect(floored.profile.provenance?.taskOverheadMs).toMatchObject({ source: 'fitted', range: [5, 300], atBound: 'min' });
    // A parameter without a plausible range of its own is searched over the profile's declared one, down to the log-space floor.
    const jobFloored = calibrate({ ...quick, runs: fast, parameters: ['jobOverheadMs'], maxIterations: 40 });
    expect(jobFloored.fit.parameters.jobOverheadMs.bounds).toEqual([0.001, 1e6]);
  });

  it('refuses to fit from fewer configurations than parameters + 1, and a holdout of fewer configurations than asked', () => {
    // 6 configurations (2 cores x 3 workloads), 2 runs each.
    const message = (extra: object) => {
      try {
        calibrate({ ...quick, ...extra });
      } catch (error) {
        expect(error).toBeInstanceOf(UserInputError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(message({ minTrainConfigs: 7 })).toBe(
      'expected at least 7 distinct configurations (executor shape x workload shape x frame size) to fit 3 parameters, got 6: collect more configurations or fit fewer parameters',
    );
    expect(message({ holdoutFraction: 0.3, minHoldoutConfigs: 3 })).toBe(
      'expected at least 3 held-out configurations to report a MAPE, got 2 of 6 distinct configurations (holdout 0.3): collect more configurations, raise the holdout share, or fit without a holdout (0)',
    );
    expect(message({ holdoutFraction: 0.5, minHoldoutConfigs: 3, minTrainConfigs: 4, parameters: ['taskOverheadMs', 'jobOverheadMs', 'frameCpuMsPerMegapixel'] })).toBe(
      'expected at least 4 training configurations to fit 3 parameters, got 3 of 6 distinct configurations after holding out 3: collect more configurations or lower the holdout share',
    );
  });

  it('normalises measured times by the CPU probe on request, and reports the probe spread either way', () => {
    // The second repeat of every configuration ran on a machine 1.5 x slower: its probe and its time both 1.5 x.
    const probed = runs.map((r) => (r.runId.endsWith('-r1') ? { ...r, perFrameMs: { ...r.perFrameMs!, mean: 1.5 * r.perFrameMs!.mean }, cpuProbe: { wallMs: 300, cpuMs: 290 } } : { ...r, cpuProbe: { wallMs: 200, cpuMs: 195 } }));
    const raw = calibrate({ ...quick, runs: probed, parameters: ['taskOverheadMs'] });
    const normalised = calibrate({ ...quick, runs: probed, parameters: ['taskOverheadMs'], normaliseByProbe: true });
    expect(raw.fidelity.probe).toMatchObject({ runs: 12, medianWallMs: 250, spreadPct: 20, slowestToFastest: 1.5 });
    expect(raw.fidelity.noise.pct!).toBeGreaterThan(15);
    expect(normalised.fidelity.probe_normalised).toBe(true);
    expect(normalised.fidelity.noise.pct!).toBeLessThan(3);
    expect(normalised.fidelity.perRun.map((r) => r.probeFactor)).toEqual(probed.map((r) => (r.runId.endsWith('-r1') ? 250 / 300 : 250 / 200)));
    expect(() => calibrate({ ...quick, parameters: ['taskOverheadMs'], normaliseByProbe: true })).toThrow(
      /^run .*: probeWallMs: expected a CPU probe to normalise by \(runs collected by sspe collect record one\), got none$/,
    );
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
