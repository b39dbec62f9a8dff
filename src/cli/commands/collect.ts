/**
 * `sspe collect`: real runs of the video grayscale job over a set of executor
 * configurations, for calibration (`sspe calibrate --runs <out>/runs.csv`).
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
import { makeDir } from '../../output-dir.js';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { SparkConfig, Serializer } from '../../../sim/config.js';
import { RealBackend, masterSpec, submitRequestFor } from '../../../bridge/backend/real.js';
import { runCpuProbe, type CpuProbe } from '../../../bridge/calibration/cpu-probe.js';
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import { readRunsCsv, writeRunsCsv } from '../../../bridge/calibration/runs-csv.js';
import { parseSlo } from '../../../bridge/safety/slo.js';
import { FAST_START_DESCRIPTION } from '../../../bridge/spark/fast-start.js';
import { SparkLauncher, buildSubmitArgs, type PvcVolume, type SparkMaster, type SparkSubmitter, type SpawnFn } from '../../../bridge/spark/launcher.js';
import type { TrialOutcome } from '../../backend/backend.js';
import { UserInputError } from '../../errors.js';
import { runLogOption, runLogPath } from '../../runlog/location.js';
import { RunLog } from '../../runlog/run-log.js';
import type { Scenario } from '../../scenario/schema.js';
import { parseDurationMs } from '../duration.js';
import { checkFps, type GlobalOptions } from '../options.js';
import { catchInterrupt } from '../interrupt.js';
import { progressBar } from '../progress.js';
import { sparkConfFrom } from '../spark-conf.js';
import { formatTable } from '../table.js';
import { repoRoot } from '../../paths.js';

/** The default grid, before dropping what does not fit a local cluster. */
export const GRID = { cores: [1, 2], memoryMb: [512, 1024], instances: [1, 2] } as const;
/** Frame rate of the generated test-video chunks; the load (--fps) is independent of it. */
const TEST_VIDEO_FPS = 10;
/** The scenario schema's default SLO (slo.perFrameMs). */
const DEFAULT_SLO_PER_FRAME_MS = 500;
/** Sources make_test_videos.py writes (camera, cctv, drone). */
const TEST_VIDEO_SOURCES = 3;

export interface ExecutorShape {
  cores: number;
  memoryMb: number;
  instances: number;
}

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

function nonNegativeInteger(value: number, flag: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new UserInputError(`${flag}: expected an integer >= 0, got ${String(value)}`);
  return value;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `name:claimName:mountPath[:ro]`. */
export function parsePvc(text: string): PvcVolume {
  const match = /^([^:]+):([^:]+):(\/[^:]*)(:ro)?$/.exec(text);
  if (match === null) throw new UserInputError(`--pvc: expected name:claim:/mount/path (optionally :ro), got '${text}'`);
  if (!DNS_LABEL.test(match[1])) throw new UserInputError(`--pvc: expected a volume name that is a DNS label (a-z, 0-9, -), got '${match[1]}'`);
  return { name: match[1], claimName: match[2], mountPath: match[3], readOnly: match[4] !== undefined };
}

type K8sFlags = Pick<CollectOptions, 'namespace' | 'image' | 'serviceAccount' | 'driverHost' | 'pvc'>;

/** Parses --master (with the k8s flags for a k8s:// master); every problem names its flag. */
export function parseMaster(text: string, flags: K8sFlags): SparkMaster {
  const k8sOnly = (['image', 'driverHost', 'pvc'] as const).filter((key) => flags[key] !== undefined);
  const local = /^local-cluster\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]$/.exec(text);
  let master: SparkMaster;
  if (local !== null) {
    const [workers, coresPerWorker, memoryPerWorkerMb] = local.slice(1).map(Number);
    if (workers < 1 || coresPerWorker < 1 || memoryPerWorkerMb < 1) {
      throw new UserInputError(`--master: expected local-cluster[workers,coresPerWorker,memoryPerWorkerMb] of positive integers, got '${text}'`);
    }
    master = { kind: 'local-cluster', workers, coresPerWorker, memoryPerWorkerMb };
  } else if (/^spark:\/\/[^/\s,:]+:\d+(,[^/\s,:]+:\d+)*$/.test(text)) {
    master = { kind: 'standalone', url: text };
  } else if (/^k8s:\/\/https?:\/\/[^/\s]+/.test(text)) {
    if (!DNS_LABEL.test(flags.namespace)) throw new UserInputError(`--namespace: expected a Kubernetes namespace (a DNS label), got '${flags.namespace}'`);
    if (flags.image === undefined || flags.image.trim() === '') throw new UserInputError('--image: expected the executor container image (a k8s:// master needs one), got none');
    if (flags.serviceAccount.trim() === '') throw new UserInputError('--service-account: expected a service account name, got an empty one');
    if (flags.driverHost === undefined || flags.driverHost.trim() === '') {
      throw new UserInputError('--driver-host: expected the address at which executor pods reach this machine (a k8s:// master needs one), got none');
    }
    const volumes = (flags.pvc ?? []).map(parsePvc);
    if (volumes.length === 0) throw new UserInputError('--pvc: expected at least one name:claim:/mount/path (the shared video store), got none');
    const names = volumes.map((v) => v.name);
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) throw new UserInputError(`--pvc: expected distinct volume names, got '${twice}' twice`);
    return {
      kind: 'k8s',
      apiServerUrl: text,
      namespace: flags.namespace,
      containerImage: flags.image,
      serviceAccount: flags.serviceAccount,
      driverHost: flags.driverHost,
      executorVolumes: volumes,
    };
  } else {
    throw new UserInputError(`--master: expected local-cluster[N,C,M], spark://host:port or k8s://https://host:port, got '${text}'`);
  }
  if (k8sOnly.length > 0) {
    const flag = { image: '--image', driverHost: '--driver-host', pvc: '--pvc' }[k8sOnly[0]];
    throw new UserInputError(`${flag}: only for a k8s:// --master, got --master ${text}`);
  }
  return master;
}

/** How many executors of this shape a local cluster can launch (a worker launches only executors that fit it whole). */
export function localClusterCapacity(master: Extract<SparkMaster, { kind: 'local-cluster' }>, cores: number, memoryMb: number): number {
  if (cores > master.coresPerWorker || memoryMb > master.memoryPerWorkerMb) return 0;
  return master.workers * Math.min(Math.floor(master.coresPerWorker / cores), Math.floor(master.memoryPerWorkerMb / memoryMb));
}

function fits(master: SparkMaster, shape: ExecutorShape): boolean {
  return master.kind !== 'local-cluster' || shape.instances <= localClusterCapacity(master, shape.cores, shape.memoryMb);
}

const shapeLabel = (s: ExecutorShape) => `${s.cores}/${s.memoryMb}/${s.instances}`;

/** Parses --configs: 'grid' (GRID, less what does not fit a local cluster) or 'cores/memoryMb/instances,…'. */
export function parseConfigs(text: string, master: SparkMaster): ExecutorShape[] {
  if (text.trim() === 'grid') {
    const grid: ExecutorShape[] = [];
    for (const cores of GRID.cores) for (const memoryMb of GRID.memoryMb) for (const instances of GRID.instances) grid.push({ cores, memoryMb, instances });
    const fitting = grid.filter((shape) => fits(master, shape));
    if (fitting.length === 0) throw new UserInputError(`--configs: no configuration of the grid fits ${masterSpec(master)}; give a list such as 1/512/1`);
    return fitting;
  }
  const shapes: ExecutorShape[] = [];
  for (const item of text.split(',')) {
    const match = /^\s*(\d+)\/(\d+)\/(\d+)\s*$/.exec(item);
    const [cores, memoryMb, instances] = match === null ? [0, 0, 0] : match.slice(1).map(Number);
    if (match === null || cores < 1 || memoryMb < 1 || instances < 1) {
      throw new UserInputError(`--configs: expected 'grid' or a list of cores/memoryMb/instances such as 1/512/1,2/1024/2, got '${item.trim()}'`);
    }
    const shape = { cores, memoryMb, instances };
    if (shapes.some((s) => shapeLabel(s) === shapeLabel(shape))) throw new UserInputError(`--configs: expected distinct configurations, got ${shapeLabel(shape)} twice`);
    if (master.kind === 'local-cluster' && !fits(master, shape)) {
      const capacity = localClusterCapacity(master, cores, memoryMb);
      throw new UserInputError(
        `--configs: ${shapeLabel(shape)} does not fit ${masterSpec(master)} (at most ${capacity} executors of ${cores} cores and ${memoryMb} MB)`,
      );
    }
    shapes.push(shape);
  }
  return shapes;
}

function checkSerializer(value: string): Serializer {
  if (value === 'java' || value === 'kryo') return value;
  throw new UserInputError(`--serializer: expected java or kryo, got '${value}'`);
}

export interface WorkloadShape {
  partitions: number;
  framesPerPartition: number;
}

/** Parses --workloads: 'PxF,…' (partitions x frames per partition), distinct. */
export function parseWorkloads(text: string): WorkloadShape[] {
  const shapes: WorkloadShape[] = [];
  for (const item of text.split(',')) {
    const match = /^\s*(\d+)\s*x\s*(\d+)\s*$/.exec(item);
    const [partitions, framesPerPartition] = match === null ? [0, 0] : match.slice(1).map(Number);
    if (match === null || partitions < 1 || framesPerPartition < 1) {
      throw new UserInputError(`--workloads: expected partitions x frames per partition such as 2x10,4x10, got '${item.trim()}'`);
    }
    if (shapes.some((w) => w.partitions === partitions && w.framesPerPartition === framesPerPartition)) {
      throw new UserInputError(`--workloads: expected distinct workloads, got ${partitions}x${framesPerPartition} twice`);
    }
    shapes.push({ partitions, framesPerPartition });
  }
  return shapes;
}

/** Parses --frame-scales: distinct numbers in (0, 1], as make_test_videos.py --scale takes them. */
export function parseFrameScales(text: string): number[] {
  const scales: number[] = [];
  for (const item of text.split(',')) {
    const value = Number(item.trim());
    if (item.trim() === '' || !(value > 0 && value <= 1)) throw new UserInputError(`--frame-scales: expected scales in (0, 1] such as 0.125,0.5, got '${item.trim()}'`);
    if (scales.includes(value)) throw new UserInputError(`--frame-scales: expected distinct scales, got ${value} twice`);
    scales.push(value);
  }
  return scales;
}

// ------------------------------------------------------------------ plan

export interface PlannedRun {
  runId: string;
  shape: ExecutorShape;
  workload: WorkloadShape;
  /** The test-video scale of its store; null: the one store (--input-dir, or the default test videos). */
  frameScale: number | null;
  repeat: number;
}

/** Names a run by everything that defines it, so a resumed collection recognises it. */
export function runIdFor(
  shape: ExecutorShape,
  workload: { partitions: number; framesPerPartition: number; fps: number; batches: number; frameScale?: number | null },
  repeat: number,
): string {
  const scale = workload.frameScale === undefined || workload.frameScale === null ? '' : `-s${workload.frameScale}`;
  return `c${shape.cores}-m${shape.memoryMb}-i${shape.instances}-p${workload.partitions}x${workload.framesPerPartition}-${workload.fps}fps-b${workload.batches}${scale}-r${repeat}`;
}

/**
 * Every run, repeats interleaved: round r runs every frame scale × workload ×
 * executor shape once before round r + 1 starts, so a drift of the machine
 * over the collection spreads over every configuration.
 */
export function planRuns(options: { shapes: readonly ExecutorShape[]; workloads: readonly WorkloadShape[]; frameScales: readonly (number | null)[]; repeat: number; fps: number; batches: number }): PlannedRun[] {
  const plan: PlannedRun[] = [];
  for (let repeat = 1; repeat <= options.repeat; repeat++) {
    for (const frameScale of options.frameScales) {
      for (const workload of options.workloads) {
        for (const shape of options.shapes) {
          plan.push({ runId: runIdFor(shape, { ...workload, fps: options.fps, batches: options.batches, frameScale }, repeat), shape, workload, frameScale, repeat });
        }
      }
    }
  }
  return plan;
}

/** A full SparkConfig for the run log: the shape and workload given, Spark's defaults for the rest. */
function sparkConfigFor(shape: ExecutorShape, partitions: number, framesPerPartition: number, serializer: Serializer): SparkConfig {
  return {
    executorCores: shape.cores,
    executorMemoryMb: shape.memoryMb,
    executorInstances: shape.instances,
    partitions,
    framesPerPartition,
    batchIntervalMs: 0,
    memoryFraction: 0.6,
    concurrentJobs: 1,
    taskMaxFailures: 4,
    serializer,
    cpuRequestRatio: 1,
    cpuLimitRatio: 0,
    dynamicAllocation: {
      enabled: false,
      minExecutors: 1,
      maxExecutors: shape.instances,
      schedulerBacklogTimeoutMs: 1000,
      sustainedBacklogTimeoutMs: 1000,
      executorIdleTimeoutMs: 60_000,
    },
  };
}

// ------------------------------------------------------------------ test videos


function framesInStore(dir: string): number {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { chunks?: { frames?: number }[] };
    return (manifest.chunks ?? []).reduce((sum, chunk) => sum + (chunk.frames ?? 0), 0);
  } catch {
    return 0;
  }
}

/** The store's chunks as sources of its frame sizes, weighted by frames (manifest.json); none without a manifest. */
export function storeSources(dir: string): Scenario['workload']['sources'] {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { chunks?: { file?: string; widthPx?: number; heightPx?: number; frames?: number }[] };
    return (manifest.chunks ?? []).flatMap((chunk, i) =>
      typeof chunk.widthPx === 'number' && typeof chunk.heightPx === 'number' && typeof chunk.frames === 'number' && chunk.frames > 0
        ? [{ name: chunk.file ?? `chunk-${i}`, kind: 'camera' as const, weight: chunk.frames, widthPx: chunk.widthPx, heightPx: chunk.heightPx }]
        : [],
    );
  } catch {
    return [];
  }
}

/**
 * Generated test videos holding at least `frames` frames (bridge/jobs/make_test_videos.py), reused when already there.
 * With a scale, one source (the camera) at that scale: every frame of the store has the same size.
 */
async function ensureTestVideos(dir: string, frames: number, scale: number | null): Promise<void> {
  if (framesInStore(dir) >= frames) return;
  const python = join(repoRoot(), '.venv', 'bin', 'python');
  const sources = scale === null ? TEST_VIDEO_SOURCES : 1;
  const chunks = Math.ceil(frames / (sources * TEST_VIDEO_FPS));
  const script = join(repoRoot(), 'bridge', 'jobs', 'make_test_videos.py');
  const scaleArgs = scale === null ? [] : ['--scale', String(scale), '--sources', 'camera'];
  try {
    await promisify(execFile)(python, [script, '--output-dir', dir, '--fps', String(TEST_VIDEO_FPS), '--seconds', '1', '--chunks', String(chunks), ...scaleArgs]);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').pop() ?? (error as Error).message;
    throw new UserInputError(`expected to make test videos in ${dir} with ${python} (run scripts/setup-python.sh, or pass --input-dir), could not: ${detail}`, { cause: error });
  }
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
  const batches = positiveInteger(args.batches, '--batches');
  const warmupBatches = nonNegativeInteger(args.warmupBatches, '--warmup-batches');
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
  const timeoutMs = parseDurationMs(args.timeout, '--timeout');
  if (master.kind === 'k8s') {
    const missing = args.inputDir === undefined ? '--input-dir' : args.outputDir === undefined ? '--output-dir' : null;
    if (missing !== null) throw new UserInputError(`${missing}: expected a path on the shared volume as the executors mount it (a k8s:// master needs one), got none`);
  }
  const out = resolve(args.out);
  const runsCsv = join(out, 'runs.csv');
  const storeFor = (scale: number | null) => resolve(args.inputDir ?? join(out, scale === null ? 'videos' : `videos-s${scale}`));
  const outputDir = resolve(args.outputDir ?? join(out, 'frames'));
  const extraConf = sparkConfFrom(args);
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
  const existing = existsSync(runsCsv) ? await readRunsCsv(runsCsv) : [];
  const wrongMaster = existing.find((run) => run.master !== masterSpec(master));
  if (wrongMaster !== undefined) {
    throw new UserInputError(`--out: ${runsCsv} holds runs on ${wrongMaster.master}, not ${masterSpec(master)}; pass another --out`);
  }
  const done = new Map(existing.map((run) => [run.runId, run]));
  const todo = plan.filter((planned) => !done.has(planned.runId));
  const runs: RealRun[] = [...existing];
  const ranNow = new Set<string>();
  let interrupted = false;

  if (todo.length > 0) {
    if (args.inputDir === undefined) {
      const framesNeeded = (warmupBatches + batches) * Math.max(...workloads.map((w) => w.partitions * w.framesPerPartition));
      for (const scale of frameScales) await ensureTestVideos(storeFor(scale), framesNeeded, scale);
    }
    let child: ChildProcess | null = null;
    const tracking: SpawnFn = (command, argv, options) => {
      const spawned = spawn(command, argv, options);
      child = spawned;
      spawned.once('exit', () => (child = null));
      return spawned;
    };
    const submitter =
      deps.submitter ??
      new SparkLauncher({ runsDir: join(out, 'spark-runs'), eventLogDir: join(out, 'eventlogs'), defaultTimeoutMs: timeoutMs, spawnFn: tracking });
    // One backend per store (its input folder and frame sizes), made once the store exists.
    const backends = new Map(
      frameScales.map((scale) => [scale, new RealBackend({ ...backendOptionsFor(scale), submitter, ...(deps.now !== undefined ? { now: deps.now } : {}) })]),
    );
    // First signal: stop the run in flight (its process group) and keep every finished one.
    const interrupt = catchInterrupt('sspe collect: stopping; the run in flight is dropped, finished runs are kept (Ctrl-C again to exit now)', {
      signals: ['SIGINT', 'SIGTERM'],
      onFirst: () => {
        const pid = child?.pid;
        if (pid === undefined) return;
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          // The group is already gone.
        }
      },
    });
    const log = RunLog.open(args.runLog ?? runLogPath());
    const logRunId = log.startRun({ command: 'collect', backend: 'real', seed: args.seed ?? null });
    const bar = progressBar('collect', todo.length, ' | {run}');
    let failures = 0;
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
      log.endRun(logRunId, interrupted ? 'interrupted' : failures === todo.length ? 'failed' : 'ok');
    } catch (error) {
      log.endRun(logRunId, 'failed');
      throw error;
    } finally {
      bar.stop();
      interrupt.dispose();
      log.close();
      for (const backend of backends.values()) await backend.close();
    }
  }

  const byId = new Map(runs.map((run) => [run.runId, run]));
  const collected = plan.flatMap((planned) => {
    const run = byId.get(planned.runId);
    return run === undefined ? [] : [{ run, repeat: planned.repeat, ran: ranNow.has(run.runId) }];
  });
  return { out, runsCsv, master: masterSpec(master), runs: collected, skipped: plan.length - todo.length, interrupted };
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

// ------------------------------------------------------------------ output

function summaryJson(summary: CollectSummary) {
  return {
    out: summary.out,
    runs_csv: summary.runsCsv,
    master: summary.master,
    skipped: summary.skipped,
    interrupted: summary.interrupted,
    runs: summary.runs.map(({ run, repeat, ran }) => ({
      run_id: run.runId,
      cores: run.cores,
      memory_mb: run.memoryMb,
      instances: run.instances,
      partitions: run.partitions,
      frames_per_partition: run.framesPerPartition,
      fps: run.fps,
      repeat,
      ran,
      batches: run.batches,
      megapixels_per_frame: Number.isNaN(run.megapixelsPerFrame) ? null : run.megapixelsPerFrame,
      per_frame_ms: run.perFrameMs,
      executors_running: run.executorsRunning,
      wall_s: run.wallMs / 1000,
      event_log: run.eventLogPath,
      failure: run.failure,
      probe_wall_ms: run.cpuProbe?.wallMs ?? null,
      probe_cpu_ms: run.cpuProbe?.cpuMs ?? null,
    })),
  };
}

function printTable(summary: CollectSummary): void {
  const rows = summary.runs.map(({ run, repeat, ran }) => [
    `${run.cores}/${run.memoryMb}/${run.instances}`,
    `${run.partitions}x${run.framesPerPartition}`,
    Number.isNaN(run.megapixelsPerFrame) ? '-' : run.megapixelsPerFrame.toFixed(4),
    repeat,
    run.perFrameMs?.mean ?? Number.NaN,
    run.perFrameMs?.p95 ?? Number.NaN,
    run.wallMs / 1000,
    run.cpuProbe ? Math.round(run.cpuProbe.wallMs) : '-',
    ran ? 'ran' : 'resumed',
    run.failure === null ? '' : run.failure.length > 100 ? `${run.failure.slice(0, 99)}…` : run.failure,
  ]);
  console.log(`${summary.master}: ${summary.runs.length} runs (${summary.skipped} already in ${summary.runsCsv})`);
  console.log(formatTable(['config (cores/MB/instances)', 'workload', 'MP/frame', 'repeat', 'per-frame mean ms', 'p95 ms', 'wall s', 'probe ms', 'this time', 'failure'], rows));
  if (summary.interrupted) console.log('interrupted: run the same command again to finish the collection');
}

export const collectCommand = {
  command: 'collect',
  describe: 'Run the video job on a real Spark cluster over a grid of executor configurations and record every run (runs.csv, event logs, run log)',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .option('master', {
        type: 'string',
        demandOption: true,
        describe: 'local-cluster[workers,cores,memoryMb] (real executor JVMs on this machine), spark://host:port, or k8s://https://host:port',
      })
      .option('configs', {
        type: 'string',
        default: 'grid',
        describe:
          `'grid' = cores {${GRID.cores.join(',')}} x memory MB {${GRID.memoryMb.join(',')}} x instances {${GRID.instances.join(',')}}, ` +
          'less what does not fit a local-cluster (a worker launches only executors that fit it whole: local-cluster[2,2,2048] takes all 8, ' +
          'local-cluster[2,1,1024] the 4 with 1 core); or a list cores/memoryMb/instances,… e.g. 1/512/1,2/1024/2',
      })
      .option('repeat', { type: 'number', default: 1, describe: 'runs of each configuration (interleaved: all configurations once, then again…)' })
      .option('out', { type: 'string', demandOption: true, describe: 'folder for runs.csv, eventlogs/, spark-runs/; run again with the same folder to resume' })
      .option('fps', { type: 'number', default: 10, describe: 'load: arrival rate of the stream, frames per second' })
      .option('batches', { type: 'number', default: 6, describe: 'measured batches per run (a batch adds a fraction of a second to a run that spends ~10 s starting JVMs, and more of them cut the run-to-run noise a calibration sees)' })
      .option('warmup-batches', { type: 'number', default: 1, describe: 'batches run first and left out of the measurement (Python worker start-up)' })
      .option('partitions', { type: 'number', default: 2, describe: 'partitions (tasks) per batch' })
      .option('frames-per-partition', { type: 'number', default: 10, describe: 'frames each partition collects' })
      .option('workloads', {
        type: 'string',
        describe: 'several workload shapes, partitions x frames per partition, e.g. 2x10,4x10,2x20: every one for every configuration, interleaved (overrides --partitions, --frames-per-partition)',
      })
      .option('frame-scales', {
        type: 'string',
        describe:
          'test videos at several frame sizes, make_test_videos.py --scale of the camera source (1280x720), e.g. 0.125,0.5: one store each under <out>/videos-s<scale>, ' +
          'every one for every configuration, interleaved; calibration then tells per-frame CPU from per-task cost (not with --input-dir)',
      })
      .option('serializer', { type: 'string', default: 'kryo', describe: 'spark.serializer: java or kryo' })
      .option('timeout', { type: 'string', default: '10m', describe: 'kill a run after this long, e.g. 90s, 5m' })
      .option('input-dir', { type: 'string', describe: 'video store (as driver and executors see it); default: test videos made under <out>/videos' })
      .option('output-dir', { type: 'string', describe: "where the job writes its frames; default <out>/frames (deleted after each run unless --keep-output)" })
      .option('namespace', { type: 'string', default: 'default', describe: 'k8s: namespace of the executor pods' })
      .option('image', { type: 'string', describe: 'k8s: executor image (Python with the same pyspark, numpy, OpenCV)' })
      .option('service-account', { type: 'string', default: 'default', describe: 'k8s: service account of the executor pods' })
      .option('driver-host', { type: 'string', describe: 'k8s: address at which executor pods reach this machine' })
      .option('pvc', { type: 'string', array: true, describe: 'k8s: name:claim:/mount/path[:ro] mounted into every executor (repeatable)' })
      .option('slo', { type: 'string', describe: `per_frame_ms=<ms>: the per-frame objective each run's SLO-violation fraction (run log) counts against; default per_frame_ms=${DEFAULT_SLO_PER_FRAME_MS}, the scenarios' default` })
      .option('conf', { type: 'string', array: true, describe: 'more Spark settings, spark.key=value (repeatable)' })
      .option('fast-start', {
        type: 'boolean',
        default: true,
        describe: FAST_START_DESCRIPTION,
      })
      .option('keep-output', { type: 'boolean', default: false, describe: "keep each run's grayscale frames" })
      .option('run-log', runLogOption)
      .example('$0 collect --master "local-cluster[2,1,1024]" --out runs/collect', 'the default grid on real executor JVMs here, once each')
      .example('$0 collect --master "local-cluster[2,2,2048]" --configs 1/512/1,2/1024/2 --repeat 3 --out runs/collect-2 --json', 'two configurations, three times each, as JSON')
      .example('$0 collect --master "local-cluster[2,2,2048]" --workloads 2x10,4x10 --frame-scales 0.125,0.5 --repeat 2 --out runs/calib', 'the grid x 2 workloads x 2 frame sizes, twice, interleaved: a calibration set'),
  handler: async (args: ArgumentsCamelCase<CollectOptions>) => {
    const summary = await runCollect(args);
    if (args.json) console.log(JSON.stringify(summaryJson(summary), null, 2));
    else printTable(summary);
    if (summary.interrupted) process.exitCode = 130;
    const ran = summary.runs.filter((r) => r.ran);
    if (!summary.interrupted && ran.length > 0 && ran.every((r) => r.run.failure !== null)) {
      process.stderr.write(`sspe collect: every run failed; the first: ${ran[0].run.failure}\n`);
      process.exitCode = 1;
    }
  },
};
