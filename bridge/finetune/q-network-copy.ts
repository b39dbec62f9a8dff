/**
 * The network pieces fine-tuning shares between a single agent
 * (finetune.ts) and a team (team-finetune.ts): a trainable copy of a loaded
 * Q-network, checked to be the DQN sspe trains; restoring checkpointed
 * weights into it; and joining a real and a simulated batch into one.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { buildQNetwork } from '../../src/agents/q-network.js';
import type { ReplayBatch } from '../../src/agents/replay-buffer.js';
import type { Tf } from '../../src/agents/tf.js';
import { UserInputError } from '../../src/errors.js';

/**
 * A trainable copy of `model`. Fine-tuning steps it with DqnAgent, so the
 * network must be the one sspe trains: observation → hidden → hidden →
 * Q-values, ReLU, the same width twice. `where` names it in the error.
 */
export function trainableQNetwork(tf: Tf, model: tfTypes.LayersModel, shape: { observationSize: number; actionCount: number; where: string }): tfTypes.Sequential {
  const hidden = checkDqnShape(model, shape);
  const network = buildQNetwork(tf, { observationSize: shape.observationSize, actionCount: shape.actionCount, hiddenUnits: hidden, seed: 0 });
  network.setWeights(model.getWeights());
  return network;
}

/** Throws a UserInputError unless `model` is the DQN network sspe trains with these sizes; returns its hidden width. */
export function checkDqnShape(model: tfTypes.LayersModel, shape: { observationSize: number; actionCount: number; where: string }): number {
  const weights = model.getWeights();
  const { observationSize: obs, actionCount: actions } = shape;
  const hidden = weights[0]?.shape[1] ?? 0;
  const wanted = [[obs, hidden], [hidden], [hidden, hidden], [hidden], [hidden, actions], [actions]];
  const shapes = weights.map((w) => w.shape);
  const activations = model.layers.map((layer) => (layer.getConfig() as { activation?: string }).activation);
  if (JSON.stringify(shapes) !== JSON.stringify(wanted) || JSON.stringify(activations) !== JSON.stringify(['relu', 'relu', 'linear'])) {
    throw new UserInputError(
      `${shape.where}: fine-tuning needs the DQN network sspe trains (${obs} → h → h → ${actions}, ReLU); this one has weights ${JSON.stringify(shapes)} and activations ${JSON.stringify(activations)}`,
    );
  }
  return hidden;
}

/** Sets checkpointed weights; a UserInputError when their shapes are not the network's. */
export function setNetworkWeights(tf: Tf, network: tfTypes.LayersModel, tensors: { shape: number[]; values: Float32Array }[]): void {
  const current = network.getWeights();
  if (tensors.length !== current.length || tensors.some((t, i) => JSON.stringify(t.shape) !== JSON.stringify(current[i].shape))) {
    throw new UserInputError(`the checkpoint's weights have shapes ${JSON.stringify(tensors.map((t) => t.shape))}, the policy's ${JSON.stringify(current.map((w) => w.shape))}`);
  }
  const values = tensors.map((t) => tf.tensor(t.values, t.shape));
  network.setWeights(values);
  tf.dispose(values);
}

/** The rows of `a`, then those of `b`: a real batch and a simulated one as one gradient batch. */
export function concatBatches(a: ReplayBatch, b: ReplayBatch): ReplayBatch {
  const join = <T extends Float32Array | Int32Array | Uint8Array>(x: T, y: T, make: (n: number) => T): T => {
    const out = make(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return {
    size: a.size + b.size,
    observations: join(a.observations, b.observations, (n) => new Float32Array(n)),
    actions: join(a.actions, b.actions, (n) => new Int32Array(n)),
    rewards: join(a.rewards, b.rewards, (n) => new Float32Array(n)),
    nextObservations: join(a.nextObservations, b.nextObservations, (n) => new Float32Array(n)),
    nextMasks: join(a.nextMasks, b.nextMasks, (n) => new Uint8Array(n)),
    dones: join(a.dones, b.dones, (n) => new Uint8Array(n)),
  };
}
