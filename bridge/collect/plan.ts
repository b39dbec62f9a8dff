/**
 * What `sspe collect` runs: the executor shapes (--configs), workload shapes
 * (--workloads) and frame sizes (--frame-scales) it is given, and the plan
 * that interleaves their repeats. A run is named by everything that defines
 * it, so a resumed collection recognises the runs it already has.
 */
import { UserInputError } from '../../src/errors.js';
import { masterSpec } from '../backend/real.js';
import type { SparkMaster } from '../spark/launcher.js';

/** The default grid, before dropping what does not fit a local cluster. */
export const GRID = { cores: [1, 2], memoryMb: [512, 1024], instances: [1, 2] } as const;

export interface ExecutorShape {
  cores: number;
  memoryMb: number;
  instances: number;
}

/** How many executors of this shape a local cluster can launch (a worker launches only executors that fit it whole). */
export function localClusterCapacity(master: Extract<SparkMaster, { kind: 'local-cluster' }>, cores: number, memoryMb: number): number {
  if (cores > master.coresPerWorker || memoryMb > master.memoryPerWorkerMb) return 0;
  return master.workers * Math.min(Math.floor(master.coresPerWorker / cores), Math.floor(master.memoryPerWorkerMb / memoryMb));
}

function fits(master: SparkMaster, shape: ExecutorShape): boolean {
  return master.kind !== 'local-cluster' || shape.instances <= localClusterCapacity(master, shape.cores, shape.memoryMb);
}

export const shapeLabel = (s: ExecutorShape) => `${s.cores}/${s.memoryMb}/${s.instances}`;

/** Parses --configs: 'grid' (GRID, less what does not fit a local cluster) or 'cores/memoryMb/instances,…'. */
export function parseConfigs(text: string, master: SparkMaster): ExecutorShape[] {
  if (text.trim() === 'grid') {
    const grid: ExecutorShape[] = [];
    for (const cores of GRID.cores) for (const memoryMb of GRID.memoryMb) for (const instances of GRID.instances) grid.push({ cores, memoryMb, instances });
    const fitting = grid.filter((shape) => fits(master, shape));
    if (fitting.length === 0) throw new UserInputError(`--configs: no configuration of the grid fits ${masterSpec(master)}; give a list such as 1/512/1`);
    return fitting;
  }
  const shapes: ExecutorShape[] = [];
  for (const item of text.split(',')) {
    const match = /^\s*(\d+)\/(\d+)\/(\d+)\s*$/.exec(item);
    const [cores, memoryMb, instances] = match === null ? [0, 0, 0] : match.slice(1).map(Number);
    if (match === null || cores < 1 || memoryMb < 1 || instances < 1) {
      throw new UserInputError(`--configs: expected 'grid' or a list of cores/memoryMb/instances such as 1/512/1,2/1024/2, got '${item.trim()}'`);
    }
    const shape = { cores, memoryMb, instances };
    if (shapes.some((s) => shapeLabel(s) === shapeLabel(shape))) throw new UserInputError(`--configs: expected distinct configurations, got ${shapeLabel(shape)} twice`);
    if (master.kind === 'local-cluster' && !fits(master, shape)) {
      const capacity = localClusterCapacity(master, cores, memoryMb);
      throw new UserInputError(
        `--configs: ${shapeLabel(shape)} does not fit ${masterSpec(master)} (at most ${capacity} executors of ${cores} cores and ${memoryMb} MB)`,
      );
    }
    shapes.push(shape);
  }
  return shapes;
}

export interface WorkloadShape {
  partitions: number;
  framesPerPartition: number;
}

/** Parses --workloads: 'PxF,…' (partitions x frames per partition), distinct. */
export function parseWorkloads(text: string): WorkloadShape[] {
  const shapes: WorkloadShape[] = [];
  for (const item of text.split(',')) {
    const match = /^\s*(\d+)\s*x\s*(\d+)\s*$/.exec(item);
    const [partitions, framesPerPartition] = match === null ? [0, 0] : match.slice(1).map(Number);
    if (match === null || partitions < 1 || framesPerPartition < 1) {
      throw new UserInputError(`--workloads: expected partitions x frames per partition such as 2x10,4x10, got '${item.trim()}'`);
    }
    if (shapes.some((w) => w.partitions === partitions && w.framesPerPartition === framesPerPartition)) {
      throw new UserInputError(`--workloads: expected distinct workloads, got ${partitions}x${framesPerPartition} twice`);
    }
    shapes.push({ partitions, framesPerPartition });
  }
  return shapes;
}

/** Parses --frame-scales: distinct numbers in (0, 1], as make_test_videos.py --scale takes them. */
export function parseFrameScales(text: string): number[] {
  const scales: number[] = [];
  for (const item of text.split(',')) {
    const value = Number(item.trim());
    if (item.trim() === '' || !(value > 0 && value <= 1)) throw new UserInputError(`--frame-scales: expected scales in (0, 1] such as 0.125,0.5, got '${item.trim()}'`);
    if (scales.includes(value)) throw new UserInputError(`--frame-scales: expected distinct scales, got ${value} twice`);
    scales.push(value);
  }
  return scales;
}

export interface PlannedRun {
  runId: string;
  shape: ExecutorShape;
  workload: WorkloadShape;
  /** The test-video scale of its store; null: the one store (--input-dir, or the default test videos). */
  frameScale: number | null;
  repeat: number;
}

/** Names a run by everything that defines it, so a resumed collection recognises it. */
export function runIdFor(
  shape: ExecutorShape,
  workload: { partitions: number; framesPerPartition: number; fps: number; batches: number; frameScale?: number | null },
  repeat: number,
): string {
  const scale = workload.frameScale === undefined || workload.frameScale === null ? '' : `-s${workload.frameScale}`;
  return `c${shape.cores}-m${shape.memoryMb}-i${shape.instances}-p${workload.partitions}x${workload.framesPerPartition}-${workload.fps}fps-b${workload.batches}${scale}-r${repeat}`;
}

/**
 * Every run, repeats interleaved: round r runs every frame scale × workload ×
 * executor shape once before round r + 1 starts, so a drift of the machine
 * over the collection spreads over every configuration.
 */
export function planRuns(options: { shapes: readonly ExecutorShape[]; workloads: readonly WorkloadShape[]; frameScales: readonly (number | null)[]; repeat: number; fps: number; batches: number }): PlannedRun[] {
  const plan: PlannedRun[] = [];
  for (let repeat = 1; repeat <= options.repeat; repeat++) {
    for (const frameScale of options.frameScales) {
      for (const workload of options.workloads) {
        for (const shape of options.shapes) {
          plan.push({ runId: runIdFor(shape, { ...workload, fps: options.fps, batches: options.batches, frameScale }, repeat), shape, workload, frameScale, repeat });
        }
      }
    }
  }
  return plan;
}
