/**
 * One long-running application following the scenario's own load trace (not
 * a step trace built window by window): what `sspe evaluate --trace` runs
 * each policy on. Reconfiguring is the simulator's: a changed cores, memory
 * or serializer is a redeploy (executors stop, redeployMs down, new ones
 * start), a changed instance count scales in place; the backlog carries over
 * from one interval to the next, and nothing is left out for settling.
 *
 * An interval's per-frame figures are those of the frames *finished* in it,
 * whenever their batch arrived: the simulator's own window counts only
 * batches submitted inside the window (right for a steady-state trial), which
 * would lose every frame of a backlog that spans a decision. See
 * FinishedFrames.
 */
import { LatencyHistogram } from '../../sim/metrics/histogram.js';
import { SparkOnK8sModel } from '../../sim/model.js';
import { fpsAt } from '../../sim/workload/trace.js';
import { requestPricing, type RequestPricing } from '../scenario/pricing.js';
import { toRunSpec } from '../scenario/run-spec.js';
import type { Scenario } from '../scenario/schema.js';
import type { TrialOutcome } from './backend.js';
import { RequestMeter } from './request-meter.js';
import { toOutcome } from './simulated.js';
import { enact, redeployNeeded } from './sim-enactor.js';
import type { Configuration } from '../space/grid.js';

export interface TraceRunOptions {
  scenario: Scenario;
  /** The configuration the application is submitted with (running at t = 0). */
  config: Configuration;
  seed: string | number;
}

export class TraceRun {
  private readonly model: SparkOnK8sModel;
  private readonly meter: RequestMeter;
  private readonly finished: FinishedFrames;
  private readonly pricing: RequestPricing;
  private config: Configuration;

  constructor(private readonly options: TraceRunOptions) {
    const { scenario } = options;
    const spec = toRunSpec(scenario, { config: options.config, seed: options.seed });
    // Every frame counts: the trace is what is served, from its first second.
    spec.warmupMs = 0;
    spec.warmStart = true;
    this.model = new SparkOnK8sModel(spec);
    this.meter = new RequestMeter(this.model);
    this.finished = new FinishedFrames(this.model, scenario.slo.perFrameMs);
    this.pricing = requestPricing(scenario);
    this.config = { ...options.config };
    this.model.start();
  }

  /** Simulated time now, ms. */
  get nowMs(): number {
    return this.model.sim.nowMs;
  }

  /** End of the trace, ms (the scenario's run.durationMs). */
  get durationMs(): number {
    return this.model.spec.durationMs;
  }

  /** The load arriving now, fps: what a policy deciding now can see (the trace at this instant, never later). */
  fpsNow(): number {
    return fpsAt(this.model.spec.workload.trace, this.nowMs);
  }

  /**
   * Applies `config` now (a redeploy or a scale when it differs from the
   * current one) and runs to `untilMs`; the outcome covers [now, untilMs].
   */
  interval(config: Configuration, untilMs: number): TrialOutcome {
    if (!(untilMs > this.nowMs) || untilMs > this.durationMs) {
      throw new RangeError(`TraceRun.interval: expected an end in (${this.nowMs}, ${this.durationMs}] ms, got ${untilMs}`);
    }
    const started = performance.now();
    const redeployed = redeployNeeded(this.config, config);
    if (!sameConfig(this.config, config)) {
      enact(this.model, this.config, config);
      this.config = { ...config };
    }
    this.startWindow();
    this.model.runUntil(untilMs);
    return this.outcome(redeployed, started);
  }

  /**
   * After the trace: no new frames; runs until every batch handed to Spark is
   * done or `maxExtraMs` have passed. Its frames are the trace's last ones.
   * `unfinishedFrames`: frames handed to Spark and still not processed; the
   * last partial batch, which only the end of the trace kept from being cut,
   * is not among them.
   */
  drain(maxExtraMs: number): TrialOutcome & { unfinishedFrames: number } {
    const started = performance.now();
    this.startWindow();
    this.model.drain(maxExtraMs);
    return { ...this.outcome(false, started), unfinishedFrames: this.model.totals().inFlight };
  }

  close(): void {
    this.meter.detach();
    this.finished.destroy();
    this.model.destroy();
  }

  private startWindow(): void {
    this.model.resetWindow();
    this.meter.reset();
    this.finished.reset();
  }

  private outcome(redeployed: boolean, startedWallMs: number): TrialOutcome {
    const result = this.model.result();
    const frames = this.finished.read();
    return toOutcome(
      { ...result, perFrameMs: frames.perFrameMs, sloViolations: frames.sloViolations },
      { redeployed, requestCostPerHour: this.meter.costPerHour(this.pricing), wallMs: performance.now() - startedWallMs },
    );
  }
}

/**
 * Per-frame time of every frame finished since the last reset, whenever its
 * batch reached Spark (warm-up excluded as the run's spec says).
 *
 * Workaround: FrameMetrics.recordPartition (sim/metrics/frame-metrics.ts)
 * skips batches submitted before its window and has no listener, so this
 * wraps the instance's method; the simulator's own figures are unchanged.
 */
class FinishedFrames {
  private readonly histogram = new LatencyHistogram();
  private violations = 0;
  private measured = 0;

  constructor(model: SparkOnK8sModel, sloPerFrameMs: number) {
    const metrics = model.metrics;
    const record = metrics.recordPartition.bind(metrics);
    const warmupMs = model.spec.warmupMs;
    metrics.recordPartition = (batch, frames, nowMs) => {
      record(batch, frames, nowMs);
      if (batch.submitMs < warmupMs) return;
      const perFrameMs = nowMs - batch.submitMs;
      this.histogram.record(perFrameMs, frames);
      this.measured += frames;
      if (perFrameMs > sloPerFrameMs) this.violations += frames;
    };
  }

  reset(): void {
    this.histogram.reset();
    this.violations = 0;
    this.measured = 0;
  }

  read() {
    return {
      perFrameMs: this.histogram.quantiles(),
      sloViolations: { frames: this.violations, fraction: this.measured > 0 ? this.violations / this.measured : 0 },
    };
  }

  destroy(): void {
    this.histogram.destroy();
  }
}

function sameConfig(a: Configuration, b: Configuration): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
