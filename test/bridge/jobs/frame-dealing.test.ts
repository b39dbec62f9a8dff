/**
 * The job's frame -> source mapping (bridge/jobs/video_grayscale.py): frames
 * are dealt round-robin from one stream per resolution, so every workload
 * shape (partitions x frames per partition) sees the same mix of frame sizes,
 * and a given frame of the run comes from the same place whatever the shape.
 * Runs the job's own planning functions (no Spark, no video files).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const venvPython = join(repo, '.venv', 'bin', 'python');
// The planner needs only numpy; any python3 with it will do when the venv is missing.
const python = existsSync(venvPython) ? venvPython : 'python3';

interface Segment {
  file: string;
  start: number;
  frames: number;
  widthPx: number;
  heightPx: number;
}

interface Plan {
  framesAvailable: number;
  batches: Segment[][][];
}

/** A store like make_test_videos.py writes (two chunks per source, names sorting camera < cctv < drone), planned for one shape. */
function plan(partitions: number, framesPerPartition: number, framesPerChunk = 100): Plan {
  const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(join(repo, 'bridge', 'jobs'))})
import video_grayscale as job
sizes = {"camera": (1280, 720), "cctv": (640, 480), "drone": (1920, 1080)}
chunks = [{"file": f"{s}-{w}x{h}-{c:03d}.mp4", "kind": "video", "frames": ${framesPerChunk}, "widthPx": w, "heightPx": h} for s, (w, h) in sizes.items() for c in range(2)]
streams = job.source_streams(sorted(chunks, key=lambda c: c["file"]))
available = job.dealt_frames_available(streams)
per_batch = ${partitions} * ${framesPerPartition}
batches = [[job.partition_segments(streams, b * per_batch + p * ${framesPerPartition}, ${framesPerPartition}) for p in range(${partitions})] for b in range(available // per_batch)]
print(json.dumps({"framesAvailable": available, "batches": batches}))
`;
  return JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8' })) as Plan;
}

const megapixels = (segments: Segment[]) => segments.reduce((sum, s) => sum + (s.widthPx * s.heightPx * s.frames) / 1e6, 0);
const frames = (segments: Segment[]) => segments.reduce((sum, s) => sum + s.frames, 0);
/** Mean of the three sources' frame sizes, MP. */
const STORE_MEAN_MP = (1280 * 720 + 640 * 480 + 1920 * 1080) / 3 / 1e6;
const LARGEST_MP = (1920 * 1080) / 1e6;
const SMALLEST_MP = (640 * 480) / 1e6;

describe('the job deals frames round-robin from one stream per resolution', () => {
  it.each([
    [2, 10],
    [7, 45],
    [5, 25],
    [8, 60],
    [6, 15],
  ])('%i partitions x %i frames: every partition has its share of each size, within one frame', (partitions, framesPerPartition) => {
    const { framesAvailable, batches } = plan(partitions, framesPerPartition);
    expect(framesAvailable).toBe(600);
    expect(batches.length).toBe(Math.floor(600 / (partitions * framesPerPartition)));
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      for (const segments of batch) {
        expect(frames(segments)).toBe(framesPerPartition);
        const bySize = new Map<number, number>();
        for (const s of segments) bySize.set(s.widthPx, (bySize.get(s.widthPx) ?? 0) + s.frames);
        for (const width of [1280, 640, 1920]) {
          expect(Math.abs((bySize.get(width) ?? 0) - framesPerPartition / 3)).toBeLessThan(1);
        }
      }
      // A batch's mean frame size is the store's, give or take one frame swapped between the smallest and the largest size.
      const all = batch.flat();
      expect(Math.abs(megapixels(all) / frames(all) - STORE_MEAN_MP)).toBeLessThanOrEqual((LARGEST_MP - SMALLEST_MP) / frames(all) + 1e-9);
    }
  });

  it('reads each frame of the run from the same file and position whatever the shape', () => {
    /** Where the run's frames were read from, as "file@position", over the plan's partitions in order. */
    const where = (p: Plan) => p.batches.flat().flatMap((segments) => segments.flatMap((s) => Array.from({ length: s.frames }, (_, k) => `${s.file}@${s.start + k}`)));
    const a = new Set(where(plan(2, 10)).slice(0, 60));
    const b = new Set(where(plan(4, 15)).slice(0, 60));
    const c = new Set(where(plan(1, 60)).slice(0, 60));
    // The first 60 frames of the run: 20 from each source's first chunk, the same 60 in every shape.
    expect(a).toEqual(b);
    expect(a).toEqual(c);
    expect([...a].filter((at) => at.startsWith('cctv-640x480-000.mp4@')).sort()).toEqual(
      Array.from({ length: 20 }, (_, k) => `cctv-640x480-000.mp4@${k}`).sort(),
    );
  });

  it('ends the dealt stream where the shortest resolution stream runs out', () => {
    const script = `
import sys
sys.path.insert(0, ${JSON.stringify(join(repo, 'bridge', 'jobs'))})
import video_grayscale as job
chunks = [{"file": "a.mp4", "kind": "video", "frames": 10, "widthPx": 64, "heightPx": 48}, {"file": "b.mp4", "kind": "video", "frames": 4, "widthPx": 32, "heightPx": 24}]
print(job.dealt_frames_available(job.source_streams(chunks)))
`;
    // Frames 0..8 alternate a, b; frame 9 would be b's fifth, which does not exist.
    expect(execFileSync(python, ['-c', script], { encoding: 'utf8' }).trim()).toBe('9');
  });
});
