/**
 * Fits a latency profile to real runs, and says how well it predicts runs it
 * was not fitted to.
 *
 * 1. Failed runs are left out (and counted); the rest are split by
 *    configuration (split.ts): a held-out configuration is held out with all
 *    its repeats, so the holdout MAPE is the error on configurations the fit
 *    never saw. Too few configurations to fit the parameters, or to hold out
 *    enough of them for a MAPE, is refused when asked (minTrainConfigs,
 *    minHoldoutConfigs), before any fitting.
 * 2. The free parameters move in log space (they stay positive, and a step
 *    is a ratio) by Nelder–Mead (src/calibration/nelder-mead.ts), restarted
 *    once from its best point. Each objective evaluation replays every
 *    training run's setting in the simulator (simulate-run.ts, with a fixed
 *    seed per run so the objective is a deterministic function of the
 *    parameters) and scores the mean absolute percentage error (MAPE) of the
 *    mean per-frame time.
 * 3. Ernest (ernest.ts) is fitted to the same training runs, as the baseline
 *    the simulator's predictions are compared with on the holdout.
 * 4. Beside the MAPE: the noise floor of the runs (noise.ts), and for each
 *    fitted parameter whether the data identified it: a parameter whose ±50 %
 *    change moves the training MAPE by less than the noise floor is not
 *    identified (its value is whatever the fit drifted to), and one that ends
 *    at a bound of its range (LOCAL_FIT_RANGES' plausible one, else the
 *    profile's declared one in sim/profile.ts) is reported as such.
 * 6. Parameters the fit does not move keep the starting profile's values and
 *    provenance; the fitted ones get theirs (source, range, bound reached).
 * 5. With normaliseByProbe, each run's measured time is scaled by its CPU
 *    probe (cpu-probe.ts) to the collection's median machine speed first.
 */
import { PROFILE_PARAMETERS, type LatencyProfile, type ParameterProvenance, type ProfileParameterName } from '../../sim/profile.js';
import { meanFrameMegapixels } from '../../sim/workload/batcher.js';
import { nelderMead } from '../../src/calibration/nelder-mead.js';
import type { FittedRange } from '../../src/calibration/paper-fit.js';
import { UserInputError } from '../../src/errors.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { ERNEST_FEATURES, fitErnest, predictErnest } from './ernest.js';
import type { RealRun } from './real-run.js';
import { simulateRealRun } from './simulate-run.js';
import { median, noiseFloor, probeSpread, type NoiseFloor, type ProbeSpread } from './noise.js';
import { settingKey, splitByConfiguration, type Split } from './split.js';

/**
 * What a calibration of this machine's profile moves by default, each inside
 * a physically plausible range: only what `npm run measure:frames` cannot
 * measure on the real job. Per-frame and per-task CPU, the job's fixed cost,
 * an executor's own CPU and the memory figures are measured
 * (models/measurements/local-machine.json) and stay as the starting profile
 * has them; `--measurements FILE` takes them from a fresh measurement.
 * Left free, per-frame CPU and an executor's background CPU trade off against
 * each other (both turn a run's time into a fixed cost per task) and a fit
 * ends on their bounds: 0.001 ms/MP and 4 vCPU, where 5.3 and 0.001 were
 * measured.
 */
export const LOCAL_FIT_RANGES: Partial<Record<ProfileParameterName, FittedRange>> = {
  taskOverheadMs: {
    min: 5,
    max: 300,
    why:
      'non-CPU latency per task on one machine: launch and result RPCs over loopback and the hand-off to the Python worker ' +
      '(87 ms wall measured per task, 48 ms of it CPU); a loaded machine stretches it, but not past a few hundred ms',
  },
  cpuContentionExponent: {
    min: 0.5,
    max: 2,
    why:
      'slowdown of oversubscribed cores: processor sharing gives 1 (n runnable threads on c cores each run at c/n); ' +
      'hyperthread and cache sharing make it worse than fair, threads that wait on I/O part of the time better, not better than 0.5',
  },
  taskMemoryBaseMb: {
    min: 5,
    max: 150,
    why: 'JVM heap a PySpark task holds (closure, iterator and result buffers, the pipe to the Python worker): MBs to tens of MBs, never more than an executor heap share',
  },
};

export const DEFAULT_CALIBRATION_PARAMETERS = Object.keys(LOCAL_FIT_RANGES) as readonly ProfileParameterName[];

/** Nelder–Mead rounds a fit runs at most (calibrate's `rounds`). */
export const MAX_ROUNDS = 4;

/** A MAPE over fewer held-out configurations is one or two configurations' error, not the model's. */
export const MIN_HOLDOUT_CONFIGS = 3;

/**
 * Distinct training configurations needed to fit `parameters` parameters:
 * one more than the parameters. From as many configurations as parameters
 * (or fewer) a fit can match every mean exactly and says nothing.
 */
export function minTrainConfigs(parameters: number): number {
  return parameters + 1;
}

/** Relative change of each parameter in the identification check (±50 %). */
export const IDENTIFICATION_STEP = 0.5;
/** The identification threshold when no configuration was measured twice (no noise floor), MAPE points. */
export const IDENTIFICATION_THRESHOLD_WITHOUT_REPEATS_PCT = 1;
/** The lowest value a parameter declared with min 0 is searched down to (the fit moves in log space). */
const LOG_SPACE_FLOOR = 1e-3;

export interface CalibrateOptions {
  runs: readonly RealRun[];
  /** The cluster the runs ran on (its nodes, storage node, starting Spark settings). */
  scenario: Scenario;
  /** Where the fit starts; parameters not fitted keep its values. */
  start: LatencyProfile;
  /** Share of the distinct configurations held out of the fit (with all their runs), in [0, 1); 0: fit on every run, no holdout. */
  holdoutFraction: number;
  seed: string | number;
  /** Refuse (UserInputError) to fit from fewer distinct training configurations; default: no check. `sspe calibrate` passes minTrainConfigs(parameters). */
  minTrainConfigs?: number;
  /** Refuse to run with a holdout of fewer configurations (holdoutFraction > 0); default: no check. `sspe calibrate` passes MIN_HOLDOUT_CONFIGS. */
  minHoldoutConfigs?: number;
  /** Scale each run's measured time by its CPU probe to the median machine speed; every usable run needs a probe. Default false. */
  normaliseByProbe?: boolean;
  /** Parameters to fit; default DEFAULT_CALIBRATION_PARAMETERS. */
  parameters?: readonly ProfileParameterName[];
  /** Nelder–Mead iterations per round; default 150. */
  maxIterations?: number;
  /** Nelder–Mead rounds at most, each restarted from the best point so far; default MAX_ROUNDS. Two or more rounds stop early once one gains less than 0.01 MAPE points. */
  rounds?: number;
  /** Batches simulated per replication of a run at most; default 20. */
  maxSimulatedBatches?: number;
  /**
   * Batches simulated per run at least, over replications (simulate-run.ts):
   * the simulator's prediction is its expected mean, as Ernest's is, not one
   * noisy draw; default 60.
   */
  minSimulatedBatches?: number;
  /** Name and description of the fitted profile; default the start's. */
  name?: string;
  description?: string;
  onIteration?: (iteration: number, mapeTrainPct: number) => void;
}

/** A run's setting, as the fidelity report shows it. */
export type RunConfig = Pick<RealRun, 'cores' | 'memoryMb' | 'instances' | 'partitions' | 'framesPerPartition' | 'fps' | 'megapixelsPerFrame'>;

export interface RunFidelity {
  runId: string;
  config: RunConfig;
  split: Split;
  /** Measured mean per-frame time, ms (scaled by probeFactor when normalised by the probe). */
  measuredMs: number;
  /** What measuredMs was multiplied by: median probe ÷ this run's probe; 1 without normalisation. */
  probeFactor: number;
  /** The fitted simulator's, ms (NaN when the simulated run processed no frame). */
  simulatedMs: number;
  /** Ernest's prediction, ms. */
  ernestMs: number;
  /** Signed error of the simulator, 100 × (simulated − measured) / measured. */
  errorPct: number;
  /** Signed error of Ernest, likewise. */
  ernestErrorPct: number;
}

export interface FidelityReport {
  perRun: RunFidelity[];
  /** MAPE of the fitted simulator on the training runs, %. */
  mape_train: number;
  /** On the runs of the held-out configurations, %; null when none was held out. */
  mape_holdout: number | null;
  mape_train_ernest: number;
  mape_holdout_ernest: number | null;
  /** Usable runs (failed ones left out). */
  n_runs: number;
  n_train: number;
  n_holdout: number;
  n_failed: number;
  /** Distinct configurations (settingKey) in training and held out. */
  n_configs_train: number;
  n_configs_holdout: number;
  /** The runs' own scatter (noise.ts): what a held-out MAPE compares with. */
  noise: NoiseFloor;
  /** The CPU probes' spread; null when no run has a probe. */
  probe: ProbeSpread | null;
  probe_normalised: boolean;
}

/** What the fit did with one parameter, and whether the data pinned it. */
export interface FittedParameter {
  start: number;
  fitted: number;
  unit: string;
  /** The range the fit searched (LOCAL_FIT_RANGES' plausible range, else the profile's declared one; a declared 0 is searched down to LOG_SPACE_FLOOR). */
  bounds: [number, number];
  /** 'lower' / 'upper' when the fit ended at that bound (within 0.1 %). */
  atBound: 'lower' | 'upper' | null;
  /** Rise of the training MAPE, in points, when the parameter alone moves ±50 % from its fitted value (the larger side). */
  sensitivityPct: number;
  /** sensitivityPct reaches the threshold (the noise floor, or IDENTIFICATION_THRESHOLD_WITHOUT_REPEATS_PCT without repeats). */
  identified: boolean;
}

export interface CalibrationResult {
  profile: LatencyProfile;
  fidelity: FidelityReport;
  ernest: { features: readonly string[]; coefficients: number[] };
  fit: {
    parameters: Record<string, FittedParameter>;
    /** MAPE points a parameter's ±50 % must move the training MAPE by to count as identified. */
    identificationThresholdPct: number;
    iterations: number;
    evaluations: number;
    /** MAPE of the starting profile on the training runs, %. */
    startMapeTrainPct: number;
    /** Parameters the starting profile has as measured that the fit left as they were. */
    measuredKept: ProfileParameterName[];
  };
  /** The runs left out because they failed. */
  failed: { runId: string; failure: string }[];
  /** Runs without a frame size (NaN megapixelsPerFrame), given the scenario sources' mean. */
  megapixelsFromScenario: string[];
}

/** Error of a simulated run that processed nothing: far worse than any finite miss, so the fit leaves that region. */
const NO_FRAMES_ERROR = 10;

export function calibrate(options: CalibrateOptions): CalibrationResult {
  const { scenario, start, holdoutFraction, seed } = options;
  if (!(Number.isFinite(holdoutFraction) && holdoutFraction >= 0 && holdoutFraction < 1)) {
    throw new UserInputError(`holdout: expected a fraction in [0, 1), got ${holdoutFraction}`);
  }
  if (options.runs.length === 0) throw new UserInputError('expected at least one real run to calibrate from, got none');
  const failed = options.runs.flatMap((run) => (isUsable(run) ? [] : [{ runId: run.runId, failure: run.failure ?? 'no per-frame measurement' }]));
  // A run that does not know its frame size (an empty CSV cell) is taken to have the scenario's sources.
  const scenarioMegapixels = meanFrameMegapixels(scenario.workload);
  const megapixelsFromScenario: string[] = [];
  const runs = options.runs.filter(isUsable).map((run) => {
    if (!Number.isNaN(run.megapixelsPerFrame)) return run;
    megapixelsFromScenario.push(run.runId);
    return { ...run, megapixelsPerFrame: scenarioMegapixels };
  });
  if (runs.length === 0) {
    throw new UserInputError(
      `expected at least one run without a failure, got ${failed.length} failed (first: ${failed[0].runId}: ${failed[0].failure})`,
    );
  }
  for (const run of runs) checkRun(run);
  const names = [...(options.parameters ?? DEFAULT_CALIBRATION_PARAMETERS)];
  if (names.length === 0) throw new UserInputError('expected at least one profile parameter to fit, got none');
  for (const name of names) {
    if (!(name in PROFILE_PARAMETERS)) {
      throw new UserInputError(`expected profile parameters to fit among ${Object.keys(PROFILE_PARAMETERS).join(', ')}, got '${name}'`);
    }
  }

  const { splits, trainConfigs, holdoutConfigs } = splitByConfiguration(runs, { holdoutFraction, seed });
  checkConfigurationCounts({ ...options, parameters: names.length, total: trainConfigs.length + holdoutConfigs.length, train: trainConfigs.length, holdout: holdoutConfigs.length });
  const train = runs.filter((_, i) => splits[i] === 'train');
  const probeFactor = probeFactors(runs, options.normaliseByProbe ?? false);
  const maxBatches = options.maxSimulatedBatches ?? 20;
  const minBatches = options.minSimulatedBatches ?? 60;
  // One seed per setting, not per run: repeats of a setting get the same prediction, as from Ernest.
  const simulate = (run: RealRun, profile: LatencyProfile) => simulateRealRun(scenario, run, profile, { maxBatches, minBatches, seed: `${seed}/${settingKey(run)}` });
  const measured = (run: RealRun) => run.perFrameMs!.mean * probeFactor(run);

  const bounds = names.map((name) => searchBounds(name));
  const withX = (x: number[]): LatencyProfile => {
    const parameters = { ...start.parameters };
    names.forEach((name, i) => {
      parameters[name] = Math.min(bounds[i][1], Math.max(bounds[i][0], Math.exp(x[i])));
    });
    return { ...start, parameters };
  };
  // Repeats of a setting replay the same simulation (same setting, same seed): each is simulated once per profile.
  const replayer = (profile: LatencyProfile) => {
    const simulated = new Map<string, number>();
    return (run: RealRun): number => {
      const key = `${settingKey(run)}/b${run.batches}`;
      if (!simulated.has(key)) simulated.set(key, simulate(run, profile));
      return simulated.get(key)!;
    };
  };
  let evaluations = 0;
  const trainMape = (profile: LatencyProfile, predict = replayer(profile)): number => {
    evaluations++;
    let sum = 0;
    for (const run of train) {
      const error = Math.abs(predict(run) - measured(run)) / measured(run);
      sum += Number.isFinite(error) ? error : NO_FRAMES_ERROR;
    }
    return sum / train.length;
  };

  const x0 = names.map((name, i) => Math.log(Math.min(bounds[i][1], Math.max(bounds[i][0], start.parameters[name]))));
  const startMape = trainMape(start);
  const maxIterations = options.maxIterations ?? 150;
  const round = (from: number[], offset: number) =>
    nelderMead((x) => trainMape(withX(x)), from, {
      steps: names.map(() => 0.5),
      maxIterations,
      tolerance: 1e-6,
      onIteration: (iteration, _best, value) => options.onIteration?.(offset + iteration, 100 * value),
    });
  // A restart from the best point rebuilds a simplex that may have collapsed along a ridge; restarts go on (up to
  // MAX_ROUNDS) while one still lowers the training MAPE by more than a hundredth of a point.
  let best = round(x0, 0);
  let iterations = best.iterations;
  for (let r = 1; r < (options.rounds ?? MAX_ROUNDS); r++) {
    const next = round(best.x, iterations);
    iterations += next.iterations;
    const gain = best.value - next.value;
    if (next.value <= best.value) best = next;
    if (gain < 1e-4) break;
  }
  const fitted = withX(best.x);
  const profile: LatencyProfile = {
    name: options.name ?? start.name,
    description: options.description ?? start.description,
    parameters: fitted.parameters,
  };
  const fittedNames = new Set<ProfileParameterName>(names);
  const measuredKept = (Object.entries(start.provenance ?? {}) as [ProfileParameterName, ParameterProvenance][])
    .filter(([name, p]) => p.source === 'measured' && !fittedNames.has(name))
    .map(([name]) => name);

  const noise = noiseFloor(runs, measured);
  const threshold = noise.pct ?? IDENTIFICATION_THRESHOLD_WITHOUT_REPEATS_PCT;
  const predictFitted = replayer(profile);
  const bestMapePct = 100 * trainMape(profile, predictFitted);
  const parameters: Record<string, FittedParameter> = {};
  names.forEach((name, i) => {
    const value = profile.parameters[name];
    // The objective around the optimum, one parameter at a time: flat means the runs do not see it.
    const moved = [1 + IDENTIFICATION_STEP, 1 - IDENTIFICATION_STEP].map((factor) => {
      const changed = Math.min(bounds[i][1], Math.max(bounds[i][0], value * factor));
      return 100 * trainMape({ ...profile, parameters: { ...profile.parameters, [name]: changed } });
    });
    const sensitivityPct = Math.max(...moved) - bestMapePct;
    const [lo, hi] = bounds[i];
    parameters[name] = {
      start: start.parameters[name],
      fitted: value,
      unit: PROFILE_PARAMETERS[name].unit,
      bounds: [lo, hi],
      atBound: value <= lo * 1.001 ? 'lower' : value >= hi / 1.001 ? 'upper' : null,
      sensitivityPct,
      identified: sensitivityPct >= threshold,
    };
  });

  profile.provenance = { ...(start.provenance ?? {}) };
  for (const name of names) {
    const p = parameters[name];
    const why = LOCAL_FIT_RANGES[name]?.why ?? "the profile's declared range (sim/profile.ts)";
    profile.provenance[name] = {
      source: 'fitted',
      note: `fitted by sspe calibrate to ${train.length} real runs (${trainConfigs.length} configurations)${p.identified ? '' : '; not identified by them'}; plausible range: ${why}`,
      range: p.bounds,
      ...(p.atBound === null ? {} : { atBound: p.atBound === 'lower' ? 'min' : 'max' }),
    };
  }

  const ernest = fitErnest(train, train.map(measured));
  const perRun: RunFidelity[] = runs.map((run, i) => {
    const measuredMs = measured(run);
    const simulatedMs = predictFitted(run);
    const ernestMs = predictErnest(ernest, run);
    return {
      runId: run.runId,
      config: {
        cores: run.cores,
        memoryMb: run.memoryMb,
        instances: run.instances,
        partitions: run.partitions,
        framesPerPartition: run.framesPerPartition,
        fps: run.fps,
        megapixelsPerFrame: run.megapixelsPerFrame,
      },
      split: splits[i],
      measuredMs,
      probeFactor: probeFactor(run),
      simulatedMs,
      ernestMs,
      errorPct: (100 * (simulatedMs - measuredMs)) / measuredMs,
      ernestErrorPct: (100 * (ernestMs - measuredMs)) / measuredMs,
    };
  });
  const of = (split: Split) => perRun.filter((r) => r.split === split);
  const n_holdout = of('holdout').length;
  return {
    profile,
    fidelity: {
      perRun,
      mape_train: mape(of('train'), 'errorPct'),
      mape_holdout: n_holdout > 0 ? mape(of('holdout'), 'errorPct') : null,
      mape_train_ernest: mape(of('train'), 'ernestErrorPct'),
      mape_holdout_ernest: n_holdout > 0 ? mape(of('holdout'), 'ernestErrorPct') : null,
      n_runs: runs.length,
      n_train: train.length,
      n_holdout,
      n_failed: failed.length,
      n_configs_train: trainConfigs.length,
      n_configs_holdout: holdoutConfigs.length,
      noise,
      probe: probeSpread(runs),
      probe_normalised: options.normaliseByProbe ?? false,
    },
    ernest: { features: ERNEST_FEATURES, coefficients: ernest.coefficients },
    fit: {
      parameters,
      identificationThresholdPct: threshold,
      iterations,
      evaluations,
      startMapeTrainPct: 100 * startMape,
      measuredKept,
    },
    failed,
    megapixelsFromScenario,
  };
}

/** The range the fit searches for a parameter: its plausible range in LOCAL_FIT_RANGES, else the profile's declared one, with a declared 0 raised to LOG_SPACE_FLOOR (the search is in log space). */
function searchBounds(name: ProfileParameterName): [number, number] {
  const spec = LOCAL_FIT_RANGES[name] ?? PROFILE_PARAMETERS[name];
  return [Math.max(spec.min, LOG_SPACE_FLOOR), spec.max];
}

/** The refusals a caller asked for, each one line: how many configurations there are and how many are needed. */
function checkConfigurationCounts(c: { parameters: number; total: number; train: number; holdout: number; holdoutFraction: number; minTrainConfigs?: number; minHoldoutConfigs?: number }): void {
  const minTrain = c.minTrainConfigs ?? 0;
  const minHoldout = c.minHoldoutConfigs ?? 0;
  const plural = (n: number) => `${n} distinct configuration${n === 1 ? '' : 's'}`;
  if (c.total < minTrain) {
    throw new UserInputError(
      `expected at least ${minTrain} distinct configurations (executor shape x workload shape x frame size) to fit ${c.parameters} parameters, got ${c.total}: ` +
        'collect more configurations or fit fewer parameters',
    );
  }
  if (c.holdoutFraction > 0 && c.holdout < minHoldout) {
    throw new UserInputError(
      `expected at least ${minHoldout} held-out configurations to report a MAPE, got ${c.holdout} of ${plural(c.total)} (holdout ${c.holdoutFraction}): ` +
        'collect more configurations, raise the holdout share, or fit without a holdout (0)',
    );
  }
  if (c.train < minTrain) {
    throw new UserInputError(
      `expected at least ${minTrain} training configurations to fit ${c.parameters} parameters, got ${c.train} of ${plural(c.total)} after holding out ${c.holdout}: ` +
        'collect more configurations or lower the holdout share',
    );
  }
}

/** Each run's factor to the median machine speed (median probe wall ÷ its probe wall), or 1 for every run. */
function probeFactors(runs: readonly RealRun[], normalise: boolean): (run: RealRun) => number {
  if (!normalise) return () => 1;
  const missing = runs.find((run) => !run.cpuProbe || !(run.cpuProbe.wallMs > 0));
  if (missing !== undefined) {
    throw new UserInputError(`run ${missing.runId}: probeWallMs: expected a CPU probe to normalise by (runs collected by sspe collect record one), got none`);
  }
  const reference = median(runs.map((run) => run.cpuProbe!.wallMs));
  return (run) => reference / run.cpuProbe!.wallMs;
}

/** Mean absolute percentage error, %; a run the simulator could not process counts as NO_FRAMES_ERROR. */
function mape(rows: readonly RunFidelity[], key: 'errorPct' | 'ernestErrorPct'): number {
  if (rows.length === 0) return NaN;
  return rows.reduce((sum, row) => sum + (Number.isFinite(row[key]) ? Math.abs(row[key]) : 100 * NO_FRAMES_ERROR), 0) / rows.length;
}

function isUsable(run: RealRun): boolean {
  return run.failure === null && run.perFrameMs !== null;
}

/** A usable run must describe a setting the simulator can replay. */
function checkRun(run: RealRun): void {
  const positiveIntegers: (keyof RealRun)[] = ['cores', 'memoryMb', 'instances', 'partitions', 'framesPerPartition', 'batches'];
  for (const key of positiveIntegers) {
    const value = run[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new UserInputError(`run ${run.runId}: ${key}: expected a positive integer, got ${JSON.stringify(value)}`);
    }
  }
  for (const key of ['fps', 'megapixelsPerFrame'] as const) {
    if (!(Number.isFinite(run[key]) && run[key] > 0)) {
      throw new UserInputError(`run ${run.runId}: ${key}: expected a positive number, got ${String(run[key])}`);
    }
  }
  const mean = run.perFrameMs!.mean;
  if (!(Number.isFinite(mean) && mean > 0)) {
    throw new UserInputError(`run ${run.runId}: perFrameMs.mean: expected a positive number of ms, got ${String(mean)}`);
  }
}
