import type { RunSpec, SparkConfig } from '../../sim/config.js';
import type { RunResult } from '../../sim/metrics/result.js';
import { SparkOnK8sModel } from '../../sim/model.js';
import type { Scenario } from '../scenario/schema.js';
import { toRunSpec } from '../scenario/run-spec.js';
import { MAX_MS } from '../scenario/schema.js';
import { resolvedFramesPerPartition } from '../managers/configuration.js';
import { requestPricing, type RequestPricing } from '../scenario/pricing.js';
import type { Backend, TrialOutcome, TrialRequest } from './backend.js';
import { RequestMeter } from './request-meter.js';
import { enact, redeployNeeded } from './sim-enactor.js';
import type { Configuration } from '../space/grid.js';

export interface SimulatedBackendOptions {
  /** 'trial': a fresh steady-state run per trial (the paper's spark-submit per trial); 'continuous': one application reconfigured in place. */
  mode: 'trial' | 'continuous';
  /** Micro-batches per measurement window. */
  windowBatches: number;
  /** continuous mode: time after a reconfiguration before the window starts, ms. */
  settleMs: number;
}

/** A trial whose batches are not done after this many windows past its window is cut off (the rest counts as backlog). */
const TRIAL_DRAIN_LIMIT_WINDOWS = 20;

/** The time `batches` micro-batches take to fill at `fps`, in whole ms (rounded up so the last batch is cut inside the window). */
export function windowMsFor(config: SparkConfig, fps: number, batches: number, scenario: Scenario): number {
  const frames = config.partitions * resolvedFramesPerPartition(config, fps, scenario);
  return Math.ceil((batches * frames * 1000) / fps);
}

/**
 * One trial as the 'trial' mode runs it: the load for spec.durationMs, then,
 * like a spark-submit over a fixed input, until its batches are done (at
 * most TRIAL_DRAIN_LIMIT_WINDOWS more windows). Every frame handed to Spark
 * in the window is counted, the slow ones too.
 */
export function simulateTrial(spec: RunSpec): RunResult {
  const model = new SparkOnK8sModel(spec);
  try {
    runDrained(model, spec.durationMs);
    return model.result();
  } finally {
    model.destroy();
  }
}

/** The load for `windowMs`, then until the batches handed to Spark are done (a trial). */
function runDrained(model: SparkOnK8sModel, windowMs: number): void {
  model.runUntil(windowMs);
  model.drain(TRIAL_DRAIN_LIMIT_WINDOWS * windowMs);
}

/** The simulator behind the Backend seam. */
export class SimulatedBackend implements Backend {
  readonly kind = 'simulated' as const;
  private seed: string | number = 0;
  private trials = 0;
  private model: SparkOnK8sModel | null = null;
  private meter: RequestMeter | null = null;
  private currentConfig: Configuration | null = null;
  private currentFps = 0;
  private readonly pricing: RequestPricing;

  constructor(
    private readonly scenario: Scenario,
    private readonly options: SimulatedBackendOptions,
  ) {
    this.pricing = requestPricing(scenario);
  }

  async reset(seed: string | number): Promise<void> {
    this.seed = seed;
    this.trials = 0;
    this.model?.destroy();
    this.model = null;
    this.meter = null;
    this.currentConfig = null;
  }

  async runTrial(request: TrialRequest): Promise<TrialOutcome> {
    return this.runTrialSync(request);
  }

  /** The same as runTrial, without a promise: training loops over the simulator use it directly. */
  runTrialSync(request: TrialRequest): TrialOutcome {
    const started = performance.now();
    const windowMs = windowMsFor(request.config, request.fps, this.options.windowBatches, this.scenario);
    const trialSeed = `${this.seed}/trial-${this.trials++}`;
    if (this.options.mode === 'trial') {
      const previous = this.currentConfig;
      this.currentConfig = request.config;
      const spec = toRunSpec(this.scenario, { config: request.config, fps: request.fps, durationMs: windowMs, seed: trialSeed });
      spec.warmStart = true;
      spec.warmupMs = 0;
      const model = new SparkOnK8sModel(spec);
      const meter = new RequestMeter(model);
      try {
        // Like a spark-submit over a fixed input: the trial ends when its batches are done.
        runDrained(model, windowMs);
        return toOutcome(model.result(), {
          redeployed: redeployNeeded(previous, request.config),
          requestCostPerHour: meter.costPerHour(this.pricing),
          wallMs: performance.now() - started,
        });
      } finally {
        model.destroy();
      }
    }
    return this.continuousTrial(request, windowMs, started);
  }

  private continuousTrial(request: TrialRequest, windowMs: number, started: number): TrialOutcome {
    let redeployed = false;
    if (this.model === null) {
      // One long application; its load follows the fps of each trial (a step trace built as it goes).
      const spec = toRunSpec(this.scenario, { config: request.config, fps: request.fps, durationMs: MAX_MS, seed: this.seed });
      spec.workload.trace = { kind: 'step', steps: [{ atMs: 0, fps: request.fps }] };
      spec.warmStart = true;
      spec.warmupMs = 0;
      this.model = new SparkOnK8sModel(spec);
      this.meter = new RequestMeter(this.model);
      this.model.start();
      this.currentFps = request.fps;
    } else {
      const model = this.model;
      if (request.fps !== this.currentFps) {
        model.setLoad(request.fps);
        this.currentFps = request.fps;
      }
      redeployed = redeployNeeded(this.currentConfig, request.config);
      enact(model, this.currentConfig!, request.config);
      model.runUntil(model.sim.nowMs + this.options.settleMs);
    }
    this.currentConfig = request.config;
    const model = this.model;
    const meter = this.meter!;
    model.resetWindow();
    meter.reset();
    model.runUntil(model.sim.nowMs + windowMs);
    return toOutcome(model.result(), { redeployed, requestCostPerHour: meter.costPerHour(this.pricing), wallMs: performance.now() - started });
  }

  async close(): Promise<void> {
    this.model?.destroy();
    this.model = null;
    this.meter = null;
  }
}

export { redeployNeeded } from './sim-enactor.js';

/** A window's RunResult as the Backend seam reports it. */
export function toOutcome(result: RunResult, extra: { redeployed: boolean; requestCostPerHour: number; wallMs: number }): TrialOutcome {
  const { redeployed, wallMs } = extra;
  const hours = result.simulatedMs / 3_600_000;
  return {
    perFrameMs: result.perFrameMs,
    throughputFps: result.throughputFps,
    backlogFrames: result.backlogFrames,
    framesArrived: result.framesArrived,
    framesProcessed: result.framesProcessed,
    framesDropped: result.framesDropped,
    cpuUtil: result.cpuUtil,
    memUtil: result.memUtil,
    slotUtil: result.slotUtil,
    pendingTasksMean: result.pendingTasksMean,
    executorsRunning: result.executors.length,
    pendingPods: result.pendingPods,
    taskFailures: result.failures.taskFailures,
    executorLosses: result.failures.executorLosses,
    costPerHour: hours > 0 ? result.cost / hours : 0,
    requestCostPerHour: extra.requestCostPerHour,
    sloViolationFraction: result.sloViolations.fraction,
    redeployed,
    windowMs: result.simulatedMs,
    wallMs,
    failure: Number.isNaN(result.perFrameMs.mean) ? 'no frame was processed in the window' : null,
  };
}
