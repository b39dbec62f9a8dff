import type { SparkConfig } from '../../sim/config.js';
import type { TrialOutcome } from '../backend/backend.js';
import type { ConfigurationManager } from './configuration.js';

/** The observation features, in order; each is scaled to [0, 1]. */
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

export type ObservationFeature = (typeof OBSERVATION_FEATURES)[number];

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
}

/** What the State Manager needs to know about the moment of decision. */
export interface StateInput {
  fps: number;
  config: Pick<SparkConfig, 'executorCores' | 'executorMemoryMb' | 'executorInstances'>;
  last: TrialOutcome | null;
}

/**
 * The State Manager: turns raw metrics and the current configuration into
 * observations. Pure given its normalisation, so `sspe decide` can rebuild an
 * observation from a state.json without the scenario.
 */
export class StateManager {
  constructor(readonly normalisation: ObservationNormalisation) {}

  static forScenario(options: { maxFps: number; sloPerFrameMs: number; configuration: ConfigurationManager }): StateManager {
    const space = options.configuration.actionSpace;
    return new StateManager({
      features: OBSERVATION_FEATURES,
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
    }
  }
}
