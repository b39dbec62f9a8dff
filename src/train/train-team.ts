/**
 * Training the five agents on the team environment: independent DQN agents
 * on the shared team reward (IDQN, the baseline every multi-agent paper
 * reports), or value decomposition (VDN, src/agents/vdn.ts), where the team's
 * Q is the sum of the agents' and one TD error trains them all.
 *
 * numEnvs TeamEnvs over the simulator step in lock-step; every agent acts
 * ε-greedily on its own partition of the state (one forward pass per agent
 * per vector step); each agent has its own replay buffer, filled in
 * lock-step so that a VDN batch reads the same team transitions from all of
 * them. Greedy evaluations at every load level keep the best weights.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type * as tfTypes from '@tensorflow/tfjs';
import { Rng } from '../../sim/random.js';
import { DqnAgent } from '../agents/dqn.js';
import { maskedArgmax } from '../agents/masked-choice.js';
import { ReplayBuffer } from '../agents/replay-buffer.js';
import type { Tf } from '../agents/tf.js';
import { VdnLearner } from '../agents/vdn.js';
import { SimulatedBackend } from '../backend/simulated.js';
import type { DqnOptions, EnvOptions, RewardOptions } from '../config/learning.js';
import { TeamEnv } from '../env/team-env.js';
import type { PerAgent } from '../env/parallel-env.js';
import type { Scenario } from '../scenario/schema.js';
import type { AgentName, KnobValue } from '../space/knobs.js';
import { evaluationEpisodes } from './evaluation-episodes.js';

export type TeamMethod = 'idqn' | 'vdn';
export const TEAM_METHODS: readonly TeamMethod[] = ['idqn', 'vdn'];

export interface TeamTrainProgress {
  episode: number;
  episodes: number;
  epsilon: number;
  meanReward: number;
  /** Score of the last greedy evaluation (mean team reward over the load levels), NaN before the first. */
  evaluation: number;
  /**
   * Per agent since the last report: its mean TD loss (NaN before learning
   * starts; under VDN the team's loss, which is one sum over the agents), and
   * the values of its own knobs in the first environment now.
   */
  agents: Record<string, { loss: number; knobs: Record<string, KnobValue> }>;
}

export interface TrainTeamOptions {
  scenario: Scenario;
  method: TeamMethod;
  /** The agents that learn; default: every agent of the scenario. */
  agents?: readonly AgentName[];
  dqn: DqnOptions;
  env?: Partial<EnvOptions>;
  reward?: Partial<RewardOptions>;
  seed: number | string;
  tf: Tf;
  /** Stop once training has run this long, ms (the last evaluation still runs). */
  maxWallMs?: number;
  /** Polled every vector step; true stops training after that step (the best weights so far are kept). */
  shouldStop?: () => boolean;
  onProgress?: (progress: TeamTrainProgress) => void;
}

export interface TrainedTeam {
  method: TeamMethod;
  agents: readonly AgentName[];
  /** One network per agent (best evaluated weights). */
  networks: Record<AgentName, DqnAgent>;
  /** The environment shape the networks act in (partitions, action spaces), for evaluation and export. */
  env: TeamEnv;
  episodes: number;
  envSteps: number;
  wallMs: number;
  bestEvaluation: number;
  dispose(): void;
}

export async function trainTeam(options: TrainTeamOptions): Promise<TrainedTeam> {
  const { scenario, dqn, tf } = options;
  const started = performance.now();
  const envOptions: EnvOptions = { ...scenario.learning.env, ...options.env };
  const rewardOptions: RewardOptions = { ...scenario.learning.reward, ...options.reward };
  const makeEnv = () =>
    new TeamEnv({
      scenario,
      backend: new SimulatedBackend(scenario, { mode: envOptions.backendMode, windowBatches: envOptions.windowBatches, settleMs: envOptions.settleMs }),
      env: envOptions,
      reward: rewardOptions,
      ...(options.agents !== undefined ? { agents: options.agents } : {}),
    });
  const envs = Array.from({ length: dqn.numEnvs }, makeEnv);
  const evalEnv = makeEnv();
  const agents = envs[0].possibleAgents;
  const rng = new Rng(options.seed, `train-team/${options.method}`);
  const networks = {} as Record<AgentName, DqnAgent>;
  const buffers = {} as Record<AgentName, ReplayBuffer>;
  for (const agent of agents) {
    const obsSize = envs[0].observationSpace(agent).shape[0];
    const actionCount = envs[0].actionSpace(agent).n;
    networks[agent] = new DqnAgent({ obsSize, actionCount, options: dqn, seed: `${options.seed}/${agent}`, tf });
    buffers[agent] = new ReplayBuffer(dqn.bufferSize, obsSize, actionCount);
  }
  const vdn = options.method === 'vdn' ? new VdnLearner(tf, agents.map((a) => networks[a]), dqn) : null;

  let observations = await Promise.all(envs.map((env, i) => env.reset({ seed: `${options.seed}/env-${i}` }).then((r) => r.observations)));
  let episode = 0;
  let envSteps = 0;
  let vectorSteps = 0;
  let rewardSum = 0;
  const losses = new Map<AgentName, { sum: number; count: number }>(agents.map((a) => [a, { sum: 0, count: 0 }]));
  const addLoss = (agent: AgentName, loss: number) => {
    const l = losses.get(agent)!;
    l.sum += loss;
    l.count++;
  };
  /** Each agent's loss since the last report and its knobs in the first environment; resets the loss sums. */
  const agentProgress = (): TeamTrainProgress['agents'] => {
    const point = envs[0].configuration.point() as Record<string, KnobValue>;
    return Object.fromEntries(
      agents.map((agent) => {
        const l = losses.get(agent)!;
        const entry = { loss: l.count === 0 ? Number.NaN : l.sum / l.count, knobs: Object.fromEntries(envs[0].actions(agent).knobs.map((k) => [k.declaration.column, point[k.name]])) };
        l.sum = 0;
        l.count = 0;
        return [agent, entry];
      }),
    );
  };
  let rewardCount = 0;
  let evaluation = Number.NaN;
  let best = { score: -Infinity, weights: null as Record<AgentName, tfTypes.Tensor[]> | null };
  let nextEvaluation = Math.max(dqn.evalFrom, dqn.evalEvery);
  const epsilonAt = (e: number) => Math.max(dqn.epsilonMin, dqn.epsilonStart * dqn.epsilonDecay ** e);
  const outOfTime = () => (options.maxWallMs !== undefined && performance.now() - started >= options.maxWallMs) || options.shouldStop?.() === true;

  const evaluate = async (): Promise<number> => {
    let total = 0;
    // The same episodes for every checkpoint: one per load level, or fixed walks (evaluation-episodes.ts).
    const episodes = evaluationEpisodes(scenario, `${options.seed}/eval`);
    for (const { seed, fps } of episodes) {
      let result = await evalEnv.reset({ seed, options: fps === undefined ? {} : { fps } });
      let obs = result.observations;
      let infos = result.infos;
      let sum = 0;
      let counted = 0;
      for (let step = 0; step < envOptions.stepsPerEpisode; step++) {
        const actions: PerAgent<AgentName, number> = {};
        for (const agent of agents) {
          const q = networks[agent].qValues(obs[agent]!, 1);
          actions[agent] = maskedArgmax(q, infos[agent]!.actionMask);
        }
        const stepped = await evalEnv.step(actions);
        // The settled half of the episode scores the policy (the first decisions move away from the start).
        if (step >= envOptions.stepsPerEpisode / 2) {
          sum += stepped.rewards[agents[0]]!;
          counted++;
        }
        obs = stepped.observations;
        infos = stepped.infos;
        if (evalEnv.agents.length === 0) break;
      }
      total += counted > 0 ? sum / counted : 0;
    }
    return total / episodes.length;
  };

  while (episode < dqn.episodes && !outOfTime()) {
    const epsilon = epsilonAt(episode);
    const masks = envs.map((env) => env.masks());
    // One forward pass per agent for every environment.
    const actions: PerAgent<AgentName, number>[] = envs.map(() => ({}));
    for (const agent of agents) {
      const net = networks[agent];
      const obs = new Float32Array(envs.length * net.obsSize);
      const mask = new Uint8Array(envs.length * net.actionCount);
      envs.forEach((_, i) => {
        obs.set(observations[i][agent]!, i * net.obsSize);
        mask.set(masks[i][agent]!, i * net.actionCount);
      });
      const chosen = net.actBatch(obs, mask, epsilon, rng);
      envs.forEach((_, i) => (actions[i][agent] = chosen[i]));
    }
    const results = await Promise.all(envs.map((env, i) => env.step(actions[i])));
    for (let i = 0; i < envs.length; i++) {
      const result = results[i];
      const done = envs[i].agents.length === 0;
      for (const agent of agents) {
        buffers[agent].add({
          observation: observations[i][agent]!,
          action: actions[i][agent]!,
          reward: result.rewards[agent]!,
          nextObservation: result.observations[agent]!,
          nextMask: result.infos[agent]!.actionMask,
          // Truncation is not termination: the value of the next state still counts.
          done: false,
        });
      }
      rewardSum += result.rewards[agents[0]]!;
      rewardCount++;
      envSteps++;
      if (done) {
        episode++;
        observations[i] = (await envs[i].reset()).observations;
      } else {
        observations[i] = result.observations;
      }
    }
    vectorSteps++;
    if (buffers[agents[0]].size >= dqn.learningStarts && vectorSteps % dqn.trainEvery === 0) {
      if (vdn !== null) {
        const indices = buffers[agents[0]].sampleIndices(dqn.batchSize, rng);
        const loss = vdn.learn(agents.map((agent) => buffers[agent].sampleAt(indices)));
        for (const agent of agents) addLoss(agent, loss);
      } else {
        for (const agent of agents) addLoss(agent, networks[agent].learn(buffers[agent].sample(dqn.batchSize, rng)));
      }
    }
    if (episode >= nextEvaluation || episode >= dqn.episodes || outOfTime()) {
      evaluation = await evaluate();
      if (evaluation > best.score) {
        best.weights && Object.values(best.weights).forEach((ws) => tf.dispose(ws));
        best = { score: evaluation, weights: Object.fromEntries(agents.map((a) => [a, networks[a].onlineNetwork.getWeights().map((w) => w.clone())])) as Record<AgentName, tfTypes.Tensor[]> };
      }
      nextEvaluation = episode + Math.max(1, dqn.evalEvery);
      options.onProgress?.({ episode, episodes: dqn.episodes, epsilon, meanReward: rewardSum / Math.max(1, rewardCount), evaluation, agents: agentProgress() });
      rewardSum = 0;
      rewardCount = 0;
      await yieldToEventLoop();
    }
  }
  if (best.weights !== null) {
    for (const agent of agents) {
      networks[agent].onlineNetwork.setWeights(best.weights[agent]);
      tf.dispose(best.weights[agent]);
    }
  }
  vdn?.dispose();
  await Promise.all(envs.map((env) => env.close()));
  return {
    method: options.method,
    agents,
    networks,
    env: evalEnv,
    episodes: episode,
    envSteps,
    wallMs: performance.now() - started,
    bestEvaluation: best.score,
    dispose: () => {
      for (const agent of agents) networks[agent].dispose();
      void evalEnv.close();
    },
  };
}
