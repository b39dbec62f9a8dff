import type { LoadTrace } from '../config.js';

/**
 * Load traces as functions of simulated time: the frame rate at t, and the
 * number of frames arrived by t (its integral). Frames are never simulated one
 * event each: batches are cut where the integral reaches the batch size.
 */

export function fpsAt(trace: LoadTrace, tMs: number): number {
  switch (trace.kind) {
    case 'constant':
      return trace.fps;
    case 'step':
      return pieceAt(trace.steps, tMs);
    case 'ramp':
      return tMs >= trace.durationMs ? trace.toFps : trace.fromFps + ((trace.toFps - trace.fromFps) * tMs) / trace.durationMs;
    case 'diurnal': {
      const mid = (trace.minFps + trace.maxFps) / 2;
      const amp = (trace.maxFps - trace.minFps) / 2;
      // Minimum at t = phaseMs, maximum half a period later.
      return mid - amp * Math.cos((2 * Math.PI * (tMs - trace.phaseMs)) / trace.periodMs);
    }
    case 'spike':
      return tMs >= trace.atMs && tMs < trace.atMs + trace.durationMs ? trace.spikeFps : trace.baseFps;
    case 'replay':
      return pieceAt(trace.points, tMs);
  }
}

/** Frames arrived in [0, tMs]. Non-decreasing in t. */
export function framesBy(trace: LoadTrace, tMs: number): number {
  const s = tMs / 1000;
  switch (trace.kind) {
    case 'constant':
      return trace.fps * s;
    case 'step':
      return piecewiseIntegral(trace.steps, tMs);
    case 'ramp': {
      const d = trace.durationMs / 1000;
      if (s <= d) return trace.fromFps * s + ((trace.toFps - trace.fromFps) * s * s) / (2 * d);
      return ((trace.fromFps + trace.toFps) * d) / 2 + trace.toFps * (s - d);
    }
    case 'diurnal': {
      const mid = (trace.minFps + trace.maxFps) / 2;
      const amp = (trace.maxFps - trace.minFps) / 2;
      const w = (2 * Math.PI) / (trace.periodMs / 1000);
      const p = trace.phaseMs / 1000;
      return mid * s - (amp / w) * (Math.sin(w * (s - p)) - Math.sin(w * -p));
    }
    case 'spike': {
      const start = trace.atMs / 1000;
      const end = (trace.atMs + trace.durationMs) / 1000;
      const inSpike = Math.max(0, Math.min(s, end) - start);
      return trace.baseFps * (s - inSpike) + trace.spikeFps * inSpike;
    }
    case 'replay':
      return piecewiseIntegral(trace.points, tMs);
  }
}

/**
 * The earliest time ≥ fromMs by which framesBy reaches `frames`, or Infinity
 * if that does not happen before `horizonMs`.
 */
export function timeOfFrames(trace: LoadTrace, frames: number, fromMs: number, horizonMs: number): number {
  if (framesBy(trace, fromMs) >= frames) return fromMs;
  if (trace.kind === 'constant') {
    const t = (frames / trace.fps) * 1000;
    return t <= horizonMs ? t : Infinity;
  }
  if (framesBy(trace, horizonMs) < frames) return Infinity;
  let low = fromMs;
  let high = horizonMs;
  // Bisection to well under a microsecond of simulated time.
  while (high - low > 1e-4) {
    const mid = (low + high) / 2;
    if (framesBy(trace, mid) >= frames) high = mid;
    else low = mid;
  }
  return high;
}

function pieceAt(points: readonly { atMs: number; fps: number }[], tMs: number): number {
  let fps = 0;
  for (const point of points) {
    if (point.atMs > tMs) break;
    fps = point.fps;
  }
  return fps;
}

/** Integral of a piecewise-constant rate that is 0 before the first point. */
function piecewiseIntegral(points: readonly { atMs: number; fps: number }[], tMs: number): number {
  let frames = 0;
  for (let i = 0; i < points.length; i++) {
    const start = points[i].atMs;
    if (start >= tMs) break;
    const end = i + 1 < points.length ? Math.min(points[i + 1].atMs, tMs) : tMs;
    frames += (points[i].fps * (end - start)) / 1000;
  }
  return frames;
}
