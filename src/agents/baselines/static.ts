/**
 * The static baseline: hand-tuned, never-changed settings, which is how most
 * streaming applications run. It holds the scenario's starting configuration
 * (spark.executor.cores / memory / instances as submitted), moving back to it
 * if something else changed the configuration.
 */
import type { ExecutorConfig } from '../../scenario/run-spec.js';
import type { Scenario } from '../../scenario/schema.js';
import { actionToward, type DecisionContext, type Policy } from '../agent.js';

export interface StaticPolicyOptions {
  /** The configuration to hold. */
  config: ExecutorConfig;
}

export class StaticPolicy implements Policy {
  readonly name = 'static';
  readonly config: ExecutorConfig;

  constructor(options: StaticPolicyOptions) {
    this.config = { ...options.config };
  }

  /** Holds the configuration the scenario starts from. */
  static forScenario(scenario: Scenario): StaticPolicy {
    const { executorCores, executorMemoryMb, executorInstances } = scenario.spark;
    return new StaticPolicy({ config: { executorCores, executorMemoryMb, executorInstances } });
  }

  act(ctx: DecisionContext): number {
    return actionToward(ctx, this.config);
  }
}
