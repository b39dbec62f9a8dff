/**
 * What the instance-only autoscalers (HPA, Spark dynamic allocation, Spark
 * Streaming dynamic allocation, DS2) share: reading the last window the way
 * their originals read their metrics, and turning a wanted executor count
 * into an allowed action.
 */
import type { SparkConfig } from '../../../sim/config.js';
import type { TrialOutcome } from '../../backend/backend.js';
import { windowMsFor } from '../../backend/simulated.js';
import type { Scenario } from '../../scenario/schema.js';
import { actionToward, snapToGrid, type DecisionContext } from '../agent.js';

/** The allowed action that moves the executor count toward `instances` (snapped onto the grid), cores and memory kept. */
export function towardInstances(ctx: DecisionContext, instances: number): number {
  return actionToward(ctx, {
    executorCores: ctx.config.executorCores,
    executorMemoryMb: ctx.config.executorMemoryMb,
    executorInstances: snapToGrid(ctx.configuration, 'executorInstances', instances),
  });
}

/** The load the last window actually saw, fps: frames that arrived ÷ its length. */
export function measuredInputFps(outcome: TrialOutcome): number {
  return outcome.windowMs > 0 ? (outcome.framesArrived * 1000) / outcome.windowMs : 0;
}

/**
 * Spark Streaming's batch interval for a configuration at a load, ms: the time
 * one micro-batch takes to fill, or the configured batchIntervalMs when that
 * cuts batches sooner.
 */
export function batchIntervalMs(scenario: Scenario, config: SparkConfig, fps: number): number {
  const fillMs = windowMsFor(config, fps, 1, scenario);
  return config.batchIntervalMs > 0 ? Math.min(fillMs, config.batchIntervalMs) : fillMs;
}
