/**
 * Value decomposition (VDN, Sunehag et al. 2018): the team's Q-value is the
 * sum of the agents' own, Q_team(s, a) = Σ_i Q_i(o_i, a_i), trained end to
 * end on the shared team reward. Each agent keeps its own network over its
 * own observation and acts greedily on it alone (decentralised execution);
 * only the gradient step sees the team.
 *
 * tdTarget = r + gamma · (1 − done) · Σ_i Q_i^target(o_i', a_i*), where a_i*
 * is agent i's best allowed next action under its online network (Double
 * DQN, as in dqn.ts). One Adam optimizer over every agent's weights.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { DqnAgent } from './dqn.js';
import { copyWeights, nextStateValue } from './q-network.js';
import type { ReplayBatch } from './replay-buffer.js';
import type { Tf } from './tf.js';

export class VdnLearner {
  private readonly optimizer: tfTypes.Optimizer;
  private readonly variables: tfTypes.Variable[];
  private steps = 0;

  constructor(
    private readonly tf: Tf,
    /** One DQN agent per team member (their networks; their own optimizers stay unused). */
    private readonly agents: readonly DqnAgent[],
    private readonly options: { gamma: number; learningRate: number; targetUpdateEvery: number },
  ) {
    if (agents.length === 0) throw new RangeError('VDN: expected at least one agent, got none');
    this.variables = agents.flatMap((agent) => agent.onlineNetwork.trainableWeights.map((w) => w.read() as tfTypes.Variable));
    this.optimizer = tf.train.adam(options.learningRate);
  }

  /** One gradient step on a team batch: `batches[i]` is agent i's view of the same transitions (same rows, same rewards). */
  learn(batches: readonly ReplayBatch[]): number {
    const tf = this.tf;
    if (batches.length !== this.agents.length) throw new RangeError(`VDN: expected ${this.agents.length} agent batches, got ${batches.length}`);
    const n = batches[0].size;
    const first = batches[0];
    const tdTarget = tf.tidy(() => {
      let nextValue = tf.zeros([n]) as tfTypes.Tensor1D;
      this.agents.forEach((agent, i) => {
        nextValue = nextValue.add(nextStateValue(tf, { online: agent.onlineNetwork, target: agent.targetNetwork, doubleDqn: true }, batches[i], agent));
      });
      const notDone = tf.scalar(1).sub(tf.tensor1d(Float32Array.from(first.dones)));
      return tf.tensor1d(first.rewards).add(nextValue.mul(notDone).mul(this.options.gamma));
    });
    const loss = tf.tidy(() => {
      const inputs = this.agents.map((agent, i) => ({
        observations: tf.tensor2d(batches[i].observations, [n, agent.obsSize]),
        taken: tf.oneHot(tf.tensor1d(batches[i].actions, 'int32'), agent.actionCount),
      }));
      const lossFunction = () =>
        tf.tidy(() => {
          let qTeam = tf.zeros([n]) as tfTypes.Tensor1D;
          this.agents.forEach((agent, i) => {
            const q = agent.onlineNetwork.apply(inputs[i].observations, { training: true }) as tfTypes.Tensor2D;
            qTeam = qTeam.add(q.mul(inputs[i].taken).sum(1));
          });
          return tf.losses.huberLoss(tdTarget, qTeam) as tfTypes.Scalar;
        });
      const grads = tf.variableGrads(lossFunction, this.variables);
      this.optimizer.applyGradients(grads.grads);
      tf.dispose(grads.grads);
      return grads.value;
    });
    tdTarget.dispose();
    const value = loss.dataSync()[0];
    loss.dispose();
    this.steps++;
    if (this.steps % this.options.targetUpdateEvery === 0) {
      for (const agent of this.agents) copyWeights(agent.onlineNetwork, agent.targetNetwork);
    }
    return value;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
