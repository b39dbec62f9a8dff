/**
 * The video store a collection runs on: generated test videos
 * (bridge/jobs/make_test_videos.py) made once and reused, and the frame
 * sizes a store holds (its manifest.json), which the runs' event logs report.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UserInputError } from '../../src/errors.js';
import { repoRoot } from '../../src/paths.js';
import type { Scenario } from '../../src/scenario/schema.js';

/** Frame rate of the generated test-video chunks; the load (--fps) is independent of it. */
const TEST_VIDEO_FPS = 10;
/** Sources make_test_videos.py writes (camera, cctv, drone). */
const TEST_VIDEO_SOURCES = 3;

function framesInStore(dir: string): number {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { chunks?: { frames?: number }[] };
    return (manifest.chunks ?? []).reduce((sum, chunk) => sum + (chunk.frames ?? 0), 0);
  } catch {
    return 0;
  }
}

/** The store's chunks as sources of its frame sizes, weighted by frames (manifest.json); none without a manifest. */
export function storeSources(dir: string): Scenario['workload']['sources'] {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { chunks?: { file?: string; widthPx?: number; heightPx?: number; frames?: number }[] };
    return (manifest.chunks ?? []).flatMap((chunk, i) =>
      typeof chunk.widthPx === 'number' && typeof chunk.heightPx === 'number' && typeof chunk.frames === 'number' && chunk.frames > 0
        ? [{ name: chunk.file ?? `chunk-${i}`, kind: 'camera' as const, weight: chunk.frames, widthPx: chunk.widthPx, heightPx: chunk.heightPx }]
        : [],
    );
  } catch {
    return [];
  }
}

/**
 * Generated test videos holding at least `frames` frames (bridge/jobs/make_test_videos.py), reused when already there.
 * With a scale, one source (the camera) at that scale: every frame of the store has the same size.
 */
export async function ensureTestVideos(dir: string, frames: number, scale: number | null): Promise<void> {
  if (framesInStore(dir) >= frames) return;
  const python = join(repoRoot(), '.venv', 'bin', 'python');
  const sources = scale === null ? TEST_VIDEO_SOURCES : 1;
  const chunks = Math.ceil(frames / (sources * TEST_VIDEO_FPS));
  const script = join(repoRoot(), 'bridge', 'jobs', 'make_test_videos.py');
  const scaleArgs = scale === null ? [] : ['--scale', String(scale), '--sources', 'camera'];
  try {
    await promisify(execFile)(python, [script, '--output-dir', dir, '--fps', String(TEST_VIDEO_FPS), '--seconds', '1', '--chunks', String(chunks), ...scaleArgs]);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').pop() ?? (error as Error).message;
    throw new UserInputError(`expected to make test videos in ${dir} with ${python} (run scripts/setup-python.sh, or pass --input-dir), could not: ${detail}`, { cause: error });
  }
}
