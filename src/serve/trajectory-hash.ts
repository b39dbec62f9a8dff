/**
 * The trajectory hash of python/PROTOCOL.md: SHA-256 over the reset's
 * observation(s), then per step the action(s) (int32), observation(s)
 * (float32), reward(s) (float64) and one byte `terminated | truncated << 1`
 * each, little-endian. `sspe rollout` hashes what its environment returned;
 * a client (sspe_gym.trajectory_hash, the tests) hashes what the server
 * sent; the same seed and actions give the same hash.
 *
 * Multi-agent: every list is in possible_agents order and holds the agents
 * that were live when the step was taken (the keys of the step's rewards);
 * each list is written whole before the next.
 */
import { createHash, type Hash } from 'node:crypto';

/** The bytes of the hash, typed: little-endian whatever the machine's order. */
class HashWriter {
  private readonly hash: Hash = createHash('sha256');
  private readonly scratch = new DataView(new ArrayBuffer(8));

  float32s(values: ArrayLike<number>): void {
    const bytes = new DataView(new ArrayBuffer(4 * values.length));
    for (let i = 0; i < values.length; i++) bytes.setFloat32(4 * i, values[i], true);
    this.hash.update(new Uint8Array(bytes.buffer));
  }

  int32(value: number): void {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) throw new RangeError(`expected an int32 action, got ${value}`);
    this.scratch.setInt32(0, value, true);
    this.hash.update(new Uint8Array(this.scratch.buffer, 0, 4));
  }

  float64(value: number): void {
    this.scratch.setFloat64(0, value, true);
    this.hash.update(new Uint8Array(this.scratch.buffer, 0, 8));
  }

  flags(terminated: boolean, truncated: boolean): void {
    this.hash.update(Uint8Array.of((terminated ? 1 : 0) | ((truncated ? 1 : 0) << 1)));
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

/** Hashes a single-agent trajectory as it happens: reset once, then step after step. */
export class SingleTrajectoryHash {
  private readonly writer = new HashWriter();

  reset(observation: ArrayLike<number>): void {
    this.writer.float32s(observation);
  }

  step(step: { action: number; observation: ArrayLike<number>; reward: number; terminated: boolean; truncated: boolean }): void {
    this.writer.int32(step.action);
    this.writer.float32s(step.observation);
    this.writer.float64(step.reward);
    this.writer.flags(step.terminated, step.truncated);
  }

  /** The hash, hex; the hash takes nothing more after it. */
  digest(): string {
    return this.writer.hex();
  }
}

type AgentMap<T> = Partial<Record<string, T>>;

/** Hashes a multi-agent trajectory; `possibleAgents` fixes the order of every list. */
export class ParallelTrajectoryHash {
  private readonly writer = new HashWriter();

  constructor(private readonly possibleAgents: readonly string[]) {}

  reset(observations: AgentMap<ArrayLike<number>>): void {
    for (const agent of this.present(observations)) this.writer.float32s(observations[agent]!);
  }

  step(step: {
    actions: AgentMap<number>;
    observations: AgentMap<ArrayLike<number>>;
    rewards: AgentMap<number>;
    terminations: AgentMap<boolean>;
    truncations: AgentMap<boolean>;
  }): void {
    const live = this.present(step.rewards);
    for (const agent of live) this.writer.int32(required(step.actions, agent, 'actions'));
    for (const agent of live) this.writer.float32s(required(step.observations, agent, 'observations'));
    for (const agent of live) this.writer.float64(step.rewards[agent]!);
    for (const agent of live) this.writer.flags(required(step.terminations, agent, 'terminations'), required(step.truncations, agent, 'truncations'));
  }

  digest(): string {
    return this.writer.hex();
  }

  private present(map: AgentMap<unknown>): string[] {
    return this.possibleAgents.filter((agent) => map[agent] !== undefined);
  }
}

function required<T>(map: AgentMap<T>, agent: string, field: string): T {
  const value = map[agent];
  if (value === undefined) throw new RangeError(`expected ${field} to hold live agent '${agent}', got keys ${Object.keys(map).join(', ') || 'none'}`);
  return value;
}
