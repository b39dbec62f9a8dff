/**
 * Running the application with a policy choosing its configuration as the
 * load changes: window after window, read the current load, let the policy
 * pick the configuration for it (Policy.act, greedy over the actions the
 * cluster allows), run the window, report the decision and what happened.
 * The windows run through the same environment the policy trained in
 * (ConfigEpisode, over the real backend: bridge/env/real-episode.ts), and
 * every window is judged by the one SLO/rollback guard
 * (bridge/safety/guard.ts): a window that fails sends the next one back to
 * the last configuration that ran cleanly (with rollbackOn 'breach', an SLO
 * breach does too). SIGINT (or the abort signal) lets the window in progress
 * finish and then stops; a second SIGINT is left to its default (the process
 * ends).
 *
 * The policy is a single agent's network (its metadata sets the encoding and
 * the observation scaling) or any Policy that speaks the absolute encoding
 * over the scenario's declared knobs, such as a team of agents (TeamPolicy):
 * then every declared knob — the node count and placement too — is the
 * team's, and the real backend enacts the cluster knobs through its
 * Infrastructure Manager.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { Policy } from '../../src/agents/agent.js';
import { LearnedPolicy } from '../../src/agents/learned-policy.js';
import type { Tf } from '../../src/agents/tf.js';
import type { Backend, TrialOutcome } from '../../src/backend/backend.js';
import { RewardManager } from '../../src/managers/reward.js';
import { sloCostScale } from '../../src/scenario/pricing.js';
import type { ObservationNormalisation } from '../../src/managers/state.js';
import type { PolicyMetadata } from '../../src/policy/artifact.js';
import type { ExecutorConfig } from '../../src/scenario/run-spec.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { samePoint, type KnobPoint } from '../../src/space/grid.js';
import { decisionContext, realEpisode } from '../env/real-episode.js';
import { guardWindow, newGuardState, owedRollback, type RollbackOn } from '../safety/guard.js';
import type { Slo } from '../safety/slo.js';

/** One window of a deployment. */
export interface DeployDecision {
  /** 0-based. */
  window: number;
  fps: number;
  /** policy: the policy's choice; rollback: back to the last good configuration after a failed window. */
  kind: 'policy' | 'rollback';
  /** Every declared knob's value before and after the decision. */
  from: KnobPoint;
  config: KnobPoint;
  /** The policy's action; null for a rollback. */
  action: number | null;
  /** Time the decision took: observation, forward pass, argmax, ms. */
  decideMs: number;
  outcome: TrialOutcome;
  reward: number;
  /** Why the window broke the SLO or failed; null when it kept the SLO. */
  breach: string | null;
  /** Set when this window triggered a rollback: the next window runs this configuration. */
  rollbackTo: KnobPoint | null;
  startedAt: string;
  endedAt: string;
}

/** A single agent's network: a loaded policy (loadPolicy) or a tuned one (finetune); its metadata sets the encoding and the observation scaling. */
export interface NetworkDeployPolicy {
  model: tfTypes.LayersModel;
  metadata: PolicyMetadata;
  tf: Tf;
}

/** A policy that picks absolute points of the scenario's declared knobs (a team of agents: TeamPolicy), with the observation scaling it was trained with. */
export interface ActorDeployPolicy {
  actor: Policy;
  observation: ObservationNormalisation;
}

export interface DeployOptions {
  policy: NetworkDeployPolicy | ActorDeployPolicy;
  /** With a network policy: acts in place of the network (e.g. a baseline); default the network, greedy. */
  actor?: Policy;
  backend: Backend;
  scenario: Scenario;
  slo: Slo;
  /** Windows to run; default: until stopped. */
  windows?: number;
  /** The load of the next window, fps (a trace, or a measured rate). */
  loadSource: () => number | Promise<number>;
  /** Every window, once it has run: for the run log and the screen. */
  onDecision?: (decision: DeployDecision) => void | Promise<void>;
  /** Aborting stops after the window in progress. */
  signal?: AbortSignal;
  /** Listen for SIGINT while deploying: the first one stops after the window in progress. Default true. */
  stopOnSigint?: boolean;
  /** Called once when a stop is requested (SIGINT or the signal), e.g. to say so on screen. */
  onStopRequested?: () => void;
  /** What sends the next window back to the last good configuration. Default 'failure'. */
  rollbackOn?: RollbackOn;
  /** The configuration before the first window (knobs left out keep the scenario's); default the scenario's. */
  startConfig?: ExecutorConfig | KnobPoint;
  /** Seed for backend.reset; default the scenario's. */
  seed?: number | string;
  now?: () => Date;
  clockMs?: () => number;
}

export interface DeployResult {
  decisions: DeployDecision[];
  stoppedBy: 'windows' | 'signal';
  rollbacks: number;
}

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const { scenario, backend, slo } = options;
  if (options.windows !== undefined && (!Number.isInteger(options.windows) || options.windows < 0)) {
    throw new RangeError(`expected a non-negative integer number of windows, got ${options.windows}`);
  }
  const now = options.now ?? (() => new Date());
  const clockMs = options.clockMs ?? (() => performance.now());
  const given = options.policy;
  const episode =
    'actor' in given
      ? realEpisode({ scenario, backend, metadata: { actionSpace: { encoding: 'absolute' }, observation: given.observation } })
      : realEpisode({ scenario, backend, metadata: given.metadata });
  const configuration = episode.configuration;
  configuration.set(options.startConfig ?? configuration.startingPoint);
  const policy: Policy = 'actor' in given ? given.actor : (options.actor ?? new LearnedPolicy(given.metadata.name, given.tf, given.model));
  // Reported against --slo, without the training's change penalty: what deploy has always reported.
  const rewards = new RewardManager(scenario.learning.reward, slo.perFrameMs, sloCostScale(scenario));
  const guard = newGuardState<KnobPoint>();
  const same = (a: KnobPoint, b: KnobPoint) => samePoint(scenario.actionSpace, a, b);
  const guardOptions = { slo, rollbackOn: options.rollbackOn ?? 'failure', same } as const;

  let stopRequested = false;
  const requestStop = () => {
    if (stopRequested) return;
    stopRequested = true;
    options.onStopRequested?.();
  };
  const onSigint = () => {
    if (stopRequested) {
      // Second Ctrl-C: stop listening and let it take its default course.
      process.off('SIGINT', onSigint);
      process.kill(process.pid, 'SIGINT');
      return;
    }
    requestStop();
  };
  if (options.signal?.aborted) requestStop();
  options.signal?.addEventListener('abort', requestStop, { once: true });
  if (options.stopOnSigint ?? true) process.on('SIGINT', onSigint);

  const decisions: DeployDecision[] = [];
  try {
    // A fresh episode needs no episode.reset: the backend's seed names a real cluster's run ids, as deploy has always named them.
    await backend.reset(options.seed ?? scenario.seed);
    policy.reset?.();
    for (let window = 0; options.windows === undefined || window < options.windows; window++) {
      if (stopRequested) break;
      const fps = await options.loadSource();
      if (!Number.isFinite(fps) || fps <= 0) throw new RangeError(`load source: expected a positive number of frames per second for window ${window}, got ${fps}`);
      episode.setLoad(fps);
      const before = configuration.config;
      const from = configuration.point(before);
      const started = clockMs();
      const rollback = owedRollback(guard);
      let action: number | null = null;
      if (rollback !== null) configuration.set(rollback);
      else {
        action = policy.act(decisionContext(episode));
        configuration.apply(action);
      }
      const config = configuration.point();
      const decideMs = clockMs() - started;
      const startedAt = now();
      const { outcome } = await episode.runWindow(before);
      const endedAt = now();
      const verdict = guardWindow(guard, { config, outcome, wasRollback: rollback !== null }, guardOptions);
      const decision: DeployDecision = {
        window,
        fps,
        kind: rollback !== null ? 'rollback' : 'policy',
        from,
        config,
        action,
        decideMs,
        outcome,
        reward: rewards.reward(outcome),
        breach: verdict.breach,
        rollbackTo: verdict.rollbackTo,
        startedAt: startedAt.toISOString(),
        endedAt: endedAt.toISOString(),
      };
      decisions.push(decision);
      await options.onDecision?.(decision);
    }
  } finally {
    process.off('SIGINT', onSigint);
    options.signal?.removeEventListener('abort', requestStop);
  }
  return {
    decisions,
    stoppedBy: options.windows !== undefined && decisions.length === options.windows ? 'windows' : 'signal',
    rollbacks: decisions.filter((d) => d.kind === 'rollback').length,
  };
}
