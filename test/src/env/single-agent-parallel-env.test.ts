import { describe, expect, it } from 'vitest';
import { SimulatedBackend } from '../../../src/backend/simulated.js';
import { checkEnv } from '../../../src/env/check-env.js';
import { checkParallelEnv } from '../../../src/env/check-parallel-env.js';
import { ConfigEnv } from '../../../src/env/config-env.js';
import { SingleAgentParallelEnv } from '../../../src/env/env-as-parallel-env.js';
import { ParallelEnvAsEnv } from '../../../src/env/parallel-env-as-env.js';
import { InvalidActionsError } from '../../../src/env/validate-actions.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { ToyParallelEnv } from './toy-parallel-env.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');

/** A small, fast ConfigEnv: few steps, a short settle time. */
function makeConfigEnv(overrides: Partial<Scenario['learning']['env']> = {}): ConfigEnv {
  const envOptions = { ...paper.learning.env, stepsPerEpisode: 4, settleMs: 5000, ...overrides };
  const backend = new SimulatedBackend(paper, { mode: envOptions.backendMode, windowBatches: envOptions.windowBatches, settleMs: envOptions.settleMs });
  return new ConfigEnv({ scenario: paper, backend, env: envOptions, reward: paper.learning.reward });
}

describe('the single-agent ConfigEnv as a one-agent ParallelEnv', () => {
  it.each(['delta', 'absolute'] as const)('passes checkParallelEnv with %s actions, across an episode boundary', async (encoding) => {
    await checkParallelEnv(new SingleAgentParallelEnv(makeConfigEnv({ encoding }), 'configurator'), { cycles: 6, seed: 3 });
  });

  it("validates actions with the Env's action mask, and ends the agent at truncation", async () => {
    const configEnv = makeConfigEnv({ stepsPerEpisode: 2 });
    const env = new SingleAgentParallelEnv(configEnv, 'configurator');
    expect(env.agents).toEqual([]);
    expect(() => env.state()).toThrow('state(): no state before the first reset()');
    const { observations } = await env.reset({ seed: 1 });
    expect(env.agents).toEqual(['configurator']);
    expect(env.state()).toBe(observations.configurator);
    configEnv.configuration.set({ executorCores: 3, executorMemoryMb: 1000, executorInstances: 8 });
    // At the top of every knob only steps down and staying put (13) remain.
    await expect(env.step({ configurator: 26 })).rejects.toThrow(/^actions\.configurator: action 26 is masked; allowed: 0, (\d+, )*13$/);
    await expect(env.step({ configurator: 13, other: 1 } as never)).rejects.toThrow("actions: unknown agent 'other'; allowed: configurator");
    await env.step({ configurator: 13 });
    const last = await env.step({ configurator: 13 });
    expect([last.truncations.configurator, env.agents]).toEqual([true, []]);
    await expect(env.step({ configurator: 13 })).rejects.toThrow(InvalidActionsError);
    expect(() => env.observationSpace('other' as 'configurator')).toThrow("unknown agent 'other'; allowed: configurator");
  });

  it('comes back as an Env that passes checkEnv and walks the very episode of the bare ConfigEnv', async () => {
    const roundTrip = new ParallelEnvAsEnv(new SingleAgentParallelEnv(makeConfigEnv(), 'configurator'));
    await checkEnv(roundTrip, { steps: 4, seed: 5 });
    const bare = makeConfigEnv();
    const walk = async (env: { reset(o: { seed: number }): Promise<{ observation: Float32Array }>; step(a: number): Promise<{ observation: Float32Array; reward: number }>; actionMask(): Uint8Array }) => {
      const trace: number[] = [...(await env.reset({ seed: 5 })).observation];
      for (let i = 0; i < 4; i++) {
        const mask = env.actionMask();
        const action = [...mask.keys()].filter((a) => mask[a] === 1)[i % 3];
        const { observation, reward } = await env.step(action);
        trace.push(reward, ...observation);
      }
      return trace;
    };
    expect(await walk(roundTrip)).toEqual(await walk(bare));
  });

  it('refuses to view a two-agent environment as a single-agent Env', () => {
    expect(() => new ParallelEnvAsEnv(new ToyParallelEnv() as never)).toThrow('expected a ParallelEnv with exactly one possible agent, got 2 (left, right)');
  });
});
