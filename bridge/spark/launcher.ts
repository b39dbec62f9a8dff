/**
 * Runs one trial of the video grayscale job (bridge/jobs/video_grayscale.py)
 * on a real Spark cluster with `spark-submit`, and reports what happened.
 *
 * Three masters: a Kubernetes cluster in client mode (the case study's
 * set-up: the driver runs here, executor pods mount the shared video store
 * from a PVC), a standalone cluster, and `local-cluster[N,C,M]` (a master and
 * N workers inside the driver JVM, with real executor JVMs on this machine).
 *
 * Everything that can go wrong with a run (spark-submit missing, non-zero
 * exit, timeout, an executor lost, no metrics) comes back as a result with
 * `failure` set; only a request that could never run throws UserInputError.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readSync, fstatSync, statSync } from 'node:fs';
import { cp, lstat, readdir, readFile, rename, rm, rmdir, stat, symlink, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Serializer } from '../../sim/config.js';
import { UserInputError } from '../../src/errors.js';
import { makeDir } from '../../src/output-dir.js';
import { parseEventLog, type EventLog } from '../eventlog/parse.js';
import { repoRoot } from '../../src/paths.js';
import { describeExecutorLosses, executorPodMemory, isOomKill, oneLine, type ExecutorPodMemory } from './executor-loss.js';

// ------------------------------------------------------------------ request

/** A persistent volume claim mounted into every executor pod. */
export interface PvcVolume {
  /** Volume name in the pod spec (DNS label), e.g. 'video-store'. */
  name: string;
  claimName: string;
  /** Mount path inside the executor; the same path the driver sees the store at. */
  mountPath: string;
  readOnly: boolean;
}

/** Kubernetes, client mode: the driver runs in this process's machine. */
export interface K8sMaster {
  kind: 'k8s';
  /** API server URL, e.g. 'https://10.0.0.1:6443' ('k8s://' is added). */
  apiServerUrl: string;
  namespace: string;
  /** Executor image; it needs Python with the same pyspark, numpy and OpenCV. */
  containerImage: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Service account of the executor pods. */
  serviceAccount: string;
  /** Address at which executor pods reach this driver (spark.driver.host). */
  driverHost: string;
  /** Fixed driver RPC port, for firewalls; default: Spark picks one. */
  driverPort?: number;
  /** PVCs mounted into every executor: the shared video store, and the output store if it is another claim. */
  executorVolumes: PvcVolume[];
  /** Python inside the executor image; default 'python3'. */
  executorPython?: string;
}

/** A standalone cluster ('spark://host:7077'). */
export interface StandaloneMaster {
  kind: 'standalone';
  url: string;
  /** Python on the worker machines; default: the launcher's Python (same path on every machine). */
  executorPython?: string;
}

/** `local-cluster[workers,coresPerWorker,memoryPerWorkerMb]`: real executor JVMs on this machine. */
export interface LocalClusterMaster {
  kind: 'local-cluster';
  workers: number;
  coresPerWorker: number;
  memoryPerWorkerMb: number;
}

export type SparkMaster = K8sMaster | StandaloneMaster | LocalClusterMaster;

/** What the job does in one run (flags of video_grayscale.py). */
export interface VideoJobSpec {
  /** Shared video store, as the driver and the executors see it. */
  inputDir: string;
  /** Where the job writes <runId>/batch-N/part-N-<W>x<H>.mp4 (or part-N.pgm); executors must be able to write there. */
  outputDir: string;
  partitions: number;
  framesPerPartition: number;
  /** Arrival rate of the stream, frames per second. */
  fps: number;
  /** First batches run but left out of the summary (Python worker start-up). Default 0. */
  warmupBatches?: number;
  /** Stop after this many batches; default: every full batch in the store. */
  maxBatches?: number;
  /** Submit each batch only once its frames would have arrived at `fps`. Default false. */
  realtime?: boolean;
  /** Batch jobs the driver keeps in Spark at once (the concurrentJobs knob); unset, the job's default, 1. */
  concurrentJobs?: number;
  /** Fault injection for tests: the first attempt of partition 0 of this batch kills its executor JVM. */
  killExecutorAtBatch?: number;
  /** 'video' (the job's default: each partition encoded with OpenCV's VideoWriter, as the case study's service does) or 'pgm' (raw P5 images). */
  outputFormat?: VideoOutputFormat;
}

export const VIDEO_OUTPUT_FORMATS = ['video', 'pgm'] as const;
export type VideoOutputFormat = (typeof VIDEO_OUTPUT_FORMATS)[number];

export interface SubmitRequest {
  /** Names the run directory, the app (spark.app.name) and the job's output; [A-Za-z0-9._-]. */
  runId: string;
  master: SparkMaster;
  /** spark.executor.cores. */
  executorCores: number;
  /** spark.executor.memory, MB. */
  executorMemoryMb: number;
  /** spark.executor.instances (and spark.cores.max on standalone masters). */
  executorInstances: number;
  serializer: Serializer;
  job: VideoJobSpec;
  /** More spark.* settings (spark.memory.fraction, spark.task.maxFailures…); the launcher's own keys are refused. */
  conf?: Record<string, string>;
  /** Kill the run's process group after this long, ms; default the launcher's. */
  timeoutMs?: number;
}

// ------------------------------------------------------------------- result

const quantilesSchema = z.object({ mean: z.number(), p50: z.number(), p95: z.number(), p99: z.number(), max: z.number() });

const partitionSchema = z.object({
  index: z.number().int(),
  frames: z.number().int(),
  firstFrame: z.number().int(),
  startMs: z.number(),
  endMs: z.number(),
  readMs: z.number(),
  convertMs: z.number(),
  writeMs: z.number(),
  /** From the batch's submission to this partition's output written, ms: each of its frames' processing time. */
  perFrameMs: z.number(),
  outputPath: z.string(),
  outputBytes: z.number().int(),
  converter: z.enum(['opencv', 'numpy']),
  host: z.string(),
  pid: z.number().int(),
  attempt: z.number().int(),
});

/** The metrics JSON that video_grayscale.py writes (--metrics-out); extra fields are kept. */
export const videoJobMetricsSchema = z.looseObject({
  schemaVersion: z.literal(1),
  runId: z.string(),
  appId: z.string(),
  master: z.string(),
  sparkVersion: z.string(),
  framesAvailable: z.number().int(),
  framesProcessed: z.number().int(),
  framesNotBatched: z.number().int(),
  driverStartMs: z.number(),
  sparkReadyMs: z.number(),
  expectedExecutors: z.number().int(),
  executorsAtStart: z.number().int(),
  executorsReadyMs: z.number(),
  endMs: z.number(),
  batches: z.array(
    z.looseObject({
      id: z.number().int(),
      warmup: z.boolean(),
      frames: z.number().int(),
      captureStartMs: z.number(),
      captureEndMs: z.number(),
      submitMs: z.number(),
      jobEndMs: z.number(),
      executorsRegistered: z.number().int(),
      partitions: z.array(z.looseObject(partitionSchema.shape)),
    }),
  ),
  summary: z.object({
    measuredBatches: z.number().int(),
    measuredFrames: z.number().int(),
    perFrameMs: quantilesSchema.nullable(),
    throughputFps: z.number().nullable(),
    /** Mean size of the measured frames, MP, from what the tasks read (absent from jobs before it was added). */
    megapixelsPerFrame: z.number().nullable().optional(),
  }),
  error: z.string().nullable(),
});

export type VideoJobMetrics = z.infer<typeof videoJobMetricsSchema>;

/** What the run's event log says about its health. */
export interface EventLogHealth {
  path: string;
  /** The log ends with SparkListenerApplicationEnd (false: the driver died or was killed). */
  complete: boolean;
  /** Executors removed before the last job ended (not at shutdown) or OOMKilled whenever it was, in order; `reason` as Spark wrote it (multi-line on Kubernetes). */
  executorLosses: { executorId: string; reason: string }[];
  /** Task attempts that failed (killed ones not counted). */
  taskFailures: number;
  /** Why the log could not be read (compressed, not JSON…); null when it was. */
  problem: string | null;
}

export interface SubmitResult {
  runId: string;
  /** The command and arguments run (for the run log and for repeating it by hand). */
  command: string;
  args: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** From spawn to exit, ms (JVM start-up included). */
  wallMs: number;
  runDir: string;
  stdoutPath: string;
  stderrPath: string;
  /** Last lines of spark-submit's stderr (Spark's own log). */
  stderrTail: string;
  /** Last lines of its stdout, where spark-submit copies the Python driver's stdout and stderr. */
  stdoutTail: string;
  metricsPath: string;
  /** Parsed --metrics-out, also after a failed batch (then `metrics.error` is set); null when absent or invalid. */
  metrics: VideoJobMetrics | null;
  /** The file this run added to the event-log directory; null when none appeared. */
  eventLogPath: string | null;
  eventLog: EventLogHealth | null;
  /** Executors' stdout/stderr, moved here from the local-cluster work directory (under the run's own SPARK_HOME); null elsewhere. */
  executorLogDir: string | null;
  /** Why the run gave no usable measurement; null when it did. */
  failure: string | null;
}

export interface SparkSubmitter {
  submit(request: SubmitRequest): Promise<SubmitResult>;
}

// ------------------------------------------------------------------ options

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;
/** Runs `callback` after `delayMs`; returns a function that cancels it. */
export type ScheduleFn = (callback: () => void, delayMs: number) => () => void;

export interface SparkLauncherOptions {
  /** spark-submit to run; default <repo>/.venv/bin/spark-submit (from scripts/setup-python.sh). */
  sparkSubmitPath?: string;
  /** Python with pyspark for the driver (and, off Kubernetes, the executors); default <repo>/.venv/bin/python. */
  pythonPath?: string;
  /** SPARK_HOME for spark-submit; default: found next to sparkSubmitPath (the pyspark package dir of a venv). */
  sparkHome?: string;
  /** The job; default <repo>/bridge/jobs/video_grayscale.py. */
  jobScriptPath?: string;
  /** One directory per run (stdout, stderr, metrics, executor logs) goes here; default 'runs/spark' under the working directory. */
  runsDir?: string;
  /** spark.eventLog.dir (a local directory, created if missing); default <runsDir>/event-logs. */
  eventLogDir?: string;
  /** Prefix of spark.app.name; the run id follows it. Default 'sspe-video-grayscale'. */
  appNamePrefix?: string;
  /** Per-run timeout when the request gives none, ms. Default 600,000. */
  defaultTimeoutMs?: number;
  /** After SIGTERM to the process group on timeout, wait this long before SIGKILL, ms. Default 5,000. */
  killGraceMs?: number;
  /** How long the job waits for executorInstances executors before its first batch, ms. Default 120,000. */
  executorWaitMs?: number;
  /** Extra environment for spark-submit, over this process's. */
  env?: Record<string, string>;
  /** Lines kept in `stderrTail` and `stdoutTail`. Default 30. */
  tailLines?: number;
  spawnFn?: SpawnFn;
  /** Monotonic clock, ms. */
  clock?: () => number;
  scheduleFn?: ScheduleFn;
}

/** Spark settings the launcher sets itself; `conf` may not override them. */
const MANAGED_CONF_PREFIXES = [
  'spark.master',
  'spark.submit.deployMode',
  'spark.app.name',
  'spark.executor.cores',
  'spark.executor.memory',
  'spark.executor.instances',
  'spark.cores.max',
  'spark.serializer',
  'spark.eventLog.',
  'spark.pyspark.',
  'spark.kubernetes.namespace',
  'spark.kubernetes.container.image',
  'spark.kubernetes.authenticate.executor.serviceAccountName',
  'spark.kubernetes.executor.volumes.',
  'spark.driver.host',
  'spark.driver.port',
  'spark.driver.bindAddress',
];

const SERIALIZER_CLASS: Record<Serializer, string> = {
  java: 'org.apache.spark.serializer.JavaSerializer',
  kryo: 'org.apache.spark.serializer.KryoSerializer',
};

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** How much of the end of stdout and stderr is read for the failure reason and the tails. */
const OUTPUT_READ_BYTES = 1 << 20;


// --------------------------------------------------------------- arguments

/** Paths and names the argument list depends on, resolved from the launcher's options. */
export interface SubmitPaths {
  pythonPath: string;
  jobScriptPath: string;
  eventLogDir: string;
  metricsPath: string;
  appNamePrefix: string;
  executorWaitMs: number;
}

function requirePositiveInteger(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new UserInputError(`expected a positive integer ${what}, got ${value}`);
}

function requireNonNegativeInteger(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new UserInputError(`expected a non-negative integer ${what}, got ${value}`);
}

function requireNonEmpty(what: string, value: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new UserInputError(`expected a non-empty ${what}, got ${JSON.stringify(value)}`);
}

/** The master as a user writes it: 'local-cluster[2,1,1024]', 'spark://host:7077', 'k8s://https://…'. */
export function masterSpec(master: SparkMaster): string {
  switch (master.kind) {
    case 'k8s':
      return master.apiServerUrl.startsWith('k8s://') ? master.apiServerUrl : `k8s://${master.apiServerUrl}`;
    case 'standalone':
      return master.url;
    case 'local-cluster':
      return `local-cluster[${master.workers},${master.coresPerWorker},${master.memoryPerWorkerMb}]`;
  }
}

function validateMaster(request: SubmitRequest): void {
  const { master } = request;
  switch (master.kind) {
    case 'k8s': {
      if (!/^(k8s:\/\/)?https?:\/\/[^/\s]+/.test(master.apiServerUrl)) {
        throw new UserInputError(`expected the Kubernetes API server as https://host:port, got ${JSON.stringify(master.apiServerUrl)}`);
      }
      if (!DNS_LABEL.test(master.namespace)) throw new UserInputError(`expected a Kubernetes namespace (DNS label), got ${JSON.stringify(master.namespace)}`);
      requireNonEmpty('container image', master.containerImage);
      requireNonEmpty('service account', master.serviceAccount);
      requireNonEmpty('driver host (an address executor pods can reach)', master.driverHost);
      if (master.driverPort !== undefined && !(Number.isInteger(master.driverPort) && master.driverPort > 0 && master.driverPort < 65536)) {
        throw new UserInputError(`expected a driver port in [1, 65535], got ${master.driverPort}`);
      }
      if (master.executorVolumes.length === 0) {
        throw new UserInputError('expected at least one executor volume (the shared video store PVC), got none');
      }
      const names = new Set<string>();
      for (const volume of master.executorVolumes) {
        if (!DNS_LABEL.test(volume.name)) throw new UserInputError(`expected a volume name that is a DNS label, got ${JSON.stringify(volume.name)}`);
        if (names.has(volume.name)) throw new UserInputError(`expected distinct volume names, got ${volume.name} twice`);
        names.add(volume.name);
        requireNonEmpty(`claim name of volume ${volume.name}`, volume.claimName);
        if (!isAbsolute(volume.mountPath)) throw new UserInputError(`expected an absolute mount path for volume ${volume.name}, got ${JSON.stringify(volume.mountPath)}`);
      }
      return;
    }
    case 'standalone':
      if (!/^spark:\/\/[^/\s]+:\d+(,[^/\s]+:\d+)*$/.test(master.url)) {
        throw new UserInputError(`expected a standalone master as spark://host:port, got ${JSON.stringify(master.url)}`);
      }
      return;
    case 'local-cluster': {
      requirePositiveInteger('local-cluster worker count', master.workers);
      requirePositiveInteger('local-cluster cores per worker', master.coresPerWorker);
      requirePositiveInteger('local-cluster memory per worker (MB)', master.memoryPerWorkerMb);
      // A worker launches an executor only if it fits whole; one that never fits hangs the job until the timeout.
      if (request.executorCores > master.coresPerWorker || request.executorMemoryMb > master.memoryPerWorkerMb) {
        throw new UserInputError(
          `expected executors of at most ${master.coresPerWorker} cores and ${master.memoryPerWorkerMb} MB to fit ${masterSpec(master)}, got ${request.executorCores} cores and ${request.executorMemoryMb} MB`,
        );
      }
      const perWorker = Math.min(Math.floor(master.coresPerWorker / request.executorCores), Math.floor(master.memoryPerWorkerMb / request.executorMemoryMb));
      const capacity = master.workers * perWorker;
      if (request.executorInstances > capacity) {
        throw new UserInputError(
          `expected at most ${capacity} executors of ${request.executorCores} cores and ${request.executorMemoryMb} MB on ${masterSpec(master)}, got ${request.executorInstances}`,
        );
      }
      return;
    }
    default:
      throw new UserInputError(`expected a master of kind k8s, standalone or local-cluster, got ${JSON.stringify((master as { kind: unknown }).kind)}`);
  }
}

function validateRequest(request: SubmitRequest): void {
  if (!RUN_ID.test(request.runId)) throw new UserInputError(`expected a run id of letters, digits, '.', '_' or '-', got ${JSON.stringify(request.runId)}`);
  requirePositiveInteger('executor cores', request.executorCores);
  requirePositiveInteger('executor memory (MB)', request.executorMemoryMb);
  requirePositiveInteger('executor instances', request.executorInstances);
  if (!(request.serializer in SERIALIZER_CLASS)) throw new UserInputError(`expected serializer java or kryo, got ${JSON.stringify(request.serializer)}`);
  const { job } = request;
  requireNonEmpty('job input directory', job.inputDir);
  requireNonEmpty('job output directory', job.outputDir);
  requirePositiveInteger('partition count', job.partitions);
  requirePositiveInteger('frames per partition', job.framesPerPartition);
  if (job.concurrentJobs !== undefined) requirePositiveInteger('number of concurrent jobs', job.concurrentJobs);
  if (!(Number.isFinite(job.fps) && job.fps > 0)) throw new UserInputError(`expected a positive fps, got ${job.fps}`);
  if (job.warmupBatches !== undefined) requireNonNegativeInteger('warm-up batch count', job.warmupBatches);
  if (job.maxBatches !== undefined) requirePositiveInteger('maximum batch count', job.maxBatches);
  if (job.killExecutorAtBatch !== undefined) requireNonNegativeInteger('batch at which to kill an executor', job.killExecutorAtBatch);
  if (job.outputFormat !== undefined && !VIDEO_OUTPUT_FORMATS.includes(job.outputFormat)) {
    throw new UserInputError(`expected an output format among ${VIDEO_OUTPUT_FORMATS.join(', ')}, got ${JSON.stringify(job.outputFormat)}`);
  }
  if (request.timeoutMs !== undefined && !(Number.isFinite(request.timeoutMs) && request.timeoutMs > 0)) {
    throw new UserInputError(`expected a positive timeout (ms), got ${request.timeoutMs}`);
  }
  for (const key of Object.keys(request.conf ?? {})) {
    if (!key.startsWith('spark.')) throw new UserInputError(`expected Spark settings named spark.*, got ${JSON.stringify(key)}`);
    const managed = MANAGED_CONF_PREFIXES.find((prefix) => key === prefix || (prefix.endsWith('.') && key.startsWith(prefix)));
    if (managed !== undefined) throw new UserInputError(`expected ${key} to be left to the launcher (it sets it from the request), got it in conf`);
  }
  validateMaster(request);
}

/**
 * The spark-submit argument list for a request. Pure: the same request and
 * paths give the same list, so tests compare it whole.
 */
export function buildSubmitArgs(request: SubmitRequest, paths: SubmitPaths): string[] {
  validateRequest(request);
  const { master, job } = request;
  const conf: [string, string][] = [
    ['spark.app.name', `${paths.appNamePrefix}-${request.runId}`],
    ['spark.executor.cores', String(request.executorCores)],
    ['spark.executor.memory', `${request.executorMemoryMb}m`],
    ['spark.executor.instances', String(request.executorInstances)],
  ];
  // Standalone masters (local-cluster is one) give an app as many executors as
  // spark.cores.max allows and ignore spark.executor.instances.
  if (master.kind !== 'k8s') conf.push(['spark.cores.max', String(request.executorInstances * request.executorCores)]);
  conf.push(
    ['spark.serializer', SERIALIZER_CLASS[request.serializer]],
    ['spark.eventLog.enabled', 'true'],
    ['spark.eventLog.dir', pathToFileURL(paths.eventLogDir).href],
    // Spark 4 compresses (zstd) and rolls event logs by default; one plain JSON-lines file is what calibration reads.
    ['spark.eventLog.compress', 'false'],
    ['spark.eventLog.rolling.enabled', 'false'],
    ['spark.pyspark.driver.python', paths.pythonPath],
  );
  switch (master.kind) {
    case 'k8s':
      conf.push(
        ['spark.pyspark.python', master.executorPython ?? 'python3'],
        ['spark.kubernetes.namespace', master.namespace],
        ['spark.kubernetes.container.image', master.containerImage],
        ['spark.kubernetes.container.image.pullPolicy', master.imagePullPolicy ?? 'IfNotPresent'],
        // Client mode: the driver is not a pod, so only the executors' account applies (SPARK-28360).
        ['spark.kubernetes.authenticate.executor.serviceAccountName', master.serviceAccount],
        ['spark.driver.host', master.driverHost],
        ['spark.driver.bindAddress', '0.0.0.0'],
      );
      if (master.driverPort !== undefined) conf.push(['spark.driver.port', String(master.driverPort)]);
      for (const volume of master.executorVolumes) {
        const prefix = `spark.kubernetes.executor.volumes.persistentVolumeClaim.${volume.name}`;
        conf.push(
          [`${prefix}.options.claimName`, volume.claimName],
          [`${prefix}.mount.path`, volume.mountPath],
          [`${prefix}.mount.readOnly`, String(volume.readOnly)],
        );
      }
      break;
    case 'standalone':
      conf.push(['spark.pyspark.python', master.executorPython ?? paths.pythonPath]);
      break;
    case 'local-cluster':
      conf.push(['spark.pyspark.python', paths.pythonPath]);
      break;
  }
  for (const key of Object.keys(request.conf ?? {}).sort()) conf.push([key, request.conf![key]]);

  const jobArgs = [
    '--input-dir', job.inputDir,
    '--output-dir', job.outputDir,
    '--partitions', String(job.partitions),
    '--frames-per-partition', String(job.framesPerPartition),
    // Left out when unset, so requests from before the knob was enacted give the same command.
    ...(job.concurrentJobs !== undefined ? ['--concurrent-jobs', String(job.concurrentJobs)] : []),
    '--fps', String(job.fps),
    '--run-id', request.runId,
    '--metrics-out', paths.metricsPath,
    '--expected-executors', String(request.executorInstances),
    '--executor-wait-s', String(paths.executorWaitMs / 1000),
    '--warmup-batches', String(job.warmupBatches ?? 0),
  ];
  if (job.maxBatches !== undefined) jobArgs.push('--max-batches', String(job.maxBatches));
  if (job.realtime === true) jobArgs.push('--realtime');
  if (job.killExecutorAtBatch !== undefined) jobArgs.push('--kill-executor-at-batch', String(job.killExecutorAtBatch));
  // Left out when unset: the job's own default (video) applies.
  if (job.outputFormat !== undefined) jobArgs.push('--output-format', job.outputFormat);

  return [
    '--master', masterSpec(master),
    '--deploy-mode', 'client',
    ...conf.flatMap(([key, value]) => ['--conf', `${key}=${value}`]),
    paths.jobScriptPath,
    ...jobArgs,
  ];
}

// ---------------------------------------------------------------- launcher

const defaultSchedule: ScheduleFn = (callback, delayMs) => {
  const timer = setTimeout(callback, delayMs);
  return () => clearTimeout(timer);
};

/**
 * SPARK_HOME for a spark-submit: the directory above its bin/ when that holds
 * jars/ (a Spark download), else the pyspark package of the virtualenv it
 * lives in. Set explicitly because the pip package's scripts otherwise ask
 * `python3` on PATH, which may not have pyspark.
 */
export function findSparkHome(sparkSubmitPath: string): string | undefined {
  const above = dirname(dirname(sparkSubmitPath));
  if (existsSync(join(above, 'jars'))) return above;
  const lib = join(above, 'lib');
  if (!existsSync(lib)) return undefined;
  for (const entry of readdirSync(lib).sort()) {
    const candidate = join(lib, entry, 'site-packages', 'pyspark');
    if (entry.startsWith('python') && existsSync(join(candidate, 'jars'))) return candidate;
  }
  return undefined;
}

interface Exit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  spawnError: Error | null;
}

export class SparkLauncher implements SparkSubmitter {
  private readonly sparkSubmitPath: string;
  private readonly pythonPath: string;
  private readonly sparkHome: string | undefined;
  private readonly jobScriptPath: string;
  private readonly runsDir: string;
  private readonly eventLogDir: string;
  private readonly appNamePrefix: string;
  private readonly defaultTimeoutMs: number;
  private readonly killGraceMs: number;
  private readonly executorWaitMs: number;
  private readonly env: Record<string, string>;
  private readonly tailLines: number;
  private readonly spawnFn: SpawnFn;
  private readonly clock: () => number;
  private readonly scheduleFn: ScheduleFn;

  constructor(options: SparkLauncherOptions = {}) {
    const root = repoRoot();
    this.sparkSubmitPath = resolve(options.sparkSubmitPath ?? join(root, '.venv', 'bin', 'spark-submit'));
    this.pythonPath = resolve(options.pythonPath ?? join(root, '.venv', 'bin', 'python'));
    this.sparkHome = options.sparkHome !== undefined ? resolve(options.sparkHome) : findSparkHome(this.sparkSubmitPath);
    this.jobScriptPath = resolve(options.jobScriptPath ?? join(root, 'bridge', 'jobs', 'video_grayscale.py'));
    this.runsDir = resolve(options.runsDir ?? join('runs', 'spark'));
    this.eventLogDir = resolve(options.eventLogDir ?? join(this.runsDir, 'event-logs'));
    this.appNamePrefix = options.appNamePrefix ?? 'sspe-video-grayscale';
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 600_000;
    this.killGraceMs = options.killGraceMs ?? 5_000;
    this.executorWaitMs = options.executorWaitMs ?? 120_000;
    this.env = options.env ?? {};
    this.tailLines = options.tailLines ?? 30;
    this.spawnFn = options.spawnFn ?? spawn;
    this.clock = options.clock ?? (() => performance.now());
    this.scheduleFn = options.scheduleFn ?? defaultSchedule;
  }

  /** The argument list `submit` would run for a request (throws UserInputError like `submit`). */
  argsFor(request: SubmitRequest): string[] {
    return buildSubmitArgs(request, this.pathsFor(request.runId));
  }

  /** Environment spark-submit runs with, over this process's. */
  envFor(request: SubmitRequest): Record<string, string> {
    const env: Record<string, string> = { PYSPARK_DRIVER_PYTHON: this.pythonPath };
    if (this.sparkHome !== undefined) env.SPARK_HOME = request.master.kind === 'local-cluster' ? this.runSparkHome(request.runId) : this.sparkHome;
    // The local cluster's master, workers and executors talk over loopback; without this Spark
    // picks the first non-loopback interface and warns that the hostname resolves to 127.0.0.1.
    if (request.master.kind === 'local-cluster' && process.env.SPARK_LOCAL_IP === undefined) env.SPARK_LOCAL_IP = '127.0.0.1';
    return { ...env, ...this.env };
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const paths = this.pathsFor(request.runId);
    const args = buildSubmitArgs(request, paths);
    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    const runDir = dirname(paths.metricsPath);
    const stdoutPath = join(runDir, 'stdout.log');
    const stderrPath = join(runDir, 'stderr.log');
    // One level at a time: a recursive mkdir never returns under /proc (src/output-dir.ts).
    makeDir(runDir, 'run folder');
    makeDir(this.eventLogDir, 'event-log folder');
    // A metrics file left by an earlier run with this id must not pass for this run's.
    await rm(paths.metricsPath, { force: true });
    const eventLogsBefore = new Set(await readdir(this.eventLogDir));
    const runSparkHome = request.master.kind === 'local-cluster' && this.sparkHome !== undefined ? this.runSparkHome(request.runId) : null;
    if (runSparkHome !== null) await linkSparkHome(this.sparkHome!, runSparkHome);

    const startMs = this.clock();
    const { exit, timedOut } = await this.run(args, { ...process.env, ...this.envFor(request) }, stdoutPath, stderrPath, timeoutMs);
    const wallMs = this.clock() - startMs;

    const stdoutText = readTail(stdoutPath, OUTPUT_READ_BYTES);
    const stderrText = readTail(stderrPath, OUTPUT_READ_BYTES);
    const tail = (text: string) => text.split('\n').filter((line) => line.trim() !== '').slice(-this.tailLines).join('\n');
    const { metrics, metricsProblem } = await readMetrics(paths.metricsPath);
    const eventLogPath = await findNewEventLog(this.eventLogDir, eventLogsBefore, metrics?.appId ?? null);
    const eventLog = eventLogPath === null ? null : await summariseEventLog(eventLogPath);
    const appId = metrics?.appId ?? appIdFromEventLog(eventLogPath);
    const executorLogDir = runSparkHome !== null && appId !== null ? await moveExecutorLogs(join(runSparkHome, 'work', appId), join(runDir, 'executor-logs')) : null;
    if (runSparkHome !== null) await unlinkSparkHome(runSparkHome);

    const failure = describeFailure({
      exit,
      timedOut,
      timeoutMs,
      sparkSubmitPath: this.sparkSubmitPath,
      stdoutText,
      stderrText,
      metrics,
      metricsProblem,
      metricsPath: paths.metricsPath,
      eventLog,
      executorMemory: executorPodMemory(request),
    });
    return {
      runId: request.runId,
      command: this.sparkSubmitPath,
      args,
      exitCode: exit.exitCode,
      signal: exit.signal,
      timedOut,
      wallMs,
      runDir,
      stdoutPath,
      stderrPath,
      stderrTail: tail(stderrText),
      stdoutTail: tail(stdoutText),
      metricsPath: paths.metricsPath,
      metrics,
      eventLogPath,
      eventLog,
      executorLogDir,
      failure,
    };
  }

  /**
   * A local-cluster run's own SPARK_HOME: links to everything in the real one
   * but work/, which the local cluster's workers then create here instead of
   * inside the venv. Spark 4 has no setting for it: LocalSparkCluster gives
   * its workers no work dir, so each falls back to $SPARK_HOME/work
   * (SPARK_WORKER_DIR is read only by a standalone worker's command line).
   */
  private runSparkHome(runId: string): string {
    return join(this.runsDir, runId, 'spark-home');
  }

  private pathsFor(runId: string): SubmitPaths {
    return {
      pythonPath: this.pythonPath,
      jobScriptPath: this.jobScriptPath,
      eventLogDir: this.eventLogDir,
      metricsPath: join(this.runsDir, runId, 'metrics.json'),
      appNamePrefix: this.appNamePrefix,
      executorWaitMs: this.executorWaitMs,
    };
  }

  /** Runs spark-submit in its own process group, output to files; on timeout, TERM then KILL the group. */
  private async run(args: string[], env: NodeJS.ProcessEnv, stdoutPath: string, stderrPath: string, timeoutMs: number): Promise<{ exit: Exit; timedOut: boolean }> {
    const stdoutFd = openSync(stdoutPath, 'w');
    const stderrFd = openSync(stderrPath, 'w');
    let timedOut = false;
    let groupId: number | undefined;
    const cancels: (() => void)[] = [];
    try {
      const exit = await new Promise<Exit>((resolveExit) => {
        let child: ChildProcess;
        try {
          // detached: the child leads a new process group, so the driver JVM, its Python and the executor JVMs go together.
          child = this.spawnFn(this.sparkSubmitPath, args, { detached: true, stdio: ['ignore', stdoutFd, stderrFd], env });
        } catch (error) {
          resolveExit({ exitCode: null, signal: null, spawnError: error as Error });
          return;
        }
        groupId = child.pid;
        let settled = false;
        child.once('error', (error) => {
          if (!settled) {
            settled = true;
            resolveExit({ exitCode: null, signal: null, spawnError: error });
          }
        });
        child.once('exit', (exitCode, signal) => {
          if (!settled) {
            settled = true;
            resolveExit({ exitCode, signal, spawnError: null });
          }
        });
        cancels.push(
          this.scheduleFn(() => {
            timedOut = true;
            killGroup(child.pid, 'SIGTERM');
            cancels.push(this.scheduleFn(() => killGroup(child.pid, 'SIGKILL'), this.killGraceMs));
          }, timeoutMs),
        );
      });
      // Whatever outlived spark-submit in its group (a Python driver, an executor JVM) is a leftover of this run.
      killGroup(groupId, 'SIGKILL');
      return { exit, timedOut };
    } finally {
      for (const cancel of cancels) cancel();
      closeSync(stdoutFd);
      closeSync(stderrFd);
    }
  }
}

/** Signals a whole process group; a group already gone is fine. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw new Error(`expected to send ${signal} to process group ${pid}, could not`, { cause: error });
  }
}

// ---------------------------------------------------------- after the run

function readTail(path: string, maxBytes: number): string {
  if (!existsSync(path)) return '';
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

async function readMetrics(path: string): Promise<{ metrics: VideoJobMetrics | null; metricsProblem: string | null }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { metrics: null, metricsProblem: 'missing' };
    throw new Error(`expected to read the job's metrics at ${path}, could not`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { metrics: null, metricsProblem: `not JSON (${(error as Error).message})` };
  }
  const parsed = videoJobMetricsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { metrics: null, metricsProblem: `not in the expected shape (${issue.path.join('.') || 'top level'}: ${issue.message})` };
  }
  return { metrics: parsed.data, metricsProblem: null };
}

/**
 * The entry this run added to the event-log directory: the one named after
 * the app id when the job reported it (other runs may share the directory),
 * else the newest new one.
 */
async function findNewEventLog(dir: string, before: Set<string>, appId: string | null): Promise<string | null> {
  const added = (await readdir(dir)).filter((name) => !before.has(name) && !name.startsWith('.'));
  if (added.length === 0) return null;
  if (appId !== null) {
    const own = added.find((name) => name === appId || name.startsWith(`${appId}.`) || name === `eventlog_v2_${appId}`);
    if (own !== undefined) return join(dir, own);
  }
  const withTimes = await Promise.all(added.map(async (name) => ({ name, mtimeMs: (await stat(join(dir, name))).mtimeMs })));
  withTimes.sort((a, b) => b.mtimeMs - a.mtimeMs || a.name.localeCompare(b.name));
  return join(dir, withTimes[0].name);
}

function appIdFromEventLog(path: string | null): string | null {
  if (path === null) return null;
  const name = path.split('/').pop()!;
  return name.replace(/^eventlog_v2_/, '').replace(/\.inprogress$/, '').replace(/\.(lz4|lzf|snappy|zstd)$/, '') || null;
}

/**
 * Executors lost and tasks failed, from the run's event log (read with the
 * shared parser, bridge/eventlog). Executors removed after the last job ended
 * are the shutdown, not losses; an executor pod OOMKilled is a loss whenever
 * it happened (on Kubernetes one killed at start-up is removed before any
 * job, and Spark gives up after spark.executor.maxNumFailures of them).
 */
export async function summariseEventLog(path: string): Promise<EventLogHealth> {
  let log: EventLog;
  try {
    log = await parseEventLog(path, { retainTasks: false, allowPartialLastLine: true });
  } catch (error) {
    return { path, complete: false, executorLosses: [], taskFailures: 0, problem: error instanceof Error ? error.message : String(error) };
  }
  const lastJobEndMs = Math.max(-Infinity, ...log.jobs.map((job) => job.completionTimeMs ?? -Infinity));
  const executorLosses = log.executors
    .filter((executor) => executor.removedTimeMs !== null && (executor.removedTimeMs <= lastJobEndMs || isOomKill(executor.removedReason ?? '')))
    .sort((a, b) => a.removedTimeMs! - b.removedTimeMs! || a.executorId.localeCompare(b.executorId))
    .map((executor) => ({ executorId: executor.executorId, reason: executor.removedReason ?? 'no reason given' }));
  return { path, complete: log.complete, executorLosses, taskFailures: log.summary.failedTasks, problem: null };
}

/** Fills `at` with a symbolic link to each entry of `sparkHome` but work/ (none when sparkHome is missing: the run then fails as it would have). */
async function linkSparkHome(sparkHome: string, at: string): Promise<void> {
  await unlinkSparkHome(at);
  makeDir(at, 'SPARK_HOME of the run');
  let entries: string[];
  try {
    entries = await readdir(sparkHome);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`expected to list SPARK_HOME ${sparkHome} to link it into ${at}, could not`, { cause: error });
  }
  for (const entry of entries.filter((name) => name !== 'work')) await symlink(join(sparkHome, entry), join(at, entry));
}

/** Removes a run's SPARK_HOME: its links (never what they point to) and what is left of its work/. */
async function unlinkSparkHome(at: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(at);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`expected to list the run's SPARK_HOME ${at}, could not`, { cause: error });
  }
  for (const entry of entries) {
    const path = join(at, entry);
    if ((await lstat(path)).isSymbolicLink()) await unlink(path);
    else await rm(path, { recursive: true, force: true });
  }
  await rmdir(at);
}

/** Moves a local-cluster app's executor logs out of the run's SPARK_HOME/work into the run directory. */
async function moveExecutorLogs(from: string, to: string): Promise<string | null> {
  if (!existsSync(from) || !statSync(from).isDirectory()) return null;
  await rm(to, { recursive: true, force: true });
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw new Error(`expected to move executor logs ${from} to ${to}, could not`, { cause: error });
    await cp(from, to, { recursive: true });
    await rm(from, { recursive: true, force: true });
  }
  return to;
}

interface FailureFacts {
  exit: Exit;
  timedOut: boolean;
  timeoutMs: number;
  sparkSubmitPath: string;
  stdoutText: string;
  stderrText: string;
  metrics: VideoJobMetrics | null;
  metricsProblem: string | null;
  metricsPath: string;
  eventLog: EventLogHealth | null;
  /** The executor pods' memory limit on a k8s:// master (null elsewhere), for an OOM kill's reason. */
  executorMemory: ExecutorPodMemory | null;
}

const EXCEPTION_LINE = /^((\w+\.)*\w*(Exception|Error)\b.*:|Exception in thread)/;

/**
 * The most telling line of a failed run's output: the job's own one-line
 * report, else the Python driver's exception (both on stdout, where
 * spark-submit copies the Python process's output), else Spark's (stderr).
 */
export function reasonFromOutput(stdoutText: string, stderrText: string): string | null {
  const lines = (text: string) => text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const out = lines(stdoutText);
  const err = lines(stderrText);
  const own = [...out, ...err].filter((line) => line.startsWith('video_grayscale: ')).pop();
  if (own !== undefined) return own.slice('video_grayscale: '.length).replace(/^failed: /, '');
  const python = out.filter((line) => EXCEPTION_LINE.test(line)).pop();
  if (python !== undefined) return python;
  const abort = err.find((line) => /Job aborted due to stage failure/.test(line));
  if (abort !== undefined) return abort;
  const exception = err.filter((line) => EXCEPTION_LINE.test(line)).pop();
  if (exception !== undefined) return exception;
  return err.pop() ?? out.pop() ?? null;
}

/** Why the run gave no usable measurement, in one line; null when it did. */
function describeFailure(facts: FailureFacts): string | null {
  const failure = failureOf(facts);
  return failure === null ? null : oneLine(failure);
}

function failureOf(facts: FailureFacts): string | null {
  const { exit } = facts;
  if (exit.spawnError !== null) {
    return `could not start ${facts.sparkSubmitPath}: ${exit.spawnError.message}; run scripts/setup-python.sh to install pyspark into .venv`;
  }
  const losses = facts.eventLog?.executorLosses ?? [];
  // An executor killed at its pod's memory limit is the cause of what follows (Spark giving up, a job aborted, a hang).
  const oomKills = losses.filter((loss) => isOomKill(loss.reason));
  if (oomKills.length > 0) {
    const then = facts.timedOut
      ? `; spark-submit then ran past its ${facts.timeoutMs} ms timeout`
      : exit.exitCode !== 0
        ? `; spark-submit then ${exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`}`
        : '';
    return `${describeExecutorLosses(oomKills, facts.executorMemory)}${then}`;
  }
  if (facts.timedOut) return `spark-submit ran past its ${facts.timeoutMs} ms timeout; its process group was killed`;
  if (exit.exitCode !== 0) {
    const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
    const reason = facts.metrics?.error ?? reasonFromOutput(facts.stdoutText, facts.stderrText);
    return reason === null ? `spark-submit ${how}` : `spark-submit ${how}: ${reason}`;
  }
  if (facts.metrics === null) return `spark-submit exited with code 0 but the job's metrics at ${facts.metricsPath} are ${facts.metricsProblem}`;
  if (facts.metrics.error !== null) return `the job reported: ${facts.metrics.error}`;
  if (losses.length > 0) return describeExecutorLosses(losses, facts.executorMemory);
  if (facts.metrics.summary.measuredFrames === 0) return 'the job measured no frame (every batch was a warm-up, or none ran)';
  return null;
}
