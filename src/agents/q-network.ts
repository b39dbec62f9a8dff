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
