import type { SparkConfig } from '../../sim/config.js';
import type { TrialOutcome } from '../backend/backend.js';
import type { ConfigurationManager } from './configuration.js';
import type { Configuration } from '../space/grid.js';
import { EXECUTOR_KNOBS, KNOB_NAMES, KNOB_TABLE, type KnobName, type KnobValue } from '../space/knobs.js';

/** The single-agent observation over the paper's three knobs, in order; each feature is scaled to [0, 1]. */
export const OBSERVATION_FEATURES = [
  'load_fps',
  'cores',
  'memory_mb',
  'instances',
  'last_per_frame_mean',
  'last_per_frame_p95',
  'cpu_util',
  'mem_util',
  'backlog',
  'pending_pods',
  'dropped_fraction',
  'executors_running',
] as const;

/** One feature per knob of the table beyond the paper's three: its position on the scenario's grid. */
export const EXTRA_KNOB_FEATURES = KNOB_NAMES.filter((name) => !(EXECUTOR_KNOBS as readonly string[]).includes(name)).map(
  (name) => KNOB_TABLE[name].observation,
) as readonly ExtraKnobFeature[];

type ExtraKnobFeature = (typeof KNOB_TABLE)[Exclude<KnobName, (typeof EXECUTOR_KNOBS)[number]>]['observation'];

/**
 * Metrics that the agents beyond the paper's need (cost for the Cluster
 * Autoscaler, Spark's own view for parallelism, which way the load moves for
 * anyone whose change takes time to land: a VM boots for minutes).
 */
export const EXTRA_METRIC_FEATURES = ['request_cost', 'slot_util', 'pending_tasks', 'executor_losses', 'load_trend'] as const;

/** Every feature the State Manager can compute. */
export const ALL_FEATURES = [...OBSERVATION_FEATURES, ...EXTRA_KNOB_FEATURES, ...EXTRA_METRIC_FEATURES] as const;

export type ObservationFeature = (typeof OBSERVATION_FEATURES)[number] | ExtraKnobFeature | (typeof EXTRA_METRIC_FEATURES)[number];

/** Which features each agent sees (the State Manager can partition the state). */
export type StatePartition = readonly ObservationFeature[];

/** How raw values were scaled; saved with a policy so a fresh process builds the same observation. */
export interface ObservationNormalisation {
  features: readonly ObservationFeature[];
  maxFps: number;
  sloPerFrameMs: number;
  /** Per-frame times are divided by (SLO × this) and clipped to 1. */
  latencyScale: number;
  actionSpace: { [K in 'executorCores' | 'executorMemoryMb' | 'executorInstances']: { min: number; max: number } };
  /** The grid of every other declared knob, for its feature (absent in policies of the paper's three knobs). */
  knobValues?: Partial<Record<KnobName, KnobValue[]>>;
  /** $/hour of requests that scales request_cost to [0, 1] (absent when no feature needs it). */
  requestCostScalePerHour?: number;
}

/** What the State Manager needs to know about the moment of decision. */
export interface StateInput {
  fps: number;
  config: Pick<SparkConfig, 'executorCores' | 'executorMemoryMb' | 'executorInstances'> & Partial<Configuration>;
  last: TrialOutcome | null;
}

/**
 * The State Manager: turns raw metrics and the current configuration into
 * observations. Pure given its normalisation, so `sspe decide` can rebuild an
 * observation from a state.json without the scenario.
 */
export class StateManager {
  constructor(readonly normalisation: ObservationNormalisation) {}

  static forScenario(options: { maxFps: number; sloPerFrameMs: number; configuration: ConfigurationManager; requestCostScalePerHour?: number }): StateManager {
    const space = options.configuration.actionSpace;
    // Beyond the paper's three knobs, each declared knob is observed, and so is what its owner needs to see.
    const extra = options.configuration.knobs.filter((k) => !(EXECUTOR_KNOBS as readonly string[]).includes(k.name));
    const knobValues = Object.fromEntries(extra.map((k) => [k.name, k.values])) as Partial<Record<KnobName, KnobValue[]>>;
    const features: ObservationFeature[] = [...OBSERVATION_FEATURES];
    if (extra.length > 0) {
      features.push(...extra.map((k) => k.declaration.observation as ExtraKnobFeature), ...EXTRA_METRIC_FEATURES);
    }
    return new StateManager({
      features,
      ...(extra.length > 0 ? { knobValues, requestCostScalePerHour: options.requestCostScalePerHour ?? 1 } : {}),
      maxFps: options.maxFps,
      sloPerFrameMs: options.sloPerFrameMs,
      latencyScale: 4,
      actionSpace: {
        executorCores: { min: space.executorCores.min, max: space.executorCores.max },
        executorMemoryMb: { min: space.executorMemoryMb.min, max: space.executorMemoryMb.max },
        executorInstances: { min: space.executorInstances.min, max: space.executorInstances.max },
      },
    });
  }

  get size(): number {
    return this.normalisation.features.length;
  }

  /** The full observation, or the features of one partition. */
  observe(input: StateInput, partition?: StatePartition): Float32Array {
    const features = partition ?? this.normalisation.features;
    const out = new Float32Array(features.length);
    features.forEach((feature, i) => {
      out[i] = this.feature(feature, input);
    });
    return out;
  }

  private feature(feature: ObservationFeature, { fps, config, last }: StateInput): number {
    const n = this.normalisation;
    const unit = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1);
    const knob = (k: keyof ObservationNormalisation['actionSpace'], v: number) => {
      const r = n.actionSpace[k];
      return r.max > r.min ? unit((v - r.min) / (r.max - r.min)) : 0;
    };
    const latency = (ms: number) => unit(ms / (n.sloPerFrameMs * n.latencyScale));
    switch (feature) {
      case 'load_fps':
        return unit(fps / n.maxFps);
      case 'cores':
        return knob('executorCores', config.executorCores);
      case 'memory_mb':
        return knob('executorMemoryMb', config.executorMemoryMb);
      case 'instances':
        return knob('executorInstances', config.executorInstances);
      case 'last_per_frame_mean':
        return last === null ? 0 : last.failure !== null ? 1 : latency(last.perFrameMs.mean);
      case 'last_per_frame_p95':
        return last === null ? 0 : last.failure !== null ? 1 : latency(last.perFrameMs.p95);
      case 'cpu_util':
        return last === null ? 0 : unit(last.cpuUtil);
      case 'mem_util':
        return last === null ? 0 : unit(last.memUtil);
      case 'backlog':
        return last === null ? 0 : unit(last.backlogFrames / Math.max(1, last.framesArrived));
      case 'pending_pods':
        return last === null ? 0 : unit(last.pendingPods / Math.max(1, config.executorInstances));
      case 'dropped_fraction':
        return last === null ? 0 : unit(last.framesDropped / Math.max(1, last.framesProcessed + last.framesDropped));
      case 'executors_running':
        return last === null ? 0 : unit(last.executorsRunning / Math.max(1, config.executorInstances));
      case 'request_cost':
        return last === null ? 0 : unit((last.requestCostPerHour ?? last.costPerHour) / (n.requestCostScalePerHour ?? 1));
      case 'slot_util':
        return last === null ? 0 : unit(last.slotUtil ?? last.cpuUtil);
      case 'pending_tasks':
        return last === null ? 0 : unit((last.pendingTasksMean ?? 0) / Math.max(1, config.partitions ?? 1));
      case 'executor_losses':
        return last === null ? 0 : unit(last.executorLosses / Math.max(1, config.executorInstances));
      case 'load_trend':
        return loadTrend(fps, last, n.maxFps);
      default:
        return this.knobFeature(feature, config);
    }
  }

  /** A knob's position on the scenario's grid, in [0, 1]. */
  private knobFeature(feature: ExtraKnobFeature, config: StateInput['config']): number {
    const name = KNOB_BY_FEATURE.get(feature)!;
    const values = this.normalisation.knobValues?.[name];
    if (values === undefined || values.length < 2) return 0;
    const value = (config as Record<string, unknown>)[name];
    const index = values.indexOf(value as KnobValue);
    if (index >= 0) return index / (values.length - 1);
    // Off the grid (a state written by hand): where the number falls between the ends.
    if (typeof value !== 'number' || typeof values[0] !== 'number') return 0;
    const first = values[0] as number;
    const last = values[values.length - 1] as number;
    return Math.min(1, Math.max(0, (value - first) / (last - first)));
  }
}

/**
 * Which way the load moves: the load now minus the last window's arrival
 * rate (frames arrived ÷ window), centred on 0.5: 0.5 + 2 × change ÷ the
 * highest load (0.5 = steady, above = rising; a change of a quarter of the
 * highest load or more clips to 0 or 1). On a long-running application the
 * last window ran at the previous decision's load; a trial window
 * (backendMode 'trial') also counts its drain, when no frame arrives, so
 * there it reads high.
 */
function loadTrend(fps: number, last: TrialOutcome | null, maxFps: number): number {
  if (last === null || !(last.windowMs > 0)) return 0.5;
  const arrivalFps = (last.framesArrived / last.windowMs) * 1000;
  const trend = 0.5 + (2 * (fps - arrivalFps)) / maxFps;
  return Number.isFinite(trend) ? Math.min(1, Math.max(0, trend)) : 0.5;
}

const KNOB_BY_FEATURE = new Map<string, KnobName>(KNOB_NAMES.map((name) => [KNOB_TABLE[name].observation, name]));
