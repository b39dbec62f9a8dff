import type { SparkConfig, WorkloadSpec } from '../config.js';
import type { Simulation } from '../engine/simulation.js';
import { fpsAt, framesBy, timeOfFrames } from './trace.js';

/** A micro-batch handed to Spark. */
export interface Batch {
  id: number;
  /** When the batch reached Spark (was cut), ms. */
  submitMs: number;
  /** When its first and last frames were captured, ms. */
  captureStartMs: number;
  captureEndMs: number;
  frames: number;
  /** Frames in each partition (task), in partition order. */
  partitionFrames: number[];
}

/** Mean megapixels of a frame, over the sources weighted by their share of the frame rate. */
export function meanFrameMegapixels(workload: WorkloadSpec): number {
  let weight = 0;
  let megapixels = 0;
  for (const source of workload.sources) {
    weight += source.weight;
    megapixels += (source.weight * source.widthPx * source.heightPx) / 1e6;
  }
  return weight > 0 ? megapixels / weight : 0;
}

/**
 * Gathers arriving frames into micro-batches: `partitions` partitions of
 * `framesPerPartition` frames each, cut when full or when the batch interval
 * elapses. One event per batch, none per frame.
 */
export class Batcher {
  private cutFrames = 0;
  private lastCutMs = 0;
  private nextId = 0;
  private stopped = false;
  /** Bumped by reschedule(); a cut event from an older generation is ignored. */
  private generation = 0;
  private readonly kCut: number;

  constructor(
    private readonly sim: Simulation,
    private readonly workload: WorkloadSpec,
    private readonly config: () => SparkConfig,
    private readonly horizonMs: number,
    private readonly onBatch: (batch: Batch) => void,
  ) {
    this.kCut = sim.register('batch-cut', (generation) => {
      if (this.stored) this.topUp();
      else if (generation === this.generation) this.cut();
    });
  }

  start(): void {
    this.lastCutMs = this.sim.nowMs;
    if (this.stored) {
      this.cutFrames = 0;
      this.topUp();
      return;
    }
    this.cutFrames = this.arrivedBy(this.sim.nowMs);
    this.scheduleNext();
  }

  /** Recomputes the next cut after the load or the batch shape changed. */
  reschedule(): void {
    this.generation++;
    if (this.stored) this.topUp();
    else this.scheduleNext();
  }

  private get stored(): boolean {
    return this.workload.arrival === 'stored';
  }

  /**
   * A stored video: the driver keeps concurrentJobs batches in Spark, cutting
   * the next one from the store as soon as a job ends (a cut event, so that
   * the ending job's own bookkeeping completes first).
   */
  jobEnded(): void {
    if (!this.stored || this.stopped) return;
    this.inSpark--;
    if (this.sim.nowMs < this.horizonMs) this.sim.schedule(0, this.kCut, this.generation);
  }

  /** Batches handed to Spark and not yet ended (stored mode). */
  private inSpark = 0;

  private topUp(): void {
    while (this.inSpark < this.config().concurrentJobs && this.sim.nowMs < this.horizonMs) this.cutStored();
  }

  private cutStored(): void {
    const config = this.config();
    const perPartition = this.framesPerPartitionNow();
    const partitionFrames: number[] = new Array(config.partitions).fill(perPartition);
    const frames = perPartition * config.partitions;
    this.cutFrames += frames;
    this.inSpark++;
    // The frames were on the store all along: capture = submission.
    const batch: Batch = { id: this.nextId++, submitMs: this.sim.nowMs, captureStartMs: this.sim.nowMs, captureEndMs: this.sim.nowMs, frames, partitionFrames };
    this.lastCutMs = this.sim.nowMs;
    this.onBatch(batch);
  }

  /** Frames captured by time t (whole frames); for a stored video, the frames read so far. */
  arrivedBy(tMs: number): number {
    if (this.stored) return this.cutFrames;
    return Math.floor(framesBy(this.workload.trace, tMs) + 1e-9);
  }

  /** Frames captured but not yet in a batch. */
  get openFrames(): number {
    return this.arrivedBy(this.sim.nowMs) - this.cutFrames;
  }

  framesPerPartitionNow(): number {
    const setting = this.config().framesPerPartition;
    if (setting !== 'fps') return setting;
    const oneSecond = Math.round(fpsAt(this.workload.trace, this.sim.nowMs));
    return Math.min(this.workload.maxFramesPerPartition, Math.max(this.workload.minFramesPerPartition, oneSecond));
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const config = this.config();
    const size = config.partitions * this.framesPerPartitionNow();
    let at = timeOfFrames(this.workload.trace, this.cutFrames + size, this.sim.nowMs, this.horizonMs);
    if (config.batchIntervalMs > 0) at = Math.min(at, this.lastCutMs + config.batchIntervalMs);
    if (at <= this.horizonMs) this.sim.scheduleAt(Math.max(at, this.sim.nowMs), this.kCut, this.generation);
  }

  private cut(): void {
    const config = this.config();
    const size = config.partitions * this.framesPerPartitionNow();
    const frames = Math.min(size, this.arrivedBy(this.sim.nowMs) - this.cutFrames);
    if (frames > 0) {
      const partitions = Math.min(config.partitions, frames);
      const base = Math.floor(frames / partitions);
      const extra = frames - base * partitions;
      const partitionFrames: number[] = new Array(partitions);
      for (let i = 0; i < partitions; i++) partitionFrames[i] = base + (i < extra ? 1 : 0);
      this.cutFrames += frames;
      const batch: Batch = {
        id: this.nextId++,
        submitMs: this.sim.nowMs,
        captureStartMs: this.lastCutMs,
        captureEndMs: this.sim.nowMs,
        frames,
        partitionFrames,
      };
      this.lastCutMs = this.sim.nowMs;
      this.onBatch(batch);
    } else {
      this.lastCutMs = this.sim.nowMs;
    }
    this.scheduleNext();
  }
}
