/**
 * The episodes a greedy evaluation during training runs, the same for every
 * checkpoint (fixed seeds), so that the best-scoring weights are the ones
 * kept. Under the 'levels' and 'trace' schedules: one episode pinned at each
 * load level. Under 'walk': as many episodes of the walk itself, each on its
 * own fixed seed, so that a checkpoint is scored on what it trains for
 * (loads between the levels, loads on the move), not only on steady levels.
 */
import type { Scenario } from '../scenario/schema.js';

export interface EvaluationEpisode {
  seed: string;
  /** Every step at this load; absent: the scenario's own load schedule. */
  fps?: number;
}

export function evaluationEpisodes(scenario: Scenario, seed: string): EvaluationEpisode[] {
  const levels = scenario.workload.fpsLevels;
  if (scenario.learning.env.loadSchedule === 'walk') return levels.map((_, k) => ({ seed: `${seed}/walk-${k}` }));
  return levels.map((fps) => ({ seed, fps }));
}
