import { describe, expect, it } from 'vitest';
import { BASELINE_NAMES, makeBaseline } from '../../../../src/agents/baselines/index.js';
import { loadScenarioSync } from '../../../../src/scenario/load.js';
import { runEpisode } from './episode.js';
import { nodePoolScenario } from './node-pool.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');

describe('every baseline on the paper testbed', () => {
  it.each(BASELINE_NAMES.flatMap((name) => [[name, 'delta'] as const, [name, 'absolute'] as const]))(
    '%s only ever picks allowed actions (%s encoding)',
    async (name, encoding) => {
      for (const episode of [0, 1, 2]) {
        const policy = makeBaseline(name, { scenario: paper, seed: episode });
        // Random load levels that change within the episode, so scalers meet both directions.
        const steps = await runEpisode({ scenario: paper, policy, encoding, steps: 15, seed: `allowed/${episode}` });
        // runEpisode fails on a masked action, naming it and the allowed ones.
        expect(steps).toHaveLength(15);
        for (const s of steps) expect(s.outcome.failure).toBeNull();
      }
    },
  );

  it('static keeps the starting configuration: action 13 at every step', async () => {
    const steps = await runEpisode({ scenario: paper, policy: makeBaseline('static', { scenario: paper }), encoding: 'delta', steps: 6, seed: 1 });
    expect(steps.map((s) => s.action)).toEqual([13, 13, 13, 13, 13, 13]);
    expect(steps.map((s) => `${s.config.executorCores}/${s.config.executorMemoryMb}/${s.config.executorInstances}`)).toEqual(Array(6).fill('1/800/6'));
  });

  it('random is reproducible from its seed and differs across seeds', async () => {
    const actions = async (seed: number) =>
      (await runEpisode({ scenario: paper, policy: makeBaseline('random', { scenario: paper, seed }), encoding: 'delta', steps: 12, seed: 'random' })).map((s) => s.action);
    const first = await actions(5);
    expect(await actions(5)).toEqual(first);
    expect(await actions(6)).not.toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(3);
  });
});

describe('the autoscaler stacks on a scenario with a node pool and partitions', () => {
  const pool = nodePoolScenario({ partitions: true });
  const stacks = ['k8s-stack', 'flink-autoscaler'] as const;

  it.each(stacks.flatMap((name) => [[name, 'delta'] as const, [name, 'absolute'] as const]))(
    '%s only ever picks allowed actions (%s encoding)',
    async (name, encoding) => {
      for (const episode of [0, 1]) {
        const policy = makeBaseline(name, { scenario: pool, seed: episode });
        const steps = await runEpisode({ scenario: pool, policy, encoding, steps: 15, seed: `allowed-pool/${episode}` });
        expect(steps).toHaveLength(15);
        for (const s of steps) expect(s.outcome.failure).toBeNull();
      }
    },
  );
});
