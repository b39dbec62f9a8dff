import { describe, expect, it } from 'vitest';
import { SimulatedBackend } from '../../../src/backend/simulated.js';
import { checkEnv } from '../../../src/env/check-env.js';
import { ConfigEnv } from '../../../src/env/config-env.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');

function makeEnv(scenario: Scenario, overrides: Partial<Scenario['learning']['env']> = {}) {
  const envOptions = { ...scenario.learning.env, ...overrides };
  const backend = new SimulatedBackend(scenario, { mode: envOptions.backendMode, windowBatches: envOptions.windowBatches, settleMs: envOptions.settleMs });
  return new ConfigEnv({ scenario, backend, env: envOptions, reward: scenario.learning.reward });
}

describe('ConfigEnv on the simulated paper testbed', () => {
  it.each([
    ['delta', 'trial'],
    ['absolute', 'trial'],
    ['delta', 'continuous'],
  ] as const)('passes checkEnv with %s actions in %s mode', async (encoding, backendMode) => {
    await checkEnv(makeEnv(paper, { encoding, backendMode, stepsPerEpisode: 12, settleMs: 5000 }), { steps: 12, seed: 3 });
  });

  it('declares the paper action space: 27 delta actions, 72 absolute ones, 12 features', () => {
    expect(makeEnv(paper).actionSpace.n).toBe(27);
    expect(makeEnv(paper, { encoding: 'absolute' }).actionSpace.n).toBe(72);
    expect(makeEnv(paper).observationSpace.shape).toEqual([12]);
  });

  it('masks delta actions that would leave the action space instead of clipping them', async () => {
    const env = makeEnv(paper);
    await env.reset({ seed: 1 });
    env.configuration.set({ executorCores: 3, executorMemoryMb: 1000, executorInstances: 8 });
    const mask = env.actionMask();
    // +1 core is masked everywhere; keeping everything (13) and stepping down are allowed.
    for (let a = 18; a < 27; a++) expect(mask[a]).toBe(0);
    expect(mask[13]).toBe(1);
    expect(mask[0]).toBe(1);
    await expect(env.step(26)).rejects.toThrow(/action 26 is masked/);
  });

  it('truncates at stepsPerEpisode and rewards faster configurations more (inverse reward)', async () => {
    const env = makeEnv(paper, { stepsPerEpisode: 3, encoding: 'absolute' });
    await env.reset({ seed: 1, fps: 10 });
    const grid = env.configuration.grid;
    const best = grid.findIndex((c) => c.executorCores === 1 && c.executorMemoryMb === 900 && c.executorInstances === 8);
    const bad = grid.findIndex((c) => c.executorCores === 3 && c.executorMemoryMb === 500 && c.executorInstances === 5);
    const a = await env.step(best);
    const b = await env.step(bad);
    const c = await env.step(best);
    expect(a.reward).toBeGreaterThan(b.reward);
    // The move away from the starting configuration pays the scenario's change penalty; staying put does not.
    expect(a.reward).toBeCloseTo(1000 / a.info.outcome!.perFrameMs.mean - paper.learning.reward.changePenalty, 10);
    expect(c.reward).toBeCloseTo(1000 / c.info.outcome!.perFrameMs.mean - paper.learning.reward.changePenalty, 10);
    expect([a.truncated, b.truncated, c.truncated]).toEqual([false, false, true]);
    expect(a.info.fps).toBe(10);
  });
});
