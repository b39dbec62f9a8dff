/**
 * Fine-tuning a simulator-trained policy on the real cluster with a hard
 * budget of real runs and guard rails.
 *
 * Each real run: the policy proposes a configuration for the run's load
 * (Policy.act, its greedy choice, with configurations already seen to break
 * the SLO at that load masked out); with a small, decaying chance it
 * explores instead, but only inside a trust region of `trustRegion` grid
 * steps per knob around that choice. One real window runs, through the same
 * environment deploy drives (ConfigEpisode over the real backend:
 * bridge/env/real-episode.ts). The shared SLO/rollback guard
 * (bridge/safety/guard.ts, rollbackOn 'breach', one guard state per load)
 * judges it: a breach (p95 above the SLO, or a failed run) sends the next run
 * straight back to the last configuration that kept the SLO at that load (a
 * rollback, recorded as such). An exploration that keeps
 * the SLO but scores below the run it set out from is a probe only: the next
 * run at that load decides from where the probe started. Before the next run the
 * Q-network takes a few gradient steps on batches that mix real transitions
 * with `simRatio` times as many simulated ones, generated afresh from the
 * simulator — with the scenario's profile, or the one the recalibration hook
 * last returned — starting from the real states.
 *
 * Grounding (groundLatency): a profile that is off by a factor (the usual
 * calibration error) shows the policy per-frame times it never saw in
 * training, and gives real and simulated transitions rewards on different
 * scales, so the gradient steps would blame the gap on whichever actions were
 * tried for real. Each real run is therefore paired with the simulator's run
 * of the same configuration at the same load, and real per-frame times are
 * divided by the real ÷ simulated ratio (a geometric mean over the runs so
 * far) before the policy observes or learns from them. The tuned policy
 * carries the ratio in its observation scaling (latencyScale), so it reads
 * real per-frame times correctly wherever it is deployed.
 *
 * After every real run a checkpoint is written atomically (checkpoint.ts).
 * Restarted with the same checkpoint path, fine-tuning resumes where it
 * stopped: no real run is repeated and none is lost. Everything random is
 * derived from (seed, run index), and each run's gradient steps start from a
 * fresh optimizer, so a resumed run makes the same decisions as one that was
 * never interrupted (given the same real outcomes).
 */
import type { Policy } from '../../src/agents/agent.js';
import { LearnedPolicy } from '../../src/agents/learned-policy.js';
import { maskedArgmax, randomAllowed } from '../../src/agents/masked-choice.js';
import type * as tfTypes from '@tensorflow/tfjs';
import type { ConfigEpisode } from '../../src/env/config-episode.js';
import type { LatencyProfile } from '../../sim/profile.js';
import type { Rng } from '../../sim/random.js';
import { DqnAgent } from '../../src/agents/dqn.js';
import { ReplayBuffer, type Transition } from '../../src/agents/replay-buffer.js';
import { initTf, type Tf } from '../../src/agents/tf.js';
import type { Backend, TrialOutcome } from '../../src/backend/backend.js';
import { SimulatedBackend } from '../../src/backend/simulated.js';
import { UserInputError } from '../../src/errors.js';
import { ConfigurationManager, KNOBS } from '../../src/managers/configuration.js';
import { RewardManager } from '../../src/managers/reward.js';
import { sloCostScale } from '../../src/scenario/pricing.js';
import { StateManager } from '../../src/managers/state.js';
import { checkCompatible, loadPolicy, scenarioHash, type LoadedPolicy, type PolicyMetadata } from '../../src/policy/artifact.js';
import type { ExecutorConfig } from '../../src/scenario/run-spec.js';
import type { Scenario } from '../../src/scenario/schema.js';
import type { KnobPoint } from '../../src/space/grid.js';
import { realEpisode } from '../env/real-episode.js';
import { finetuneResultOf, runBudget, type BestAt, type DecisionOf, type RealRunOf } from './real-runs.js';
import { guardWindow, owedRollback, sameExecutorConfig, type GuardState } from '../safety/guard.js';
import type { Slo } from '../safety/slo.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  checkIdentity,
  decodeFloat32,
  encodeFloat32,
  readCheckpoint,
  weightsHash,
  writeCheckpoint,
  type CheckpointIdentity,
  type FinetuneCheckpoint,
  type LaneState,
} from './checkpoint.js';
import { grounded, latencyRatio, type TwinRuns } from './grounding.js';
import { epsilonAt, runRng, settingsFrom, type FinetuneSettings } from './options.js';
import { concatBatches, setNetworkWeights, trainableQNetwork } from './q-network-copy.js';

/** The best configuration seen at one load level. */
export type BestConfig = BestAt<ExecutorConfig>;

/** One real run of fine-tuning. */
export interface FinetuneRun extends RealRunOf<ExecutorConfig> {
  /** The action taken in the policy's encoding; null for a rollback no single action reaches. */
  action: number | null;
}

/** A policy ready to save with savePolicy or to deploy. */
export interface TunedPolicy {
  model: tfTypes.LayersModel;
  metadata: PolicyMetadata;
  tf: Tf;
}

/** What single-agent and team fine-tuning are given alike; Run is the real run each reports. */
export interface FinetuneCommonOptions<Run> extends Partial<FinetuneSettings> {
  scenario: Scenario;
  /** The real cluster (bridge/backend/real.ts); tests stand a simulator with another profile in. */
  realBackend: Backend;
  /** Builds the simulator for simulated transitions from a profile; default a SimulatedBackend over the scenario with it. */
  simBackendFactory?: (profile: LatencyProfile) => Backend;
  /** Real runs, in all, across restarts. */
  budget: number;
  /** Load levels to tune at, fps, visited in turn; default the scenario's fpsLevels. */
  fpsLevels?: number[];
  /** Default: the scenario's, per frame. */
  slo?: Slo;
  /** The checkpoint file; an existing one is resumed. */
  checkpointPath: string;
  /** Every real run, once it is in the checkpoint (for the run log). A run whose call threw is handed over again on resume. */
  onRealRun?: (run: Run) => void | Promise<void>;
  /** Called every recalibrateEvery real runs with the runs so far; a profile replaces the simulator's, null keeps it. */
  recalibrate?: (runs: readonly Run[]) => LatencyProfile | null | Promise<LatencyProfile | null>;
  seed: number | string;
  /** Where `policy` is a folder: the TensorFlow.js to load it into (default initTf()). */
  tf?: Tf;
  /** Polled before each real run; true stops after the run in progress. */
  shouldStop?: () => boolean;
  /** Name of the tuned policy (default '<name>-tuned'). */
  name?: string;
  /** Wall clock for run times. */
  now?: () => Date;
}

export interface FinetuneOptions extends FinetuneCommonOptions<FinetuneRun> {
  /** The policy to start from: a folder (`sspe train` / `sspe export`) or one already loaded. */
  policy: LoadedPolicy | string;
}

/** What single-agent and team fine-tuning return alike. */
export interface FinetuneResultOf<P, Run, Best> {
  policy: P;
  history: Run[];
  /** The best configuration seen at each load level that had a successful run. */
  best: Best[];
  /** Real runs found in the checkpoint at the start (0 for a fresh start). */
  resumedFrom: number;
  rollbacks: number;
  /** shouldStop ended fine-tuning before the budget. */
  stoppedEarly: boolean;
  /** Real ÷ simulated per-frame time over all real runs; the tuned policy's latencyScale carries it. */
  latencyRatio: number;
  /** Differences between the policy's training scenario and this one that it can run with. */
  warnings: string[];
}

export type FinetuneResult = FinetuneResultOf<TunedPolicy, FinetuneRun, BestConfig>;

/** `cores/memory/instances`, the key configurations are compared by. */
export function configKey(config: ExecutorConfig): string {
  return `${config.executorCores}/${config.executorMemoryMb}/${config.executorInstances}`;
}

function knobsOf(config: ExecutorConfig): ExecutorConfig {
  return { executorCores: config.executorCores, executorMemoryMb: config.executorMemoryMb, executorInstances: config.executorInstances };
}

/** Largest number of grid steps any knob is apart. */
export function gridDistance(a: ExecutorConfig, b: ExecutorConfig, scenario: Pick<Scenario, 'actionSpace'>): number {
  return Math.max(...KNOBS.map((knob) => Math.abs(a[knob] - b[knob]) / scenario.actionSpace[knob].step));
}

/** The simulator simulated transitions come from unless the caller gives one: the scenario's, with the profile asked for. */
export function scenarioSimulator(scenario: Scenario): (profile: LatencyProfile) => Backend {
  return (profile) => {
    const env = scenario.learning.env;
    return new SimulatedBackend({ ...scenario, profile }, { mode: env.backendMode, windowBatches: env.windowBatches, settleMs: env.settleMs });
  };
}

/** Real and simulated transitions in each gradient batch: simRatio simulated per real one, when there is anything to simulate. */
export function batchSplit(settings: FinetuneSettings): { realPerBatch: number; simPerBatch: number } {
  const simulate = settings.simRatio > 0 && (settings.simStepsPerRun > 0 || settings.simLookahead);
  const realPerBatch = simulate ? Math.max(1, Math.round(settings.batchSize / (1 + settings.simRatio))) : settings.batchSize;
  return { realPerBatch, simPerBatch: settings.batchSize - realPerBatch };
}

/** The budget, load levels and SLO of a fine-tuning, checked; the scenario's levels and SLO where none are given. */
export function runPlanFrom(options: Pick<FinetuneOptions, 'budget' | 'fpsLevels' | 'slo' | 'scenario'>): { fpsLevels: number[]; slo: Slo } {
  const { scenario } = options;
  if (!Number.isInteger(options.budget) || options.budget < 0) throw new UserInputError(`budget: expected a non-negative integer of real runs, got ${options.budget}`);
  const fpsLevels = options.fpsLevels ?? scenario.workload.fpsLevels;
  if (fpsLevels.length === 0 || fpsLevels.some((f) => !(f > 0)) || new Set(fpsLevels).size !== fpsLevels.length) {
    throw new UserInputError(`fps levels: expected distinct positive numbers, got [${fpsLevels.join(', ')}]`);
  }
  return { fpsLevels, slo: options.slo ?? { perFrameMs: scenario.slo.perFrameMs } };
}

export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  const settings = settingsFrom(options);
  const { scenario, realBackend, seed } = options;
  const { fpsLevels, slo } = runPlanFrom(options);

  const loaded = typeof options.policy === 'string' ? await loadPolicy(options.policy, { tf: options.tf ?? (await initTf()).tf }) : options.policy;
  const { metadata, tf } = loaded;
  const { warnings } = checkCompatible(metadata, scenario, loaded.dir);
  const encoding = metadata.actionSpace.encoding;
  const obsSize = metadata.observation.features.length;
  const actionCount = metadata.actionSpace.actionCount;
  const network = trainableQNetwork(tf, loaded.model, { observationSize: obsSize, actionCount, where: loaded.dir });
  // A policy loaded here is ours to free once copied; a caller's stays as it was.
  if (typeof options.policy === 'string') loaded.model.dispose();
  const states = new StateManager(metadata.observation);
  const rewards = new RewardManager(scenario.learning.reward, slo.perFrameMs, sloCostScale(scenario));
  const simBackendFactory = options.simBackendFactory ?? scenarioSimulator(scenario);
  const now = options.now ?? (() => new Date());

  const identity: CheckpointIdentity = {
    scenarioHash: scenarioHash(scenario),
    policyHash: weightsHash(network.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync() as Float32Array }))),
    encoding,
    fpsLevels: [...fpsLevels],
    slo,
    trustRegion: settings.trustRegion,
    seed,
  };
  const saved = readCheckpoint(options.checkpointPath);
  if (saved !== null) {
    checkIdentity(options.checkpointPath, saved.identity, identity);
    setNetworkWeights(tf, network, saved.weights.map((w) => ({ shape: w.shape, values: decodeFloat32(w.data, w.shape.reduce((a, b) => a * b, 1), options.checkpointPath) })));
  }
  const state: FinetuneCheckpoint = saved ?? {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    identity,
    runsDone: 0,
    reportedRuns: 0,
    nextLane: 0,
    weights: [],
    lanes: fpsLevels.map((fps) => ({
      fps,
      config: knobsOf(scenario.spark),
      last: null,
      lastGood: null,
      pendingRollback: null,
      best: null,
      breached: [],
    })),
    history: [],
    profile: null,
    savedAt: '',
  };
  const resumedFrom = state.runsDone;
  const save = async () => {
    state.weights = network.getWeights().map((w) => ({ shape: w.shape, data: encodeFloat32(w.dataSync() as Float32Array) }));
    state.savedAt = now().toISOString();
    await writeCheckpoint(options.checkpointPath, state);
  };

  // The real runs go through the environment deploy drives; the policy acts through Policy.act.
  const episode = realEpisode({ scenario, backend: realBackend, metadata });
  const policy: Policy = new LearnedPolicy(metadata.name, tf, network);
  const context: LoopContext = { scenario, settings, encoding, obsSize, actionCount, network, policy, episode, states, rewards, tf, seed, simBackendFactory, state, twins: null };
  let stoppedEarly: boolean;
  try {
    stoppedEarly = await runBudget({
      options,
      settings,
      slo,
      state,
      grounding: context,
      episode,
      rewards,
      same: sameExecutorConfig,
      key: configKey,
      save,
      learn: (index, ratio) => learn(context, index, ratio),
      decide: (lane, index, ratio) => {
        const { action, ...decision } = decide(context, lane, index, ratio);
        return { decision, extra: { action } };
      },
    });
  } catch (error) {
    network.dispose();
    throw error;
  }
  const ratio = await latencyRatio(context);
  const observation = { ...metadata.observation, latencyScale: metadata.observation.latencyScale * ratio };
  const tuned: TunedPolicy = {
    model: network,
    metadata: { ...metadata, observation, name: options.name ?? `${metadata.name}-tuned`, training: { ...metadata.training, createdAt: now().toISOString() } },
    tf,
  };
  return finetuneResultOf(tuned, state, { resumedFrom, stoppedEarly, latencyRatio: ratio, warnings });
}

// ---------------------------------------------------------------- pieces of the loop

interface LoopContext {
  scenario: Scenario;
  settings: FinetuneSettings;
  encoding: PolicyMetadata['actionSpace']['encoding'];
  obsSize: number;
  actionCount: number;
  /** The policy being tuned: holds the weights between runs. */
  network: tfTypes.Sequential;
  /** The network acting greedily (it reads the network's weights as they are now). */
  policy: Policy;
  /** The real cluster as an environment: every real run is one window of it. */
  episode: ConfigEpisode;
  states: StateManager;
  rewards: RewardManager;
  tf: Tf;
  seed: number | string;
  simBackendFactory: (profile: LatencyProfile) => Backend;
  state: FinetuneCheckpoint;
  /** Simulated mean per-frame ms of each real run's configuration and load, under `profile` (null: that run failed there or for real). */
  twins: TwinRuns | null;
}

interface Decision extends DecisionOf<ExecutorConfig> {
  action: number | null;
}

/** The configuration for the next real run at this load. */
function decide(ctx: LoopContext, lane: LaneState, index: number, ratio: number): Decision {
  const { scenario, settings } = ctx;
  const configuration = new ConfigurationManager(scenario, ctx.encoding);
  configuration.set(lane.config);
  const mask = configuration.mask();
  const epsilon = epsilonAt(index, settings);
  const base = { from: lane.config, epsilon };
  const rollback = owedRollback(lane);
  if (rollback !== null) {
    const action = configuration.actionTo(rollback);
    return { ...base, kind: 'rollback', config: rollback, greedyConfig: null, action: action >= 0 && mask[action] === 1 ? action : null };
  }
  const last = grounded(lane.last, ratio);
  const observation = ctx.states.observe({ fps: lane.fps, config: lane.config, last });
  // Where nothing has kept the SLO yet, it may be out of reach at this load: a breach then says nothing against a configuration.
  const breached = new Set(lane.lastGood === null ? [] : lane.breached);
  // The policy's choice: its best allowed action, with configurations already seen to break the SLO at this load masked out.
  const safe = mask.map((allowed, a) => (allowed === 1 && !breached.has(configKey(configuration.target(a))) ? 1 : 0));
  const greedy = ctx.policy.act({ observation, mask: safe.includes(1) ? safe : mask, fps: lane.fps, config: configuration.config, last, configuration });
  const greedyConfig = configuration.target(greedy);
  const rng = runRng(ctx.seed, index).split('explore');
  // The first run at a load is the policy's own choice: that is what the transfer is for, and a state without a measurement is the one it saw most in training.
  if (lane.last !== null && rng.uniform() < epsilon) {
    const candidates: number[] = [];
    for (let a = 0; a < ctx.actionCount; a++) {
      if (a === greedy || safe[a] !== 1) continue;
      if (gridDistance(configuration.target(a), greedyConfig, scenario) <= settings.trustRegion) candidates.push(a);
    }
    if (candidates.length > 0) {
      const action = rng.pick(candidates);
      return { ...base, kind: 'explore', config: configuration.target(action), greedyConfig, action };
    }
  }
  return { ...base, kind: 'greedy', config: greedyConfig, greedyConfig, action: greedy };
}

function qValues(ctx: LoopContext, observation: Float32Array): Float32Array {
  const { tf } = ctx;
  return tf.tidy(() => (ctx.network.predict(tf.tensor2d(observation, [1, ctx.obsSize])) as tfTypes.Tensor).dataSync() as Float32Array);
}

/** Every real run that has an action, as a transition in the simulator's units. */
function realTransitions(ctx: LoopContext, ratio: number): Transition[] {
  const configuration = new ConfigurationManager(ctx.scenario, ctx.encoding);
  const lastAt = new Map<number, TrialOutcome>();
  const transitions: Transition[] = [];
  for (const run of ctx.state.history) {
    const previous = lastAt.get(run.fps) ?? null;
    lastAt.set(run.fps, run.outcome);
    if (run.action === null) continue;
    const outcome = grounded(run.outcome, ratio)!;
    configuration.set(run.config);
    transitions.push({
      observation: ctx.states.observe({ fps: run.fps, config: run.from, last: grounded(previous, ratio) }),
      action: run.action,
      reward: ctx.rewards.reward(outcome),
      nextObservation: ctx.states.observe({ fps: run.fps, config: run.config, last: outcome }),
      nextMask: configuration.mask(),
      // Configuration tuning never ends: every state bootstraps.
      done: false,
    });
  }
  return transitions;
}

/**
 * The gradient steps before run `index`: a fresh DqnAgent starts from the
 * policy's weights (its target network frozen at them), learns on mixed
 * batches, and hands the weights back.
 */
async function learn(ctx: LoopContext, index: number, ratio: number): Promise<void> {
  const { settings, tf } = ctx;
  const transitions = realTransitions(ctx, ratio);
  if (transitions.length === 0 || settings.gradientStepsPerRun === 0) return;
  const { realPerBatch, simPerBatch } = batchSplit(settings);
  const rng = runRng(ctx.seed, index);
  const simulated = simPerBatch > 0 ? await simulatedTransitions(ctx, index, ratio, rng.split('simulate')) : null;
  const real = new ReplayBuffer(transitions.length, ctx.obsSize, ctx.actionCount);
  for (const t of transitions) real.add(t);

  const weights = ctx.network.getWeights();
  const hiddenUnits = weights[0].shape[1]!;
  const agent = new DqnAgent({
    obsSize: ctx.obsSize,
    actionCount: ctx.actionCount,
    // The target network stays at the run's starting weights for all its steps.
    options: { ...ctx.scenario.learning.dqn, hiddenUnits, learningRate: settings.learningRate, batchSize: settings.batchSize, targetUpdateEvery: Number.MAX_SAFE_INTEGER },
    seed: `${ctx.seed}/finetune`,
    tf,
  });
  try {
    agent.onlineNetwork.setWeights(weights);
    agent.targetNetwork.setWeights(weights);
    const replayRng = rng.split('replay');
    for (let step = 0; step < settings.gradientStepsPerRun; step++) {
      const batch = real.sample(realPerBatch, replayRng);
      agent.learn(simulated === null || simulated.size === 0 ? batch : concatBatches(batch, simulated.sample(simPerBatch, replayRng)));
    }
    ctx.network.setWeights(agent.onlineNetwork.getWeights());
  } finally {
    agent.dispose();
  }
}

/**
 * Simulated transitions for one run's gradient steps, all starting from each
 * load's real state (its configuration now and last real outcome, grounded):
 * every allowed action once (simLookahead), then simStepsPerRun steps of
 * short episodes acting epsilon-greedily with the current policy.
 */
async function simulatedTransitions(ctx: LoopContext, index: number, ratio: number, rng: Rng): Promise<ReplayBuffer> {
  const { settings, state, scenario } = ctx;
  const backend = ctx.simBackendFactory(state.profile ?? scenario.profile);
  const configuration = new ConfigurationManager(scenario, ctx.encoding);
  const transitions: Transition[] = [];
  try {
    await backend.reset(`${ctx.seed}/simulated/run-${index}`);
    const step = async (fps: number, action: number, last: TrialOutcome | null): Promise<TrialOutcome> => {
      const observation = ctx.states.observe({ fps, config: configuration.config, last });
      const config = configuration.apply(action);
      const outcome = await backend.runTrial({ config, fps });
      transitions.push({
        observation,
        action,
        reward: ctx.rewards.reward(outcome),
        nextObservation: ctx.states.observe({ fps, config, last: outcome }),
        nextMask: configuration.mask(),
        done: false,
      });
      return outcome;
    };
    if (settings.simLookahead) {
      for (const lane of state.lanes) {
        configuration.set(lane.config);
        const mask = configuration.mask();
        for (let action = 0; action < ctx.actionCount; action++) {
          if (mask[action] !== 1) continue;
          configuration.set(lane.config);
          await step(lane.fps, action, grounded(lane.last, ratio));
        }
      }
    }
    let steps = 0;
    for (let episode = 0; steps < settings.simStepsPerRun; episode++) {
      const lane = state.lanes[episode % state.lanes.length];
      configuration.set(lane.config);
      let last = grounded(lane.last, ratio);
      for (let t = 0; t < settings.simEpisodeSteps && steps < settings.simStepsPerRun; t++, steps++) {
        const observation = ctx.states.observe({ fps: lane.fps, config: configuration.config, last });
        const mask = configuration.mask();
        const action = rng.uniform() < settings.simEpsilon ? randomAllowed(mask, rng) : maskedArgmax(qValues(ctx, observation), mask);
        last = await step(lane.fps, action, last);
      }
    }
  } finally {
    await backend.close();
  }
  const buffer = new ReplayBuffer(Math.max(1, transitions.length), ctx.obsSize, ctx.actionCount);
  for (const t of transitions) buffer.add(t);
  return buffer;
}
