import type { Argv, ArgumentsCamelCase } from 'yargs';
import { DEFAULT_CALIBRATION_PARAMETERS, IDENTIFICATION_STEP, MAX_ROUNDS, MIN_HOLDOUT_CONFIGS, type CalibrationResult } from '../../calibration/calibrate.js';
import { calibrateProfile, readRealRuns, type CalibratedProfile } from '../../calibration/calibrate-profile.js';
import { checkProfileTarget } from '../../calibration/profile-file.js';
import { PROFILE_PARAMETER_NAMES, type ProfileParameterName } from '../../../sim/profile.js';
import { UserInputError } from '../../../src/errors.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { loadMeasurements } from '../../../src/calibration/measurements.js';
import { progressBar } from '../../../src/cli/progress.js';
import { formatNumber, formatTable } from '../../../src/cli/table.js';
import type { GlobalOptions } from '../../../src/cli/options.js';

export interface CalibrateCommandOptions extends GlobalOptions {
  eventlogs?: string;
  runs?: string;
  scenario: string;
  profile: string;
  holdout: number;
  parameters?: string;
  maxIterations: number;
  /** Scale each run's measured time by its CPU probe (runs.csv probeWallMs) to the median machine speed. */
  normaliseProbe?: boolean;
  /** Measurement document whose measured parameters replace the starting profile's. */
  measurements?: string;
}

export const calibrateCommand = {
  command: 'calibrate',
  describe: 'Fit a latency profile to real Spark runs and report predicted vs measured per-frame time',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .option('eventlogs', { type: 'string', describe: 'directory of Spark event logs of runs of the sspe job (spark.sspe.* properties)' })
      .option('runs', { type: 'string', describe: 'runs CSV written by sspe collect (one RealRun per row)' })
      .option('scenario', { type: 'string', default: 'scenarios/local-cluster.yaml', describe: 'scenario of the cluster the runs ran on; its profile is where the fit starts' })
      .option('profile', { type: 'string', demandOption: true, describe: 'where to write the fitted profile, e.g. models/profiles/local-machine.json' })
      .option('holdout', {
        type: 'number',
        default: 0.3,
        describe:
          `share of the distinct configurations (executor shape x workload shape x frame size) held out of the fit, with all their repeats, in [0, 1); ` +
          `a MAPE needs at least ${MIN_HOLDOUT_CONFIGS} held-out configurations; 0: fit on every run, no MAPE`,
      })
      .option('parameters', {
        type: 'string',
        describe: `profile parameters to fit, comma-separated (default: ${DEFAULT_CALIBRATION_PARAMETERS.join(',')})`,
      })
      .option('measurements', {
        type: 'string',
        describe:
          'measurement document of this machine (npm run measure:frames writes models/measurements/local-machine.json): its measured parameters replace ' +
          "the starting profile's and stay fixed; without it, the starting profile's measured parameters do",
      })
      .option('max-iterations', { type: 'number', default: 150, describe: `Nelder–Mead iterations per round (up to ${MAX_ROUNDS} rounds, each restarted from the best point so far)` })
      .option('normalise-probe', {
        type: 'boolean',
        default: false,
        describe: "scale each run's measured time by the CPU probe sspe collect ran before it, to the collection's median machine speed (corrects drift from other load)",
      })
      .example(
        '$0 calibrate --runs runs/calib/runs.csv --scenario scenarios/local-cluster.yaml --measurements models/measurements/local-machine.json --profile models/profiles/mine.json --json',
        "from the calibration set collect's example makes (32 configurations, twice each): per-frame CPU and the other measured parameters from npm run measure:frames, " +
          'task overhead, contention and task heap fitted, 30 % of the configurations held out whole, as JSON',
      )
      .example(
        '$0 calibrate --eventlogs runs/calib --holdout 0 --parameters taskOverheadMs,cpuContentionExponent --profile models/profiles/mine-from-logs.json',
        "from collect's own event logs (its --out folder, sub-folders included): two parameters on every run, no MAPE",
      ),
  handler: async (args: ArgumentsCamelCase<CalibrateCommandOptions>) => {
    await runCalibrate(args);
  },
};

/** The command without yargs: checks the flags, fits, writes the profile, prints the report. */
export async function runCalibrate(args: CalibrateCommandOptions): Promise<CalibrationResult> {
  if ((args.eventlogs === undefined) === (args.runs === undefined)) {
    throw new UserInputError(
      `expected exactly one of --eventlogs <dir> or --runs <csv>, got ${args.eventlogs === undefined ? 'neither' : 'both'}`,
    );
  }
  const holdout = args.holdout;
  if (typeof holdout !== 'number' || !(holdout >= 0 && holdout < 1)) {
    throw new UserInputError(`--holdout: expected a fraction in [0, 1), got ${String(holdout)}`);
  }
  if (!(Number.isInteger(args.maxIterations) && args.maxIterations >= 1)) {
    throw new UserInputError(`--max-iterations: expected a positive integer, got ${String(args.maxIterations)}`);
  }
  const parameters = args.parameters === undefined ? undefined : parseParameters(args.parameters);
  await checkProfileTarget(args.profile);
  const scenario = await loadScenario(args.scenario);
  const measurements = args.measurements === undefined ? undefined : { document: await loadMeasurements(args.measurements), path: args.measurements };

  const source = args.eventlogs !== undefined ? { eventlogs: args.eventlogs } : { runsCsv: args.runs! };
  const { runs, skippedLogs: skipped } = await readRealRuns(source);

  const seed = args.seed ?? scenario.seed;
  const total = MAX_ROUNDS * args.maxIterations;
  const bar = args.json ? null : progressBar('fitting', total, ' | train MAPE {mape} %');
  let fitted: CalibratedProfile;
  try {
    fitted = await calibrateProfile({
      runs,
      source,
      scenario,
      profilePath: args.profile,
      holdoutFraction: holdout,
      seed,
      parameters,
      measurements,
      normaliseByProbe: args.normaliseProbe ?? false,
      maxIterations: args.maxIterations,
      onIteration: (iteration, mapeTrainPct) => bar?.update(iteration + 1, { mape: formatNumber(mapeTrainPct) }),
    });
    // The fit stops early once a restart gains nothing: the bar ends full.
    bar?.update(total);
  } finally {
    bar?.stop();
  }
  const { result, profile } = fitted;
  const f = result.fidelity;
  if (args.json) {
    console.log(JSON.stringify(reportJson(result, { profilePath: args.profile, scenario: scenario.name, seed, skippedLogs: skipped }), null, 2));
    return { ...result, profile };
  }
  console.log(
    formatTable(
      ['run', 'split', 'cores x MB x inst', 'parts x frames', 'MP/frame', 'fps', 'measured ms', 'simulated ms', 'Ernest ms', 'error %'],
      f.perRun.map((r) => [
        r.runId,
        r.split,
        `${r.config.cores} x ${r.config.memoryMb} x ${r.config.instances}`,
        `${r.config.partitions} x ${r.config.framesPerPartition}`,
        r.config.megapixelsPerFrame.toFixed(4),
        r.config.fps,
        Math.round(r.measuredMs),
        Math.round(r.simulatedMs),
        Math.round(r.ernestMs),
        signedPct(r.errorPct),
      ]),
    ),
  );
  console.log('');
  console.log(`MAPE train:   simulator ${pct(f.mape_train)}, Ernest ${pct(f.mape_train_ernest)} (${plural(f.n_configs_train, 'configuration')}, ${plural(f.n_train, 'run')})`);
  if (f.n_configs_holdout > 0) {
    console.log(
      `MAPE held-out configurations: simulator ${pct(f.mape_holdout)}, Ernest ${pct(f.mape_holdout_ernest)} ` +
        `(${plural(f.n_configs_holdout, 'configuration')} never fitted, ${plural(f.n_holdout, 'run')})`,
    );
  } else {
    console.log('MAPE held-out configurations: not measured (--holdout 0)');
  }
  console.log(
    f.noise.pct === null
      ? 'noise floor: unknown (no configuration measured twice; collect with --repeat 2 or more)'
      : `noise floor: ${pct(f.noise.pct)} (median |run - its configuration's mean| / mean over ${plural(f.noise.repeatedConfigs, 'repeated configuration')}, ${plural(f.noise.repeatedRuns, 'run')}): ` +
          `no model can be expected to predict single runs closer than that`,
  );
  if (f.probe !== null) {
    console.log(
      `CPU probe: median ${formatNumber(f.probe.medianWallMs)} ms over ${plural(f.probe.runs, 'run')}, spread ${pct(f.probe.spreadPct)}, ` +
        `slowest/fastest ${formatNumber(f.probe.slowestToFastest)}, wall/CPU ${formatNumber(f.probe.medianWallToCpu)}` +
        (f.probe_normalised ? '; measured times normalised to the median probe' : ' (--normalise-probe corrects for it)'),
    );
  }
  const left = [
    f.n_failed > 0 ? `${plural(f.n_failed, 'failed run')} left out` : null,
    skipped > 0 ? `${plural(skipped, 'event log')} of other applications skipped` : null,
    result.megapixelsFromScenario.length > 0 ? `${plural(result.megapixelsFromScenario.length, 'run')} without a frame size given the scenario's` : null,
  ].filter((line) => line !== null);
  if (left.length > 0) console.log(`note: ${left.join('; ')}`);
  const step = `${Math.round(100 * IDENTIFICATION_STEP)} %`;
  console.log(
    formatTable(
      ['parameter', 'start', 'fitted', 'unit', `MAPE rise at ±${step}`, 'identified'],
      Object.entries(result.fit.parameters).map(([key, p]) => [
        key,
        formatNumber(p.start),
        formatNumber(p.fitted),
        p.unit,
        `+${formatNumber(p.sensitivityPct)}`,
        (p.identified ? 'yes' : 'no') + (p.atBound !== null ? ` (at its ${p.atBound} bound ${formatNumber(p.bounds[p.atBound === 'lower' ? 0 : 1])})` : ''),
      ]),
    ),
  );
  console.log(
    `identified: a ±${step} change of the parameter alone raises the training MAPE by at least ${formatNumber(result.fit.identificationThresholdPct)} ` +
      `percentage points (${f.noise.pct === null ? 'no noise floor, so 1 point' : 'the noise floor'}); the value of one that is not is whatever the fit drifted to, not a measurement`,
  );
  const kept = result.fit.measuredKept;
  console.log(
    kept.length === 0
      ? "measured parameters kept: none (the starting profile has no measured ones; --measurements takes them from npm run measure:frames' document)"
      : `measured parameters kept as measured, not fitted: ${kept.map((name) => `${name} ${formatNumber(profile.parameters[name])}`).join(', ')}`,
  );
  console.log(`profile written to ${args.profile}`);
  return { ...result, profile };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** An error in %, one decimal, with its sign: '+4.2', '-19.1'. */
function signedPct(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const rounded = Math.round(value * 10) / 10;
  return `${rounded > 0 ? '+' : rounded < 0 ? '-' : ''}${Math.abs(rounded).toFixed(1)}`;
}

function pct(value: number | null): string {
  return value === null || Number.isNaN(value) ? '-' : `${formatNumber(value)} %`;
}

function parseParameters(text: string): ProfileParameterName[] {
  const names = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (names.length === 0) throw new UserInputError('--parameters: expected profile parameter names separated by commas, got none');
  for (const name of names) {
    if (!(PROFILE_PARAMETER_NAMES as string[]).includes(name)) {
      throw new UserInputError(`--parameters: unknown parameter '${name}'; allowed: ${PROFILE_PARAMETER_NAMES.join(', ')}`);
    }
  }
  return names as ProfileParameterName[];
}

/** The report as scripts read it (snake_case, units in names). */
export function reportJson(
  result: CalibrationResult,
  context: { profilePath: string; scenario: string; seed: string | number; skippedLogs: number },
) {
  const f = result.fidelity;
  return {
    profile_path: context.profilePath,
    scenario: context.scenario,
    seed: context.seed,
    n_runs: f.n_runs,
    n_train: f.n_train,
    n_holdout: f.n_holdout,
    n_failed: f.n_failed,
    n_configs_train: f.n_configs_train,
    n_configs_holdout: f.n_configs_holdout,
    noise_floor_pct: f.noise.pct,
    noise_repeated_configs: f.noise.repeatedConfigs,
    probe: f.probe === null ? null : { runs: f.probe.runs, median_wall_ms: f.probe.medianWallMs, spread_pct: f.probe.spreadPct, slowest_to_fastest: f.probe.slowestToFastest, median_wall_to_cpu: f.probe.medianWallToCpu },
    probe_normalised: f.probe_normalised,
    skipped_logs: context.skippedLogs,
    mape_train: f.mape_train,
    mape_holdout: f.mape_holdout,
    mape_train_ernest: f.mape_train_ernest,
    mape_holdout_ernest: f.mape_holdout_ernest,
    parameters: result.profile.parameters,
    fitted: Object.fromEntries(
      Object.entries(result.fit.parameters).map(([key, p]) => [
        key,
        { start: p.start, fitted: p.fitted, unit: p.unit, bounds: p.bounds, at_bound: p.atBound, sensitivity_pct: p.sensitivityPct, identified: p.identified },
      ]),
    ),
    identification_threshold_pct: result.fit.identificationThresholdPct,
    measured_kept: Object.fromEntries(result.fit.measuredKept.map((name) => [name, result.profile.parameters[name]])),
    not_identified: Object.entries(result.fit.parameters).filter(([, p]) => !p.identified).map(([key]) => key),
    at_bound: Object.entries(result.fit.parameters).filter(([, p]) => p.atBound !== null).map(([key]) => key),
    iterations: result.fit.iterations,
    evaluations: result.fit.evaluations,
    ernest: { features: result.ernest.features, coefficients: result.ernest.coefficients },
    runs: f.perRun.map((r) => ({
      run_id: r.runId,
      split: r.split,
      cores: r.config.cores,
      memory_mb: r.config.memoryMb,
      instances: r.config.instances,
      partitions: r.config.partitions,
      frames_per_partition: r.config.framesPerPartition,
      fps: r.config.fps,
      megapixels_per_frame: r.config.megapixelsPerFrame,
      measured_ms: r.measuredMs,
      probe_factor: r.probeFactor,
      simulated_ms: r.simulatedMs,
      ernest_ms: r.ernestMs,
      error_pct: r.errorPct,
      ernest_error_pct: r.ernestErrorPct,
    })),
    failed: result.failed.map((r) => ({ run_id: r.runId, failure: r.failure })),
    megapixels_from_scenario: result.megapixelsFromScenario,
  };
}
