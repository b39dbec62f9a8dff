import type { Env, StepResult } from './env.js';
import type { ParallelEnv, PerAgent } from './parallel-env.js';
import { Box, Discrete } from './spaces.js';

/**
 * A ParallelEnv with exactly one possible agent seen as a single-agent Env
 * (the reverse of SingleAgentParallelEnv), so that one-agent environments
 * built on the multi-agent contract run through checkEnv and the
 * single-agent training loop. Its action mask is the one the agent's last
 * info carried (`actionMask`), or everything allowed where infos carry none.
 */
export class ParallelEnvAsEnv<AgentId extends string, Info, State = unknown> implements Env<Float32Array, number, Info> {
  readonly agent: AgentId;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  private mask: Uint8Array;

  constructor(readonly env: ParallelEnv<AgentId, Float32Array, number, Info, State, never>) {
    if (env.possibleAgents.length !== 1) {
      throw new RangeError(`expected a ParallelEnv with exactly one possible agent, got ${env.possibleAgents.length} (${env.possibleAgents.join(', ')})`);
    }
    this.agent = env.possibleAgents[0];
    const observationSpace = env.observationSpace(this.agent);
    const actionSpace = env.actionSpace(this.agent);
    if (!(observationSpace instanceof Box)) throw new RangeError(`expected a Box observation space for agent '${this.agent}', got ${observationSpace}`);
    if (!(actionSpace instanceof Discrete)) throw new RangeError(`expected a Discrete action space for agent '${this.agent}', got ${actionSpace}`);
    this.observationSpace = observationSpace;
    this.actionSpace = actionSpace;
    this.mask = new Uint8Array(actionSpace.n).fill(1);
  }

  async reset(options: { seed?: number | string } = {}): Promise<{ observation: Float32Array; info: Info }> {
    const { observations, infos } = await this.env.reset(options.seed === undefined ? {} : { seed: options.seed });
    const info = this.mine(infos, 'infos');
    this.mask = this.maskOf(info);
    return { observation: this.mine(observations, 'observations'), info };
  }

  async step(action: number): Promise<StepResult<Float32Array, Info>> {
    const result = await this.env.step({ [this.agent]: action } as PerAgent<AgentId, number>);
    const info = this.mine(result.infos, 'infos');
    this.mask = this.maskOf(info);
    return {
      observation: this.mine(result.observations, 'observations'),
      reward: this.mine(result.rewards, 'rewards'),
      terminated: this.mine(result.terminations, 'terminations'),
      truncated: this.mine(result.truncations, 'truncations'),
      info,
    };
  }

  actionMask(): Uint8Array {
    return this.mask;
  }

  async close(): Promise<void> {
    await this.env.close();
  }

  private mine<T>(map: PerAgent<AgentId, T>, name: string): T {
    if (!Object.hasOwn(map, this.agent)) throw new Error(`expected ${name} to hold agent '${this.agent}', got keys: ${Object.keys(map).join(', ') || 'none'}`);
    return map[this.agent] as T;
  }

  private maskOf(info: Info): Uint8Array {
    if (typeof info === 'object' && info !== null && 'actionMask' in info && info.actionMask instanceof Uint8Array) return info.actionMask;
    return new Uint8Array(this.actionSpace.n).fill(1);
  }
}
