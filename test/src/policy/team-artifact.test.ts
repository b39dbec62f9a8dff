import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TeamPolicy } from '../../../src/agents/team-policy.js';
import { initTf, type Tf } from '../../../src/agents/tf.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { createTeamMetadata, isTeamBundle, loadTeam, saveTeam } from '../../../src/policy/team-artifact.js';
import { decideTeam, parseTeamState, teamStateTemplate } from '../../../src/policy/team-decide.js';
import { trainTeam, type TrainedTeam } from '../../../src/train/train-team.js';
import { ConfigurationManager } from '../../../src/managers/configuration.js';
import type { AgentName } from '../../../src/space/knobs.js';

const scenario = loadScenarioSync('scenarios/diurnal-pool.yaml');
let tf: Tf;
let team: TrainedTeam;
let dir: string;

beforeAll(async () => {
  tf = (await initTf({ backend: 'wasm' })).tf;
  const dqn = { ...scenario.learning.dqn, episodes: 16, numEnvs: 4, learningStarts: 20, batchSize: 16, evalEvery: 16, evalFrom: 16 };
  team = await trainTeam({ scenario, method: 'vdn', dqn, seed: 5, tf, env: { stepsPerEpisode: 4 } });
  dir = join(mkdtempSync(join(tmpdir(), 'sspe-team-')), 'bundle');
  const metadata = createTeamMetadata({
    name: 'bundle',
    method: 'vdn',
    scenario,
    observation: team.env.episode.state.normalisation,
    agents: team.agents.map((a) => ({ name: a, features: [...team.env.partitions[a]], encoding: team.env.actions(a).encoding, actionCount: team.env.actionSpace(a).n })),
    training: { seed: 5, episodes: team.episodes, envSteps: team.envSteps, wallSeconds: team.wallMs / 1000, bestEvaluation: team.bestEvaluation },
  });
  await saveTeam(dir, { metadata, models: Object.fromEntries(team.agents.map((a) => [a, team.networks[a].onlineNetwork])), tf, overwrite: false });
}, 120_000);

afterAll(() => {
  team?.dispose();
  if (dir !== undefined) rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('a five-agent team bundle', () => {
  it('trains every agent of the scenario and saves one network per agent beside team.json', () => {
    expect(team.agents).toEqual(['cluster', 'parallelism', 'scheduler', 'resources', 'tuner']);
    expect(isTeamBundle(dir)).toBe(true);
    const saved = JSON.parse(readFileSync(join(dir, 'team.json'), 'utf8'));
    expect(saved.agents.map((a: { name: string }) => a.name)).toEqual(team.agents);
  });

  it('decides in a fresh load exactly as the trained team does in process, for every level and a few configurations', async () => {
    const loaded = await loadTeam(dir, { tf });
    const inProcess = new TeamPolicy('vdn', team.env.episode.state.normalisation, team.agents.map((agent: AgentName) => ({
      agent,
      features: team.env.partitions[agent],
      encoding: team.env.actions(agent).encoding,
      qValues: (o: Float32Array) => team.networks[agent].qValues(o, 1),
    })));
    const configuration = new ConfigurationManager(scenario, 'absolute');
    for (const fps of [10, 35, 60]) {
      for (const start of [{ nodeCount: 1, executorInstances: 2 }, { nodeCount: 4, executorInstances: 10, placement: 'pack' as const }]) {
        configuration.set({ ...configuration.startingPoint, ...start });
        const config = configuration.config;
        const expected = inProcess.decide({ observation: new Float32Array(0), mask: configuration.mask(), fps, config, last: null, configuration });
        const state = { fps, config: { node_count: config.nodeCount!, cores: config.executorCores, memory_mb: config.executorMemoryMb, instances: config.executorInstances, placement: config.placement!, serializer: config.serializer } };
        const decision = decideTeam(loaded, parseTeamState(state, loaded.metadata, { file: 'state' }));
        expect(decision.config).toEqual({
          node_count: expected.nodeCount ?? config.nodeCount,
          cores: expected.executorCores ?? config.executorCores,
          memory_mb: expected.executorMemoryMb ?? config.executorMemoryMb,
          instances: expected.executorInstances ?? config.executorInstances,
          placement: expected.placement ?? config.placement,
          serializer: expected.serializer ?? config.serializer,
        });
        expect(Object.keys(decision.agents)).toEqual(team.agents);
      }
    }
  });

  it('prints a template that decides, and refuses a bad state or a newer bundle in one line', async () => {
    const loaded = await loadTeam(dir, { tf });
    const template = teamStateTemplate(loaded.metadata);
    expect(() => decideTeam(loaded, parseTeamState(template, loaded.metadata, { file: 't' }))).not.toThrow();
    expect(() => parseTeamState({ ...template, config: { ...template.config, node_count: 9 } }, loaded.metadata, { file: 'state.json' })).toThrow(
      "state.json: config.node_count: expected an integer in [1, 6] (the policy's nodeCount), got 9",
    );
    expect(() => parseTeamState({ ...template, config: { ...template.config, speed: 1 } }, loaded.metadata, { file: 'state.json' })).toThrow(
      "state.json: config.speed: unknown field 'speed'; allowed: node_count, cores, memory_mb, instances, placement, serializer",
    );
    const newer = join(dir, '..', 'newer');
    await saveTeam(newer, { metadata: { ...loaded.metadata, formatVersion: 99 }, models: loaded.models, tf, overwrite: false });
    expect(readFileSync(join(newer, 'team.json'), 'utf8')).toContain('"formatVersion": 99');
    await expect(loadTeam(newer, { tf })).rejects.toThrow(/team\.json: formatVersion 99 was written by a newer sspe \(this one reads 1\); upgrade sspe/);
    writeFileSync(join(newer, 'team.json'), '{');
    await expect(loadTeam(newer, { tf })).rejects.toThrow(/team\.json: expected a team policy's JSON metadata/);
  });
});
