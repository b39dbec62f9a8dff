import type * as tfTypes from '@tensorflow/tfjs';
import { Rng } from '../../sim/random.js';
import type { Tf } from './tf.js';

export interface QNetworkOptions {
  observationSize: number;
  actionCount: number;
  hiddenUnits: number;
  /** Seeds the Glorot initialisation: the same seed gives the same initial weights. */
  seed: number | string;
}

/**
 * The Q-network: observation → hidden → hidden → one Q-value per action
 * (ReLU hidden layers, linear output), as in the DQN papers.
 */
export function buildQNetwork(tf: Tf, options: QNetworkOptions): tfTypes.Sequential {
  const { observationSize, actionCount, hiddenUnits } = options;
  for (const [name, value] of [['observationSize', observationSize], ['actionCount', actionCount], ['hiddenUnits', hiddenUnits]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`expected a positive integer ${name}, got ${value}`);
  }
  // tfjs initialisers take a numeric seed; one per layer, drawn from the caller's seed.
  const rng = new Rng(options.seed, 'q-network');
  const kernelInitializer = () => tf.initializers.glorotUniform({ seed: rng.int(0, 2 ** 31 - 1) });
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [observationSize], units: hiddenUnits, activation: 'relu', kernelInitializer: kernelInitializer() }));
  model.add(tf.layers.dense({ units: hiddenUnits, activation: 'relu', kernelInitializer: kernelInitializer() }));
  model.add(tf.layers.dense({ units: actionCount, activation: 'linear', kernelInitializer: kernelInitializer() }));
  return model;
}

/** Copies every weight of `from` into `to` (same architecture): the target-network update. */
export function copyWeights(from: tfTypes.LayersModel, to: tfTypes.LayersModel): void {
  // setWeights copies values; getWeights hands back the live variables, so nothing is allocated or leaked.
  to.setWeights(from.getWeights());
}

/** Added to a masked action's Q-value so that no argmax ever picks it. */
export const MASKED_Q_OFFSET = -1e9;

/**
 * The value of each next state, Q_target(s', a*), where a* is the best next
 * action allowed by the stored mask, chosen by the online network (Double
 * DQN) or by the target network itself. Call inside tf.tidy.
 */
export function nextStateValue(
  tf: Tf,
  networks: { online: tfTypes.LayersModel; target: tfTypes.LayersModel; doubleDqn: boolean },
  batch: { nextObservations: Float32Array; nextMasks: Uint8Array; size: number },
  shape: { obsSize: number; actionCount: number },
): tfTypes.Tensor1D {
  const n = batch.size;
  const nextObservations = tf.tensor2d(batch.nextObservations, [n, shape.obsSize]);
  const maskOffset = tf.scalar(1).sub(tf.tensor2d(Float32Array.from(batch.nextMasks), [n, shape.actionCount])).mul(MASKED_Q_OFFSET);
  const nextQTarget = networks.target.predict(nextObservations) as tfTypes.Tensor2D;
  const chooser = networks.doubleDqn ? (networks.online.predict(nextObservations) as tfTypes.Tensor2D) : nextQTarget;
  const best = chooser.add(maskOffset).argMax(1);
  return nextQTarget.mul(tf.oneHot(best, shape.actionCount)).sum(1) as tfTypes.Tensor1D;
}
