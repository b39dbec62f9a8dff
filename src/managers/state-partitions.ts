/**
 * What each of the five agents sees: its partition of the State Manager's
 * features. Every agent sees the load and how the last window went (the
 * shared SLO); beyond that, its own knobs (from the knob table's
 * `observation`) and the signals its decisions act on.
 */
import { KNOB_TABLE, knobsOf, type AgentName, type KnobName } from '../space/knobs.js';
import type { ObservationFeature } from './state.js';

/** Every agent: the load, which way it moves, and the team's SLO signals. */
const SHARED: readonly ObservationFeature[] = ['load_fps', 'load_trend', 'last_per_frame_mean', 'last_per_frame_p95', 'backlog', 'dropped_fraction'];

/** The signals each agent's decisions act on, beyond its own knobs. */
const SIGNALS: Record<AgentName, readonly ObservationFeature[]> = {
  // Capacity: are pods waiting for a node, how full are the requests, what they cost.
  cluster: ['pending_pods', 'cpu_util', 'request_cost', 'cores', 'instances'],
  // Spark's own view of parallelism: slots busy, tasks waiting, executors up.
  parallelism: ['slot_util', 'pending_tasks', 'executors_running', 'pending_pods', 'cpu_util'],
  // Placement: the cluster it places on, and what failures took down.
  scheduler: ['nodes', 'executor_losses', 'cpu_util'],
  // Resources: usage against requests and limits, and OOM kills.
  resources: ['cpu_util', 'mem_util', 'executor_losses', 'request_cost'],
  // Engine knobs: memory pressure and how batches queue.
  tuner: ['mem_util', 'slot_util', 'pending_tasks'],
};

/**
 * The partition of `agent` in a scenario that declares `declared`: shared
 * features, the agent's declared knobs, its signals. A knob feature whose
 * knob the scenario does not declare is left out (it would be constant).
 */
export function partitionOf(agent: AgentName, declared: readonly KnobName[]): ObservationFeature[] {
  const knobFeature = new Map<string, KnobName>(Object.entries(KNOB_TABLE).map(([name, k]) => [k.observation, name as KnobName]));
  const own = knobsOf(agent)
    .filter((name) => declared.includes(name))
    .map((name) => KNOB_TABLE[name].observation as ObservationFeature);
  const out: ObservationFeature[] = [];
  for (const feature of [...SHARED, ...own, ...SIGNALS[agent]]) {
    const knob = knobFeature.get(feature);
    if (knob !== undefined && !declared.includes(knob)) continue;
    if (!out.includes(feature)) out.push(feature);
  }
  return out;
}
