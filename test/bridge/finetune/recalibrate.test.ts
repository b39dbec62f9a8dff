import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { finetune, type FinetuneRun } from '../../../bridge/finetune/finetune.js';
import { realRunOf, recalibrationHook } from '../../../bridge/finetune/recalibrate.js';
import type { LatencyProfile } from '../../../sim/profile.js';
import type { Tf } from '../../../src/agents/tf.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { deltaAction, failed, fixedPolicy, paperScenario, shiftedScenario, StandInCluster, tempDir, testTf } from './fixtures.js';

let tf: Tf;
let scenario: Scenario;
let real: Scenario;

beforeAll(async () => {
  tf = await testTf();
  scenario = paperScenario();
  real = shiftedScenario(scenario);
});

test('recalibrating from the real runs brings the simulator close to the real cluster', async () => {
  const fits: { mapeTrainPct: number; startMapeTrainPct: number }[] = [];
  const warnings: string[] = [];
  const profiles: LatencyProfile[] = [];
  const hook = recalibrationHook({ scenario, master: 'stand-in', batches: 2, seed: 1, onFit: (f) => fits.push(f), onWarning: (w) => warnings.push(w) });
  const result = await finetune({
    policy: fixedPolicy(tf, scenario, { [deltaAction(-1, 1, 1)]: 2, [deltaAction(0, 0, 0)]: 1 }),
    scenario,
    realBackend: new StandInCluster(real),
    budget: 9,
    fpsLevels: [10, 30, 60],
    slo: { perFrameMs: 5000 },
    checkpointPath: join(tempDir(), 'checkpoint.json'),
    seed: 2,
    epsilonStart: 1,
    epsilonDecay: 1,
    gradientStepsPerRun: 1,
    simStepsPerRun: 0,
    simLookahead: false,
    recalibrateEvery: 3,
    recalibrate: (runs) => {
      const profile = hook(runs);
      if (profile !== null) profiles.push(profile);
      return profile;
    },
  });
  // After 3 runs: too few to fit four parameters; after 6, a fit.
  expect(warnings).toEqual(['recalibration after 3 real runs skipped: 3 usable runs, at least 4 wanted']);
  expect(fits).toHaveLength(1);
  expect(fits[0].mapeTrainPct).toBeLessThan(fits[0].startMapeTrainPct / 2);
  expect(profiles[0].name).toBe('paper-testbed-recalibrated');
  // Grounding measures what is left between the simulator and the real cluster: run 5 still against the scenario's
  // profile, runs 6 to 8 against the recalibrated one.
  const before = result.history[5].latencyRatio;
  expect(before).toBeGreaterThan(1.1);
  for (const run of result.history.slice(6)) expect(Math.abs(Math.log(run.latencyRatio))).toBeLessThan(Math.log(before) / 2);
});

test('a fine-tuning run reads as a calibration record', () => {
  const outcome = failed(
    { perFrameMs: { mean: 1, p50: 1, p95: 1, p99: 1, max: 1 }, executorsRunning: 2, wallMs: 30_000, failure: null } as FinetuneRun['outcome'],
    'executor lost',
  );
  const run = { index: 4, fps: 30, config: { executorCores: 1, executorMemoryMb: 800, executorInstances: 8 }, outcome } as FinetuneRun;
  expect(realRunOf(run, { scenario, master: 'local-cluster[2,2,2048]', batches: 3 })).toEqual({
    runId: 'finetune-4',
    master: 'local-cluster[2,2,2048]',
    cores: 1,
    memoryMb: 800,
    instances: 8,
    partitions: 8,
    framesPerPartition: 30,
    fps: 30,
    batches: 3,
    megapixelsPerFrame: Number.NaN,
    perFrameMs: null,
    executorsRunning: 2,
    wallMs: 30_000,
    eventLogPath: null,
    failure: 'executor lost',
  });
});
