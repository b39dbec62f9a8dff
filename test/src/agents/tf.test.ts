import { describe, expect, it } from 'vitest';
import { initTf } from '../../../src/agents/tf.js';

// On a machine with tfjs-node installed, 'auto' rightly picks it: these checks are for machines without it.
const hasTfNode = await import(['@tensorflow', 'tfjs-node'].join('/')).then(
  () => true,
  () => false,
);

describe.skipIf(hasTfNode)('initTf without @tensorflow/tfjs-node', () => {
  it("picks the wasm backend when @tensorflow/tfjs-node is not installed, and returns the same handle again", async () => {
    const first = await initTf({ backend: 'auto' });
    expect(first.backend).toBe('wasm');
    expect(first.tf.getBackend()).toBe('wasm');
    expect(first.tf.tidy(() => first.tf.tensor1d([1, 2, 3]).sum().dataSync()[0])).toBe(6);
    const again = await initTf({});
    expect(again).toBe(first);
    expect(await initTf({ backend: 'wasm' })).toBe(first);
  });

  it("explains how to install tfjs-node when backend 'node' is forced without it", async () => {
    await expect(initTf({ backend: 'node' })).rejects.toThrow(/backend 'node' needs @tensorflow\/tfjs-node, which is not installed: run `npm install @tensorflow\/tfjs-node`/);
    // A refused backend leaves the next call free to start another.
    expect((await initTf({ backend: 'wasm' })).backend).toBe('wasm');
  });
});
