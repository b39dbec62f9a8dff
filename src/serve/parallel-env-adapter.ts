/**
 * The multi-agent TeamEnv (PettingZoo's ParallelEnv) behind the protocol: an
 * action is a map with one integer per live agent, checked by the one
 * validateActions every ParallelEnv uses, against the masks the last answer
 * carried.
 */
import type { PerAgent, ParallelStepResult } from '../env/parallel-env.js';
import type { TeamEnv, TeamInfo } from '../env/team-env.js';
import { InvalidActionsError, validateActions } from '../env/validate-actions.js';
import type { AgentName } from '../space/knobs.js';
import { envSeedOf, observationJson, stepInfoJson, type EnvAdapter, type ProtocolSeed } from './env-adapter.js';
import { ProtocolError } from './protocol-error.js';

export class ParallelEnvAdapter implements EnvAdapter {
  /** Each live agent's mask from the last answer; null before the first reset. */
  private masks: PerAgent<AgentName, Uint8Array> | null = null;

  constructor(
    readonly id: number,
    private readonly env: TeamEnv,
  ) {}

  checkReset(): void {
    if (this.masks === null) throw new ProtocolError('not_reset', `env ${this.id}: not reset yet; send reset for it first`);
    if (this.env.agents.length === 0) throw new ProtocolError('not_reset', `env ${this.id}: its episode ended (no live agents); reset it first`);
  }

  checkAction(action: unknown, where: string): void {
    this.checkReset();
    try {
      validateActions(this.env, action, { masks: this.masks! });
    } catch (error) {
      if (!(error instanceof InvalidActionsError)) throw error;
      // validateActions names the map 'actions'; the batch names its entry.
      throw new ProtocolError('invalid_action', `${error.message.replace(/^actions/, where)} (env ${this.id})`, { cause: error });
    }
  }

  async reset(seed: ProtocolSeed, fps: number | undefined) {
    const result = await this.env.reset({ ...(seed !== null ? { seed: envSeedOf(seed) } : {}), ...(fps !== undefined ? { options: { fps } } : {}) });
    return { observations: observationsJson(result.observations), infos: this.infos(result.infos) };
  }

  async step(action: unknown) {
    const result: ParallelStepResult<AgentName, Float32Array, TeamInfo> = await this.env.step(action as PerAgent<AgentName, number>);
    return {
      observations: observationsJson(result.observations),
      rewards: result.rewards,
      terminations: result.terminations,
      truncations: result.truncations,
      infos: this.infos(result.infos),
      agents: [...this.env.agents],
    };
  }

  state(): number[] {
    // The state stays readable once the episode is over (a critic reads the last one).
    if (this.masks === null) throw new ProtocolError('not_reset', `env ${this.id}: not reset yet; send reset for it first`);
    return observationJson(this.env.state());
  }

  async close(): Promise<void> {
    await this.env.close();
  }

  private infos(infos: PerAgent<AgentName, TeamInfo>) {
    const masks: PerAgent<AgentName, Uint8Array> = {};
    const out: Record<string, unknown> = {};
    let shared: ReturnType<typeof stepInfoJson> | null = null;
    for (const agent of this.env.possibleAgents) {
      const info = infos[agent];
      if (info === undefined) continue;
      // Every agent saw the same window: its JSON is built once.
      shared ??= stepInfoJson(info, this.env.configuration);
      masks[agent] = info.actionMask;
      out[agent] = { ...shared, action_mask: Array.from(info.actionMask), changed: info.changed };
    }
    this.masks = masks;
    return out;
  }
}

function observationsJson(observations: PerAgent<AgentName, Float32Array>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [agent, observation] of Object.entries(observations)) out[agent] = observationJson(observation as Float32Array);
  return out;
}
