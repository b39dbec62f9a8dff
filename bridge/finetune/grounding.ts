/**
 * Grounding real per-frame times in the simulator's units, shared by
 * single-agent and team fine-tuning (finetune.ts, team-finetune.ts).
 *
 * A profile that is off by a factor (the usual calibration error) shows the
 * policy per-frame times it never saw in training, and gives real and
 * simulated transitions rewards on different scales. Each real run is
 * therefore paired with the simulator's run of the same configuration at the
 * same load, and real per-frame times are divided by the real ÷ simulated
 * ratio before the policy observes or learns from them.
 */
import type { LatencyProfile } from '../../sim/profile.js';
import type { Backend, TrialOutcome } from '../../src/backend/backend.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { withKnobs, type ExecutorConfig, type KnobPoint } from '../../src/space/grid.js';

/** A real run as grounding needs it. */
export interface GroundedRun {
  index: number;
  fps: number;
  config: ExecutorConfig | KnobPoint;
  outcome: TrialOutcome;
}

/** Simulated mean per-frame ms of each real run's configuration and load, under `profile` (null: that run failed there or for real). */
export interface TwinRuns {
  profile: LatencyProfile;
  perFrameMs: Map<number, number | null>;
}

/** What latencyRatio reads; it keeps its simulated twins in `twins` between calls. */
export interface GroundingContext {
  settings: { groundLatency: boolean };
  scenario: Scenario;
  seed: number | string;
  simBackendFactory: (profile: LatencyProfile) => Backend;
  state: { profile: LatencyProfile | null; history: readonly GroundedRun[] };
  twins: TwinRuns | null;
}

/** A real outcome in the simulator's units: per-frame times divided by the real ÷ simulated ratio. */
export function grounded(outcome: TrialOutcome | null, ratio: number): TrialOutcome | null {
  if (outcome === null || ratio === 1) return outcome;
  const q = outcome.perFrameMs;
  return { ...outcome, perFrameMs: { mean: q.mean / ratio, p50: q.p50 / ratio, p95: q.p95 / ratio, p99: q.p99 / ratio, max: q.max / ratio } };
}

/**
 * Real ÷ simulated mean per-frame time, as a geometric mean over the
 * successful real runs so far, each against the simulator's run of the same
 * configuration at the same load under the current profile (seeded by the
 * run's index, and kept until the profile changes). 1 before any run and
 * without groundLatency.
 */
export async function latencyRatio(ctx: GroundingContext): Promise<number> {
  const { state } = ctx;
  if (!ctx.settings.groundLatency) return 1;
  const profile = state.profile ?? ctx.scenario.profile;
  if (ctx.twins === null || ctx.twins.profile !== profile) ctx.twins = { profile, perFrameMs: new Map() };
  const twins = ctx.twins.perFrameMs;
  const missing = state.history.filter((run) => !twins.has(run.index));
  if (missing.length > 0) {
    const backend = ctx.simBackendFactory(profile);
    try {
      for (const run of missing) {
        if (run.outcome.failure !== null || !(run.outcome.perFrameMs.mean > 0)) {
          twins.set(run.index, null);
          continue;
        }
        await backend.reset(`${ctx.seed}/twin/run-${run.index}`);
        const twin = await backend.runTrial({ config: withKnobs({ ...ctx.scenario.spark }, run.config), fps: run.fps });
        twins.set(run.index, twin.failure === null && twin.perFrameMs.mean > 0 ? twin.perFrameMs.mean : null);
      }
    } finally {
      await backend.close();
    }
  }
  let logSum = 0;
  let count = 0;
  for (const run of state.history) {
    const simulatedMs = twins.get(run.index);
    if (simulatedMs === null || simulatedMs === undefined) continue;
    logSum += Math.log(run.outcome.perFrameMs.mean / simulatedMs);
    count++;
  }
  // Bounded: a profile off by more than 5x wants recalibrating, not patching.
  return count === 0 ? 1 : Math.min(5, Math.max(0.2, Math.exp(logSum / count)));
}
