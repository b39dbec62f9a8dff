/**
 * The runs `sspe bench sim` times, shared by the benchmark and its RSS child
 * process so that both simulate exactly the same thing.
 */
import { join } from 'node:path';
import type { RunSpec, VideoSource } from '../sim/config.js';
import { loadScenarioSync } from '../src/scenario/load.js';
import { actionSpaceConfigs, toRunSpec, type ExecutorConfig } from '../src/scenario/run-spec.js';
import type { Scenario } from '../src/scenario/schema.js';
import { repoRoot } from '../src/paths.js';
export { repoRoot };

/** Frame rate of the benchmark runs, fps (the paper's highest load level). */
export const BENCH_FPS = 60;

/** Simulated length of the peak-memory run: one hour, ms. */
export const RSS_RUN_MS = 3_600_000;


export function loadPaperTestbed(): Scenario {
  return loadScenarioSync(join(repoRoot(), 'scenarios', 'paper-testbed.yaml'));
}

/** The middle point of the action-space grid (2 cores, 800 MB, 7 instances on the paper testbed). */
export function midConfig(scenario: Scenario): ExecutorConfig {
  const configs = actionSpaceConfigs(scenario);
  const middle = <T>(values: T[]): T => values[Math.floor(values.length / 2)];
  const cores = middle([...new Set(configs.map((c) => c.executorCores))]);
  const memoryMb = middle([...new Set(configs.map((c) => c.executorMemoryMb))]);
  const instances = middle([...new Set(configs.map((c) => c.executorInstances))]);
  return { executorCores: cores, executorMemoryMb: memoryMb, executorInstances: instances };
}

/** A second traffic camera, so the memory run has four sources. */
const FOURTH_SOURCE: VideoSource = { name: 'traffic-camera-2', kind: 'camera', weight: 1, widthPx: 1280, heightPx: 720 };

/**
 * The peak-memory run: the paper testbed with four video sources, each
 * sending BENCH_FPS (4 × 60 = 240 fps in all, more than the cluster keeps up
 * with, so the backlog grows for the whole hour), at the mid configuration.
 */
export function rssRunSpec(scenario: Scenario, durationMs = RSS_RUN_MS): RunSpec {
  const spec = toRunSpec(scenario, { fps: 4 * BENCH_FPS, config: midConfig(scenario), durationMs });
  const sources = [...spec.workload.sources.slice(0, 3), FOURTH_SOURCE].map((source) => ({ ...source, weight: 1 }));
  if (sources.length !== 4) {
    throw new Error(`expected the paper testbed to have 3 video sources, got ${spec.workload.sources.length}`);
  }
  return { ...spec, workload: { ...spec.workload, sources } };
}
