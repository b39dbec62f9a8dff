import { describe, expect, it } from 'vitest';
import { Ds2Policy } from '../../../../src/agents/baselines/ds2.js';
import { loadScenarioSync } from '../../../../src/scenario/load.js';
import { ADD_ONE, KEEP, REMOVE_ONE, decision, outcome } from './context.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');
const at6 = { executorCores: 1, executorMemoryMb: 800, executorInstances: 6 };

describe('the DS2 baseline', () => {
  const ds2 = new Ds2Policy();
  // 20 frames/s over 5 executors busy half the time: each truly processes 20 / (0.5 × 5) = 8 frames per busy second.
  const last = outcome({ throughputFps: 20, cpuUtil: 0.5, executorsRunning: 5 });

  it('computes instances = ceil(input rate / (true rate per executor × target utilisation))', () => {
    const ctx = decision({ scenario: paper, config: at6, last, fps: 40 });
    expect(ds2.trueRatePerExecutorFps(ctx)).toBe(8);
    // 40 / (8 × 0.7) = 7.14 → 8.
    expect(ds2.desiredInstances(ctx)).toBe(8);
    expect(ds2.act(ctx)).toBe(ADD_ONE);
  });

  it('plans for the load ahead and scales in when it drops', () => {
    // 28 / 5.6 = 5 exactly: no rounding up of a float hair.
    const ctx = decision({ scenario: paper, config: at6, last, fps: 28 });
    expect(ds2.desiredInstances(ctx)).toBe(5);
    expect(ds2.act(ctx)).toBe(REMOVE_ONE);
    expect(new Ds2Policy({ targetUtilization: 1 }).desiredInstances(decision({ scenario: paper, config: at6, last, fps: 40 }))).toBe(5);
  });

  it("measures useful time by busy task slots when the backend reports them (DS2's useful time), not CPU used ÷ requested", () => {
    const ctx = decision({ scenario: paper, config: at6, last: outcome({ throughputFps: 20, cpuUtil: 0.9, slotUtil: 0.5, executorsRunning: 5 }), fps: 40 });
    expect(ds2.trueRatePerExecutorFps(ctx)).toBe(8);
  });

  it('keeps the configuration without a measured rate', () => {
    for (const l of [null, outcome({ throughputFps: 0 }), outcome({ cpuUtil: 0 }), outcome({ executorsRunning: 0 })]) {
      expect(ds2.act(decision({ scenario: paper, config: at6, last: l }))).toBe(KEEP);
    }
  });
});
