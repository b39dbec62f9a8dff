/**
 * The real cluster behind the Backend seam: each trial is one spark-submit of
 * the video grayscale job (bridge/jobs/video_grayscale.py) with the trial's
 * executor cores, memory, instances, serializer, partitions, frames per
 * partition and concurrent jobs, measured over a fixed number of batches after warm-up ones.
 * That is the paper's set-up (a fresh application per trial), so every trial
 * is a redeploy.
 *
 * runTrial never throws: a run that could not be submitted, failed, timed
 * out or lost an executor comes back as an outcome with `failure` set. Only
 * bad constructor options throw (UserInputError).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SparkConfig } from '../../sim/config.js';
import type { Quantiles } from '../../sim/metrics/result.js';
import { meanFrameMegapixels } from '../../sim/workload/batcher.js';
import type { Backend, TrialOutcome, TrialRequest } from '../../src/backend/backend.js';
import { UserInputError } from '../../src/errors.js';
import { resolvedFramesPerPartition } from '../../src/managers/configuration.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { concurrentJobsField, type RealRun } from '../calibration/real-run.js';
import { parseEventLog } from '../eventlog/parse.js';
import { writeExecutorPodTemplate, type InfrastructureManager, type NodeCountChange } from '../k8s/infrastructure/index.js';
import { masterSpec } from '../spark/launcher.js';
// Re-exported: callers of the backend name the master as it does.
export { masterSpec };
import type { SparkMaster, SparkSubmitter, SubmitRequest, SubmitResult, VideoJobMetrics } from '../spark/launcher.js';

/** What every trial's job does, whatever the configuration. */
export interface RealJobOptions {
  /** The shared video store, as the driver and the executors see it. */
  inputDir: string;
  /** Where the job writes its frames (<outputDir>/<runId>/…); executors must be able to write there. */
  outputDir: string;
  /** Batches measured per trial, after the warm-up ones. */
  batches: number;
  /** Batches run first and left out of the measurement (Python worker start-up). Default 1. */
  warmupBatches?: number;
  /** Pace each batch at the trial's fps instead of submitting batches back to back. Default false. */
  realtime?: boolean;
  /** Keep each run's grayscale frames; by default they are deleted after the run (hundreds of trials fill a disk). */
  keepOutput?: boolean;
}

export interface RealBackendOptions {
  submitter: SparkSubmitter;
  master: SparkMaster;
  job: RealJobOptions;
  /** framesPerPartition 'fps' bounds (workload) and the SLO the violation fraction is counted against. */
  scenario: Pick<Scenario, 'workload' | 'slo'>;
  /** Kill a trial's spark-submit after this long, ms; default the submitter's. */
  timeoutMs?: number;
  /** More spark.* settings for every trial (e.g. JVM flags); they win over the ones taken from the configuration. */
  extraConf?: Record<string, string>;
  /** $ per hour of the cluster: the backend cannot see lease prices. Default 0. */
  costPerHour?: number;
  /** First part of the automatic run ids. Default 'trial'. */
  runIdPrefix?: string;
  /** Wall clock, for run ids. */
  now?: () => Date;
  /**
   * How the cluster knobs (node count, placement) reach the cluster; without
   * it a trial that sets them fails with a line saying so.
   */
  infrastructure?: RealInfrastructure;
}

/** The Infrastructure Manager of a real cluster, and what the backend needs beside it. */
export interface RealInfrastructure {
  manager: InfrastructureManager;
  /** Where each run's executor pod template is written (<dir>/<runId>-executor-pod.yaml). */
  podTemplateDir: string;
  /** $ per hour of these schedulable nodes (the trial's cost when it sets the node count). */
  costPerHourOf: (schedulable: string[]) => number;
}

// ------------------------------------------------------------------ request

/** Spark settings a configuration carries beyond the executor knobs the launcher sets itself. */
function confFromConfig(config: SparkConfig, master: SparkMaster): Record<string, string> {
  const conf: Record<string, string> = {
    'spark.memory.fraction': String(config.memoryFraction),
    'spark.task.maxFailures': String(config.taskMaxFailures),
  };
  if (master.kind === 'k8s') conf['spark.kubernetes.executor.request.cores'] = String(config.cpuRequestRatio * config.executorCores);
  // Unset, Spark derives it from the heap (max(384 MiB, 10%)), as the simulator does; in MiB, as the launcher writes spark.executor.memory.
  if (config.executorMemoryOverheadMb !== undefined) conf['spark.executor.memoryOverhead'] = `${config.executorMemoryOverheadMb}m`;
  return conf;
}

/** The spark-submit request for one trial. Pure. */
export function submitRequestFor(trial: TrialRequest, runId: string, options: Omit<RealBackendOptions, 'submitter'>): SubmitRequest {
  const { config } = trial;
  const warmupBatches = options.job.warmupBatches ?? 1;
  return {
    runId,
    master: options.master,
    executorCores: config.executorCores,
    executorMemoryMb: config.executorMemoryMb,
    executorInstances: config.executorInstances,
    serializer: config.serializer,
    job: {
      inputDir: options.job.inputDir,
      outputDir: options.job.outputDir,
      partitions: config.partitions,
      framesPerPartition: resolvedFramesPerPartition(config, trial.fps, options.scenario),
      concurrentJobs: config.concurrentJobs,
      fps: trial.fps,
      warmupBatches,
      maxBatches: warmupBatches + options.job.batches,
      realtime: options.job.realtime ?? false,
    },
    conf: { ...confFromConfig(config, options.master), ...sspeProperties(trial, runId, options), ...options.extraConf },
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
}

/**
 * spark.sspe.* properties: they land in the event log's environment, so
 * `sspe calibrate --eventlogs` can rebuild the run from the log alone
 * (bridge/calibration/from-eventlogs.ts reads them).
 */
function sspeProperties(trial: TrialRequest, runId: string, options: Omit<RealBackendOptions, 'submitter'>): Record<string, string> {
  return {
    'spark.sspe.runId': runId,
    'spark.sspe.partitions': String(trial.config.partitions),
    'spark.sspe.framesPerPartition': String(resolvedFramesPerPartition(trial.config, trial.fps, options.scenario)),
    'spark.sspe.concurrentJobs': String(trial.config.concurrentJobs),
    'spark.sspe.fps': String(trial.fps),
    'spark.sspe.warmupBatches': String(options.job.warmupBatches ?? 1),
    'spark.sspe.megapixelsPerFrame': String(meanFrameMegapixels(options.scenario.workload)),
  };
}

/** Knobs of a configuration the real job cannot honour, as a failure reason; null when it can run. */
function unsupported(config: SparkConfig): string | null {
  // The job waits for a fixed executor count before its first batch; with dynamic allocation it would measure a moving target.
  if (config.dynamicAllocation.enabled) return 'dynamic allocation is not supported by the real backend (the job runs a fixed number of executors)';
  return null;
}

// ------------------------------------------------------------------ outcome

type Batch = VideoJobMetrics['batches'][number];
type Partition = Batch['partitions'][number];

const NAN_QUANTILES: Quantiles = { mean: Number.NaN, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };

function measuredBatches(metrics: VideoJobMetrics | null): Batch[] {
  return metrics === null ? [] : metrics.batches.filter((batch) => !batch.warmup);
}

/** From the first measured batch's submission to its last partition's output, ms (epoch times of the driver's clock). */
function measuredWindow(batches: Batch[]): { startMs: number; endMs: number } | null {
  const partitions = batches.flatMap((batch) => batch.partitions);
  if (batches.length === 0 || partitions.length === 0) return null;
  return { startMs: batches[0].submitMs, endMs: Math.max(...partitions.map((p) => p.endMs)) };
}

/** Executors registered when the first measured batch started: those after the batch before it, else at stream start. */
function executorsAtFirstMeasuredBatch(metrics: VideoJobMetrics | null): number {
  if (metrics === null) return 0;
  const first = metrics.batches.findIndex((batch) => !batch.warmup);
  if (first > 0) return metrics.batches[first - 1].executorsRegistered;
  return metrics.executorsAtStart;
}

interface InputChunk {
  file: string;
  widthPx: number;
  heightPx: number;
  frames: number;
}

/** The store's chunks as the job listed them (an extra field of its metrics). */
function inputChunks(metrics: VideoJobMetrics): InputChunk[] {
  const chunks = (metrics as { inputChunks?: unknown }).inputChunks;
  if (!Array.isArray(chunks)) return [];
  return chunks.filter(
    (c): c is InputChunk =>
      typeof c === 'object' && c !== null && typeof c.file === 'string' && typeof c.widthPx === 'number' && typeof c.heightPx === 'number' && typeof c.frames === 'number',
  );
}

/**
 * Mean megapixels of the frames the measured batches processed (from the
 * partitions' segments and the store's chunk sizes), else of the whole
 * store; NaN without metrics.
 */
export function megapixelsPerFrame(metrics: VideoJobMetrics | null): number {
  if (metrics === null) return Number.NaN;
  const chunks = inputChunks(metrics);
  const byFile = new Map(chunks.map((c) => [c.file, (c.widthPx * c.heightPx) / 1e6]));
  let pixels = 0;
  let frames = 0;
  for (const partition of measuredBatches(metrics).flatMap((b) => b.partitions)) {
    const segments = (partition as Partition & { segments?: unknown }).segments;
    if (!Array.isArray(segments)) continue;
    for (const segment of segments) {
      const mp = byFile.get(segment?.file);
      if (mp === undefined || typeof segment.frames !== 'number') continue;
      pixels += mp * segment.frames;
      frames += segment.frames;
    }
  }
  if (frames > 0) return pixels / frames;
  const storeFrames = chunks.reduce((sum, c) => sum + c.frames, 0);
  if (storeFrames === 0) return Number.NaN;
  return chunks.reduce((sum, c) => sum + ((c.widthPx * c.heightPx) / 1e6) * c.frames, 0) / storeFrames;
}

/** Frame-weighted share of measured frames whose processing time exceeded the SLO; NaN without frames. */
function sloViolationFraction(batches: Batch[], sloPerFrameMs: number): number {
  let frames = 0;
  let late = 0;
  for (const partition of batches.flatMap((b) => b.partitions)) {
    frames += partition.frames;
    if (partition.perFrameMs > sloPerFrameMs) late += partition.frames;
  }
  return frames > 0 ? late / frames : Number.NaN;
}

/**
 * Busy task slots ÷ slots of the executors over the measured window, from
 * the event log's tasks (launch to finish as the driver saw them, clipped to
 * the window). NaN when there is no log or no window.
 */
async function cpuUtilisation(eventLogPath: string | null, window: { startMs: number; endMs: number } | null, slots: number): Promise<number> {
  if (eventLogPath === null || window === null || slots <= 0 || window.endMs <= window.startMs) return Number.NaN;
  let busyMs = 0;
  try {
    const log = await parseEventLog(eventLogPath, { allowPartialLastLine: true });
    for (const task of log.tasks) {
      busyMs += Math.max(0, Math.min(task.finishTimeMs, window.endMs) - Math.max(task.launchTimeMs, window.startMs));
    }
  } catch {
    // The launcher already read this log and reported any problem with it (SubmitResult.eventLog.problem).
    return Number.NaN;
  }
  return Math.min(1, busyMs / (slots * (window.endMs - window.startMs)));
}

export interface OutcomeContext {
  request: SubmitRequest;
  sloPerFrameMs: number;
  costPerHour: number;
}

/** A TrialOutcome from one spark-submit's result: the job's metrics plus its event log. */
export async function outcomeFrom(result: SubmitResult, context: OutcomeContext): Promise<TrialOutcome> {
  const { request } = context;
  const metrics = result.metrics;
  const batches = measuredBatches(metrics);
  const window = measuredWindow(batches);
  const executorsRunning = executorsAtFirstMeasuredBatch(metrics);
  const framesProcessed = metrics?.summary.measuredFrames ?? 0;
  const measuredBatchesAsked = request.job.maxBatches === undefined ? 0 : request.job.maxBatches - (request.job.warmupBatches ?? 0);
  const nominalFrames = measuredBatchesAsked * request.job.partitions * request.job.framesPerPartition;
  // A successful run's store may hold fewer batches than asked for: what arrived is what ran. A failed one left the rest behind.
  const framesArrived = result.failure === null ? framesProcessed : Math.max(nominalFrames, framesProcessed);
  const slotUtil = await cpuUtilisation(result.eventLogPath, window, executorsRunning * request.executorCores);
  return {
    perFrameMs: metrics?.summary.perFrameMs ?? NAN_QUANTILES,
    throughputFps: metrics?.summary.throughputFps ?? 0,
    backlogFrames: framesArrived - framesProcessed,
    framesArrived,
    framesProcessed,
    framesDropped: 0,
    // No Kubernetes metrics on every master: the busy share of task slots stands in for CPU used ÷ requested.
    cpuUtil: slotUtil,
    slotUtil,
    // The event log has no executor memory use unless spark.eventLog.logStageExecutorMetrics is set, which the launcher keeps to itself.
    memUtil: Number.NaN,
    executorsRunning,
    pendingPods: Math.max(0, request.executorInstances - executorsRunning),
    taskFailures: result.eventLog?.taskFailures ?? 0,
    executorLosses: result.eventLog?.executorLosses.length ?? 0,
    costPerHour: context.costPerHour,
    sloViolationFraction: sloViolationFraction(batches, context.sloPerFrameMs),
    redeployed: true,
    windowMs: window === null ? 0 : window.endMs - window.startMs,
    wallMs: result.wallMs,
    failure: result.failure,
  };
}

/** The calibration record of one spark-submit (bridge/calibration/real-run.ts). */
export function realRunFrom(result: SubmitResult, request: SubmitRequest): RealRun {
  const metrics = result.metrics;
  const q = metrics?.summary.perFrameMs ?? null;
  return {
    runId: result.runId,
    master: masterSpec(request.master),
    cores: request.executorCores,
    memoryMb: request.executorMemoryMb,
    instances: request.executorInstances,
    partitions: request.job.partitions,
    framesPerPartition: request.job.framesPerPartition,
    ...concurrentJobsField(request.job.concurrentJobs),
    fps: request.job.fps,
    batches: metrics?.summary.measuredBatches ?? 0,
    megapixelsPerFrame: megapixelsPerFrame(metrics),
    perFrameMs: result.failure === null && q !== null ? { mean: q.mean, p50: q.p50, p95: q.p95, p99: q.p99 } : null,
    executorsRunning: executorsAtFirstMeasuredBatch(metrics),
    wallMs: result.wallMs,
    eventLogPath: result.eventLogPath,
    failure: result.failure,
  };
}

/** The result of a run that never reached spark-submit. */
function notSubmitted(request: SubmitRequest, failure: string): SubmitResult {
  return {
    runId: request.runId,
    command: '',
    args: [],
    exitCode: null,
    signal: null,
    timedOut: false,
    wallMs: 0,
    runDir: '',
    stdoutPath: '',
    stderrPath: '',
    stderrTail: '',
    stdoutTail: '',
    metricsPath: '',
    metrics: null,
    eventLogPath: null,
    eventLog: null,
    executorLogDir: null,
    failure,
  };
}

// ------------------------------------------------------------------ backend

function requirePositiveInteger(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new UserInputError(`expected a positive integer ${what}, got ${value}`);
}

/** Compact UTC time for run ids: 20240102T030405Z. */
function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export class RealBackend implements Backend {
  readonly kind = 'real' as const;
  private readonly options: RealBackendOptions;
  private readonly now: () => Date;
  private runIdBase: string;
  private trials = 0;
  private closed = false;
  private last: { run: RealRun; result: SubmitResult } | null = null;
  private nodeChange: NodeCountChange | null = null;

  constructor(options: RealBackendOptions) {
    requirePositiveInteger('number of measured batches', options.job.batches);
    const warmup = options.job.warmupBatches ?? 1;
    if (!Number.isInteger(warmup) || warmup < 0) throw new UserInputError(`expected a non-negative integer number of warm-up batches, got ${warmup}`);
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw new UserInputError(`expected a positive timeout (ms), got ${options.timeoutMs}`);
    if (options.costPerHour !== undefined && !(options.costPerHour >= 0)) throw new UserInputError(`expected a cost per hour >= 0, got ${options.costPerHour}`);
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.runIdBase = `${options.runIdPrefix ?? 'trial'}-${stamp(this.now())}`;
  }

  /** The calibration record of the latest trial; null before the first. */
  get lastRun(): RealRun | null {
    return this.last?.run ?? null;
  }

  /** The launcher's full result of the latest trial (logs, tails, event log health); null before the first. */
  get lastResult(): SubmitResult | null {
    return this.last?.result ?? null;
  }

  /** A real cluster has no seed to set; the seed names the next trials' run ids. */
  async reset(seed: string | number): Promise<void> {
    this.trials = 0;
    this.runIdBase = `${this.options.runIdPrefix ?? 'trial'}-${stamp(this.now())}-s${String(seed).replace(/[^A-Za-z0-9._-]/g, '_')}`;
  }

  async runTrial(request: TrialRequest): Promise<TrialOutcome> {
    this.trials += 1;
    return this.runTrialAs(request, `${this.runIdBase}-${String(this.trials).padStart(4, '0')}`);
  }

  /** runTrial under a chosen run id ([A-Za-z0-9._-], unique within the submitter's runs directory). */
  async runTrialAs(trial: TrialRequest, runId: string): Promise<TrialOutcome> {
    const context = { sloPerFrameMs: this.options.scenario.slo.perFrameMs, costPerHour: this.options.costPerHour ?? 0 };
    let request = submitRequestFor(trial, runId, this.options);
    const refusal = this.closed ? 'the real backend is closed' : unsupported(trial.config) ?? this.unenactable(trial.config);
    if (refusal !== null) return this.record(request, refusal, context);
    try {
      const enacted = await this.enactInfrastructure(trial.config, runId);
      request = { ...request, conf: { ...request.conf, ...enacted.conf } };
      if (enacted.costPerHour !== null) context.costPerHour = enacted.costPerHour;
    } catch (error) {
      return this.record(request, messageOf(error), context);
    }
    let result: SubmitResult;
    try {
      result = await this.options.submitter.submit(request);
    } catch (error) {
      // The launcher refuses a request it could never run (a config that fits no worker…) by throwing.
      return this.record(request, `could not submit: ${messageOf(error)}`, context);
    }
    if (this.options.job.keepOutput !== true) await this.removeOutput(runId);
    this.last = { run: realRunFrom(result, request), result };
    return outcomeFrom(result, { request, ...context });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The node count, in pool order, after the latest trial that set it; null before one did. */
  get lastNodeChange(): NodeCountChange | null {
    return this.nodeChange;
  }

  /** Why the cluster knobs of `config` cannot be enacted here; null when they can (or none is set). */
  private unenactable(config: TrialRequest['config']): string | null {
    if (this.options.infrastructure !== undefined) return null;
    const set = [config.nodeCount !== undefined ? 'the node count' : null, config.placement !== undefined ? 'the placement' : null].filter((k) => k !== null);
    if (set.length === 0) return null;
    return `${set.join(' and ')} cannot be enacted on ${masterSpec(this.options.master)}: only a Kubernetes master (k8s://…) has an Infrastructure Manager`;
  }

  /**
   * Before the run is submitted: the node pool opened or closed to the
   * trial's node count (cordon/uncordon and drain), and the executor pod
   * template of its placement written. Returns the Spark settings and the
   * cost of the nodes left open; throws with one line when the cluster
   * refuses.
   */
  private async enactInfrastructure(config: TrialRequest['config'], runId: string): Promise<{ conf: Record<string, string>; costPerHour: number | null }> {
    const infra = this.options.infrastructure;
    if (infra === undefined) return { conf: {}, costPerHour: null };
    let costPerHour: number | null = null;
    if (config.nodeCount !== undefined) {
      try {
        this.nodeChange = await infra.manager.setNodeCount(config.nodeCount);
      } catch (error) {
        throw new Error(`could not set the node pool to ${config.nodeCount} node(s): ${messageOf(error)}`, { cause: error });
      }
      costPerHour = infra.costPerHourOf(this.nodeChange.schedulable);
    }
    if (config.placement === undefined) return { conf: {}, costPerHour };
    let conf: Record<string, string>;
    try {
      await mkdir(infra.podTemplateDir, { recursive: true });
      conf = writeExecutorPodTemplate(join(infra.podTemplateDir, `${runId}-executor-pod.yaml`), await infra.manager.setPlacement(config.placement));
    } catch (error) {
      throw new Error(`could not prepare placement '${config.placement}': ${messageOf(error)}`, { cause: error });
    }
    return { conf, costPerHour };
  }

  private async record(request: SubmitRequest, failure: string, context: Omit<OutcomeContext, 'request'>): Promise<TrialOutcome> {
    const result = notSubmitted(request, failure);
    this.last = { run: realRunFrom(result, request), result };
    return outcomeFrom(result, { request, ...context });
  }

  private async removeOutput(runId: string): Promise<void> {
    const dir = join(this.options.job.outputDir, runId);
    try {
      await rm(dir, { recursive: true, force: true });
    } catch (error) {
      // The measurement stands; a leftover folder is worth a warning, not a failed trial.
      process.emitWarning(`could not remove the job output ${dir}: ${messageOf(error)}`);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
