/**
 * Helpers shared by the whole-model tests: drive a SparkOnK8sModel one event
 * at a time so a test can look at the state after every event, and small
 * cluster and profile variants of the paper testbed.
 */
import type { NodeSpec, RunSpec } from '../../../sim/config.js';
import type { SparkOnK8sModel } from '../../../sim/model.js';
import type { ProfileParameters } from '../../../sim/profile.js';

export interface ProcessedEvent {
  timeMs: number;
  kind: string;
  arg: number;
}

/**
 * Runs the model to `untilMs`, calling `after` once after every event's
 * handler has run (the observer hook fires before the handler, so we stop the
 * loop after each event and look then). Replaces any observer, so a run
 * driven this way records no trace hash.
 */
export function runObserved(model: SparkOnK8sModel, untilMs: number, after: (event: ProcessedEvent) => void): void {
  let last: ProcessedEvent = { timeMs: 0, kind: '', arg: 0 };
  model.sim.observe((timeMs, kind, arg) => {
    last = { timeMs, kind: model.sim.kindName(kind), arg };
    model.sim.stop();
  });
  try {
    for (;;) {
      const before = model.sim.eventsProcessed;
      model.runUntil(untilMs);
      if (model.sim.eventsProcessed === before) break;
      after(last);
    }
  } finally {
    model.sim.observe(null);
  }
}

/** Executors not yet gone (requested or running). */
export function aliveExecutors(model: SparkOnK8sModel): number {
  return model.app.executors.filter((e) => e.phase !== 'gone').length;
}

export function node(name: string, vcpu: number, memoryMb: number, costPerHour = 0.1664): NodeSpec {
  return { name, vcpu, memoryMb, costPerHour };
}

/** A spec with its cluster nodes replaced. */
export function withNodes(spec: RunSpec, nodes: NodeSpec[], storageNode = nodes[0].name): RunSpec {
  return { ...spec, cluster: { ...spec.cluster, nodes, storageNode, maxNodes: Math.max(spec.cluster.maxNodes, nodes.length + 2) } };
}

/** A spec with some profile parameters replaced (e.g. noise switched off for exact comparisons). */
export function withParameters(spec: RunSpec, parameters: Partial<ProfileParameters>): RunSpec {
  return { ...spec, profile: { ...spec.profile, parameters: { ...spec.profile.parameters, ...parameters } } };
}

/** No task jitter and no start-up spread: every duration is its median. */
export const NO_NOISE: Partial<ProfileParameters> = { taskJitterSigma: 0, startupSigma: 0, nodeProvisionSigma: 0 };

/** A load of `fps` for `forMs`, then nothing: a fixed number of frames. */
export function burst(fps: number, forMs: number): RunSpec['workload']['trace'] {
  return { kind: 'step', steps: [{ atMs: 0, fps }, { atMs: forMs, fps: 0 }] };
}
