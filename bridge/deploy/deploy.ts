/**
 * Running the application with a policy choosing its configuration as the
 * load changes: window after window, read the current load, let the policy
 * pick the configuration for it (greedy over the actions the cluster
 * allows), run the window on the backend, report the decision and what
 * happened. A window that fails sends the next one back to the last
 * configuration that ran cleanly (with rollbackOn 'breach', an SLO breach
 * does too). SIGINT (or the abort signal) lets the window in progress finish
 * and then stops; a second SIGINT is left to its default (the process ends).
 */
import { maskedArgmax } from '../../src/agents/masked-choice.js';
import type * as tfTypes from '@tensorflow/tfjs';
import type { SparkConfig } from '../../sim/config.js';
import type { Tf } from '../../src/agents/tf.js';
import type { Backend, TrialOutcome } from '../../src/backend/backend.js';
import { ConfigurationManager } from '../../src/managers/configuration.js';
import { RewardManager } from '../../src/managers/reward.js';
import { StateManager } from '../../src/managers/state.js';
import type { PolicyMetadata } from '../../src/policy/artifact.js';
import type { ExecutorConfig } from '../../src/scenario/run-spec.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { sloBreach, type Slo } from '../safety/slo.js';

/** One window of a deployment. */
export interface DeployDecision {
  /** 0-based. */
  window: number;
  fps: number;
  /** policy: the policy's choice; rollback: back to the last good configuration after a failed window. */
  kind: 'policy' | 'rollback';
  from: ExecutorConfig;
  config: ExecutorConfig;
  /** The policy's action; null for a rollback. */
  action: number | null;
  /** Time the decision took: observation, forward pass, argmax, ms. */
  decideMs: number;
  outcome: TrialOutcome;
  reward: number;
  /** Why the window broke the SLO or failed; null when it kept the SLO. */
  breach: string | null;
  /** Set when this window triggered a rollback: the next window runs this configuration. */
  rollbackTo: ExecutorConfig | null;
  startedAt: string;
  endedAt: string;
}

export interface DeployOptions {
  /** A loaded policy (loadPolicy) or a tuned one (finetune). */
  policy: { model: tfTypes.LayersModel; metadata: PolicyMetadata; tf: Tf };
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
  rollbackOn?: 'failure' | 'breach';
  /** The configuration before the first window; default the scenario's. */
  startConfig?: ExecutorConfig;
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

function knobsOf(config: ExecutorConfig): ExecutorConfig {
  return { executorCores: config.executorCores, executorMemoryMb: config.executorMemoryMb, executorInstances: config.executorInstances };
}

function sameConfig(a: ExecutorConfig, b: ExecutorConfig): boolean {
  return a.executorCores === b.executorCores && a.executorMemoryMb === b.executorMemoryMb && a.executorInstances === b.executorInstances;
}

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const { scenario, backend, slo } = options;
  const { model, metadata, tf } = options.policy;
  if (options.windows !== undefined && (!Number.isInteger(options.windows) || options.windows < 0)) {
    throw new RangeError(`expected a non-negative integer number of windows, got ${options.windows}`);
  }
  const now = options.now ?? (() => new Date());
  const clockMs = options.clockMs ?? (() => performance.now());
  const configuration = new ConfigurationManager(scenario, metadata.actionSpace.encoding);
  if (configuration.actionCount !== metadata.actionSpace.actionCount) {
    throw new RangeError(`the policy has ${metadata.actionSpace.actionCount} actions, the scenario's action space ${configuration.actionCount}`);
  }
  configuration.set(knobsOf(options.startConfig ?? scenario.spark));
  const states = new StateManager(metadata.observation);
  const rewards = new RewardManager(scenario.learning.reward, slo.perFrameMs);

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
  let last: TrialOutcome | null = null;
  let lastGood: ExecutorConfig | null = null;
  let pendingRollback: ExecutorConfig | null = null;
  try {
    await backend.reset(options.seed ?? scenario.seed);
    for (let window = 0; options.windows === undefined || window < options.windows; window++) {
      if (stopRequested) break;
      const fps = await options.loadSource();
      if (!Number.isFinite(fps) || fps <= 0) throw new RangeError(`load source: expected a positive number of frames per second for window ${window}, got ${fps}`);
      const from = knobsOf(configuration.config);
      const started = clockMs();
      let action: number | null = null;
      let kind: DeployDecision['kind'] = 'policy';
      if (pendingRollback !== null) {
        kind = 'rollback';
        configuration.set(pendingRollback);
      } else {
        const observation = states.observe({ fps, config: configuration.config, last });
        const q = tf.tidy(() => (model.predict(tf.tensor2d(observation, [1, observation.length])) as tfTypes.Tensor).dataSync() as Float32Array);
        action = maskedArgmax(q, configuration.mask());
        configuration.apply(action);
      }
      const config = knobsOf(configuration.config);
      const decideMs = clockMs() - started;
      const startedAt = now();
      const outcome = await backend.runTrial({ config: configuration.config as SparkConfig, fps });
      const endedAt = now();
      const breach = sloBreach(outcome, slo);
      const bad = outcome.failure !== null || ((options.rollbackOn ?? 'failure') === 'breach' && breach !== null);
      let rollbackTo: ExecutorConfig | null = null;
      if (!bad) lastGood = config;
      // A rollback window that fails too is not rolled back again: the policy decides from there.
      else if (kind === 'policy' && lastGood !== null && !sameConfig(lastGood, config)) rollbackTo = lastGood;
      pendingRollback = rollbackTo;
      last = outcome;
      const decision: DeployDecision = {
        window,
        fps,
        kind,
        from,
        config,
        action,
        decideMs,
        outcome,
        reward: rewards.reward(outcome),
        breach,
        rollbackTo,
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

