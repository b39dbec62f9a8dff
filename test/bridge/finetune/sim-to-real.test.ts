/**
 * The point of the bridge: a policy trained on the (unshifted) simulator and
 * fine-tuned on the "real" cluster (the simulator with task overhead and CPU
 * per frame × 1.3) gets within 10% of the real grid's best configuration in a
 * handful of real runs, where CherryPick-style Bayesian optimisation, which
 * starts from nothing, needs more.
 */
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { bayesOpt } from '../../../bridge/finetune/bayes-opt.js';
import { finetune } from '../../../bridge/finetune/finetune.js';
import { LearnedPolicy } from '../../../src/agents/learned-policy.js';
import type { Tf } from '../../../src/agents/tf.js';
import { evaluatePolicies } from '../../../src/evaluate/evaluate.js';
import type { LoadedPolicy } from '../../../src/policy/artifact.js';
import { actionSpaceConfigs } from '../../../src/scenario/run-spec.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { groundTruth, key, paperScenario, runsToWithin, shiftedScenario, StandInCluster, tempDir, testTf, trainedPolicy } from './fixtures.js';

const FPS = 30;
const BUDGET = 10;
/** Within reach at 30 fps on the "real" cluster (its best p95 is about 890 ms), so breaches and rollbacks can happen. */
const SLO = { perFrameMs: 1000 };

let tf: Tf;
let scenario: Scenario;
let real: Scenario;
let policy: LoadedPolicy;
let truth: Map<string, number>;

beforeAll(async () => {
  tf = await testTf();
  scenario = paperScenario();
  real = shiftedScenario(scenario);
  policy = await trainedPolicy(tf, scenario);
  truth = await groundTruth(real, FPS);
});

test('the premise: the quickly trained policy is near the optimum on the simulator it was trained on', async () => {
  const levels = await evaluatePolicies({ scenario, policies: { dqn: () => new LearnedPolicy('dqn', tf, policy.model) }, seeds: [1], levels: [FPS] });
  const simTruth = await groundTruth(scenario, FPS);
  expect(levels[0].policies.dqn.per_frame_ms.mean).toBeLessThanOrEqual(1.05 * Math.min(...simTruth.values()));
});

test('fine-tuning a simulator-trained policy reaches within 10% of the real best in at most 10 real runs, in fewer than Bayesian optimisation', async () => {
  const best = Math.min(...truth.values());
  const finetuneRuns: number[] = [];
  for (const seed of [1, 2, 3]) {
    const cluster = new StandInCluster(real);
    const result = await finetune({
      policy,
      scenario,
      realBackend: cluster,
      budget: BUDGET,
      fpsLevels: [FPS],
      slo: SLO,
      checkpointPath: join(tempDir(), 'checkpoint.json'),
      seed,
    });
    expect(cluster.calls).toBe(BUDGET);
    const runs = runsToWithin(result.history.map((r) => r.config), truth);
    expect(runs).not.toBeNull();
    finetuneRuns.push(runs!);
    // The configuration it reports as best is within 10% too.
    expect(truth.get(key(result.best[0].config))!).toBeLessThanOrEqual(best * 1.1);
  }

  const candidates = actionSpaceConfigs(scenario);
  const boRuns: number[] = [];
  for (const seed of [1, 2, 3, 4, 5]) {
    const cluster = new StandInCluster(real);
    const history = await bayesOpt({
      candidates,
      evaluate: async (config) => {
        const outcome = await cluster.runTrial({ config: { ...scenario.spark, ...config }, fps: FPS });
        return outcome.failure === null ? outcome.perFrameMs.mean : null;
      },
      budget: 40,
      seed,
    });
    boRuns.push(runsToWithin(history.map((h) => h.candidate), truth) ?? Infinity);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `real runs to within 10% of the real best at ${FPS} fps (${candidates.length} configurations): ` +
      `finetune ${finetuneRuns.join(', ')} (mean ${mean(finetuneRuns).toFixed(1)}); Bayesian optimisation ${boRuns.join(', ')} (mean ${mean(boRuns).toFixed(1)})`,
  );
  expect(Math.max(...finetuneRuns)).toBeLessThanOrEqual(BUDGET);
  expect(mean(boRuns)).toBeGreaterThan(mean(finetuneRuns));
});
