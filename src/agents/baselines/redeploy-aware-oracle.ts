/**
 * The adaptive oracle with the price of a redeploy in mind. Changing cores or
 * memory restarts every executor (redeployMs down, then JVM start-up) while
 * changing the executor count scales in place; the plain adaptive oracle
 * redeploys for any saving, however small (a 100 MB step of executor memory
 * saves well under 1 % of the request cost). This one, from the same sweep
 * (SloCostOraclePolicy's table: every configuration at every load level):
 *
 * 0. the first decision of an episode (no outcome yet) picks the
 *    configuration the application is submitted with: no redeploy to avoid,
 *    so the cheapest that meets the SLO;
 * 1. keeps the configuration while it meets the SLO at the load now, moving
 *    the executor count to the cheapest count that meets it with the same
 *    cores and memory (in place);
 * 2. redeploys for a saving only when it is at least `minRedeploySaving` of
 *    the current request cost;
 * 3. when the configuration no longer meets the SLO: the cheapest in place
 *    that does, else the cheapest that does (a redeploy), else the plain
 *    oracle's fallback.
 *
 * Like the plain oracle it sees only the load now, never the trace ahead.
 */
import type { ExecutorConfig } from '../../scenario/run-spec.js';
import type { Scenario } from '../../scenario/schema.js';
import { actionToward, type DecisionContext, type Policy } from '../agent.js';
import { levelFor, sloCostSweep, type SloCostChoice, type SloCostLevel, type SloCostOracleOptions } from './slo-cost-oracle.js';

export interface RedeployAwareOracleOptions extends SloCostOracleOptions {
  /** Least saving, a share of the current request cost, worth a redeploy; default 0.5 (a redeploy loses about 20 s of service, most of an interval: on the paper testbed a 25 % saving did not pay for it over a 24-minute diurnal trace). */
  minRedeploySaving?: number;
}

/** The least saving, a share of the current cost, worth a redeploy (see `minRedeploySaving`). */
export const DEFAULT_MIN_REDEPLOY_SAVING = 0.5;

export class RedeployAwareOraclePolicy implements Policy {
  readonly name = 'redeploy-aware-oracle';
  private readonly levels: readonly SloCostLevel[];
  private readonly minRedeploySaving: number;

  constructor(levels: readonly SloCostLevel[], options: { minRedeploySaving?: number } = {}) {
    if (levels.length === 0) throw new RangeError('redeploy-aware-oracle: expected a sweep with at least one load level, got none');
    this.levels = [...levels].sort((a, b) => a.fps - b.fps);
    this.minRedeploySaving = options.minRedeploySaving ?? DEFAULT_MIN_REDEPLOY_SAVING;
    if (!(this.minRedeploySaving >= 0 && this.minRedeploySaving <= 1)) {
      throw new RangeError(`redeploy-aware-oracle: expected minRedeploySaving in [0, 1], got ${this.minRedeploySaving}`);
    }
  }

  static forScenario(scenario: Scenario, options: RedeployAwareOracleOptions = {}): RedeployAwareOraclePolicy {
    return new RedeployAwareOraclePolicy(sloCostSweep(scenario, options), options);
  }

  act(ctx: DecisionContext): number {
    return actionToward(ctx, this.choose(ctx.fps, ctx.last === null ? null : ctx.config).config);
  }

  /** The row to move to from `current` (null: nothing deployed yet) at a load of `fps`. */
  choose(fps: number, current: ExecutorConfig | null): SloCostChoice {
    const { rows } = levelFor(this.levels, fps);
    const meeting = rows.filter((row) => row.meetsSlo);
    if (meeting.length === 0 || current === null) return rows[0];
    const inPlace = meeting.filter((row) => sameShape(row.config, current));
    const here = rows.find((row) => sameConfig(row.config, current));
    if (here !== undefined && here.meetsSlo) {
      const stay = inPlace[0];
      const cheapest = meeting[0];
      const saving = (stay.costPerHour - cheapest.costPerHour) / stay.costPerHour;
      return saving >= this.minRedeploySaving ? cheapest : stay;
    }
    return inPlace[0] ?? meeting[0];
  }
}

function sameShape(a: ExecutorConfig, b: ExecutorConfig): boolean {
  return a.executorCores === b.executorCores && a.executorMemoryMb === b.executorMemoryMb;
}

function sameConfig(a: ExecutorConfig, b: ExecutorConfig): boolean {
  return sameShape(a, b) && a.executorInstances === b.executorInstances;
}
