import type * as tfTypes from '@tensorflow/tfjs';
import type { DecisionContext, Policy } from './agent.js';
import { maskedArgmax } from './masked-choice.js';

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
    return maskedArgmax(this.qValues(ctx.observation), ctx.mask);
  }

  qValues(observation: Float32Array): Float32Array {
    return this.tf.tidy(() => {
      const input = this.tf.tensor2d(observation, [1, observation.length]);
      return (this.model.predict(input) as tfTypes.Tensor).dataSync() as Float32Array;
    });
  }
}
