/**
 * The recalibration hook fine-tuning calls every few real runs: the real runs
 * so far, as calibration records (bridge/calibration/real-run.ts), fitted by
 * `calibrate` from the current profile. Everything comes from the runs in the
 * checkpoint, so a resumed fine-tuning recalibrates exactly as before.
 */
import type { LatencyProfile } from '../../sim/profile.js';
import { UserInputError } from '../../src/errors.js';
import { resolvedFramesPerPartition } from '../../src/managers/configuration.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { calibrate } from '../calibration/calibrate.js';
import { concurrentJobsField, type RealRun } from '../calibration/real-run.js';
import type { FinetuneRun } from './finetune.js';

/** What recalibration reads of a real run: a single agent's (FinetuneRun) or a team's, whose point has the executor knobs too. */
export type RecalibrationRun = Pick<FinetuneRun, 'index' | 'fps' | 'config' | 'outcome'>;

export interface RecalibrationOptions {
  scenario: Scenario;
  /** The master as the user wrote it (for the records). */
  master: string;
  /** Batches each real run measured. */
  batches: number;
  seed: number | string;
  /** Share of the runs held out to check the fit; default 0.2. */
  holdoutFraction?: number;
  /** Fewer usable runs than this: keep the profile (four parameters from three runs is a guess). Default 4. */
  minRuns?: number;
  /** Told when a recalibration is skipped or fails (the profile is kept). */
  onWarning?: (message: string) => void;
  /** Told the fit of each recalibration. */
  onFit?: (fit: { runs: number; mapeTrainPct: number; mapeHoldoutPct: number | null; startMapeTrainPct: number }) => void;
}

/** A fine-tuning run as calibration reads it; the frame size is left for calibrate to take from the scenario's sources. */
export function realRunOf(run: RecalibrationRun, options: Pick<RecalibrationOptions, 'scenario' | 'master' | 'batches'>): RealRun {
  const { scenario } = options;
  const config = { ...scenario.spark, ...run.config };
  const q = run.outcome.perFrameMs;
  return {
    runId: `finetune-${run.index}`,
    master: options.master,
    cores: run.config.executorCores,
    memoryMb: run.config.executorMemoryMb,
    instances: run.config.executorInstances,
    partitions: config.partitions,
    framesPerPartition: resolvedFramesPerPartition(config, run.fps, scenario),
    ...concurrentJobsField(config.concurrentJobs),
    fps: run.fps,
    batches: options.batches,
    megapixelsPerFrame: Number.NaN,
    perFrameMs: run.outcome.failure === null && Number.isFinite(q.mean) ? { mean: q.mean, p50: q.p50, p95: q.p95, p99: q.p99 } : null,
    executorsRunning: run.outcome.executorsRunning,
    wallMs: run.outcome.wallMs,
    eventLogPath: null,
    failure: run.outcome.failure,
  };
}

/**
 * The hook for finetune's `recalibrate`: fits the profile to all real runs so
 * far, each time from the scenario's profile, so the result depends on the
 * runs alone (a resumed fine-tuning gets the same).
 */
export function recalibrationHook(options: RecalibrationOptions): (runs: readonly RecalibrationRun[]) => LatencyProfile | null {
  return (runs) => {
    const records = runs.map((run) => realRunOf(run, options));
    const usable = records.filter((r) => r.failure === null && r.perFrameMs !== null).length;
    if (usable < (options.minRuns ?? 4)) {
      options.onWarning?.(`recalibration after ${runs.length} real runs skipped: ${usable} usable runs, at least ${options.minRuns ?? 4} wanted`);
      return null;
    }
    try {
      const result = calibrate({
        runs: records,
        scenario: options.scenario,
        start: options.scenario.profile,
        holdoutFraction: options.holdoutFraction ?? 0.2,
        seed: options.seed,
        name: `${options.scenario.profile.name}-recalibrated`,
      });
      options.onFit?.({
        runs: usable,
        mapeTrainPct: result.fidelity.mape_train,
        mapeHoldoutPct: result.fidelity.mape_holdout,
        startMapeTrainPct: result.fit.startMapeTrainPct,
      });
      return result.profile;
    } catch (error) {
      if (!(error instanceof UserInputError)) throw error;
      options.onWarning?.(`recalibration after ${runs.length} real runs failed, the profile is kept: ${error.message}`);
      return null;
    }
  };
}
