/**
 * The Vertical Pod Autoscaler's recommender, applied to the executor pod's
 * cores and memory. From every measured window it takes the CPU the executor
 * pods used (cpuUtil × the CPU they request) and their memory working set
 * (memUtil × the pod's memory limit), and recommends as the request
 *
 *   target = max(percentile(usage, 0.9) × (1 + 0.15), minimum)
 *
 * over a usage history whose weights halve every 24 h (CPU samples also
 * weighted by the CPU requested, as the recommender weights them; memory
 * as one peak per 24 h aggregation interval). The requests become knob
 * values rounded up to the scenario's grid (the VPA too rounds its
 * recommendations up): cores = CPU target ÷ cpuRequestRatio, and the heap
 * whose pod (heap + Spark's memory overhead) holds the memory target.
 * https://github.com/kubernetes/autoscaler/blob/master/vertical-pod-autoscaler/docs/flags.md
 * (what are the parameters to VPA recommender?) and the recommender's
 * estimator (pkg/recommender/logic/recommender.go: percentile, margin, minimum).
 *
 * Exact weighted percentiles stand in for the recommender's histograms
 * (buckets 5 % wide). Left out: the updater's rule that evicts a pod whose
 * request lies within the recommended [lower, upper] bound only after 12 h;
 * here the target is applied when its grid value differs from the current
 * one. The VPA documentation warns against pairing it with an HPA on CPU;
 * operators do it anyway, and so does k8s-stack.
 */
import { executorPodCpu, executorPodMemoryMb } from '../../../sim/spark/constants.js';
import type { OptionValues } from '../../config/options.js';
import type { KnobPoint } from '../../space/grid.js';
import type { KnobValues } from '../../space/knobs.js';
import type { DecisionContext } from '../agent.js';
import { resolveOptions } from './options.js';
import { declaredKnob, gridValueAtLeast, type KnobRecommender } from './stack.js';
import { WindowClock } from './window-clock.js';

const DAY_MS = 86_400_000;

export const VPA_OPTIONS = {
  targetCpuPercentile: { kind: 'number', default: 0.9, min: 0, max: 1, description: 'CPU usage percentile the target recommendation starts from (--target-cpu-percentile)' },
  targetMemoryPercentile: { kind: 'number', default: 0.9, min: 0, max: 1, description: 'memory peak percentile the target recommendation starts from (--target-memory-percentile)' },
  recommendationMarginFraction: { kind: 'number', default: 0.15, min: 0, max: 10, description: 'fraction of usage added as the safety margin to the recommended request (--recommendation-margin-fraction)' },
  podMinCpuMillicores: { kind: 'number', default: 25, min: 0, max: 1_000_000, description: 'smallest CPU recommendation for a pod, millicores (--pod-recommendation-min-cpu-millicores)' },
  podMinMemoryMb: { kind: 'number', default: 250, min: 0, max: 1_048_576, description: 'smallest memory recommendation for a pod, MB (--pod-recommendation-min-memory-mb)' },
  cpuHistogramDecayHalfLifeMs: { kind: 'number', default: DAY_MS, min: 1, max: 365 * DAY_MS, integer: true, description: 'time for a CPU usage sample to lose half its weight, ms (--cpu-histogram-decay-half-life, 24h)' },
  memoryHistogramDecayHalfLifeMs: { kind: 'number', default: DAY_MS, min: 1, max: 365 * DAY_MS, integer: true, description: 'time for a memory peak to lose half its weight, ms (--memory-histogram-decay-half-life, 24h)' },
  memoryAggregationIntervalMs: { kind: 'number', default: DAY_MS, min: 1, max: 365 * DAY_MS, integer: true, description: 'one memory sample (the peak) per interval this long, ms (--memory-aggregation-interval, 24h)' },
} as const;

export type VpaOptions = OptionValues<typeof VPA_OPTIONS>;

interface WeightedSample {
  value: number;
  weight: number;
}

/** What the recommender recommends now, per executor pod; NaN before any usage was seen. */
export interface VpaTarget {
  cpuCores: number;
  memoryMb: number;
}

export class VpaRecommender implements KnobRecommender {
  readonly name = 'vpa';
  readonly options: VpaOptions;
  private readonly clock = new WindowClock();
  private cpu: WeightedSample[] = [];
  /** Peak working set per aggregation interval (by the interval's index), with the time of the peak. */
  private memoryPeaks = new Map<number, { mb: number; atMs: number }>();

  constructor(options: Partial<VpaOptions> = {}) {
    this.options = resolveOptions('vpa', VPA_OPTIONS, options);
  }

  reset(): void {
    this.clock.reset();
    this.cpu = [];
    this.memoryPeaks.clear();
  }

  recommend(ctx: DecisionContext, planned: KnobPoint): KnobValues {
    const target = this.target(ctx);
    const out: KnobValues = {};
    const cores = declaredKnob(ctx, 'executorCores');
    if (cores !== undefined && Number.isFinite(target.cpuCores)) {
      const ratio = (planned as KnobValues).cpuRequestRatio ?? ctx.config.cpuRequestRatio;
      out.executorCores = gridValueAtLeast(cores, target.cpuCores / ratio);
    }
    const memory = declaredKnob(ctx, 'executorMemoryMb');
    if (memory !== undefined && Number.isFinite(target.memoryMb)) {
      const overheadMb = (planned as KnobValues).executorMemoryOverheadMb ?? ctx.config.executorMemoryOverheadMb;
      out.executorMemoryMb = smallestHeapHolding(memory.values as number[], target.memoryMb, overheadMb);
    }
    return out;
  }

  /** The target recommendation after the last window (which it records first). */
  target(ctx: DecisionContext): VpaTarget {
    this.observe(ctx);
    const { targetCpuPercentile, targetMemoryPercentile, recommendationMarginFraction, podMinCpuMillicores, podMinMemoryMb } = this.options;
    const margin = 1 + recommendationMarginFraction;
    const memoryPeaks = [...this.memoryPeaks.values()].map((p) => ({ value: p.mb, weight: decay(p.atMs, this.options.memoryHistogramDecayHalfLifeMs) }));
    const cpu = weightedPercentile(this.cpu, targetCpuPercentile);
    const memory = weightedPercentile(memoryPeaks, targetMemoryPercentile);
    return {
      cpuCores: Number.isNaN(cpu) ? NaN : Math.max(cpu * margin, podMinCpuMillicores / 1000),
      memoryMb: Number.isNaN(memory) ? NaN : Math.max(memory * margin, podMinMemoryMb),
    };
  }

  /** Records the last window's usage, once per window. */
  private observe(ctx: DecisionContext): void {
    const last = ctx.last;
    if (!this.clock.observe(last) || last === null || last.executorsRunning === 0) return;
    const endMs = this.clock.nowMs;
    // The window ran with the configuration the decision starts from.
    const requestedCores = executorPodCpu(ctx.config.executorCores, ctx.config.cpuRequestRatio);
    if (Number.isFinite(last.cpuUtil) && last.cpuUtil >= 0) {
      const weight = last.windowMs * requestedCores * decay(endMs, this.options.cpuHistogramDecayHalfLifeMs);
      this.cpu.push({ value: last.cpuUtil * requestedCores, weight });
    }
    if (Number.isFinite(last.memUtil) && last.memUtil >= 0) {
      const mb = last.memUtil * executorPodMemoryMb(ctx.config);
      const interval = Math.floor(Math.max(0, endMs - last.windowMs) / this.options.memoryAggregationIntervalMs);
      const peak = this.memoryPeaks.get(interval);
      if (peak === undefined || mb > peak.mb) this.memoryPeaks.set(interval, { mb, atMs: endMs });
    }
  }
}

/** The weight of a sample at `atMs` relative to one at time 0: newer samples count more, doubling every half-life. */
function decay(atMs: number, halfLifeMs: number): number {
  return 2 ** (atMs / halfLifeMs);
}

/** The smallest sample value whose cumulative weight reaches `p` of the total; NaN without samples. */
export function weightedPercentile(samples: readonly WeightedSample[], p: number): number {
  const sorted = samples.filter((s) => s.weight > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((sum, s) => sum + s.weight, 0);
  if (sorted.length === 0 || !(total > 0)) return NaN;
  let cumulative = 0;
  for (const s of sorted) {
    cumulative += s.weight;
    if (cumulative >= p * total - 1e-9 * total) return s.value;
  }
  return sorted[sorted.length - 1].value;
}

/** The smallest heap on the grid whose executor pod (heap + overhead) holds `podMemoryMb`; the largest when none does. */
function smallestHeapHolding(heaps: readonly number[], podMemoryMb: number, overheadMb: number | undefined): number {
  const sorted = [...heaps].sort((a, b) => a - b);
  const podOf = (heap: number) => executorPodMemoryMb({ executorMemoryMb: heap, executorMemoryOverheadMb: overheadMb });
  return sorted.find((heap) => podOf(heap) >= podMemoryMb - 1e-9) ?? sorted[sorted.length - 1];
}
