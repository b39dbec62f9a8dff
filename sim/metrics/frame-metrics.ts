import type { Batch } from '../workload/batcher.js';
import { LatencyHistogram } from './histogram.js';

/** Frames of a partition are spread over the batch's capture span; e2e latency is recorded in this many groups. */
const CAPTURE_GROUPS = 4;

/**
 * Frame-level outcomes, streamed into histograms and counters (nothing is
 * stored per frame). Latencies count only frames whose batch reached Spark
 * inside the current window and after the warm-up.
 */
export class FrameMetrics {
  readonly perFrame = new LatencyHistogram();
  readonly endToEnd = new LatencyHistogram();
  /** Since the start of the run. */
  totalProcessed = 0;
  totalDropped = 0;
  /** Since the start of the window. */
  processed = 0;
  dropped = 0;
  sloViolations = 0;
  measured = 0;
  batches = 0;
  private windowStartMs = 0;

  constructor(
    private readonly warmupMs: number,
    private readonly sloPerFrameMs: number,
  ) {}

  recordBatch(): void {
    this.batches++;
  }

  /** A partition's output is written: all its frames are done. */
  recordPartition(batch: Batch, frames: number, nowMs: number): void {
    this.totalProcessed += frames;
    this.processed += frames;
    if (batch.submitMs < this.warmupMs || batch.submitMs < this.windowStartMs) return;
    const perFrameMs = nowMs - batch.submitMs;
    this.perFrame.record(perFrameMs, frames);
    this.measured += frames;
    if (perFrameMs > this.sloPerFrameMs) this.sloViolations += frames;
    const span = batch.captureEndMs - batch.captureStartMs;
    let left = frames;
    for (let g = 0; g < CAPTURE_GROUPS && left > 0; g++) {
      const inGroup = g === CAPTURE_GROUPS - 1 ? left : Math.min(left, Math.ceil(frames / CAPTURE_GROUPS));
      const captureMs = batch.captureStartMs + ((g + 0.5) / CAPTURE_GROUPS) * span;
      this.endToEnd.record(nowMs - captureMs, inGroup);
      left -= inGroup;
    }
  }

  recordDropped(frames: number): void {
    this.totalDropped += frames;
    this.dropped += frames;
  }

  resetWindow(nowMs: number): void {
    this.windowStartMs = nowMs;
    this.perFrame.reset();
    this.endToEnd.reset();
    this.processed = 0;
    this.dropped = 0;
    this.sloViolations = 0;
    this.measured = 0;
    this.batches = 0;
  }

  destroy(): void {
    this.perFrame.destroy();
    this.endToEnd.destroy();
  }
}
