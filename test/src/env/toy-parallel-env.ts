import { Rng } from '../../../sim/random.js';
import { MultiDiscrete } from '../../../src/env/multi-discrete.js';
import type { ParallelEnv, ParallelResetOptions, ParallelResetResult, ParallelStepResult, PerAgent } from '../../../src/env/parallel-env.js';
import type { Space } from '../../../src/env/space.js';
import { Box, Discrete } from '../../../src/env/spaces.js';
import { validateActions } from '../../../src/env/validate-actions.js';

/** One deliberate bug per rule of checkParallelEnv; the toy without one is correct. */
export type Flaw =
  | 'ghost-agent'
  | 'no-agents-after-reset'
  | 'missing-reward'
  | 'observation-for-done-agent'
  | 'reset-info-for-absent-agent'
  | 'observation-outside'
  | 'fresh-observation-space'
  | 'fresh-action-space'
  | 'fresh-state-space'
  | 'changing-possible-agents'
  | 'nan-reward'
  | 'numeric-flag'
  | 'zombie'
  | 'done-stays-live'
  | 'silent-leave'
  | 'nondeterministic'
  | 'state-outside'
  | 'short-mask'
  | 'empty-mask'
  | 'mask-not-uint8'
  | 'mask-on-box'
  | 'sample-ignores-mask'
  | 'no-validation'
  | 'step-throws';

export type ToyAgent = 'left' | 'right';
export type ToyAction = number | readonly number[];

export interface ToyInfo {
  step: number;
  actionMask: Uint8Array;
}

/** A Discrete space whose sampler forgets the mask. */
class CarelessDiscrete extends Discrete {
  override sample(rng: Rng): number {
    return rng.int(0, this.n - 1);
  }
}

/**
 * Two agents: 'left' picks one of 3 actions, 'right' a pair in
 * MultiDiscrete([2, 3]); 'right' terminates after `rightSteps` steps and
 * 'left' is truncated after `steps`. Observations are two numbers in [0, 1]
 * drawn from the episode's seed and the agent's last action; the state is
 * both observations side by side. Masks change with the step.
 */
export class ToyParallelEnv implements ParallelEnv<ToyAgent, Float32Array, ToyAction, ToyInfo, Float32Array> {
  readonly possibleAgents: readonly ToyAgent[] = ['left', 'right'];
  private live: ToyAgent[] = [];
  private readonly spaces: { observation: Box; left: Discrete; right: MultiDiscrete; state: Box };
  private rng = new Rng(0, 'toy');
  private seed: number | string = 0;
  private episodes = 0;
  private stepIndex = 0;
  private totalSteps = 0;
  private observations: Record<ToyAgent, Float32Array> = { left: new Float32Array(2), right: new Float32Array(2) };
  readonly closed = { count: 0 };

  constructor(private readonly options: { flaw?: Flaw; steps?: number; rightSteps?: number } = {}) {
    this.spaces = {
      observation: new Box(0, 1, 2),
      left: options.flaw === 'sample-ignores-mask' ? new CarelessDiscrete(3) : new Discrete(3),
      right: new MultiDiscrete([2, 3]),
      state: new Box(0, 1, 4),
    };
  }

  private get flaw(): Flaw | undefined {
    return this.options.flaw;
  }

  get agents(): readonly ToyAgent[] {
    if (this.flaw === 'ghost-agent' && this.live.length > 0) return [...this.live, 'ghost' as ToyAgent];
    return this.live;
  }

  get stateSpace(): Box {
    return this.flaw === 'fresh-state-space' ? new Box(0, 1, 4) : this.spaces.state;
  }

  observationSpace(agent: ToyAgent): Box {
    return this.flaw === 'fresh-observation-space' ? new Box(0, 1, 2) : this.spaces.observation;
  }

  actionSpace(agent: ToyAgent): Space<ToyAction> {
    if (this.flaw === 'fresh-action-space' && agent === 'right') return new MultiDiscrete([2, 3]);
    // A space that takes no mask, under an info that carries one.
    if (this.flaw === 'mask-on-box' && agent === 'left') return this.spaces.observation as unknown as Space<ToyAction>;
    return this.spaces[agent] as Space<ToyAction>;
  }

  async reset(options: ParallelResetOptions<never> = {}): Promise<ParallelResetResult<ToyAgent, Float32Array, ToyInfo>> {
    if (options.seed !== undefined) {
      this.seed = options.seed;
      this.episodes = 0;
    }
    this.rng = new Rng(`${this.seed}/episode-${this.episodes++}`, 'toy');
    this.stepIndex = 0;
    this.live = this.flaw === 'no-agents-after-reset' ? [] : this.flaw === 'reset-info-for-absent-agent' ? ['left'] : ['left', 'right'];
    if (this.flaw === 'changing-possible-agents' && this.episodes > 1) (this as { possibleAgents: readonly ToyAgent[] }).possibleAgents = ['right', 'left'];
    for (const agent of this.live) this.observations[agent] = this.observe(0);
    return {
      observations: Object.fromEntries(this.live.map((agent) => [agent, this.observations[agent]])),
      infos: Object.fromEntries((this.flaw === 'reset-info-for-absent-agent' ? this.possibleAgents : this.live).map((agent) => [agent, this.info(agent)])),
    };
  }

  async step(actions: PerAgent<ToyAgent, ToyAction>): Promise<ParallelStepResult<ToyAgent, Float32Array, ToyInfo>> {
    if (this.flaw !== 'no-validation') validateActions(this, actions, { masks: Object.fromEntries(this.live.map((agent) => [agent, this.mask(agent)])) });
    if (this.flaw === 'step-throws' && this.stepIndex === 2) throw new Error('the toy broke');
    const acting = [...this.live];
    this.stepIndex++;
    this.totalSteps++;
    const result: ParallelStepResult<ToyAgent, Float32Array, ToyInfo> = { observations: {}, rewards: {}, terminations: {}, truncations: {}, infos: {} };
    for (const agent of acting) {
      const action = actions[agent]!;
      const level = typeof action === 'number' ? action / 2 : (action[0] + action[1]) / 3;
      this.observations[agent] = this.observe(level);
      result.observations[agent] = this.observations[agent];
      result.rewards[agent] = level - this.observations[agent][0] + (this.flaw === 'nondeterministic' ? this.totalSteps : 0);
      result.terminations[agent] = agent === 'right' && this.stepIndex >= (this.options.rightSteps ?? 3);
      result.truncations[agent] = this.stepIndex >= (this.options.steps ?? 5);
      result.infos[agent] = this.info(agent);
    }
    if (this.flaw === 'observation-outside' && this.stepIndex === 2) result.observations.left = Float32Array.of(1.5, 0);
    if (this.flaw === 'missing-reward') delete result.rewards.right;
    if (this.flaw === 'nan-reward' && this.stepIndex === 2) result.rewards.left = Number.NaN;
    if (this.flaw === 'numeric-flag') (result.terminations as Record<string, unknown>).left = 0;
    if (this.flaw === 'observation-for-done-agent' && !acting.includes('right')) result.observations.right = this.observations.right;
    const done = acting.filter((agent) => result.terminations[agent] || result.truncations[agent]);
    const wasLive = this.live;
    this.live = this.live.filter((agent) => this.flaw === 'done-stays-live' || !done.includes(agent));
    if (this.flaw === 'zombie' && wasLive.length === 1 && !this.live.includes('right') && this.live.length > 0) this.live.push('right');
    if (this.flaw === 'silent-leave' && this.stepIndex === 1) this.live = this.live.filter((agent) => agent !== 'left');
    return result;
  }

  state(): Float32Array {
    const state = new Float32Array(4);
    state.set(this.observations.left, 0);
    state.set(this.observations.right, 2);
    if (this.flaw === 'state-outside') state[3] = -1;
    return state;
  }

  async close(): Promise<void> {
    this.closed.count++;
  }

  private observe(level: number): Float32Array {
    return Float32Array.of(Math.fround(this.rng.uniform()), level);
  }

  /** 'left' may not repeat step % 3; 'right' may not pick 0 in its second dimension on odd steps. */
  private mask(agent: ToyAgent): Uint8Array {
    if (agent === 'left') {
      if (this.flaw === 'short-mask') return Uint8Array.of(1, 1);
      if (this.flaw === 'empty-mask' && this.stepIndex === 1) return Uint8Array.of(0, 0, 0);
      const mask = Uint8Array.of(1, 1, 1);
      mask[this.stepIndex % 3] = 0;
      return mask;
    }
    return Uint8Array.of(1, 1, this.stepIndex % 2 === 1 ? 0 : 1, 1, 1);
  }

  private info(agent: ToyAgent): ToyInfo {
    const mask = this.mask(agent);
    return { step: this.stepIndex, actionMask: this.flaw === 'mask-not-uint8' ? (Array.from(mask) as unknown as Uint8Array) : mask };
  }
}
