import type { RunSpec } from '../../sim/config.js';
import type { LatencyProfile, ProfileParameterName } from '../../sim/profile.js';
import { PROFILE_PARAMETERS } from '../../sim/profile.js';
import { sweep, type ConfigPoint } from '../sweep.js';
import { nelderMead } from './nelder-mead.js';

/** The published case-study figures the paper-testbed profile is fitted to (mission.md). */
export const PAPER_TARGETS = {
  /** Best configuration at 10 fps, mean per-frame ms. */
  best10: 419,
  /** Uniformly random configuration at 10 fps, mean per-frame ms. */
  random10: 600,
  /** Best configuration at 60 fps: "roughly 1000 ms". */
  best60: 1000,
  /** At 60 fps the best is about 20% below the random mean: 1000 / 0.8. */
  random60: 1250,
} as const;

export type PaperFigures = { [K in keyof typeof PAPER_TARGETS]: number };

/**
 * The parameters the fit moves. The rest keep physically motivated values:
 * CPU per frame from OpenCV decode + cvtColor + encode timings (a few ms per
 * megapixel), a Spark job's scheduling overhead (tens of ms), NFS over 1 GbE.
 * Left free, the fit drives those two to implausible zeros.
 */
export const PAPER_FIT_PARAMETERS: ProfileParameterName[] = [
  'taskOverheadMs',
  'frameMemoryMbPerMegapixel',
  'taskMemoryBaseMb',
  'gcSlowdownPerPressure',
  'frameInputMbPerMegapixel',
];

export interface PaperFitContext {
  configs: readonly ConfigPoint[];
  /** The run spec for one configuration at one load level, with the given profile. */
  specFor: (config: ConfigPoint, fps: number, profile: LatencyProfile) => RunSpec;
}

export function paperFigures(context: PaperFitContext, profile: LatencyProfile): PaperFigures {
  const at = (fps: number) =>
    sweep({ configs: context.configs, specFor: (config) => context.specFor(config, fps, profile) });
  const ten = at(10);
  const sixty = at(60);
  // A configuration that loses frames is outside what the paper measured: penalise it.
  if (ten.configs_dropping_frames + sixty.configs_dropping_frames > 0) {
    return { best10: Infinity, random10: Infinity, best60: Infinity, random60: Infinity };
  }
  return {
    best10: ten.results[0].per_frame_ms.mean,
    random10: ten.random_mean_per_frame_ms,
    best60: sixty.results[0].per_frame_ms.mean,
    random60: sixty.random_mean_per_frame_ms,
  };
}

/** Sum of squared relative errors against the targets. */
export function paperLoss(figures: PaperFigures): number {
  let loss = 0;
  for (const key of Object.keys(PAPER_TARGETS) as (keyof PaperFigures)[]) {
    const error = (figures[key] - PAPER_TARGETS[key]) / PAPER_TARGETS[key];
    loss += Number.isFinite(error) ? error * error : 1e6;
  }
  return loss;
}

/**
 * Fits the free parameters (in log space, so they stay positive) by
 * Nelder–Mead over whole simulator sweeps at 10 and 60 fps.
 */
export function fitPaperProfile(
  context: PaperFitContext,
  start: LatencyProfile,
  options: { maxIterations: number; onIteration?: (iteration: number, loss: number) => void },
): { profile: LatencyProfile; figures: PaperFigures; loss: number; iterations: number } {
  const names = PAPER_FIT_PARAMETERS;
  const withX = (x: number[]): LatencyProfile => {
    const parameters = { ...start.parameters };
    names.forEach((name, i) => {
      const spec = PROFILE_PARAMETERS[name];
      parameters[name] = Math.min(spec.max, Math.max(spec.min, Math.exp(x[i])));
    });
    return { ...start, parameters };
  };
  const x0 = names.map((name) => Math.log(Math.max(1e-3, start.parameters[name])));
  const fit = nelderMead((x) => paperLoss(paperFigures(context, withX(x))), x0, {
    steps: names.map(() => 0.3),
    maxIterations: options.maxIterations,
    tolerance: 1e-7,
    onIteration: (iteration, _best, value) => options.onIteration?.(iteration, value),
  });
  const profile = withX(fit.x);
  return { profile, figures: paperFigures(context, profile), loss: fit.value, iterations: fit.iterations };
}
