/**
 * The random baseline: a uniformly random allowed action at every step. It
 * is the comparison of the reference paper (random configurations average
 * ~600 ms per frame at 10 fps, against ~419 ms for the DRL agent's choice).
 */
import { Rng } from '../../../sim/random.js';
import type { DecisionContext, Policy } from '../agent.js';

export interface RandomPolicyOptions {
  /** Seed of the policy's own random stream (the same seed, the same actions). */
  seed: number | string;
}

export class RandomPolicy implements Policy {
  readonly name = 'random';
  private readonly rng: Rng;

  constructor(options: RandomPolicyOptions) {
    this.rng = new Rng(options.seed, 'baseline/random');
  }

  act(ctx: DecisionContext): number {
    const allowed: number[] = [];
    ctx.mask.forEach((ok, action) => {
      if (ok === 1) allowed.push(action);
    });
    if (allowed.length === 0) {
      throw new RangeError('every action is masked: the current configuration cannot run on this cluster');
    }
    return this.rng.pick(allowed);
  }
}
