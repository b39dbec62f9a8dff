import { describe, expect, it } from 'vitest';
import { SimulatedBackend } from '../../../src/backend/simulated.js';
import { TraceRun } from '../../../src/backend/trace-run.js';
import { configRequestCostPerHour } from '../../../src/scenario/pricing.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { loadSensitiveScenario } from '../evaluate/load-sensitive.js';

const PRICING = { vcpuHour: 0.04, gbHour: 0.005 };

async function scenario(): Promise<Scenario> {
  return loadSensitiveScenario({ pricing: `  pricing: { vcpuHour: ${PRICING.vcpuHour}, gbHour: ${PRICING.gbHour} }` });
}

function config(s: Scenario, cores: number, instances: number) {
  return { ...s.spark, executorCores: cores, executorInstances: instances };
}

describe('request cost of the simulated backend', () => {
  it('is what every bound pod requests, per hour, when all fit', async () => {
    const s = await scenario();
    const backend = new SimulatedBackend(s, { mode: 'trial', windowBatches: 2, settleMs: 0 });
    await backend.reset(1);
    const outcome = backend.runTrialSync({ config: config(s, 1, 3), fps: 10 });
    expect(outcome.requestCostPerHour).toBeCloseTo(configRequestCostPerHour(PRICING, config(s, 1, 3)), 12);
    // The node cost does not depend on the configuration; the request cost does.
    const bigger = backend.runTrialSync({ config: config(s, 2, 2), fps: 10 });
    expect(bigger.costPerHour).toBeCloseTo(outcome.costPerHour, 12);
    expect(bigger.requestCostPerHour).toBeGreaterThan(outcome.requestCostPerHour!);
  });

  it('leaves out Pending pods: 2-core pods fit once per 3.9-vCPU node, so 4 asked cost as 2', async () => {
    const s = await scenario();
    const backend = new SimulatedBackend(s, { mode: 'trial', windowBatches: 2, settleMs: 0 });
    await backend.reset(1);
    const outcome = backend.runTrialSync({ config: config(s, 2, 4), fps: 10 });
    expect(outcome.pendingPods).toBe(2);
    expect(outcome.requestCostPerHour).toBeCloseTo(configRequestCostPerHour(PRICING, config(s, 2, 2)), 12);
  });

  it('falls while a redeploy has the executors down (continuous application)', async () => {
    const s = await scenario();
    const run = new TraceRun({ scenario: s, config: config(s, 1, 2), seed: 1 });
    try {
      const steady = run.interval(config(s, 1, 2), 20_000);
      expect(steady.redeployed).toBe(false);
      expect(steady.requestCostPerHour).toBeCloseTo(configRequestCostPerHour(PRICING, config(s, 1, 2)), 12);
      const redeploy = run.interval(config(s, 2, 2), 40_000);
      expect(redeploy.redeployed).toBe(true);
      // Down for redeployMs (5 s) plus pod start-up, then 2 × 2 cores: below what 2 × 2 asks for the whole interval.
      expect(redeploy.requestCostPerHour).toBeLessThan(configRequestCostPerHour(PRICING, config(s, 2, 2)));
      expect(redeploy.requestCostPerHour).toBeGreaterThan(0);
      const after = run.interval(config(s, 2, 2), 60_000);
      expect(after.requestCostPerHour).toBeCloseTo(configRequestCostPerHour(PRICING, config(s, 2, 2)), 12);
    } finally {
      run.close();
    }
  });
});
