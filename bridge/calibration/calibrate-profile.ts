/**
 * `sspe calibrate` without its flags and its report: read the real runs (event
 * logs or a collection's runs.csv), fit the scenario's profile to them, and
 * write the fitted profile, its description saying what it was fitted to.
 */
import { basename, extname } from 'node:path';
import type { LatencyProfile, ProfileParameterName } from '../../sim/profile.js';
import { formatNumber } from '../../src/cli/table.js';
import { UserInputError } from '../../src/errors.js';
import { withMeasuredParameters, type MeasurementDocument } from '../../src/calibration/paper-fit.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { calibrate, DEFAULT_CALIBRATION_PARAMETERS, MIN_HOLDOUT_CONFIGS, minTrainConfigs, type CalibrationResult } from './calibrate.js';
import { realRunsFromEventLogs } from './from-eventlogs.js';
import { writeProfileAtomically } from './profile-file.js';
import type { RealRun } from './real-run.js';
import { readRunsCsv } from './runs-csv.js';

/** Event logs of sspe runs under a folder, or the runs.csv of `sspe collect`. */
export type RunsSource = { eventlogs: string } | { runsCsv: string };

export interface CalibrateProfileOptions {
  /** The runs to fit (readRealRuns) and where they came from, for the profile's description. */
  runs: RealRun[];
  source: RunsSource;
  scenario: Scenario;
  /** Where the fitted profile goes; its file name (without extension) names it. */
  profilePath: string;
  holdoutFraction: number;
  seed: string | number;
  /** Default DEFAULT_CALIBRATION_PARAMETERS. */
  parameters?: ProfileParameterName[];
  /** A measurement document (npm run measure:frames) whose measured parameters replace the starting profile's before the fit. */
  measurements?: { document: MeasurementDocument; path: string };
  normaliseByProbe: boolean;
  maxIterations: number;
  onIteration?: (iteration: number, mapeTrainPct: number) => void;
}

export interface CalibratedProfile {
  result: CalibrationResult;
  /** As written: the fit's profile with its description. */
  profile: LatencyProfile;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const pct = (value: number | null) => (value === null || Number.isNaN(value) ? '-' : `${formatNumber(value)} %`);

/** The runs to fit, and how many event logs were not sspe runs; none is an error naming what was there. */
export async function readRealRuns(source: RunsSource): Promise<{ runs: RealRun[]; skippedLogs: number }> {
  if ('runsCsv' in source) {
    const runs = await readRunsCsv(source.runsCsv);
    if (runs.length === 0) throw new UserInputError(`expected at least one run in ${source.runsCsv}, got none`);
    return { runs, skippedLogs: 0 };
  }
  const read = await realRunsFromEventLogs(source.eventlogs);
  const skipped = read.skipped.length;
  if (read.runs.length === 0) {
    const seen = [
      skipped > 0 ? `${plural(skipped, 'other log')} skipped, e.g. ${read.skipped[0].path}: ${read.skipped[0].reason}` : null,
      read.otherFiles > 0 ? `${plural(read.otherFiles, 'file')} that are not Spark event logs` : null,
    ].filter((part) => part !== null);
    throw new UserInputError(
      `expected event logs of sspe runs (with spark.sspe.* properties) in ${source.eventlogs} or its sub-folders, got none` +
        (seen.length > 0 ? ` (${seen.join('; ')})` : ''),
    );
  }
  return { runs: read.runs, skippedLogs: skipped };
}

/** Fits the scenario's profile to the runs and writes it atomically; returns the fit and what was written. */
export async function calibrateProfile(options: CalibrateProfileOptions): Promise<CalibratedProfile> {
  const { runs, scenario, parameters } = options;
  const start = options.measurements === undefined ? scenario.profile : withMeasuredParameters(scenario.profile, options.measurements.document, options.measurements.path);
  const result = calibrate({
    runs,
    scenario: { ...scenario, profile: start },
    start,
    holdoutFraction: options.holdoutFraction,
    seed: options.seed,
    parameters,
    minTrainConfigs: minTrainConfigs((parameters ?? DEFAULT_CALIBRATION_PARAMETERS).length),
    minHoldoutConfigs: MIN_HOLDOUT_CONFIGS,
    normaliseByProbe: options.normaliseByProbe,
    maxIterations: options.maxIterations,
    name: basename(options.profilePath, extname(options.profilePath)),
    description: '',
    onIteration: options.onIteration,
  });
  const f = result.fidelity;
  const profile: LatencyProfile = {
    ...result.profile,
    description:
      `Fitted by sspe calibrate to ${f.n_train} real runs (${f.n_configs_train} configurations) on ${scenario.name} (${'eventlogs' in options.source ? 'event logs' : 'runs CSV'}); ` +
      (f.n_configs_holdout > 0
        ? `${f.n_configs_holdout} configurations (${f.n_holdout} runs) held out: MAPE ${pct(f.mape_holdout)} (Ernest ${pct(f.mape_holdout_ernest)}); `
        : 'no configuration held out; ') +
      `noise floor ${pct(f.noise.pct)}.`,
  };
  await writeProfileAtomically(options.profilePath, profile);
  return { result, profile };
}
