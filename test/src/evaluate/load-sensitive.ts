/**
 * A small scenario where load clearly matters (whatever the shipped profile
 * says): per-frame CPU dominates, so one 1-core executor keeps the SLO at
 * 10 fps and four slots are needed at 60 fps. 8 configurations
 * (cores 1-2 × instances 1-4, one memory size), so an exhaustive search
 * through a trace takes seconds.
 */
import { loadScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { PAPER_PROFILE, tempFiles } from '../scenario/fixtures.js';

export const LOAD_SENSITIVE_PROFILE = {
  name: 'load-sensitive',
  description: 'per-frame CPU dominates; small fixed costs; fast start-up (tests only)',
  parameters: {
    ...PAPER_PROFILE.parameters,
    frameCpuMsPerMegapixel: 80,
    // The CPU figures above are this cluster's own: no speed factor, no fixed CPU per task.
    cpuSpeedFactor: 1,
    taskCpuMs: 0,
    taskOverheadMs: 20,
    jobOverheadMs: 10,
    taskJitterSigma: 0.02,
    imagePullMedianMs: 2000,
    containerStartMedianMs: 500,
    jvmStartMedianMs: 1500,
    redeployMs: 5000,
  },
};

/** 10 fps, then 60 fps from `spikeAtS` for `spikeS` seconds, then 10 fps again, `durationS` in all. */
export function loadSensitiveYaml(options: { durationS?: number; spikeAtS?: number; spikeS?: number; pricing?: string } = {}): string {
  const durationS = options.durationS ?? 720;
  const spikeAtS = options.spikeAtS ?? 310;
  const spikeS = options.spikeS ?? 120;
  return `name: load-sensitive
profile: profile.json
cluster:
  nodes: { count: 2, vcpu: 4, memoryMb: 8192, costPerHour: 0.2 }
${options.pricing ?? ''}
spark:
  executorCores: 1
  executorMemoryMb: 1024
  executorInstances: 2
  partitions: 4
actionSpace:
  executorCores: { min: 1, max: 2 }
  executorMemoryMb: { min: 1024, max: 1024, step: 100 }
  executorInstances: { min: 1, max: 4 }
workload:
  sources:
    - { name: cctv, kind: cctv, widthPx: 640, heightPx: 480 }
  trace:
    kind: step
    steps:
      - { atMs: 0, fps: 10 }
      - { atMs: ${spikeAtS * 1000}, fps: 60 }
      - { atMs: ${(spikeAtS + spikeS) * 1000}, fps: 10 }
  fpsLevels: [10, 60]
run:
  durationMs: ${durationS * 1000}
slo:
  perFrameMs: 3000
`;
}

export async function loadSensitiveScenario(options: Parameters<typeof loadSensitiveYaml>[0] = {}): Promise<Scenario> {
  const dir = tempFiles({ 'profile.json': JSON.stringify(LOAD_SENSITIVE_PROFILE), 'scenario.yaml': loadSensitiveYaml(options) });
  return loadScenario(`${dir}/scenario.yaml`);
}
