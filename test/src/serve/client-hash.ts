/** The trajectory hash of a served episode, from the JSON a client received (what sspe_gym.trajectory_hash does). */
import { ParallelTrajectoryHash, SingleTrajectoryHash } from '../../../src/serve/trajectory-hash.js';

export function servedSingleHash(reset: { observation: number[] }, steps: { action: number; result: any }[]): string {
  const hash = new SingleTrajectoryHash();
  hash.reset(reset.observation);
  for (const { action, result } of steps) hash.step({ action, ...result });
  return hash.digest();
}

export function servedParallelHash(possibleAgents: string[], reset: { observations: Record<string, number[]> }, steps: { actions: Record<string, number>; result: any }[]): string {
  const hash = new ParallelTrajectoryHash(possibleAgents);
  hash.reset(reset.observations);
  for (const { actions, result } of steps) hash.step({ actions, ...result });
  return hash.digest();
}

/** Each live agent's first allowed action (from the masks the last answer carried). */
export function firstAllowed(infos: Record<string, { action_mask: number[] }>, live: string[]): Record<string, number> {
  return Object.fromEntries(live.map((agent) => [agent, infos[agent].action_mask.indexOf(1)]));
}
