/**
 * What single-agent (finetune.ts) and team (team-finetune.ts) fine-tuning
 * share around a real run: the record of a run and of a load's best, the
 * per-load state, the run itself (one window of the real episode), the
 * guard's judgement of it, and the loop that spends the budget — each
 * fine-tuning brings its own learning and its own decisions.
 */
import type { Backend, TrialOutcome } from '../../src/backend/backend.js';
import type { ConfigEpisode } from '../../src/env/config-episode.js';
import type { RewardManager } from '../../src/managers/reward.js';
import type { ExecutorConfig, KnobPoint } from '../../src/space/grid.js';
import { guardWindow, type GuardState } from '../safety/guard.js';
import type { Slo } from '../safety/slo.js';
import type { FinetuneCommonOptions, FinetuneResultOf } from './finetune.js';
import { latencyRatio, type GroundingContext } from './grounding.js';
import type { FinetuneSettings } from './options.js';

/** The best point seen at one load level: a configuration (a single agent), or a point over every declared knob (a team). */
export interface BestAt<C> {
  fps: number;
  config: C;
  reward: number;
  perFrameMs: number;
  p95Ms: number;
  /** Index of the real run that measured it. */
  run: number;
  meetsSlo: boolean;
}

/** One real run, as single-agent and team fine-tuning record it; C is what a point of the action space is. */
export interface RealRunOf<C> {
  /** 0-based; run i is the (i + 1)-th real run of this fine-tuning, across restarts. */
  index: number;
  fps: number;
  /** greedy: the policy's choice; explore: a neighbour inside the trust region; rollback: back to the last good configuration. */
  kind: 'greedy' | 'explore' | 'rollback';
  /** The configuration before the run, at this load. */
  from: C;
  config: C;
  /** What the policy chose (null for a rollback): exploration stays within trustRegion grid steps of it. */
  greedyConfig: C | null;
  epsilon: number;
  /** Real ÷ simulated per-frame time the decision was grounded with (1 without grounding or before any run). */
  latencyRatio: number;
  outcome: TrialOutcome;
  /** From the real outcome, in real units. */
  reward: number;
  /** Why the run broke the guard rails; null when it kept the SLO. */
  breach: string | null;
  /** Set when this run's breach triggered a rollback: the next run goes back to this configuration. */
  rollbackTo: C | null;
  startedAt: string;
  endedAt: string;
}

/** A decision for the next real run, as both fine-tunings make it. */
export interface DecisionOf<C> {
  kind: RealRunOf<C>['kind'];
  /** The lane's point before the run. */
  from: C;
  config: C;
  greedyConfig: C | null;
  epsilon: number;
}

/** What the budget loop needs of a fine-tuning. Extra is what its runs record beyond RealRunOf (a single agent's action, a team's per-agent actions). */
export interface BudgetLoop<C, Run extends RealRunOf<C>, Lane extends LaneOf<C>> {
  options: Pick<FinetuneCommonOptions<Run>, 'budget' | 'shouldStop' | 'recalibrate' | 'onRealRun' | 'seed' | 'realBackend' | 'now'>;
  settings: FinetuneSettings;
  slo: Slo;
  state: { runsDone: number; reportedRuns: number; nextLane: number; history: Run[]; lanes: Lane[]; profile: GroundingContext['state']['profile'] };
  /** Grounding's context (its state the same checkpoint state). */
  grounding: GroundingContext;
  /** The real cluster as an environment: every real run is one window of it. */
  episode: ConfigEpisode;
  rewards: RewardManager;
  same: (a: C, b: C) => boolean;
  key: (config: C) => string;
  /** Writes the checkpoint. */
  save: () => Promise<void>;
  /** The gradient steps before run `index`. */
  learn: (index: number, ratio: number) => Promise<void>;
  decide: (lane: Lane, index: number, ratio: number) => { decision: DecisionOf<C>; extra: Omit<Run, keyof RealRunOf<C>> };
}

/**
 * Spends the budget: before each real run, a stop check, the recalibration
 * hook every recalibrateEvery runs, the grounding ratio and the gradient
 * steps; then the decision at the next load, the real run, the guard's
 * judgement, the record, the checkpoint and the report. Returns whether
 * shouldStop ended it early.
 */
export async function runBudget<C extends ExecutorConfig | KnobPoint, Run extends RealRunOf<C>, Lane extends LaneOf<C>>(loop: BudgetLoop<C, Run, Lane>): Promise<boolean> {
  const { options, settings, state } = loop;
  const now = options.now ?? (() => new Date());
  const report = () => reportRuns(state, options.onRealRun, loop.save);
  await report();
  await options.realBackend.reset(`${options.seed}/real/from-run-${state.runsDone}`);
  while (state.runsDone < options.budget) {
    if (options.shouldStop?.()) return true;
    const index = state.runsDone;
    if (options.recalibrate !== undefined && index > 0 && index % settings.recalibrateEvery === 0) {
      state.profile = (await options.recalibrate(state.history)) ?? state.profile;
    }
    const ratio = await latencyRatio(loop.grounding);
    await loop.learn(index, ratio);

    const laneIndex = state.nextLane;
    const lane = state.lanes[laneIndex];
    const { decision, extra } = loop.decide(lane, index, ratio);
    const startedAt = now();
    const outcome = await runReal(loop.episode, lane, decision.config);
    const endedAt = now();
    const { reward, breach, rollbackTo } = judgeRun(lane, { index, kind: decision.kind, config: decision.config, outcome }, loop);
    // A rollback is served at once, at the load that breached; otherwise the loads take turns.
    state.nextLane = rollbackTo !== null ? laneIndex : (laneIndex + 1) % state.lanes.length;
    state.history.push({
      index,
      fps: lane.fps,
      kind: decision.kind,
      from: decision.from,
      config: decision.config,
      greedyConfig: decision.greedyConfig,
      ...extra,
      epsilon: decision.epsilon,
      latencyRatio: ratio,
      outcome,
      reward,
      breach,
      rollbackTo,
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
    } as Run);
    state.runsDone++;
    await loop.save();
    await report();
  }
  return false;
}

/** The state both fine-tunings keep per load: the guard's, and where the lane stands (checkpoint.ts's LaneState, team-checkpoint.ts's TeamLaneState). */
export interface LaneOf<C> extends GuardState<C> {
  fps: number;
  config: C;
  last: TrialOutcome | null;
  best: BestAt<C> | null;
  /** Keys of the points that broke the SLO at this load. */
  breached: string[];
}

/**
 * After a real run at `lane`: the guard judges it (recording its verdict in
 * the lane: rollbackOn 'breach'), a breached point is noted, the lane moves
 * on to the run unless it was a probe, and the best at this load is kept.
 */
function judgeRun<C>(
  lane: LaneOf<C>,
  run: { index: number; kind: RealRunOf<C>['kind']; config: C; outcome: TrialOutcome },
  judge: { slo: Slo; rewards: RewardManager; same: (a: C, b: C) => boolean; key: (config: C) => string },
): { reward: number; breach: string | null; rollbackTo: C | null } {
  const { config, outcome } = run;
  const reward = judge.rewards.reward(outcome);
  const { breach, rollbackTo } = guardWindow(lane, { config, outcome, wasRollback: run.kind === 'rollback' }, { slo: judge.slo, rollbackOn: 'breach', same: judge.same });
  if (breach !== null && !lane.breached.includes(judge.key(config))) lane.breached.push(judge.key(config));
  // An exploration is a probe: one that kept the SLO but scored below the run it
  // set out from leaves the lane where it was (its transition is still learned
  // from). With delta actions the policy would otherwise decide from the probe.
  const probeWorse = run.kind === 'explore' && breach === null && lane.last !== null && lane.last.failure === null && reward < judge.rewards.reward(lane.last);
  if (!probeWorse) {
    lane.config = config;
    lane.last = outcome;
  }
  lane.best = better(lane.best, { fps: lane.fps, config, reward, perFrameMs: outcome.perFrameMs.mean, p95Ms: outcome.perFrameMs.p95, run: run.index, meetsSlo: breach === null }, outcome);
  return { reward, breach, rollbackTo };
}

/** Keeps the better of two candidates for a load's best: SLO kept first, then reward. Failed runs never count. */
function better<B extends { meetsSlo: boolean; reward: number }>(current: B | null, candidate: B, outcome: TrialOutcome): B | null {
  if (outcome.failure !== null) return current;
  if (current === null) return candidate;
  if (candidate.meetsSlo !== current.meetsSlo) return candidate.meetsSlo ? candidate : current;
  return candidate.reward > current.reward ? candidate : current;
}

/**
 * One real run: the episode at this load, from the lane's configuration to
 * `config`, one window on the real backend.
 */
async function runReal<C extends ExecutorConfig | KnobPoint>(episode: ConfigEpisode, lane: { fps: number; config: C }, config: C): Promise<TrialOutcome> {
  episode.configuration.set(lane.config);
  const before = episode.configuration.config;
  episode.configuration.set(config);
  episode.setLoad(lane.fps);
  return (await episode.runWindow(before)).outcome;
}

/** Hands onRealRun the runs in the checkpoint whose report did not go through yet (a crash or an error in onRealRun), saving after each. */
async function reportRuns<Run>(
  state: { reportedRuns: number; runsDone: number; history: Run[] },
  onRealRun: ((run: Run) => void | Promise<void>) | undefined,
  save: () => Promise<void>,
): Promise<void> {
  while (state.reportedRuns < state.runsDone) {
    await onRealRun?.(state.history[state.reportedRuns]);
    state.reportedRuns++;
    await save();
  }
}


/** The result both fine-tunings return: the tuned policy, every run, the best at each load that had a successful run. */
export function finetuneResultOf<P, Run extends RealRunOf<unknown>, Best>(
  policy: P,
  state: { history: Run[]; lanes: { best: Best | null }[] },
  rest: { resumedFrom: number; stoppedEarly: boolean; latencyRatio: number; warnings: string[] },
): FinetuneResultOf<P, Run, Best> {
  return {
    policy,
    history: state.history,
    best: state.lanes.flatMap((lane) => (lane.best === null ? [] : [lane.best])),
    resumedFrom: rest.resumedFrom,
    rollbacks: state.history.filter((run) => run.kind === 'rollback').length,
    stoppedEarly: rest.stoppedEarly,
    latencyRatio: rest.latencyRatio,
    warnings: rest.warnings,
  };
}
