import { describe, expect, it } from 'vitest';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { evaluationEpisodes } from '../../../src/train/evaluation-episodes.js';

const pool = loadScenarioSync('scenarios/diurnal-pool.yaml');
const paper = loadScenarioSync('scenarios/paper-testbed.yaml');

describe('the episodes a training run scores its checkpoints on', () => {
  it('under the levels schedule: one episode pinned at each load level, one seed', () => {
    expect(paper.learning.env.loadSchedule).toBe('levels');
    const episodes = evaluationEpisodes(paper, 's/eval');
    expect(episodes.map((e) => e.fps)).toEqual(paper.workload.fpsLevels);
    expect(new Set(episodes.map((e) => e.seed))).toEqual(new Set(['s/eval']));
  });

  it('under the walk schedule: as many walks, unpinned, each on its own seed, the same for every call', () => {
    const walk = { ...pool, learning: { ...pool.learning, env: { ...pool.learning.env, loadSchedule: 'walk' as const } } };
    const episodes = evaluationEpisodes(walk, 's/eval');
    expect(episodes).toHaveLength(pool.workload.fpsLevels.length);
    expect(episodes.every((e) => e.fps === undefined)).toBe(true);
    expect(new Set(episodes.map((e) => e.seed)).size).toBe(episodes.length);
    expect(evaluationEpisodes(walk, 's/eval')).toEqual(episodes);
  });
});
