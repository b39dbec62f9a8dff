/**
 * Trains a DQN agent on a scenario's simulated cluster: numEnvs environments
 * stepped in lock-step, one batched forward pass per vector step, experience
 * replay, and a gradient step every trainEvery vector steps.
 *
 * Episodes and epsilon: the paper decays epsilon once per episode. Here a
 * round of numEnvs parallel episodes counts as numEnvs episodes (so
 * `episodes: 500` simulates 500 episodes whatever numEnvs is), and every
 * episode of a round explores with the epsilon of the round's first episode:
 * epsilon = max(epsilonMin, epsilonStart · epsilonDecay^(episodes done before the round)).
 *
 * Keeping the best policy (option `evaluation`): DQN's greedy policy can flip
 * between near-equal actions from one round of gradient steps to the next, and
 * on paper-testbed the Q-gaps that matter are a few tenths on values of 20-50.
 * So, like Stable-Baselines3's EvalCallback, training can run a greedy episode
 * at every load level every few episodes (same evaluation seed each time, so
 * checkpoints are compared on the same noise) and return the weights that
 * scored best, not merely the last ones.
 *
 * Deterministic: the environments, the network's initial weights, the replay
 * sampling and the exploration draws all derive from `seed`.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Rng } from '../../sim/random.js';
import { DqnAgent } from '../agents/dqn.js';
import { ReplayBuffer } from '../agents/replay-buffer.js';
import type { Tf } from '../agents/tf.js';
import { SimulatedBackend } from '../backend/simulated.js';
import type { TrialOutcome, TrialRequest } from '../backend/backend.js';
import type { DqnOptions } from '../config/learning.js';
import { ConfigEnv } from '../env/config-env.js';
import type { TrainingCurves } from '../report/types.js';
import type { Scenario } from '../scenario/schema.js';
import type * as tfTypes from '@tensorflow/tfjs';
import { evaluationEpisodes, type EvaluationEpisode } from './evaluation-episodes.js';

export interface TrainProgress {
  /** Episodes finished. */
  episode: number;
  episodes: number;
  /** Exploration rate of the round just finished. */
  epsilon: number;
  /** Mean reward per step over the round just finished. */
  meanReward: number;
  /** Mean Huber loss over the round's gradient steps (NaN before learning starts). */
  meanLoss: number;
  /** Vector steps (one per lock-step of all environments). */
  stepsDone: number;
  /** Environment steps (transitions) over all environments. */
  envSteps: number;
}

/** What training logs (saved as the policy's curves.json); declared with the report that reads it. */
export type { TrainingCurves };

export interface TrainDqnOptions {
  scenario: Scenario;
  dqn: DqnOptions;
  seed: number | string;
  tf: Tf;
  onProgress?: (progress: TrainProgress) => void;
  /** Polled every vector step; true stops training after that step. */
  shouldStop?: () => boolean;
  /** Awaited after every round of episodes (the checkpoint hook). */
  onEpisodeEnd?: (agent: DqnAgent, curves: TrainingCurves) => Promise<void>;
  /** Stop once training has run this long, ms. */
  maxWallMs?: number;
  /** Every trial of a vector step, for the run log. */
  onTrials?: (trials: TrainingTrial[]) => void;
  /** Greedy evaluation at every load level during training; the best-scoring weights are returned. Off when absent. */
  evaluation?: GreedyEvaluationOptions;
}

export interface GreedyEvaluationOptions {
  /** Episodes between evaluations (rounded up to whole rounds of numEnvs); the last round is always evaluated. */
  everyEpisodes: number;
  /** No evaluation before this many episodes (early policies are not worth keeping; capped at the episodes trained); default 0. */
  fromEpisode?: number;
}

/** One environment step of training, as the run log records it. */
export interface TrainingTrial {
  request: TrialRequest;
  outcome: TrialOutcome;
  reward: number;
  step: number;
  episode: number;
}

export interface TrainDqnResult {
  agent: DqnAgent;
  curves: TrainingCurves;
  envSteps: number;
  wallMs: number;
  /** shouldStop or maxWallMs ended training before the last episode. */
  stoppedEarly: boolean;
  /** With `evaluation`: the evaluation whose weights the agent holds (null when none ran). */
  best: { episode: number; score: number } | null;
  /** With `evaluation`: environment steps spent on evaluation episodes (not in envSteps). */
  evaluationEnvSteps: number;
}

/** The exploration rate after `episode` finished episodes. */
export function epsilonAt(episode: number, dqn: Pick<DqnOptions, 'epsilonStart' | 'epsilonMin' | 'epsilonDecay'>): number {
  return Math.max(dqn.epsilonMin, dqn.epsilonStart * dqn.epsilonDecay ** episode);
}

export async function trainDqn(options: TrainDqnOptions): Promise<TrainDqnResult> {
  const started = performance.now();
  const { scenario, dqn, seed } = options;
  const envOptions = scenario.learning.env;
  const envs = Array.from(
    { length: dqn.numEnvs },
    () =>
      new ConfigEnv({
        scenario,
        backend: new SimulatedBackend(scenario, { mode: envOptions.backendMode, windowBatches: envOptions.windowBatches, settleMs: envOptions.settleMs }),
        env: envOptions,
        reward: scenario.learning.reward,
      }),
  );
  const obsSize = envs[0].observationSpace.shape[0];
  const actionCount = envs[0].actionSpace.n;
  const rng = new Rng(seed, 'train-dqn');
  const replayRng = rng.split('replay');
  const explorationRng = rng.split('exploration');
  const agent = new DqnAgent({ obsSize, actionCount, options: dqn, seed: `${seed}/q-network`, tf: options.tf });
  const replayBuffer = new ReplayBuffer(dqn.bufferSize, obsSize, actionCount);
  const curves: TrainingCurves = {
    stepRewards: [],
    episodeMeanRewards: [],
    episodeEpsilons: [],
    // Each episode's load level, so the report can score it against the best known at that level.
    episodeFps: [],
    keptEpisode: null,
    reward: { ...scenario.learning.reward },
  };
  const seeded = new Array<boolean>(envs.length).fill(false);
  let episodesDone = 0;
  let vectorSteps = 0;
  let envSteps = 0;
  let stoppedEarly = false;
  const evaluation = options.evaluation;
  if (evaluation !== undefined && !(Number.isInteger(evaluation.everyEpisodes) && evaluation.everyEpisodes >= 1)) {
    throw new RangeError(`expected a positive integer evaluation.everyEpisodes, got ${evaluation.everyEpisodes}`);
  }
  const evaluator = evaluation !== undefined ? new GreedyEvaluator(scenario, `${seed}/evaluation`) : null;
  let best: { episode: number; score: number; weights: tfTypes.Tensor[] } | null = null;
  let lastEvaluatedEpisode = -Infinity;

  try {
    while (episodesDone < dqn.episodes && !stoppedEarly) {
      const active = envs.slice(0, Math.min(envs.length, dqn.episodes - episodesDone));
      const epsilon = epsilonAt(episodesDone, dqn);
      const observations = new Float32Array(active.length * obsSize);
      const masks = new Uint8Array(active.length * actionCount);
      for (const [i, env] of active.entries()) {
        const { observation, info } = await env.reset(seeded[i] ? {} : { seed: `${seed}/env-${i}` });
        seeded[i] = true;
        observations.set(observation, i * obsSize);
        masks.set(info.actionMask, i * actionCount);
      }
      const rewardSums = new Float64Array(active.length);
      // The level of each episode: its first step's, or null once a step ran at another one.
      const levels: (number | null | undefined)[] = active.map(() => undefined);
      let lossSum = 0;
      let lossCount = 0;
      // ConfigEnv never terminates and truncates every episode at stepsPerEpisode, so the envs stay in lock-step.
      for (let t = 0; t < envOptions.stepsPerEpisode; t++) {
        if (options.shouldStop?.() || (options.maxWallMs !== undefined && performance.now() - started >= options.maxWallMs)) {
          stoppedEarly = true;
          break;
        }
        const actions = agent.actBatch(observations, masks, epsilon, explorationRng);
        const results = await Promise.all(active.map((env, i) => env.step(actions[i])));
        let stepRewardSum = 0;
        for (const [i, result] of results.entries()) {
          replayBuffer.add({
            observation: observations.subarray(i * obsSize, (i + 1) * obsSize),
            action: actions[i],
            reward: result.reward,
            nextObservation: result.observation,
            nextMask: result.info.actionMask,
            // Truncation at stepsPerEpisode is not a terminal state: the configuration
            // problem goes on, so the TD target still bootstraps from the next state.
            done: result.terminated,
          });
          observations.set(result.observation, i * obsSize);
          masks.set(result.info.actionMask, i * actionCount);
          rewardSums[i] += result.reward;
          stepRewardSum += result.reward;
          levels[i] = levels[i] === undefined || levels[i] === result.info.fps ? result.info.fps : null;
        }
        options.onTrials?.(
          results.map((result, i) => ({
            request: { config: result.info.config, fps: result.info.fps },
            outcome: result.info.outcome!,
            reward: result.reward,
            step: t,
            episode: episodesDone + i,
          })),
        );
        curves.stepRewards.push(stepRewardSum / active.length);
        vectorSteps++;
        envSteps += active.length;
        if (replayBuffer.size >= Math.max(1, dqn.learningStarts) && vectorSteps % dqn.trainEvery === 0) {
          lossSum += agent.learn(replayBuffer.sample(dqn.batchSize, replayRng));
          lossCount++;
        }
      }
      if (stoppedEarly) break;
      for (const [i, sum] of rewardSums.entries()) {
        curves.episodeMeanRewards.push(sum / envOptions.stepsPerEpisode);
        curves.episodeEpsilons.push(epsilon);
        curves.episodeFps!.push(levels[i] ?? null);
      }
      episodesDone += active.length;
      options.onProgress?.({
        episode: episodesDone,
        episodes: dqn.episodes,
        epsilon,
        meanReward: rewardSums.reduce((a, b) => a + b, 0) / (active.length * envOptions.stepsPerEpisode),
        meanLoss: lossCount > 0 ? lossSum / lossCount : NaN,
        stepsDone: vectorSteps,
        envSteps,
      });
      if (evaluator !== null && evaluation !== undefined && episodesDone >= Math.min(evaluation.fromEpisode ?? 0, dqn.episodes)) {
        if (episodesDone - lastEvaluatedEpisode >= evaluation.everyEpisodes || episodesDone >= dqn.episodes) {
          lastEvaluatedEpisode = episodesDone;
          const score = await evaluator.score(agent);
          if (best === null || score > best.score) {
            options.tf.dispose(best?.weights ?? []);
            best = { episode: episodesDone, score, weights: agent.onlineNetwork.getWeights().map((w) => w.clone()) };
          }
        }
      }
      await options.onEpisodeEnd?.(agent, curves);
      // The simulator never waits on I/O: let timers and signal handlers run between rounds.
      await yieldToEventLoop();
    }
    if (best !== null) {
      agent.onlineNetwork.setWeights(best.weights);
      agent.targetNetwork.setWeights(best.weights);
      curves.keptEpisode = best.episode;
    }
  } finally {
    options.tf.dispose(best?.weights ?? []);
    await Promise.all(envs.map((env) => env.close()));
    await evaluator?.close();
  }
  return {
    agent,
    curves,
    envSteps,
    wallMs: performance.now() - started,
    stoppedEarly,
    best: best !== null ? { episode: best.episode, score: best.score } : null,
    evaluationEnvSteps: evaluator?.envSteps ?? 0,
  };
}

/**
 * Scores the greedy policy: one episode at each load level of the scenario
 * (under loadSchedule 'walk', as many walks of fixed seeds: see
 * evaluation-episodes.ts), all in lock-step; the score is the mean reward
 * over the second half of the episodes (the policy has settled by then), as
 * `sspe evaluate` measures it.
 */
export class GreedyEvaluator {
  private readonly envs: ConfigEnv[];
  private readonly episodes: EvaluationEpisode[];
  envSteps = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly seed: string,
  ) {
    const envOptions = scenario.learning.env;
    this.episodes = evaluationEpisodes(scenario, seed);
    this.envs = this.episodes.map(
      () =>
        new ConfigEnv({
          scenario,
          backend: new SimulatedBackend(scenario, { mode: envOptions.backendMode, windowBatches: envOptions.windowBatches, settleMs: envOptions.settleMs }),
          env: envOptions,
          reward: scenario.learning.reward,
        }),
    );
  }

  async score(agent: DqnAgent): Promise<number> {
    const { obsSize, actionCount } = agent;
    const n = this.envs.length;
    const observations = new Float32Array(n * obsSize);
    const masks = new Uint8Array(n * actionCount);
    for (const [i, env] of this.envs.entries()) {
      // The same seeds every time: every checkpoint meets the same loads and trial noise.
      const { observation, info } = await env.reset(this.episodes[i]);
      observations.set(observation, i * obsSize);
      masks.set(info.actionMask, i * actionCount);
    }
    const steps = this.scenario.learning.env.stepsPerEpisode;
    const measuredFrom = Math.floor(steps / 2);
    const greedy = new Rng(this.seed, 'greedy'); // epsilon 0: drawn from, never used
    let sum = 0;
    for (let t = 0; t < steps; t++) {
      const actions = agent.actBatch(observations, masks, 0, greedy);
      const results = await Promise.all(this.envs.map((env, i) => env.step(actions[i])));
      for (const [i, result] of results.entries()) {
        observations.set(result.observation, i * obsSize);
        masks.set(result.info.actionMask, i * actionCount);
        if (t >= measuredFrom) sum += result.reward;
      }
      this.envSteps += n;
    }
    return sum / (n * (steps - measuredFrom));
  }

  async close(): Promise<void> {
    await Promise.all(this.envs.map((env) => env.close()));
  }
}
