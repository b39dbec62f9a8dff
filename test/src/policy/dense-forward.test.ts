import { describe, expect, it } from 'vitest';
import { initTf } from '../../../src/agents/tf.js';
import { loadPolicy } from '../../../src/policy/artifact.js';
import { denseForward, denseLayersOf } from '../../../src/policy/dense-forward.js';
import { Rng } from '../../../sim/random.js';

describe('the plain-JavaScript forward pass', () => {
  it('gives the Q-values tfjs gives for the shipped policy', async () => {
    const { tf } = await initTf({ backend: 'wasm' });
    const policy = await loadPolicy('models/policies/paper-testbed-dqn', { tf });
    const layers = denseLayersOf(policy.model);
    expect(layers).not.toBeNull();
    const rng = new Rng('dense-forward');
    for (let n = 0; n < 50; n++) {
      const observation = Float32Array.from({ length: 12 }, () => (rng.uniform() < 0.2 ? 0 : rng.uniform()));
      const viaTf = tf.tidy(() => (policy.model.predict(tf.tensor2d(observation, [1, 12])) as import('@tensorflow/tfjs').Tensor).dataSync());
      const plain = denseForward(layers!, observation);
      expect(plain.length).toBe(viaTf.length);
      for (let a = 0; a < plain.length; a++) expect(plain[a]).toBeCloseTo(viaTf[a], 4);
    }
  });

  it('declines networks that are not a Dense/ReLU stack', async () => {
    const { tf } = await initTf({ backend: 'wasm' });
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'tanh' }), tf.layers.dense({ units: 2 })] });
    expect(denseLayersOf(model)).toBeNull();
  });
});
