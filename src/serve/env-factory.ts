/**
 * The environment a served (or rolled-out) scenario is: the single-agent
 * ConfigEnv without agents, the multi-agent TeamEnv with them, each on its
 * own simulated backend, built the way training builds them.
 */
import { SimulatedBackend } from '../backend/simulated.js';
import type { EnvOptions } from '../config/learning.js';
import { ConfigEnv } from '../env/config-env.js';
import { TeamEnv } from '../env/team-env.js';
import type { ActionEncoding } from '../managers/configuration.js';
import type { Scenario } from '../scenario/schema.js';
import type { AgentName } from '../space/knobs.js';

export interface EnvSpec {
  scenario: Scenario;
  /** The agents of the multi-agent environment; absent: the single-agent one. */
  agents?: readonly AgentName[];
  /** Overrides the scenario's learning.env.encoding. */
  encoding?: ActionEncoding;
}

export type EnvKind = 'single' | 'parallel';

export type MadeEnv = { kind: 'single'; env: ConfigEnv } | { kind: 'parallel'; env: TeamEnv };

export function envKindOf(spec: EnvSpec): EnvKind {
  return spec.agents === undefined ? 'single' : 'parallel';
}

export function makeEnv(spec: EnvSpec): MadeEnv {
  const { scenario } = spec;
  const env: EnvOptions = { ...scenario.learning.env, ...(spec.encoding !== undefined ? { encoding: spec.encoding } : {}) };
  const backend = new SimulatedBackend(scenario, { mode: env.backendMode, windowBatches: env.windowBatches, settleMs: env.settleMs });
  const reward = scenario.learning.reward;
  if (spec.agents === undefined) return { kind: 'single', env: new ConfigEnv({ scenario, backend, env, reward }) };
  return { kind: 'parallel', env: new TeamEnv({ scenario, backend, env, reward, agents: spec.agents }) };
}
