/**
 * The pod memory limit is heap + overhead, and the Python workers' decoded
 * frames live in the overhead: on the paper testbed's physics (its scenario
 * and calibrated profile), a 3-core executor with a 500 MB heap at 60 fps is
 * OOM-killed by Kubernetes with Spark's default overhead and survives with
 * enough of it.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { simulateRun } from '../../../sim/model.js';
import { needsRedeploy } from '../../../sim/spark/deployment.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { toRunSpec } from '../../../src/scenario/run-spec.js';

const repo = new URL('../../../', import.meta.url).pathname;
const testbed = loadScenarioSync(join(repo, 'scenarios/paper-testbed.yaml'));

function runAt60Fps(executorMemoryOverheadMb?: number) {
  const config = { executorCores: 3, executorMemoryMb: 500, executorInstances: 5, ...(executorMemoryOverheadMb !== undefined ? { executorMemoryOverheadMb } : {}) };
  return simulateRun(toRunSpec(testbed, { fps: 60, config }));
}

describe('memory overhead on the paper testbed', () => {
  it("OOM-kills 3-core, 500 MB executors at 60 fps with Spark's default overhead (384 MB) and keeps them with 768 MB", () => {
    const defaultOverhead = runAt60Fps();
    expect(defaultOverhead.failures.podOomKills).toBeGreaterThan(0);
    expect(defaultOverhead.failures.executorLosses).toBeGreaterThan(0);
    expect(defaultOverhead.framesProcessed).toBe(0);

    const roomy = runAt60Fps(768);
    expect(roomy.failures.podOomKills).toBe(0);
    expect(roomy.failures.executorLosses).toBe(0);
    expect(roomy.framesDropped).toBe(0);
    expect(roomy.framesProcessed).toBeGreaterThan(0);
    // The working set is measured against the larger limit.
    for (const executor of roomy.executors) expect(executor.memUtil).toBeLessThanOrEqual(1);
  });

  it("runs exactly as without the knob when it is set to Spark's own value", () => {
    expect(runAt60Fps(384)).toEqual(runAt60Fps());
    const calm = (overhead?: number) =>
      simulateRun(toRunSpec(testbed, { fps: 20, config: { executorCores: 2, executorMemoryMb: 800, executorInstances: 6, ...(overhead !== undefined ? { executorMemoryOverheadMb: overhead } : {}) } }));
    expect(calm(384)).toEqual(calm());
  });

  it('redeploys the executors when the overhead changes', () => {
    const spark = toRunSpec(testbed).spark;
    expect(needsRedeploy(spark, { ...spark, executorMemoryOverheadMb: 768 })).toBe(true);
    expect(needsRedeploy({ ...spark, executorMemoryOverheadMb: 768 }, { ...spark, executorMemoryOverheadMb: 768 })).toBe(false);
  });
});
