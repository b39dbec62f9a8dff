/**
 * Deep Q-Network agent (Mnih et al. 2015) with Double DQN targets (van Hasselt
 * et al. 2016) and action masking: the paper's agent, which picks one of the
 * 27 joint −1/0/+1 knob moves (or an absolute configuration) per trial.
 *
 * The training loop lives in src/train/train-dqn.ts; this file holds what the
 * agent is: the online and target networks, how it acts, and one gradient step.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { Rng } from '../../sim/random.js';
import type { DqnOptions } from '../config/learning.js';
import { epsilonGreedy, maskedArgmax } from './masked-choice.js';
import type { DecisionContext, Policy } from './agent.js';
import { buildQNetwork, copyWeights, nextStateValue } from './q-network.js';
import type { ReplayBatch } from './replay-buffer.js';
import type { Tf } from './tf.js';

export interface DqnAgentOptions {
  obsSize: number;
  actionCount: number;
  options: DqnOptions;
  /** Seeds the initial weights of the Q-network. */
  seed: number | string;
  tf: Tf;
}

export class DqnAgent implements Policy {
  readonly name = 'dqn';
  readonly obsSize: number;
  readonly actionCount: number;
  readonly options: DqnOptions;
  /** The network that acts and learns (the one to save). */
  readonly onlineNetwork: tfTypes.Sequential;
  /** A lagging copy of the online network that scores TD targets. */
  readonly targetNetwork: tfTypes.Sequential;
  private readonly tf: Tf;
  private readonly optimizer: tfTypes.Optimizer;
  private readonly onlineVariables: tfTypes.Variable[];
  private steps = 0;

  constructor({ obsSize, actionCount, options, seed, tf }: DqnAgentOptions) {
    this.tf = tf;
    this.obsSize = obsSize;
    this.actionCount = actionCount;
    this.options = options;
    const network = { observationSize: obsSize, actionCount, hiddenUnits: options.hiddenUnits, seed };
    this.onlineNetwork = buildQNetwork(tf, network);
    this.targetNetwork = buildQNetwork(tf, network);
    this.targetNetwork.trainable = false;
    copyWeights(this.onlineNetwork, this.targetNetwork);
    this.onlineVariables = this.onlineNetwork.trainableWeights.map((w) => w.read() as tfTypes.Variable);
    this.optimizer = tf.train.adam(options.learningRate);
  }

  /** Gradient steps taken so far. */
  get gradientSteps(): number {
    return this.steps;
  }

  /** Greedy: the allowed action of highest Q-value. */
  act(ctx: DecisionContext): number {
    const q = this.qValues(ctx.observation, 1);
    return maskedArgmax(q, ctx.mask);
  }

  /**
   * Epsilon-greedy actions for n environments at once, exploring among allowed
   * actions only. `observations` holds n rows of obsSize values, `masks` n
   * rows of actionCount flags. One forward pass serves every greedy row, and
   * none runs when every row explores.
   */
  actBatch(observations: Float32Array, masks: Uint8Array, epsilon: number, rng: Rng): Int32Array {
    const n = observations.length / this.obsSize;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`expected observations of a positive multiple of ${this.obsSize} values, got ${observations.length}`);
    }
    if (masks.length !== n * this.actionCount) throw new RangeError(`expected ${n * this.actionCount} mask values for ${n} observations, got ${masks.length}`);
    return epsilonGreedy({ masks, rows: n, actionCount: this.actionCount, epsilon, rng, qValues: () => this.qValues(observations, n) });
  }

  /** Q-values of n observations (row-major, n × actionCount). */
  qValues(observations: Float32Array, n: number): Float32Array {
    const tf = this.tf;
    const q = tf.tidy(() => this.onlineNetwork.predict(tf.tensor2d(observations, [n, this.obsSize])) as tfTypes.Tensor2D);
    const values = q.dataSync() as Float32Array;
    q.dispose();
    return values;
  }

  /**
   * One gradient step on a minibatch; returns the Huber loss before the step.
   *
   * tdTarget = r + gamma · (1 − done) · Q_target(s', a*), where a* is the
   * online network's best allowed next action (Double DQN; the target
   * network's own when doubleDqn is off). Only actions allowed in s' (the
   * stored next mask) compete for a*: a masked action can never be taken, so
   * its value must not leak into the target.
   */
  learn(batch: ReplayBatch): number {
    const tf = this.tf;
    const { size: n } = batch;
    const { gamma, doubleDqn } = this.options;
    const tdTarget = tf.tidy(() => {
      const nextValue = nextStateValue(tf, { online: this.onlineNetwork, target: this.targetNetwork, doubleDqn }, batch, this);
      const notDone = tf.scalar(1).sub(tf.tensor1d(Float32Array.from(batch.dones)));
      return tf.tensor1d(batch.rewards).add(nextValue.mul(notDone).mul(gamma));
    });
    const loss = tf.tidy(() => {
      const observations = tf.tensor2d(batch.observations, [n, this.obsSize]);
      const takenAction = tf.oneHot(tf.tensor1d(batch.actions, 'int32'), this.actionCount);
      const lossFunction = () =>
        tf.tidy(() => {
          const q = this.onlineNetwork.apply(observations, { training: true }) as tfTypes.Tensor2D;
          const qTaken = q.mul(takenAction).sum(1);
          return tf.losses.huberLoss(tdTarget, qTaken) as tfTypes.Scalar;
        });
      const grads = tf.variableGrads(lossFunction, this.onlineVariables);
      this.optimizer.applyGradients(grads.grads);
      tf.dispose(grads.grads);
      return grads.value;
    });
    tdTarget.dispose();
    const value = loss.dataSync()[0];
    loss.dispose();
    this.steps++;
    if (this.steps % this.options.targetUpdateEvery === 0) copyWeights(this.onlineNetwork, this.targetNetwork);
    return value;
  }

  /** Frees the networks and the optimizer's state. */
  dispose(): void {
    this.onlineNetwork.dispose();
    this.targetNetwork.dispose();
    this.optimizer.dispose();
  }
}

