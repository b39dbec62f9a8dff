/**
 * --agents and --encoding, declared once for the commands that run an
 * environment of a scenario for another process (serve-env, rollout).
 */
import type { ActionEncoding } from '../managers/configuration.js';
import { loadScenario } from '../scenario/load.js';
import type { EnvSpec } from '../serve/env-factory.js';
import { parseAgents } from './commands/train.js';

export const ENV_SPEC_FLAGS = {
  agents: {
    type: 'string',
    describe: "serve the multi-agent environment (PettingZoo's ParallelEnv) with these agents: all, or some of cluster, parallelism, scheduler, resources, tuner, comma-separated (default: the single-agent one)",
  },
  encoding: {
    choices: ['absolute', 'delta'] as const,
    describe: "actions: 'absolute' = pick a point of the grid, 'delta' = -1/0/+1 step per knob (default: the scenario's learning.env.encoding)",
  },
} as const;

export interface EnvSpecArgs {
  scenario: string;
  agents?: string;
  encoding?: ActionEncoding;
}

/** The scenario loaded and the flags checked: everything a bad command line can get wrong fails here. */
export async function envSpecFrom(args: EnvSpecArgs): Promise<EnvSpec> {
  const scenario = await loadScenario(args.scenario);
  return {
    scenario,
    ...(args.agents !== undefined ? { agents: parseAgents(args.agents, scenario) } : {}),
    ...(args.encoding !== undefined ? { encoding: args.encoding } : {}),
  };
}
