/**
 * The adaptive oracle of the slo-cost objective: at each decision, the
 * cheapest configuration that meets the SLO at the load arriving now.
 *
 * Its table is swept once, before any episode: every configuration of the
 * action space at every load level of the scenario (workload.fpsLevels), one
 * steady-state trial each (SimulatedBackend's 'trial' mode, what the
 * environment measures). A configuration keeps up at a level when its trial
 * processed frames, dropped none and finished every batch within one batch
 * interval (Spark Streaming's stability rule: a batch that takes longer than
 * the next one takes to arrive leaves a queue that only grows, which a short
 * trial hides); it meets the SLO when it also kept p95 ≤ slo.perFrameMs. The
 * cheapest of those by measured request cost ($/hour) is the choice (ties:
 * lower p95). When none meets it: one that keeps up before one that does not,
 * then the lowest p95, then the cheaper.
 *
 * At a load between levels it uses the next level up (a load above the top
 * level uses the top one): rounding up keeps the SLO. It sees only the load
 * now (ctx.fps), never the trace ahead.
 */
import { SimulatedBackend } from '../../backend/simulated.js';
import { actionSpaceConfigs, type ExecutorConfig } from '../../scenario/run-spec.js';
import type { Scenario } from '../../scenario/schema.js';
import { sloCostScale } from '../../scenario/pricing.js';
import { actionToward, type DecisionContext, type Policy } from '../agent.js';
import { batchIntervalMs } from './scaling.js';

export interface SloCostOracleOptions {
  /** Seed of the table's trials; default the scenario's seed. */
  seed?: number | string;
  /** Micro-batches per trial; default the scenario's learning.env.windowBatches. */
  windowBatches?: number;
  /** Load levels of the table, fps; default the scenario's workload.fpsLevels. */
  levels?: readonly number[];
}

/** The choice at one load level. */
export interface SloCostChoice {
  fps: number;
  config: ExecutorConfig;
  /** Every batch finished within one batch interval. */
  keepsUp: boolean;
  meetsSlo: boolean;
  p95Ms: number;
  requestCostPerHour: number;
  /** What the slo-cost objective bills for this configuration, $/hour: the nodes with a node pool, else the requests. */
  costPerHour: number;
}

export class SloCostOraclePolicy implements Policy {
  readonly name = 'adaptive-oracle';
  /** Ascending by fps. */
  readonly table: readonly SloCostChoice[];

  constructor(table: readonly SloCostChoice[]) {
    if (table.length === 0) throw new RangeError('adaptive-oracle: expected a table with at least one load level, got none');
    this.table = [...table].sort((a, b) => a.fps - b.fps);
  }

  /** Sweeps the table for a scenario (every configuration at every level). */
  static forScenario(scenario: Scenario, options: SloCostOracleOptions = {}): SloCostOraclePolicy {
    return new SloCostOraclePolicy(sloCostTable(scenario, options));
  }

  act(ctx: DecisionContext): number {
    return actionToward(ctx, this.choiceFor(ctx.fps).config);
  }

  /** The table row for a load: the lowest level at or above it, else the top level. */
  choiceFor(fps: number): SloCostChoice {
    return levelFor(this.table, fps);
  }
}

/** Every configuration at one load level, ranked: the choice first. */
export interface SloCostLevel {
  fps: number;
  rows: SloCostChoice[];
}

/** Every configuration at every level, the slo-cost choice per level. */
export function sloCostTable(scenario: Scenario, options: SloCostOracleOptions = {}): SloCostChoice[] {
  return sloCostSweep(scenario, options).map((level) => level.rows[0]);
}

/**
 * Every configuration at every level, ranked as the oracle ranks them: those
 * meeting the SLO first, cheapest first (ties: lower p95); then the others,
 * those that keep up first, lower p95, cheaper.
 */
export function sloCostSweep(scenario: Scenario, options: SloCostOracleOptions = {}): SloCostLevel[] {
  const seed = options.seed ?? scenario.seed;
  const windowBatches = options.windowBatches ?? scenario.learning.env.windowBatches;
  const levels = options.levels ?? scenario.workload.fpsLevels;
  const configs = actionSpaceConfigs(scenario);
  const basis = sloCostScale(scenario).costBasis;
  return levels.map((fps) => {
    const rows = configs.map((config): SloCostChoice => {
      const backend = new SimulatedBackend(scenario, { mode: 'trial', windowBatches, settleMs: 0 });
      // reset() is async for the Backend seam but has no await: it is done when it returns.
      void backend.reset(seed);
      const full = { ...scenario.spark, ...config };
      const outcome = backend.runTrialSync({ config: full, fps });
      // A partition's frames finish together, so the slowest frame of a batch marks when the batch was done.
      const keepsUp = outcome.failure === null && outcome.framesDropped === 0 && outcome.perFrameMs.max <= batchIntervalMs(scenario, full, fps);
      const meetsSlo = keepsUp && outcome.perFrameMs.p95 <= scenario.slo.perFrameMs;
      const p95Ms = outcome.failure === null ? outcome.perFrameMs.p95 : Infinity;
      const requestCostPerHour = outcome.requestCostPerHour ?? NaN;
      return { fps, config, keepsUp, meetsSlo, p95Ms, requestCostPerHour, costPerHour: basis === 'nodes' ? outcome.costPerHour : requestCostPerHour };
    });
    rows.sort(
      (a, b) =>
        Number(b.meetsSlo) - Number(a.meetsSlo) ||
        (a.meetsSlo
          ? a.costPerHour - b.costPerHour || a.p95Ms - b.p95Ms
          : Number(b.keepsUp) - Number(a.keepsUp) || a.p95Ms - b.p95Ms || a.costPerHour - b.costPerHour),
    );
    return { fps, rows };
  });
}

/** The level a load uses: the lowest at or above it, else the top one (rounding up keeps the SLO). */
export function levelFor<T extends { fps: number }>(levels: readonly T[], fps: number): T {
  if (!(Number.isFinite(fps) && fps >= 0)) throw new RangeError(`expected a load in fps >= 0, got ${fps}`);
  return levels.find((level) => level.fps >= fps - 1e-9) ?? levels[levels.length - 1];
}
