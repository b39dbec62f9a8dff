import { describe, expect, it } from 'vitest';
import { OraclePolicy } from '../../../../src/agents/baselines/oracle.js';
import { simulateTrial, windowMsFor } from '../../../../src/backend/simulated.js';
import { loadScenarioSync } from '../../../../src/scenario/load.js';
import { actionSpaceConfigs, toRunSpec } from '../../../../src/scenario/run-spec.js';
import { sweep } from '../../../../src/sweep.js';
import { runEpisode } from './episode.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');
const oracle = OraclePolicy.forScenario(paper);

/** The sweep the oracle stands for, written out independently: every configuration over the environment's trial window, drained like a trial. */
function sweepBest(fps: number) {
  const result = sweep({
    configs: actionSpaceConfigs(paper).map((c) => ({ cores: c.executorCores, memoryMb: c.executorMemoryMb, instances: c.executorInstances })),
    specFor: (c) => {
      const config = { executorCores: c.cores, executorMemoryMb: c.memoryMb, executorInstances: c.instances };
      const windowMs = windowMsFor({ ...paper.spark, ...config }, fps, paper.learning.env.windowBatches, paper);
      const spec = toRunSpec(paper, { config, fps, durationMs: windowMs, seed: paper.seed });
      spec.warmStart = true;
      spec.warmupMs = 0;
      return spec;
    },
    run: simulateTrial,
  });
  return result.results[0];
}

const key = (c: { executorCores: number; executorMemoryMb: number; executorInstances: number }) =>
  `${c.executorCores}/${c.executorMemoryMb}/${c.executorInstances}`;

describe('the exhaustive oracle', () => {
  it.each([10, 60])('reaches the sweep\'s best configuration at %i fps, one grid step per knob per decision', async (fps) => {
    const best = sweepBest(fps);
    const bestKey = `${best.cores}/${best.memory_mb}/${best.instances}`;
    expect(key(oracle.bestFor(fps).config)).toBe(bestKey);
    expect(oracle.bestFor(fps).perFrameMs).toBe(best.per_frame_ms.mean);

    const steps = await runEpisode({ scenario: paper, policy: oracle, encoding: 'delta', steps: 10, seed: `oracle/${fps}`, fps });
    const reached = steps.findIndex((s) => key(s.config) === bestKey);
    // From 1/800/6, the paper's best (1 core, 8 instances) is at most two decisions away.
    expect(reached).toBeGreaterThanOrEqual(0);
    expect(reached).toBeLessThanOrEqual(2);
    expect(steps.slice(reached).every((s) => key(s.config) === bestKey)).toBe(true);

    // Other seeds than the sweep's: the same configuration measures the same within noise.
    const settled = steps.slice(reached).map((s) => s.outcome.perFrameMs.mean);
    const mean = settled.reduce((a, b) => a + b, 0) / settled.length;
    expect(Math.abs(mean - best.per_frame_ms.mean) / best.per_frame_ms.mean).toBeLessThan(0.1);
  });

  it('jumps straight there with absolute actions', async () => {
    const steps = await runEpisode({ scenario: paper, policy: oracle, encoding: 'absolute', steps: 3, seed: 'oracle/absolute', fps: 60 });
    expect(steps.map((s) => key(s.config))).toEqual(Array(3).fill(key(oracle.bestFor(60).config)));
  });

  it('sweeps a load outside the scenario levels when first asked, and keeps it', () => {
    const lazy = new OraclePolicy(paper);
    const first = lazy.bestFor(25);
    expect(lazy.bestFor(25)).toBe(first);
    expect(first.perFrameMs).toBeGreaterThan(0);
    expect(() => lazy.bestFor(0)).toThrow('oracle: expected a positive load in fps, got 0');
  });
});
