/**
 * Real runs that the simulator itself produced: a known profile on the
 * local-cluster scenario, with multiplicative noise on each measured mean.
 * When the truth is the simulator, a calibration should find the profile.
 */
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import { simulateRealRun } from '../../../bridge/calibration/simulate-run.js';
import type { LatencyProfile } from '../../../sim/profile.js';
import { Rng } from '../../../sim/random.js';
import type { Scenario } from '../../../src/scenario/schema.js';

export interface Workload {
  partitions: number;
  framesPerPartition: number;
  megapixelsPerFrame: number;
}

/** Executor configurations × workloads × repeats, measured with the truth and noise of `noiseSigma` (relative, normal). */
export function syntheticRuns(options: {
  scenario: Scenario;
  truth: LatencyProfile;
  configs: { cores: number; memoryMb: number; instances: number }[];
  workloads: Workload[];
  repeats: number;
  noiseSigma: number;
  fps: number;
  batches: number;
  seed: string;
}): RealRun[] {
  const rng = new Rng(options.seed, 'measurement-noise');
  const runs: RealRun[] = [];
  for (const config of options.configs) {
    for (const workload of options.workloads) {
      for (let repeat = 0; repeat < options.repeats; repeat++) {
        const runId = `c${config.cores}-m${config.memoryMb}-i${config.instances}-p${workload.partitions}x${workload.framesPerPartition}-mp${workload.megapixelsPerFrame}-r${repeat}`;
        const setting = { ...config, ...workload, fps: options.fps, batches: options.batches };
        const simulated = simulateRealRun(options.scenario, setting, options.truth, { maxBatches: options.batches, seed: `${options.seed}/${runId}` });
        const mean = simulated * (1 + options.noiseSigma * rng.normal());
        runs.push({
          runId,
          master: 'local-cluster[2,2,2048]',
          ...setting,
          perFrameMs: { mean, p50: mean, p95: mean, p99: mean },
          executorsRunning: config.instances,
          wallMs: 0,
          eventLogPath: null,
          failure: null,
        });
      }
    }
  }
  return runs;
}
