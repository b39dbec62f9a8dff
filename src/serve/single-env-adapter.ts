/** The single-agent ConfigEnv (Gymnasium's contract) behind the protocol: an action is an integer of the Discrete space, allowed by the mask. */
import type { ConfigEnv, ConfigEnvInfo } from '../env/config-env.js';
import { describeValue } from '../env/describe-value.js';
import { envSeedOf, observationJson, stepInfoJson, type EnvAdapter, type ProtocolSeed } from './env-adapter.js';
import { ProtocolError } from './protocol-error.js';

export class SingleEnvAdapter implements EnvAdapter {
  /** The mask the last reset or step gave: what the next action must respect; null before the first reset. */
  private mask: Uint8Array | null = null;
  /** Set when a step ended the episode (Gymnasium leaves stepping on undefined; here it is refused). */
  private endedAtStep: number | null = null;

  constructor(
    readonly id: number,
    private readonly env: ConfigEnv,
  ) {}

  checkReset(): void {
    if (this.mask === null) throw new ProtocolError('not_reset', `env ${this.id}: not reset yet; send reset for it first`);
    if (this.endedAtStep !== null) throw new ProtocolError('not_reset', `env ${this.id}: its episode ended at step ${this.endedAtStep}; reset it first`);
  }

  checkAction(action: unknown, where: string): void {
    this.checkReset();
    const space = this.env.actionSpace;
    if (typeof action !== 'number' || !space.contains(action)) {
      throw new ProtocolError('invalid_action', `${where}: expected an integer in [0, ${space.n}) (${space}), got ${describeValue(action)}`);
    }
    if (!space.allows(this.mask!, action)) {
      throw new ProtocolError('invalid_action', `${where}: action ${action} is masked in env ${this.id}; allowed: ${space.describeAllowed(this.mask!)}`);
    }
  }

  async reset(seed: ProtocolSeed, fps: number | undefined) {
    const { observation, info } = await this.env.reset({ ...(seed !== null ? { seed: envSeedOf(seed) } : {}), ...(fps !== undefined ? { fps } : {}) });
    this.endedAtStep = null;
    return { observation: observationJson(observation), info: this.info(info) };
  }

  async step(action: unknown) {
    const result = await this.env.step(action as number);
    if (result.terminated || result.truncated) this.endedAtStep = result.info.step;
    return {
      observation: observationJson(result.observation),
      reward: result.reward,
      terminated: result.terminated,
      truncated: result.truncated,
      info: this.info(result.info),
    };
  }

  state(): number[] {
    throw new ProtocolError('bad_request', 'state: the single-agent environment has no global state');
  }

  async close(): Promise<void> {
    await this.env.close();
  }

  private info(info: ConfigEnvInfo) {
    this.mask = info.actionMask;
    return { ...stepInfoJson(info, this.env.configuration), action_mask: Array.from(info.actionMask) };
  }
}
