/**
 * Fine-tuning a team bundle (`sspe train --method idqn|vdn`) on the real
 * cluster: finetune.ts's algorithm, with the team choosing every declared
 * knob (the cluster knobs too) in the absolute encoding, as `sspe deploy`
 * drives a team.
 *
 * Each real run, at the run's load: a rollback the guard owes comes first.
 * Otherwise every agent takes its greedy action, the masked argmax of its
 * Q-values on its own observation (the lane's point and its last outcome,
 * grounded). Where that joint point was already seen to break the SLO at this
 * load, the team takes the allowed, non-breached combination of the agents'
 * actions with the highest sum of their Q-values instead (VDN's team value;
 * for IDQN the same sum ranks the combinations). With a small, decaying
 * chance (never on a load's first run) one agent drawn at random explores: an
 * allowed action of its own whose joint point is not breached and lies within
 * `trustRegion` grid steps of the team's choice. The real run, the guard
 * (bridge/safety/guard.ts, rollbackOn 'breach', one guard state per load),
 * the probe-worse rule, grounding (grounding.ts), the checkpoint after every
 * run and the determinism from (seed, run index) are finetune.ts's.
 *
 * Before each run every agent's network takes gradient steps on batches that
 * mix real transitions (its own observation and action, the team reward)
 * with `simRatio` times as many simulated ones, generated afresh from each
 * load's real state: each agent's every allowed action with the other
 * agents' knobs held (lookahead), then short ε-greedy joint episodes. An
 * IDQN team's agents learn on batches of their own; a VDN team learns
 * through VdnLearner on batches whose rows are the same team transitions
 * for every agent.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { LatencyProfile } from '../../sim/profile.js';
import type { Rng } from '../../sim/random.js';
import { DqnAgent } from '../../src/agents/dqn.js';
import { maskedArgmax, randomAllowed } from '../../src/agents/masked-choice.js';
import { ReplayBuffer } from '../../src/agents/replay-buffer.js';
import { initTf, type Tf } from '../../src/agents/tf.js';
import { VdnLearner } from '../../src/agents/vdn.js';
import type { Backend, TrialOutcome } from '../../src/backend/backend.js';
import { AgentActions } from '../../src/env/agent-actions.js';
import { UserInputError } from '../../src/errors.js';
import { ConfigurationManager, type ActionEncoding } from '../../src/managers/configuration.js';
import { RewardManager } from '../../src/managers/reward.js';
import { StateManager, type ObservationFeature } from '../../src/managers/state.js';
import { scenarioHash } from '../../src/policy/artifact.js';
import { checkTeamCompatible, loadTeam, type LoadedTeam, type TeamMetadata } from '../../src/policy/team-artifact.js';
import { sloCostScale } from '../../src/scenario/pricing.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { declaredKnobs, isRange, pointKey, samePoint, type ActionSpace, type KnobPoint } from '../../src/space/grid.js';
import type { AgentName, KnobValues } from '../../src/space/knobs.js';
import { realEpisode } from '../env/real-episode.js';
import { owedRollback } from '../safety/guard.js';
import type { Slo } from '../safety/slo.js';
import { decodeFloat32, encodeFloat32, weightsHash, writeCheckpoint } from './checkpoint.js';
import { batchSplit, runPlanFrom, scenarioSimulator, type FinetuneCommonOptions, type FinetuneResultOf } from './finetune.js';
import { finetuneResultOf, runBudget, type BestAt, type DecisionOf, type RealRunOf } from './real-runs.js';
import { grounded, latencyRatio, type TwinRuns } from './grounding.js';
import { epsilonAt, runRng, settingsFrom, type FinetuneSettings } from './options.js';
import { checkDqnShape, concatBatches, setNetworkWeights, trainableQNetwork } from './q-network-copy.js';
import {
  TEAM_CHECKPOINT_FORMAT,
  TEAM_CHECKPOINT_VERSION,
  checkTeamIdentity,
  readTeamCheckpoint,
  type TeamCheckpointIdentity,
  type TeamFinetuneCheckpoint,
  type TeamLaneState,
} from './team-checkpoint.js';

/** Joint combinations of the agents' actions searched for the best non-breached one; beyond it the team keeps its greedy point. */
export const MAX_JOINT_COMBINATIONS = 4096;

/** The best point seen at one load level. */
export type BestPoint = BestAt<KnobPoint>;

/** One real run of a team's fine-tuning: points over every declared knob. */
export interface TeamFinetuneRun extends RealRunOf<KnobPoint> {
  /** Per agent, its action (in its own encoding) from `from` to its knobs of `config`; null where no allowed action leads there. */
  actions: Record<string, number | null>;
}

/** A tuned team, ready for saveTeam. */
export interface TunedTeam {
  models: Record<string, tfTypes.Sequential>;
  metadata: TeamMetadata;
  tf: Tf;
}

export interface TeamFinetuneOptions extends FinetuneCommonOptions<TeamFinetuneRun> {
  /** The team bundle's folder, or one already loaded (loadTeam; its models stay the caller's). */
  policy: LoadedTeam | string;
}

export type TeamFinetuneResult = FinetuneResultOf<TunedTeam, TeamFinetuneRun, BestPoint>;

/** Grid steps between two points: per range knob, the steps between the values; a choice knob that differs counts 1; the largest over the knobs. */
export function pointDistance(space: ActionSpace, a: KnobValues, b: KnobValues): number {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return Math.max(
    0,
    ...declaredKnobs(space).map((k) => {
      if (!isRange(k.domain)) return x[k.name] === y[k.name] ? 0 : 1;
      const [i, j] = [k.values.indexOf(x[k.name] as number), k.values.indexOf(y[k.name] as number)];
      return i < 0 || j < 0 ? Number.POSITIVE_INFINITY : Math.abs(i - j);
    }),
  );
}

export async function finetuneTeam(options: TeamFinetuneOptions): Promise<TeamFinetuneResult> {
  const settings = settingsFrom(options);
  const { scenario, realBackend, seed } = options;
  const { fpsLevels, slo } = runPlanFrom(options);
  const tf = options.tf ?? (await initTf()).tf;
  const team = typeof options.policy === 'string' ? await loadTeam(options.policy, { tf }) : options.policy;
  let ctx: TeamContext;
  try {
    ctx = contextFor(team, options, settings, tf);
  } finally {
    // Copied into trainable networks (or refused): a team loaded here is ours to free; a caller's stays as it was.
    if (typeof options.policy === 'string') for (const model of Object.values(team.models)) model.dispose();
  }
  const { members, metadata, warnings } = ctx;
  const now = options.now ?? (() => new Date());
  const space = scenario.actionSpace;

  const identity: TeamCheckpointIdentity = {
    scenarioHash: scenarioHash(scenario),
    policyHash: weightsHash(members.flatMap((m) => m.network.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync() as Float32Array })))),
    method: metadata.method,
    agents: members.map((m) => m.agent),
    fpsLevels: [...fpsLevels],
    slo,
    trustRegion: settings.trustRegion,
    seed,
  };
  const disposeAll = () => members.forEach((m) => m.network.dispose());
  let saved: TeamFinetuneCheckpoint | null;
  try {
    saved = readTeamCheckpoint(options.checkpointPath);
    if (saved !== null) {
      checkTeamIdentity(options.checkpointPath, saved.identity, identity);
      for (const m of members) {
        const tensors = saved.weights[m.agent];
        if (!Array.isArray(tensors)) throw new UserInputError(`${options.checkpointPath}: no weights for agent '${m.agent}': the checkpoint is corrupt`);
        setNetworkWeights(tf, m.network, tensors.map((w) => ({ shape: w.shape, values: decodeFloat32(w.data, w.shape.reduce((a, b) => a * b, 1), options.checkpointPath) })));
      }
    }
  } catch (error) {
    disposeAll();
    throw error;
  }
  const start = ctx.configuration.startingPoint;
  const state: TeamFinetuneCheckpoint = saved ?? {
    format: TEAM_CHECKPOINT_FORMAT,
    version: TEAM_CHECKPOINT_VERSION,
    identity,
    runsDone: 0,
    reportedRuns: 0,
    nextLane: 0,
    weights: {},
    lanes: fpsLevels.map((fps) => ({ fps, config: start, last: null, lastGood: null, pendingRollback: null, best: null, breached: [] })),
    history: [],
    profile: null,
    savedAt: '',
  };
  ctx.state = state;
  const resumedFrom = state.runsDone;
  const save = async () => {
    state.weights = Object.fromEntries(members.map((m) => [m.agent, m.network.getWeights().map((w) => ({ shape: w.shape, data: encodeFloat32(w.dataSync() as Float32Array) }))]));
    state.savedAt = now().toISOString();
    await writeCheckpoint(options.checkpointPath, state);
  };

  // The real runs go through the environment deploy drives a team in: the absolute encoding over every declared knob.
  const episode = realEpisode({ scenario, backend: realBackend, metadata: { actionSpace: { encoding: 'absolute' }, observation: metadata.observation } });
  let stoppedEarly: boolean;
  try {
    stoppedEarly = await runBudget({
      options,
      settings,
      slo,
      state,
      grounding: ctx,
      episode,
      rewards: ctx.rewards,
      same: (a: KnobPoint, b: KnobPoint) => samePoint(space, a, b),
      key: (point: KnobPoint) => pointKey(space, point),
      save,
      learn: (index, ratio) => learn(ctx, index, ratio),
      decide: (lane, index, ratio) => {
        const decision = decide(ctx, lane, index, ratio);
        return { decision, extra: { actions: actionsBetween(ctx, decision.from, decision.config) } };
      },
    });
  } catch (error) {
    disposeAll();
    throw error;
  }
  const ratio = await latencyRatio(ctx);
  // The tuned team reads real per-frame times as the grounded ones it learned from.
  const observation = { ...metadata.observation, latencyScale: metadata.observation.latencyScale * ratio };
  const tuned: TunedTeam = {
    models: Object.fromEntries(members.map((m) => [m.agent, m.network])),
    metadata: { ...metadata, observation, name: options.name ?? `${metadata.name}-tuned` },
    tf,
  };
  return finetuneResultOf(tuned, state, { resumedFrom, stoppedEarly, latencyRatio: ratio, warnings });
}

// ---------------------------------------------------------------- the team

/** One agent being tuned: its knobs' actions (bound to the context's configuration) and its trainable network. */
interface Member {
  agent: AgentName;
  features: readonly ObservationFeature[];
  encoding: ActionEncoding;
  actions: AgentActions;
  network: tfTypes.Sequential;
  obsSize: number;
  actionCount: number;
}

interface TeamContext {
  scenario: Scenario;
  settings: FinetuneSettings;
  metadata: TeamMetadata;
  warnings: string[];
  members: Member[];
  vdn: boolean;
  /** The scratch configuration every member's actions read (set before each use). */
  configuration: ConfigurationManager;
  states: StateManager;
  rewards: RewardManager;
  tf: Tf;
  seed: number | string;
  simBackendFactory: (profile: LatencyProfile) => Backend;
  state: TeamFinetuneCheckpoint;
  twins: TwinRuns | null;
}

/**
 * Whether fine-tuning can tune this team on this scenario: trained for the
 * scenario's action space, by a method it knows, every agent's actions those
 * the scenario gives it and its network the DQN sspe trains. Throws a
 * one-line UserInputError; returns what differs without stopping it.
 */
export function checkTeamFinetunable(team: LoadedTeam, scenario: Scenario): { warnings: string[] } {
  const { metadata, dir } = team;
  const { warnings } = checkTeamCompatible(metadata, scenario, dir);
  if (metadata.method !== 'idqn' && metadata.method !== 'vdn') {
    throw new UserInputError(`team policy ${dir}: fine-tuning knows the methods idqn and vdn, this team was trained with '${metadata.method}'`);
  }
  const configuration = new ConfigurationManager(scenario, 'absolute');
  for (const agent of metadata.agents) {
    const actions = new AgentActions(agent.name, configuration, agent.encoding);
    if (actions.actionCount !== agent.actionCount) {
      throw new UserInputError(`team policy ${dir}: agent '${agent.name}' has ${agent.actionCount} actions, the scenario '${scenario.name}' gives it ${actions.actionCount}`);
    }
    checkDqnShape(team.models[agent.name], { observationSize: agent.features.length, actionCount: agent.actionCount, where: `${dir}/${agent.name}` });
  }
  return { warnings };
}

/** Checks the team against the scenario and copies every agent's network into a trainable one. */
function contextFor(team: LoadedTeam, options: TeamFinetuneOptions, settings: FinetuneSettings, tf: Tf): TeamContext {
  const { scenario } = options;
  const { metadata, dir } = team;
  const { warnings } = checkTeamFinetunable(team, scenario);
  const configuration = new ConfigurationManager(scenario, 'absolute');
  const members: Member[] = metadata.agents.map((agent) => ({
    agent: agent.name,
    features: agent.features,
    encoding: agent.encoding,
    actions: new AgentActions(agent.name, configuration, agent.encoding),
    network: trainableQNetwork(tf, team.models[agent.name], { observationSize: agent.features.length, actionCount: agent.actionCount, where: `${dir}/${agent.name}` }),
    obsSize: agent.features.length,
    actionCount: agent.actionCount,
  }));
  const slo = options.slo ?? { perFrameMs: scenario.slo.perFrameMs };
  return {
    scenario,
    settings,
    metadata,
    warnings,
    members,
    vdn: metadata.method === 'vdn',
    configuration,
    states: new StateManager(metadata.observation),
    rewards: new RewardManager(scenario.learning.reward, slo.perFrameMs, sloCostScale(scenario)),
    tf,
    seed: options.seed,
    simBackendFactory: options.simBackendFactory ?? scenarioSimulator(scenario),
    // Set once the checkpoint is read.
    state: null as unknown as TeamFinetuneCheckpoint,
    twins: null,
  };
}

// ---------------------------------------------------------------- deciding

type TeamDecision = DecisionOf<KnobPoint>;

/** The point the members' actions lead to from the configuration now (knobs of agents outside the team stay). */
function jointPoint(ctx: TeamContext, choice: readonly number[]): KnobPoint {
  let point = ctx.configuration.point() as KnobValues;
  ctx.members.forEach((m, i) => (point = { ...point, ...m.actions.target(choice[i]) }));
  return point as KnobPoint;
}

function runnable(ctx: TeamContext, point: KnobPoint): boolean {
  return ctx.configuration.inSpace(point) && ctx.configuration.fitsOneExecutor(point);
}

function qValues(tf: Tf, network: tfTypes.LayersModel, observation: Float32Array): Float32Array {
  return tf.tidy(() => (network.predict(tf.tensor2d(observation, [1, observation.length])) as tfTypes.Tensor).dataSync() as Float32Array);
}

/** The point for the next real run at this load. */
function decide(ctx: TeamContext, lane: TeamLaneState, index: number, ratio: number): TeamDecision {
  const { configuration, members, settings } = ctx;
  const space = ctx.scenario.actionSpace;
  configuration.set(lane.config);
  const epsilon = epsilonAt(index, settings);
  const base = { from: lane.config, epsilon };
  const rollback = owedRollback(lane);
  if (rollback !== null) return { ...base, kind: 'rollback', config: rollback, greedyConfig: null };

  const last = grounded(lane.last, ratio);
  const q = members.map((m) => qValues(ctx.tf, m.network, ctx.states.observe({ fps: lane.fps, config: configuration.config, last }, m.features)));
  const masks = members.map((m) => m.actions.mask());
  // As for a single agent: where nothing has kept the SLO yet at this load, a breach says nothing against a point.
  const breached = new Set(lane.lastGood === null ? [] : lane.breached);
  const isBreached = (point: KnobPoint) => breached.has(pointKey(space, point));
  let choice = members.map((_, i) => maskedArgmax(q[i], masks[i]));
  if (isBreached(jointPoint(ctx, choice))) choice = bestSafeCombination(ctx, q, masks, isBreached) ?? choice;
  const greedyConfig = jointPoint(ctx, choice);

  const rng = runRng(ctx.seed, index).split('explore');
  // The first run at a load is the team's own choice, as for a single agent.
  if (lane.last !== null && rng.uniform() < epsilon) {
    const moves = members.map((m, i) => {
      const out: KnobPoint[] = [];
      for (let a = 0; a < m.actionCount; a++) {
        if (a === choice[i] || masks[i][a] !== 1) continue;
        const point = { ...greedyConfig, ...m.actions.target(a) } as KnobPoint;
        if (samePoint(space, point, greedyConfig) || !runnable(ctx, point) || isBreached(point)) continue;
        if (pointDistance(space, point, greedyConfig) <= settings.trustRegion) out.push(point);
      }
      return out;
    });
    const explorers = members.map((_, i) => i).filter((i) => moves[i].length > 0);
    if (explorers.length > 0) {
      const explorer = rng.pick(explorers);
      return { ...base, kind: 'explore', config: rng.pick(moves[explorer]), greedyConfig };
    }
  }
  return { ...base, kind: 'greedy', config: greedyConfig, greedyConfig };
}

/**
 * The allowed, runnable, non-breached combination of the agents' actions
 * with the highest sum of their Q-values; null when there is none, or when
 * there are more than MAX_JOINT_COMBINATIONS to search (then the team keeps
 * its greedy point and the guard's rollback is what protects the SLO).
 */
function bestSafeCombination(ctx: TeamContext, q: readonly Float32Array[], masks: readonly Uint8Array[], isBreached: (point: KnobPoint) => boolean): number[] | null {
  const allowed = masks.map((mask) => [...mask.keys()].filter((a) => mask[a] === 1));
  const combinations = allowed.reduce((n, actions) => n * actions.length, 1);
  if (combinations === 0 || combinations > MAX_JOINT_COMBINATIONS) return null;
  let best: { choice: number[]; value: number } | null = null;
  const digits = allowed.map(() => 0);
  for (let c = 0; c < combinations; c++) {
    const choice = digits.map((d, i) => allowed[i][d]);
    const point = jointPoint(ctx, choice);
    if (runnable(ctx, point) && !isBreached(point)) {
      const value = choice.reduce((sum, a, i) => sum + q[i][a], 0);
      if (best === null || value > best.value) best = { choice, value };
    }
    // The next combination, the last agent's action fastest.
    for (let i = digits.length - 1; i >= 0; i--) {
      if (++digits[i] < allowed[i].length) break;
      digits[i] = 0;
    }
  }
  return best?.choice ?? null;
}

/** Per agent, the allowed action from `from` to its knobs of `to`; null where none leads there. */
function actionsBetween(ctx: TeamContext, from: KnobPoint, to: KnobPoint): Record<string, number | null> {
  ctx.configuration.set(from);
  return Object.fromEntries(
    ctx.members.map((m) => {
      const action = m.actions.actionTo(to);
      return [m.agent, action >= 0 && m.actions.mask()[action] === 1 ? action : null];
    }),
  );
}

// ---------------------------------------------------------------- learning

/** One team transition: each member's view of it (its observations, action and masks), one team reward. */
interface TeamTransition {
  observations: Float32Array[];
  /** null: no action of that agent leads there (it learns nothing from this transition). */
  actions: (number | null)[];
  reward: number;
  nextObservations: Float32Array[];
  nextMasks: Uint8Array[];
}

/** Each member's observation at `point` and load after `last`, and each one's mask there. */
function viewsAt(ctx: TeamContext, fps: number, point: KnobPoint, last: TrialOutcome | null): { observations: Float32Array[]; masks: Uint8Array[] } {
  ctx.configuration.set(point);
  const config = ctx.configuration.config;
  return {
    observations: ctx.members.map((m) => ctx.states.observe({ fps, config, last }, m.features)),
    masks: ctx.members.map((m) => m.actions.mask()),
  };
}

/** Every real run as a team transition in the simulator's units. */
function realTransitions(ctx: TeamContext, ratio: number): TeamTransition[] {
  const lastAt = new Map<number, TrialOutcome>();
  const transitions: TeamTransition[] = [];
  for (const run of ctx.state.history) {
    const previous = lastAt.get(run.fps) ?? null;
    lastAt.set(run.fps, run.outcome);
    const outcome = grounded(run.outcome, ratio)!;
    const before = viewsAt(ctx, run.fps, run.from, grounded(previous, ratio));
    const after = viewsAt(ctx, run.fps, run.config, outcome);
    transitions.push({
      observations: before.observations,
      actions: ctx.members.map((m) => run.actions[m.agent] ?? null),
      reward: ctx.rewards.reward(outcome),
      nextObservations: after.observations,
      nextMasks: after.masks,
    });
  }
  return transitions;
}

/**
 * Simulated team transitions for one run's gradient steps, all starting
 * from each load's real state: every agent's every allowed action once, the
 * other agents' knobs held (simLookahead), then simStepsPerRun steps of short
 * joint episodes, each agent acting ε-greedily on its own observation.
 */
async function simulatedTransitions(ctx: TeamContext, index: number, ratio: number, rng: Rng): Promise<TeamTransition[]> {
  const { settings, state, scenario, members, configuration } = ctx;
  const backend = ctx.simBackendFactory(state.profile ?? scenario.profile);
  const transitions: TeamTransition[] = [];
  try {
    await backend.reset(`${ctx.seed}/simulated/run-${index}`);
    /** From the configuration now to `point`, which each member reaches with an action of its own (null where one does not). */
    const step = async (fps: number, point: KnobPoint, last: TrialOutcome | null): Promise<TrialOutcome> => {
      const from = configuration.point();
      const actions = members.map((m) => {
        const action = m.actions.actionTo(point);
        return action >= 0 ? action : null;
      });
      const before = viewsAt(ctx, fps, from, last);
      configuration.set(point);
      const outcome = await backend.runTrial({ config: configuration.config, fps });
      const after = viewsAt(ctx, fps, point, outcome);
      transitions.push({ observations: before.observations, actions, reward: ctx.rewards.reward(outcome), nextObservations: after.observations, nextMasks: after.masks });
      return outcome;
    };
    if (settings.simLookahead) {
      for (const lane of state.lanes) {
        for (const m of members) {
          configuration.set(lane.config);
          const mask = m.actions.mask();
          for (let action = 0; action < m.actionCount; action++) {
            if (mask[action] !== 1) continue;
            configuration.set(lane.config);
            const point = { ...lane.config, ...m.actions.target(action) } as KnobPoint;
            if (runnable(ctx, point)) await step(lane.fps, point, grounded(lane.last, ratio));
          }
        }
      }
    }
    let steps = 0;
    for (let episode = 0; steps < settings.simStepsPerRun; episode++) {
      const lane = state.lanes[episode % state.lanes.length];
      configuration.set(lane.config);
      let last = grounded(lane.last, ratio);
      for (let t = 0; t < settings.simEpisodeSteps && steps < settings.simStepsPerRun; t++, steps++) {
        const config = configuration.config;
        const choice = members.map((m) => {
          const mask = m.actions.mask();
          if (rng.uniform() < settings.simEpsilon) return randomAllowed(mask, rng);
          return maskedArgmax(qValues(ctx.tf, m.network, ctx.states.observe({ fps: lane.fps, config, last }, m.features)), mask);
        });
        const point = jointPoint(ctx, choice);
        // Each agent's mask holds the others where they are: a joint move can still leave the space; that step is skipped.
        if (runnable(ctx, point)) last = await step(lane.fps, point, last);
      }
    }
  } finally {
    await backend.close();
  }
  return transitions;
}

/** Member `i`'s rows of `transitions` as a replay buffer. */
function bufferOf(member: Member, i: number, transitions: readonly TeamTransition[]): ReplayBuffer {
  const buffer = new ReplayBuffer(Math.max(1, transitions.length), member.obsSize, member.actionCount);
  for (const t of transitions) {
    buffer.add({ observation: t.observations[i], action: t.actions[i]!, reward: t.reward, nextObservation: t.nextObservations[i], nextMask: t.nextMasks[i], done: false });
  }
  return buffer;
}

/**
 * The gradient steps before run `index`: a fresh DqnAgent per member starts
 * from its weights (its target network frozen at them), learns on mixed
 * batches — its own under IDQN, the team's through VdnLearner under VDN —
 * and hands the weights back.
 */
async function learn(ctx: TeamContext, index: number, ratio: number): Promise<void> {
  const { settings, tf, members } = ctx;
  const real = realTransitions(ctx, ratio);
  if (real.length === 0 || settings.gradientStepsPerRun === 0) return;
  const { realPerBatch, simPerBatch } = batchSplit(settings);
  const rng = runRng(ctx.seed, index);
  const simulated = simPerBatch > 0 ? await simulatedTransitions(ctx, index, ratio, rng.split('simulate')) : [];

  const agents = members.map((m) => {
    const weights = m.network.getWeights();
    const agent = new DqnAgent({
      obsSize: m.obsSize,
      actionCount: m.actionCount,
      // The target network stays at the run's starting weights for all its steps.
      options: { ...ctx.scenario.learning.dqn, hiddenUnits: weights[0].shape[1]!, learningRate: settings.learningRate, batchSize: settings.batchSize, targetUpdateEvery: Number.MAX_SAFE_INTEGER },
      seed: `${ctx.seed}/finetune/${m.agent}`,
      tf,
    });
    agent.onlineNetwork.setWeights(weights);
    agent.targetNetwork.setWeights(weights);
    return agent;
  });
  try {
    if (ctx.vdn) {
      // One team batch: the same rows for every agent, so only transitions every agent has an action in.
      const rows = real.filter((t) => t.actions.every((a) => a !== null));
      if (rows.length > 0) {
        const realBuffers = members.map((m, i) => bufferOf(m, i, rows));
        const simRows = simulated.filter((t) => t.actions.every((a) => a !== null));
        const simBuffers = simRows.length > 0 ? members.map((m, i) => bufferOf(m, i, simRows)) : null;
        const learner = new VdnLearner(tf, agents, { gamma: ctx.scenario.learning.dqn.gamma, learningRate: settings.learningRate, targetUpdateEvery: Number.MAX_SAFE_INTEGER });
        try {
          const replayRng = rng.split('replay');
          for (let s = 0; s < settings.gradientStepsPerRun; s++) {
            const at = realBuffers[0].sampleIndices(realPerBatch, replayRng);
            let batches = realBuffers.map((b) => b.sampleAt(at));
            if (simBuffers !== null) {
              const simAt = simBuffers[0].sampleIndices(simPerBatch, replayRng);
              batches = batches.map((b, i) => concatBatches(b, simBuffers[i].sampleAt(simAt)));
            }
            learner.learn(batches);
          }
        } finally {
          learner.dispose();
        }
      }
    } else {
      members.forEach((m, i) => {
        const rows = real.filter((t) => t.actions[i] !== null);
        if (rows.length === 0) return;
        const realBuffer = bufferOf(m, i, rows);
        const simRows = simulated.filter((t) => t.actions[i] !== null);
        const simBuffer = simRows.length > 0 ? bufferOf(m, i, simRows) : null;
        const replayRng = rng.split(`replay/${m.agent}`);
        for (let s = 0; s < settings.gradientStepsPerRun; s++) {
          const batch = realBuffer.sample(realPerBatch, replayRng);
          agents[i].learn(simBuffer === null ? batch : concatBatches(batch, simBuffer.sample(simPerBatch, replayRng)));
        }
      });
    }
    members.forEach((m, i) => m.network.setWeights(agents[i].onlineNetwork.getWeights()));
  } finally {
    agents.forEach((agent) => agent.dispose());
  }
}
