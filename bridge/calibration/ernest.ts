/**
 * Ernest (Venkataraman et al., "Ernest: Efficient Performance Prediction for
 * Large-Scale Advanced Analytics", NSDI 2016): a job's time as a
 * non-negative combination of a fixed cost, parallel work, a tree-shaped
 * aggregation and per-machine overhead,
 *
 *   t = θ₀ + θ₁ · work / executors + θ₂ · log(executors) + θ₃ · executors,
 *
 * fitted by non-negative least squares. Here the time is the mean per-frame
 * processing time, work is frames × megapixels per batch, and executors are
 * the task slots (cores × instances). It is the baseline that `sspe
 * calibrate` reports beside the simulator's predictions.
 */
import { nnls } from './nnls.js';
import type { RealRun } from './real-run.js';

export const ERNEST_FEATURES = ['1', 'work/executors', 'log(executors)', 'executors'] as const;

export interface ErnestModel {
  /** θ₀..θ₃, in the order of ERNEST_FEATURES; per-frame ms per unit of each feature. */
  coefficients: number[];
}

type ErnestInput = Pick<RealRun, 'cores' | 'instances' | 'partitions' | 'framesPerPartition' | 'megapixelsPerFrame'>;

export function ernestFeatures(run: ErnestInput): number[] {
  const executors = run.cores * run.instances;
  const workMegapixels = run.partitions * run.framesPerPartition * run.megapixelsPerFrame;
  return [1, workMegapixels / executors, Math.log(executors), executors];
}

/** Fits θ ≥ 0 to runs and their measured per-frame times, ms. */
export function fitErnest(runs: readonly ErnestInput[], measuredMs: readonly number[]): ErnestModel {
  if (runs.length === 0) throw new RangeError('fitErnest: expected at least one run, got none');
  return { coefficients: nnls(runs.map(ernestFeatures), measuredMs).x };
}

export function predictErnest(model: ErnestModel, run: ErnestInput): number {
  return ernestFeatures(run).reduce((sum, feature, i) => sum + feature * model.coefficients[i], 0);
}
