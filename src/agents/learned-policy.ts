import type * as tfTypes from '@tensorflow/tfjs';
import type { DecisionContext, Policy } from './agent.js';

/**
 * A trained Q-network acting greedily: the allowed action with the highest
 * Q-value. Works from a loaded policy artifact alone (no training code).
 */
export class LearnedPolicy implements Policy {
  constructor(
    readonly name: string,
    private readonly tf: typeof tfTypes,
    private readonly model: tfTypes.LayersModel,
  ) {}

  act(ctx: DecisionContext): number {
    const q = this.qValues(ctx.observation);
    let best = -1;
    for (let a = 0; a < q.length; a++) {
      if (ctx.mask[a] === 1 && (best < 0 || q[a] > q[best])) best = a;
    }
    if (best < 0) throw new RangeError('every action is masked: the current configuration cannot run on this cluster');
    return best;
  }

  qValues(observation: Float32Array): Float32Array {
    return this.tf.tidy(() => {
      const input = this.tf.tensor2d(observation, [1, observation.length]);
      return (this.model.predict(input) as tfTypes.Tensor).dataSync() as Float32Array;
    });
  }
}
