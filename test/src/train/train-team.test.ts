import { describe, expect, it } from 'vitest';
import { initTf } from '../../../src/agents/tf.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { trainTeam, type TeamTrainProgress } from '../../../src/train/train-team.js';

const scenario = loadScenarioSync('scenarios/diurnal-pool.yaml');

describe('team training progress', () => {
  for (const method of ['idqn', 'vdn'] as const) {
    it(`${method}: reports each agent's TD loss once learning has started and the values of its own knobs, by their state field`, async () => {
      const { tf } = await initTf({ backend: 'wasm' });
      const reports: TeamTrainProgress[] = [];
      const dqn = { ...scenario.learning.dqn, episodes: 12, numEnvs: 2, learningStarts: 8, batchSize: 8, evalEvery: 4, evalFrom: 4 };
      const team = await trainTeam({ scenario, method, dqn, seed: 3, tf, env: { stepsPerEpisode: 4 }, onProgress: (p) => reports.push(p) });
      team.dispose();
      expect(reports.length).toBeGreaterThan(1);
      const last = reports[reports.length - 1];
      expect(Object.keys(last.agents)).toEqual(['cluster', 'parallelism', 'scheduler', 'resources', 'tuner']);
      expect(Object.keys(last.agents.cluster.knobs)).toEqual(['node_count']);
      expect(Object.keys(last.agents.resources.knobs)).toEqual(['cores', 'memory_mb']);
      expect(last.agents.scheduler.knobs.placement).toMatch(/^(pack|spread|storage-affinity)$/);
      for (const a of Object.values(last.agents)) expect(Number.isFinite(a.loss) && a.loss >= 0).toBe(true);
      // Under VDN every agent shares the one team loss; IDQN agents learn apart.
      const losses = new Set(Object.values(last.agents).map((a) => a.loss));
      expect(losses.size).toBe(method === 'vdn' ? 1 : 5);
    }, 120_000);
  }
});
