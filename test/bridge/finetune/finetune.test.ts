import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { readCheckpoint } from '../../../bridge/finetune/checkpoint.js';
import { finetune, gridDistance, type FinetuneOptions, type FinetuneRun } from '../../../bridge/finetune/finetune.js';
import type { LatencyProfile } from '../../../sim/profile.js';
import type { Tf } from '../../../src/agents/tf.js';
import type { Backend } from '../../../src/backend/backend.js';
import { SimulatedBackend } from '../../../src/backend/simulated.js';
import { UserInputError } from '../../../src/errors.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { tinyPolicy } from '../../src/policy/fixtures.js';
import { deltaAction, failed, type Fault, fixedPolicy, key, paperScenario, shiftedScenario, slower, StandInCluster, tempDir, testTf } from './fixtures.js';

let tf: Tf;
let scenario: Scenario;
let real: Scenario;

beforeAll(async () => {
  tf = await testTf();
  scenario = paperScenario();
  real = shiftedScenario(scenario);
});

/** A generous SLO: only injected faults breach it. */
const LOOSE_SLO = { perFrameMs: 5000 };

function options(overrides: Partial<FinetuneOptions> & Pick<FinetuneOptions, 'realBackend' | 'policy'>): FinetuneOptions {
  return { scenario, budget: 6, fpsLevels: [10], slo: LOOSE_SLO, checkpointPath: join(tempDir(), 'checkpoint.json'), seed: 5, ...overrides };
}

const configs = (history: FinetuneRun[]) => history.map((run) => key(run.config));

describe('finetune budget and trust region', () => {
  test('explores only within the trust region around the policy choice, and never runs past the budget', async () => {
    const cluster = new StandInCluster(real);
    const policy = fixedPolicy(tf, scenario, { [deltaAction(-1, 0, 1)]: 3, [deltaAction(0, 0, 0)]: 2 });
    const run = options({ policy, realBackend: cluster, budget: 12, fpsLevels: [10, 30], epsilonStart: 1, epsilonDecay: 1, trustRegion: 1 });
    const result = await finetune(run);
    expect(cluster.calls).toBe(12);
    expect(result.history.map((r) => r.index)).toEqual([...Array(12).keys()]);
    expect(result.history.map((r) => r.fps)).toEqual([10, 30, 10, 30, 10, 30, 10, 30, 10, 30, 10, 30]);
    // The first run at each load is the policy's own choice; every later one explores (epsilon 1), within one grid step of it.
    expect(result.history.map((r) => r.kind)).toEqual(['greedy', 'greedy', ...Array(10).fill('explore')]);
    for (const r of result.history.slice(2)) {
      expect(gridDistance(r.config, r.greedyConfig!, scenario)).toBeLessThanOrEqual(1);
      expect(key(r.config)).not.toBe(key(r.greedyConfig!));
    }
    expect(new Set(result.history.slice(2).map((r) => key(r.config))).size).toBeGreaterThan(3);
    // The budget is spent: running again with the same checkpoint runs nothing more.
    const again = await finetune(run);
    expect(cluster.calls).toBe(12);
    expect(again.resumedFrom).toBe(12);
    expect(configs(again.history)).toEqual(configs(result.history));
  });

  test.each([
    ['worse', 'starts from where the exploration set out', 1.5],
    ['better', 'starts from the explored configuration', 0.5],
  ])('after an exploration that measured %s than the run before, the next decision %s', async (_how, _what, factor) => {
    // The policy stays put; every configuration but its first choice measures `factor` × as long.
    let home: string | null = null;
    const cluster = new StandInCluster(real, (_call, request, o) => {
      const here = key(request.config);
      home ??= here;
      return here === home ? o : slower(o, factor);
    });
    const policy = fixedPolicy(tf, scenario, { [deltaAction(0, 0, 0)]: 5 });
    const result = await finetune(options({ policy, realBackend: cluster, budget: 3, epsilonStart: 1, epsilonDecay: 1, gradientStepsPerRun: 0 }));
    expect(result.history.map((r) => r.kind)).toEqual(['greedy', 'explore', 'explore']);
    const [first, probe, next] = result.history;
    expect(key(probe.from)).toBe(key(first.config));
    expect(key(next.from)).toBe(key(factor > 1 ? first.config : probe.config));
  });

  test('a trust region of 0 never explores', async () => {
    const cluster = new StandInCluster(real);
    const policy = fixedPolicy(tf, scenario, { [deltaAction(-1, 0, 1)]: 3, [deltaAction(0, 0, 1)]: 2.5, [deltaAction(0, 0, 0)]: 2 });
    const result = await finetune(options({ policy, realBackend: cluster, budget: 4, epsilonStart: 1, epsilonDecay: 1, trustRegion: 0, gradientStepsPerRun: 0 }));
    expect(result.history.map((r) => r.kind)).toEqual(['greedy', 'greedy', 'greedy', 'greedy']);
    // -1 core and +1 instance, then +1 instance (cores are at their minimum), then stay (instances at their maximum).
    expect(configs(result.history)).toEqual(['1/800/7', '1/800/8', '1/800/8', '1/800/8']);
    expect(cluster.calls).toBe(4);
  });

  test('resuming with other settings than the checkpoint is refused', async () => {
    const policy = fixedPolicy(tf, scenario, { [deltaAction(0, 0, 0)]: 1 });
    const run = options({ policy, realBackend: new StandInCluster(real), budget: 1, gradientStepsPerRun: 0 });
    await finetune(run);
    const wider = finetune({ ...run, trustRegion: 2 });
    await expect(wider).rejects.toThrow(UserInputError);
    await expect(finetune({ ...run, trustRegion: 2 })).rejects.toThrow(/was written for another trust region \(1; this run has 2\)/);
  });
});

describe('finetune guard rails', () => {
  // +1 instance while it can, then -1 memory, else stay: 1/800/7, 1/800/8, 1/700/8, ...
  const preferences = { [deltaAction(0, 0, 1)]: 10, [deltaAction(0, -1, 0)]: 9, [deltaAction(0, 0, 0)]: 8 };

  test.each([
    ['an SLO breach (p95 above the SLO)', ((call, _request, o) => (call === 2 ? slower(o, 10) : o)) as Fault, /^p95 per-frame time \d+ ms > SLO 5000 ms$/],
    ['a failed run', ((call, _request, o) => (call === 2 ? failed(o) : o)) as Fault, /^failed: executor lost \(injected\)$/],
  ])('rolls back to the last good configuration right after %s', async (_what, fault, reason) => {
    const cluster = new StandInCluster(real, fault);
    const policy = fixedPolicy(tf, scenario, preferences);
    const result = await finetune(options({ policy, realBackend: cluster, budget: 5, epsilonStart: 0, gradientStepsPerRun: 0 }));
    expect(result.history.map((r) => [key(r.config), r.kind, r.breach === null ? 'ok' : 'breach'])).toEqual([
      ['1/800/7', 'greedy', 'ok'],
      ['1/800/8', 'greedy', 'ok'],
      ['1/700/8', 'greedy', 'breach'],
      ['1/800/8', 'rollback', 'ok'],
      // The policy's next choice would be 1/700/8 again; it broke the SLO at this load, so the next best (stay) wins.
      ['1/800/8', 'greedy', 'ok'],
    ]);
    expect(result.history[2].breach).toMatch(reason);
    expect(key(result.history[2].rollbackTo!)).toBe('1/800/8');
    expect(result.rollbacks).toBe(1);
    expect(cluster.calls).toBe(5);
  });

  test('a breach with no good configuration yet has nothing to roll back to', async () => {
    const cluster = new StandInCluster(real, (call, _request, o) => (call === 0 ? failed(o) : o));
    const policy = fixedPolicy(tf, scenario, preferences);
    const result = await finetune(options({ policy, realBackend: cluster, budget: 2, epsilonStart: 0, gradientStepsPerRun: 0 }));
    expect(result.history.map((r) => [key(r.config), r.kind])).toEqual([
      ['1/800/7', 'greedy'],
      ['1/800/8', 'greedy'],
    ]);
    expect(result.history[0].rollbackTo).toBeNull();
  });
});

describe('finetune checkpoint', () => {
  test('killed in the middle and restarted, it repeats no real run, loses none, and decides as if never stopped', async () => {
    const policy = () => fixedPolicy(tf, scenario, { [deltaAction(-1, 0, 1)]: 3, [deltaAction(0, 1, 0)]: 2.9, [deltaAction(0, 0, 0)]: 2.8 });
    const settings = { budget: 8, fpsLevels: [10, 30], epsilonStart: 0.5, epsilonDecay: 0.9, gradientStepsPerRun: 4, simStepsPerRun: 16 };

    const reference = await finetune(options({ policy: policy(), realBackend: new StandInCluster(real), ...settings }));

    const cluster = new StandInCluster(real);
    const checkpointPath = join(tempDir(), 'nested', 'checkpoint.json');
    const reported: number[] = [];
    let killed = false;
    const onRealRun = (run: FinetuneRun) => {
      // Every run is in the checkpoint before it is reported.
      expect(readCheckpoint(checkpointPath)!.runsDone).toBe(run.index + 1);
      if (run.index === 3 && !killed) {
        killed = true;
        throw new Error('killed after run 3');
      }
      reported.push(run.index);
    };
    const first = finetune(options({ policy: policy(), realBackend: cluster, checkpointPath, onRealRun, ...settings }));
    await expect(first).rejects.toThrow('killed after run 3');
    expect(cluster.calls).toBe(4);
    expect(reported).toEqual([0, 1, 2]);

    const resumed = await finetune(options({ policy: policy(), realBackend: cluster, checkpointPath, onRealRun, ...settings }));
    expect(resumed.resumedFrom).toBe(4);
    expect(cluster.calls).toBe(8);
    expect(reported).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(resumed.history.map((r) => [key(r.config), r.kind, r.fps, r.reward])).toEqual(reference.history.map((r) => [key(r.config), r.kind, r.fps, r.reward]));
    expect(readdirSync(join(checkpointPath, '..'))).toEqual(['checkpoint.json']);
  });

  test('a checkpoint of another version is a one-line error naming the version', async () => {
    const checkpointPath = join(tempDir(), 'checkpoint.json');
    await finetune(options({ policy: fixedPolicy(tf, scenario, {}), realBackend: new StandInCluster(real), checkpointPath, budget: 1 }));
    writeFileSync(checkpointPath, JSON.stringify({ ...JSON.parse(readFileSync(checkpointPath, 'utf8')), version: 2 }));
    await expect(finetune(options({ policy: fixedPolicy(tf, scenario, {}), realBackend: new StandInCluster(real), checkpointPath, budget: 2 }))).rejects.toThrow(
      new UserInputError(`${checkpointPath}: version: expected 1 (the version this sspe reads), got 2`),
    );
  });

  test('a corrupt checkpoint is a one-line error naming the file', async () => {
    const checkpointPath = join(tempDir(), 'checkpoint.json');
    writeFileSync(checkpointPath, '{"format": "sspe-finetune-checkpoint", "version": 1, "runsDone": ');
    const policy = fixedPolicy(tf, scenario, {});
    await expect(finetune(options({ policy, realBackend: new StandInCluster(real), checkpointPath }))).rejects.toThrow(
      new RegExp(`^${checkpointPath}: not valid JSON .*: the checkpoint is corrupt; move it away to start over$`),
    );
  });
});

describe('finetune learning', () => {
  test('calls the recalibration hook every recalibrateEvery runs, and simulates with the profile it returns', async () => {
    const profiles: string[] = [];
    const seen: number[] = [];
    const simBackendFactory = (profile: LatencyProfile): Backend => {
      profiles.push(profile.name);
      return new SimulatedBackend({ ...scenario, profile }, { mode: 'trial', windowBatches: 2, settleMs: 0 });
    };
    const recalibrate = (runs: readonly FinetuneRun[]) => {
      seen.push(runs.length);
      return runs.length === 2 ? real.profile : null;
    };
    const policy = fixedPolicy(tf, scenario, { [deltaAction(0, 0, 0)]: 1 });
    await finetune(
      options({ policy, realBackend: new StandInCluster(real), budget: 5, recalibrateEvery: 2, recalibrate, simBackendFactory, gradientStepsPerRun: 1, simStepsPerRun: 2, groundLatency: false }),
    );
    expect(seen).toEqual([2, 4]);
    // Runs 1 and 2 learn with the scenario's profile; from run 2 on, with the recalibrated one (a null keeps it).
    expect(profiles).toEqual([scenario.profile.name, real.profile.name, real.profile.name, real.profile.name]);
  });

  test('grounding measures how much slower the real cluster is, and the tuned policy reads real per-frame times with it', async () => {
    const policy = fixedPolicy(tf, scenario, { [deltaAction(0, 0, 1)]: 2, [deltaAction(0, 0, 0)]: 1 });
    const result = await finetune(options({ policy, realBackend: new StandInCluster(real), budget: 4, fpsLevels: [10, 30], gradientStepsPerRun: 0 }));
    expect(result.history.map((r) => r.latencyRatio)).toEqual([1, expect.any(Number), expect.any(Number), expect.any(Number)]);
    // Task overhead and CPU per frame × 1.3 make a frame 15-30% slower (transfers and queueing are unchanged).
    expect(result.latencyRatio).toBeGreaterThan(1.1);
    expect(result.latencyRatio).toBeLessThan(1.35);
    expect(result.policy.metadata.observation.latencyScale).toBeCloseTo(policy.metadata.observation.latencyScale * result.latencyRatio, 10);
    const same = await finetune(options({ policy, realBackend: new StandInCluster(scenario), budget: 2, gradientStepsPerRun: 0 }));
    expect(same.latencyRatio).toBeCloseTo(1, 1);
  });

  test('gradient steps on mixed batches change the policy', async () => {
    const policy = fixedPolicy(tf, scenario, { [deltaAction(0, 0, 0)]: 1 });
    const before = policy.model.getWeights().map((w) => Array.from(w.dataSync()));
    const result = await finetune(options({ policy, realBackend: new StandInCluster(real), budget: 3, gradientStepsPerRun: 4, simStepsPerRun: 8 }));
    const after = result.policy.model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(after).not.toEqual(before);
    expect(result.policy.metadata.name).toBe('fixed-tuned');
    // The caller's network is left as it was.
    expect(policy.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });
});

describe('finetune errors', () => {
  test('a network of another architecture than the DQN is refused', async () => {
    const { model, metadata } = tinyPolicy(tf, scenario);
    const policy = { dir: 'models/tiny', model, metadata, tf };
    await expect(finetune(options({ policy, realBackend: new StandInCluster(real) }))).rejects.toThrow(
      /^models\/tiny: fine-tuning needs the DQN network sspe trains \(12 → h → h → 27, ReLU\); this one has weights/,
    );
  });

  test('bad settings name the setting', async () => {
    const policy = fixedPolicy(tf, scenario, {});
    await expect(finetune(options({ policy, realBackend: new StandInCluster(real), budget: -1 }))).rejects.toThrow('budget: expected a non-negative integer of real runs, got -1');
    await expect(finetune(options({ policy, realBackend: new StandInCluster(real), trustRegion: 1.5 }))).rejects.toThrow('trustRegion: expected an integer in [0, 100], got 1.5');
    expect(existsSync(join(tempDir(), 'checkpoint.json'))).toBe(false);
  });
});
