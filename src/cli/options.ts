import { UserInputError } from '../errors.js';

/** Options every command takes. */
export interface GlobalOptions {
  json: boolean;
  seed?: number;
}

export const MAX_FPS = 100_000;

export function checkFps(fps: number | undefined): number | undefined {
  if (fps === undefined) return undefined;
  if (!Number.isFinite(fps) || fps <= 0 || fps > MAX_FPS) {
    throw new UserInputError(`--fps: expected a number in (0, ${MAX_FPS}], got ${String(fps)}`);
  }
  return fps;
}
