import { describe, expect, it } from 'vitest';
import { SimulatedBackend } from '../../../src/backend/simulated.js';
import { ConfigEpisode, observationNormalisationFor } from '../../../src/env/config-episode.js';
import { partitionOf } from '../../../src/managers/state-partitions.js';
import { StateManager } from '../../../src/managers/state.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { AGENTS, KNOB_NAMES } from '../../../src/space/knobs.js';
import { outcome } from '../agents/baselines/context.js';

const pool = loadScenarioSync('scenarios/diurnal-pool.yaml');
const paper = loadScenarioSync('scenarios/paper-testbed.yaml');

describe('load_trend: which way the load moves', () => {
  const state = new StateManager(observationNormalisationFor(pool));
  const at = state.normalisation.features.indexOf('load_trend');
  const config = { executorCores: 1, executorMemoryMb: 800, executorInstances: 6 };
  /** The feature when the next window faces `fps` after a window of 16 s that received `arrivedFps`. */
  const trend = (fps: number, arrivedFps: number | null) =>
    state.observe({ fps, config, last: arrivedFps === null ? null : outcome({ framesArrived: arrivedFps * 16, windowMs: 16_000 }) })[at];

  it('is observed in scenarios with agents beyond the paper, not in the paper testbed (its shipped policy keeps 12 features)', () => {
    expect(at).toBeGreaterThanOrEqual(0);
    expect(observationNormalisationFor(paper).features).not.toContain('load_trend');
    expect(observationNormalisationFor(paper).features).toHaveLength(12);
  });

  it('reads 0.5 when steady or unknown, above when rising, below when falling, in proportion, clipped', () => {
    const maxFps = Math.max(...pool.workload.fpsLevels);
    expect(trend(30, null)).toBe(0.5);
    expect(trend(30, 30)).toBeCloseTo(0.5, 6);
    expect(trend(40, 30)).toBeCloseTo(0.5 + (2 * 10) / maxFps, 5);
    expect(trend(20, 30)).toBeCloseTo(0.5 - (2 * 10) / maxFps, 5);
    expect(trend(35, 30) - 0.5).toBeCloseTo((trend(40, 30) - 0.5) / 2, 5);
    expect(trend(60, 10)).toBe(1);
    expect(trend(10, 60)).toBe(0);
  });

  it('is in every agent’s partition', () => {
    for (const agent of AGENTS) expect(partitionOf(agent, KNOB_NAMES)).toContain('load_trend');
  });

  it('on one long-running application, reads a rise after the load went up and steady after it held', async () => {
    const env = { ...pool.learning.env, stepsPerEpisode: 4, settleMs: 5000 };
    const backend = new SimulatedBackend(pool, { mode: 'continuous', windowBatches: env.windowBatches, settleMs: env.settleMs });
    const episode = new ConfigEpisode({ scenario: pool, backend, env, reward: pool.learning.reward });
    await episode.reset({ seed: 2, fps: 20 });
    await episode.runWindow(episode.configuration.config);
    const steady = episode.observe()[at];
    episode.setLoad(40);
    const rising = episode.observe()[at];
    await episode.close();
    expect(Math.abs(steady - 0.5)).toBeLessThan(0.05);
    expect(rising).toBeGreaterThan(0.75);
  });
});
