import { describe, expect, it } from 'vitest';
import { SimulatedBackend } from '../../../src/backend/simulated.js';
import { checkParallelEnv } from '../../../src/env/check-parallel-env.js';
import { TeamEnv, teamAgents } from '../../../src/env/team-env.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import type { AgentName } from '../../../src/space/knobs.js';

const pool = loadScenarioSync('scenarios/diurnal-pool.yaml');
const paper = loadScenarioSync('scenarios/paper-testbed.yaml');

function makeTeam(scenario: Scenario, options: { agents?: AgentName[]; encoding?: 'delta' | 'absolute'; steps?: number } = {}): TeamEnv {
  const env = { ...scenario.learning.env, backendMode: 'trial' as const, stepsPerEpisode: options.steps ?? 3, ...(options.encoding ? { encoding: options.encoding } : {}) };
  const backend = new SimulatedBackend(scenario, { mode: 'trial', windowBatches: env.windowBatches, settleMs: 0 });
  return new TeamEnv({ scenario, backend, env, reward: scenario.learning.reward, ...(options.agents ? { agents: options.agents } : {}) });
}

describe('the five-agent TeamEnv', () => {
  it('has one agent per owner of a declared knob, each acting on its own knobs only', () => {
    expect(teamAgents(pool)).toEqual(['cluster', 'parallelism', 'scheduler', 'resources', 'tuner']);
    expect(teamAgents(paper)).toEqual(['parallelism', 'resources']);
    const env = makeTeam(pool);
    // Absolute actions over each agent's sub-grid: 6 node counts, 6 instance counts, 3 placements, 3 × 3 cores × memory, 2 serializers.
    expect(env.possibleAgents.map((a) => env.actionSpace(a).n)).toEqual([6, 6, 3, 9, 2]);
    expect(env.actionSpace('cluster')).toBe(env.actionSpace('cluster'));
    expect(env.partitions.cluster).toContain('nodes');
    expect(env.partitions.cluster).not.toContain('memory_mb');
    expect(env.partitions.resources).toEqual(expect.arrayContaining(['cores', 'memory_mb', 'cpu_util', 'mem_util']));
  });

  it.each(['absolute', 'delta'] as const)('passes checkParallelEnv on diurnal-pool with %s actions', async (encoding) => {
    await checkParallelEnv(makeTeam(pool, { encoding }), { cycles: 5, seed: 2 });
  });

  it('passes checkParallelEnv on the paper testbed (two agents over the three paper knobs)', async () => {
    await checkParallelEnv(makeTeam(paper), { cycles: 4, seed: 1 });
  });

  it('applies every agent\'s choice in one joint step, and gives all of them the team reward', async () => {
    const env = makeTeam(pool);
    await env.reset({ seed: 1, options: { fps: 60 } });
    const nodes = env.actions('cluster').actionTo({ nodeCount: 3 });
    const placement = env.actions('scheduler').actionTo({ placement: 'pack' });
    const result = await env.step({ cluster: nodes, parallelism: env.actions('parallelism').actionTo({ executorInstances: 8 }), scheduler: placement, resources: env.actions('resources').actionTo({ executorCores: 1, executorMemoryMb: 800 }), tuner: 0 });
    expect(env.configuration.config).toMatchObject({ nodeCount: 3, placement: 'pack', executorInstances: 8, executorCores: 1, executorMemoryMb: 800, serializer: 'kryo' });
    const rewards = Object.values(result.rewards);
    expect(new Set(rewards).size).toBe(1);
    expect(result.infos.cluster!.outcome!.executorsRunning).toBe(8);
  });

  it('says which agents exist when asked for one the scenario gives nothing to do, and rejects bad action maps in one line', async () => {
    expect(() => makeTeam(paper, { agents: ['cluster'] })).toThrow("agents: 'cluster' owns no knob that paper-testbed declares in actionSpace; agents here: parallelism, resources");
    const env = makeTeam(pool, { agents: ['cluster', 'parallelism'] });
    await env.reset({ seed: 1 });
    await expect(env.step({ cluster: 0 })).rejects.toThrow("actions: no action for live agent 'parallelism'; expected one for each of: cluster, parallelism");
    await expect(env.step({ cluster: 0, parallelism: 0, resources: 0 } as never)).rejects.toThrow("actions: unknown agent 'resources'; allowed: cluster, parallelism");
    await expect(env.step({ cluster: 9, parallelism: 0 })).rejects.toThrow('actions.cluster: expected an action in Discrete(6), got 9');
  });
});
