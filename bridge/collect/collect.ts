/**
 * A collection (`sspe collect`, whose flags and printing are
 * bridge/cli/commands/collect.ts): real runs of the video grayscale job over a
 * set of executor configurations, for calibration (`sspe calibrate --runs
 * <out>/runs.csv`).
 *
 * Durable and resumable: after EVERY run, <out>/runs.csv is rewritten
 * atomically and the trial goes to the run log, so a kill loses at most the
 * run in flight; run again with the same --out and the runs already there
 * (by run id: configuration, workload, repeat) are skipped. Repeats are
 * interleaved (every configuration once, then every one again…) so that a
 * drift in the machine spreads over all configurations instead of biasing one;
 * with --workloads and --frame-scales, "configuration" is every executor
 * shape × workload shape × frame size, all in one round-robin.
 *
 * Before each run a fixed CPU probe (bridge/calibration/cpu-probe.ts) times
 * this machine; runs.csv keeps it (probeWallMs, probeCpuMs), so drift from
 * other load is visible and `sspe calibrate --normalise-probe` can correct it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SparkConfig, Serializer } from '../../sim/config.js';
import type { TrialOutcome } from '../../src/backend/backend.js';
import { catchInterrupt } from '../../src/cli/interrupt.js';
import { checkFps, type GlobalOptions } from '../../src/cli/options.js';
import { progressBar } from '../../src/cli/progress.js';
import { UserInputError } from '../../src/errors.js';
import { makeDir } from '../../src/output-dir.js';
import { withCommandRun } from '../../src/runlog/command-run.js';
import { sloDefaults, sparkDefaults, type Scenario } from '../../src/scenario/schema.js';
import { RealBackend, masterSpec, submitRequestFor } from '../backend/real.js';
import { runCpuProbe, type CpuProbe } from '../calibration/cpu-probe.js';
import type { RealRun } from '../calibration/real-run.js';
import { readRunsCsv, writeRunsCsv } from '../calibration/runs-csv.js';
import { parseSlo } from '../safety/slo.js';
import { SparkLauncher, buildSubmitArgs, type SparkMaster, type SparkSubmitter } from '../spark/launcher.js';
import { parseMaster } from '../spark/parse-master.js';
import { trackedSpawn } from '../spark/process-group.js';
import { checkRunFlags } from '../spark/real-cluster-options.js';
import { parseConfigs, parseFrameScales, parseWorkloads, planRuns, shapeLabel, type ExecutorShape, type PlannedRun } from './plan.js';
import { ensureTestVideos, storeSources } from './test-videos.js';

/** The scenario schema's default SLO (slo.perFrameMs). */
export const DEFAULT_SLO_PER_FRAME_MS = sloDefaults().perFrameMs;

export interface CollectOptions extends GlobalOptions {
  master: string;
  configs: string;
  repeat: number;
  out: string;
  fps: number;
  batches: number;
  warmupBatches: number;
  partitions: number;
  framesPerPartition: number;
  /** partitions x framesPerPartition,… (e.g. 2x10,4x10): several workload shapes in one interleaved collection; overrides --partitions / --frames-per-partition. */
  workloads?: string;
  /** Test-video scales (make_test_videos.py --scale), e.g. 0.125,0.5: one store per frame size, interleaved; not with --input-dir. */
  frameScales?: string;
  serializer: string;
  timeout: string;
  inputDir?: string;
  outputDir?: string;
  namespace: string;
  image?: string;
  serviceAccount: string;
  driverHost?: string;
  pvc?: string[];
  conf?: string[];
  /** per_frame_ms=<ms>: what the run log's SLO-violation fractions count against; default per_frame_ms=500. */
  slo?: string;
  fastStart: boolean;
  keepOutput: boolean;
  runLog?: string;
}

// ------------------------------------------------------------------ flags

function positiveInteger(value: number, flag: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new UserInputError(`${flag}: expected a positive integer, got ${String(value)}`);
  return value;
}


function checkSerializer(value: string): Serializer {
  if (value === 'java' || value === 'kryo') return value;
  throw new UserInputError(`--serializer: expected java or kryo, got '${value}'`);
}

/** A full SparkConfig for the run log: the shape and workload given, the scenario schema's defaults for the rest. */
function sparkConfigFor(shape: ExecutorShape, partitions: number, framesPerPartition: number, serializer: Serializer): SparkConfig {
  const defaults = sparkDefaults();
  return {
    ...defaults,
    executorCores: shape.cores,
    executorMemoryMb: shape.memoryMb,
    executorInstances: shape.instances,
    partitions,
    framesPerPartition,
    serializer,
    dynamicAllocation: { ...defaults.dynamicAllocation, maxExecutors: shape.instances },
  };
}

// ------------------------------------------------------------------ run

export interface CollectDeps {
  /** Default: a SparkLauncher writing under <out>/spark-runs and <out>/eventlogs. */
  submitter?: SparkSubmitter;
  now?: () => Date;
  /** The machine-speed probe before each run; default runCpuProbe (about 150 ms). */
  cpuProbe?: () => CpuProbe;
}

export interface CollectedRun {
  run: RealRun;
  repeat: number;
  /** True when this invocation ran it, false when it was already in runs.csv. */
  ran: boolean;
}

export interface CollectSummary {
  out: string;
  runsCsv: string;
  master: string;
  /** Every planned run, in plan order. */
  runs: CollectedRun[];
  skipped: number;
  interrupted: boolean;
}

/** Runs the collection; the handler prints its summary. */
export async function runCollect(args: CollectOptions, deps: CollectDeps = {}): Promise<CollectSummary> {
  // Every flag is checked before anything runs.
  const master = parseMaster(args.master, args);
  const shapes = parseConfigs(args.configs, master);
  const repeat = positiveInteger(args.repeat, '--repeat');
  const fps = checkFps(args.fps)!;
  const { batches, warmupBatches, timeoutMs, extraConf } = checkRunFlags(args);
  const workloads =
    args.workloads !== undefined
      ? parseWorkloads(args.workloads)
      : [{ partitions: positiveInteger(args.partitions, '--partitions'), framesPerPartition: positiveInteger(args.framesPerPartition, '--frames-per-partition') }];
  if (args.frameScales !== undefined && args.inputDir !== undefined) {
    throw new UserInputError('--frame-scales: expected test videos made by collect (one store per scale), got --input-dir too; give one of them');
  }
  const frameScales: (number | null)[] = args.frameScales !== undefined ? parseFrameScales(args.frameScales) : [null];
  const serializer = checkSerializer(args.serializer);
  const slo = parseSlo(args.slo ?? `per_frame_ms=${DEFAULT_SLO_PER_FRAME_MS}`);
  if (master.kind === 'k8s') {
    const missing = args.inputDir === undefined ? '--input-dir' : args.outputDir === undefined ? '--output-dir' : null;
    if (missing !== null) throw new UserInputError(`${missing}: expected a path on the shared volume as the executors mount it (a k8s:// master needs one), got none`);
  }
  const out = resolve(args.out);
  const runsCsv = join(out, 'runs.csv');
  const storeFor = (scale: number | null) => resolve(args.inputDir ?? join(out, scale === null ? 'videos' : `videos-s${scale}`));
  const outputDir = resolve(args.outputDir ?? join(out, 'frames'));
  const probe = deps.cpuProbe ?? (() => runCpuProbe());

  const plan = planRuns({ shapes, workloads, frameScales, repeat, fps, batches });
  const configFor = (planned: PlannedRun) => sparkConfigFor(planned.shape, planned.workload.partitions, planned.workload.framesPerPartition, serializer);
  const backendOptionsFor = (scale: number | null) => ({
    master,
    job: { inputDir: storeFor(scale), outputDir, batches, warmupBatches, keepOutput: args.keepOutput },
    // The store's frame sizes: the runs' event logs then say how large their frames were (spark.sspe.megapixelsPerFrame).
    scenario: collectScenario(fps, slo.perFrameMs, storeSources(storeFor(scale))),
    timeoutMs,
    extraConf,
  });
  // The launcher's own checks (Spark settings it keeps to itself, …), up front instead of once per run.
  for (const planned of plan.slice(0, shapes.length * workloads.length)) {
    try {
      buildSubmitArgs(
        submitRequestFor({ config: configFor(planned), fps }, planned.runId, backendOptionsFor(planned.frameScale)),
        { pythonPath: 'python', jobScriptPath: 'job.py', eventLogDir: out, metricsPath: join(out, 'metrics.json'), appNamePrefix: 'sspe', executorWaitMs: 1000 },
      );
    } catch (error) {
      if (error instanceof UserInputError) throw new UserInputError(`--configs ${shapeLabel(planned.shape)}: ${error.message}`, { cause: error });
      throw error;
    }
  }

  makeDir(out, '--out');
  const existing = await runsAlreadyIn(runsCsv, master);
  const done = new Set(existing.map((run) => run.runId));
  const todo = plan.filter((planned) => !done.has(planned.runId));
  const runs: RealRun[] = [...existing];
  const ranNow = new Set<string>();
  let interrupted = false;

  if (todo.length > 0) {
    if (args.inputDir === undefined) {
      const framesNeeded = (warmupBatches + batches) * Math.max(...workloads.map((w) => w.partitions * w.framesPerPartition));
      for (const scale of frameScales) await ensureTestVideos(storeFor(scale), framesNeeded, scale);
    }
    const inFlight = trackedSpawn();
    const submitter =
      deps.submitter ??
      new SparkLauncher({ runsDir: join(out, 'spark-runs'), eventLogDir: join(out, 'eventlogs'), defaultTimeoutMs: timeoutMs, spawnFn: inFlight.spawnFn });
    // One backend per store (its input folder and frame sizes), made once the store exists.
    const backends = new Map(
      frameScales.map((scale) => [scale, new RealBackend({ ...backendOptionsFor(scale), submitter, ...(deps.now !== undefined ? { now: deps.now } : {}) })]),
    );
    // First signal: stop the run in flight (its process group) and keep every finished one.
    const interrupt = catchInterrupt('sspe collect: stopping; the run in flight is dropped, finished runs are kept (Ctrl-C again to exit now)', {
      signals: ['SIGINT', 'SIGTERM'],
      onFirst: inFlight.killInFlight,
    });
    const bar = progressBar('collect', todo.length, ' | {run}');
    let failures = 0;
    await withCommandRun(
      { runLog: args.runLog, meta: { command: 'collect', backend: 'real', seed: args.seed ?? null }, statusOf: () => (interrupted ? 'interrupted' : failures === todo.length ? 'failed' : 'ok') },
      async ({ log, runId: logRunId }) => {
        try {
          for (const [i, planned] of todo.entries()) {
            bar.update(i, { run: planned.runId });
            const request = { config: configFor(planned), fps };
            const backend = backends.get(planned.frameScale)!;
            // The machine's speed right before the run, stored with it.
            const cpuProbe = probe();
            const outcome: TrialOutcome = await backend.runTrialAs(request, planned.runId);
            if (interrupt.requested) break;
            const run: RealRun = { ...backend.lastRun!, cpuProbe };
            runs.push(run);
            ranNow.add(run.runId);
            if (outcome.failure !== null) failures += 1;
            await writeRunsCsv(runsCsv, runs);
            const workloadLabel = `${planned.workload.partitions}x${planned.workload.framesPerPartition}${planned.frameScale === null ? '' : ` s${planned.frameScale}`}`;
            log.logTrial(logRunId, { request, outcome, step: i, policy: `collect ${shapeLabel(planned.shape)} ${workloadLabel} r${planned.repeat}` });
            bar.update(i + 1, { run: planned.runId });
          }
          interrupted = interrupt.requested;
        } finally {
          bar.stop();
          interrupt.dispose();
          for (const backend of backends.values()) await backend.close();
        }
      },
    );
  }

  const byId = new Map(runs.map((run) => [run.runId, run]));
  const collected = plan.flatMap((planned) => {
    const run = byId.get(planned.runId);
    return run === undefined ? [] : [{ run, repeat: planned.repeat, ran: ranNow.has(run.runId) }];
  });
  return { out, runsCsv, master: masterSpec(master), runs: collected, skipped: plan.length - todo.length, interrupted };
}

/** Resume: the runs <out>/runs.csv already holds, all of them on this master. */
async function runsAlreadyIn(runsCsv: string, master: SparkMaster): Promise<RealRun[]> {
  const existing = existsSync(runsCsv) ? await readRunsCsv(runsCsv) : [];
  const wrongMaster = existing.find((run) => run.master !== masterSpec(master));
  if (wrongMaster !== undefined) {
    throw new UserInputError(`--out: ${runsCsv} holds runs on ${wrongMaster.master}, not ${masterSpec(master)}; pass another --out`);
  }
  return existing;
}

/** What the backend needs of a scenario: framesPerPartition is always a number here; the sources are the store's frame sizes. */
function collectScenario(fps: number, sloPerFrameMs: number, sources: Scenario['workload']['sources']): Pick<Scenario, 'workload' | 'slo'> {
  return {
    workload: {
      sources,
      trace: { kind: 'constant', fps },
      // The demonstrator submits each batch when the last one is done (without --realtime).
      arrival: 'stored',
      fpsLevels: [fps],
      minFramesPerPartition: 1,
      maxFramesPerPartition: 100_000,
    },
    slo: { perFrameMs: sloPerFrameMs },
  };
}

