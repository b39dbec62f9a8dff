import type * as tfTypes from '@tensorflow/tfjs';

/**
 * The Q-network's forward pass in plain JavaScript, for one observation.
 * A decision is a 12→64→64→27 multiply-add (~6,000 operations): through tfjs
 * it costs a tensor allocation per call and, every ~150 calls, a memory
 * clean-up of 0.4–4 ms, which sets the p99. Only networks of Dense layers
 * with ReLU or linear activations qualify; others keep the tfjs path.
 */
export interface DenseLayer {
  inSize: number;
  outSize: number;
  /** Row-major [inSize][outSize], as tfjs stores a Dense kernel. */
  kernel: Float32Array;
  bias: Float32Array;
  relu: boolean;
}

const cache = new WeakMap<tfTypes.LayersModel, DenseLayer[] | null>();

/** The model's layers as plain arrays, or null when it is not a Dense/ReLU stack. */
export function denseLayersOf(model: tfTypes.LayersModel): DenseLayer[] | null {
  if (cache.has(model)) return cache.get(model)!;
  const layers: DenseLayer[] = [];
  let plain = true;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === 'InputLayer') continue;
    const activation = (layer.getConfig() as { activation?: string }).activation;
    const weights = layer.getWeights();
    if (kind !== 'Dense' || (activation !== 'relu' && activation !== 'linear') || weights.length !== 2) {
      plain = false;
      break;
    }
    const [inSize, outSize] = weights[0].shape;
    layers.push({ inSize, outSize, kernel: weights[0].dataSync() as Float32Array, bias: weights[1].dataSync() as Float32Array, relu: activation === 'relu' });
  }
  const result = plain && layers.length > 0 ? layers : null;
  cache.set(model, result);
  return result;
}

export function denseForward(layers: readonly DenseLayer[], input: Float32Array): Float32Array {
  let x = input;
  for (const layer of layers) {
    if (x.length !== layer.inSize) throw new RangeError(`expected an input of ${layer.inSize} values, got ${x.length}`);
    const y = new Float32Array(layer.outSize);
    y.set(layer.bias);
    for (let i = 0; i < layer.inSize; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const row = i * layer.outSize;
      for (let j = 0; j < layer.outSize; j++) y[j] += xi * layer.kernel[row + j];
    }
    if (layer.relu) for (let j = 0; j < y.length; j++) if (y[j] < 0) y[j] = 0;
    x = y;
  }
  return x;
}
