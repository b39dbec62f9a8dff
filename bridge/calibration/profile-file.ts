/**
 * The profile `sspe calibrate` writes (--profile): checked before the fit,
 * written atomically after it.
 */
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LatencyProfile } from '../../sim/profile.js';
import { UserInputError } from '../../src/errors.js';
import { makeDir } from '../../src/output-dir.js';

/** Fails before the fit, not after it, when the profile could not be written there. */
export async function checkProfileTarget(path: string): Promise<void> {
  if (typeof path !== 'string' || path.trim() === '') throw new UserInputError('--profile: expected a file path, got none');
  try {
    if ((await stat(path)).isDirectory()) throw new UserInputError(`--profile: expected a file path, got a directory: ${path}`);
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UserInputError(`--profile: cannot use ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Writes a temporary file beside the target and renames it over: readers see the old profile or the new one, never half. */
export async function writeProfileAtomically(path: string, profile: LatencyProfile): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    // One level at a time: a recursive mkdir never returns under /proc (src/output-dir.ts).
    makeDir(dirname(path), '--profile');
    await writeFile(temporary, JSON.stringify(profile, null, 2) + '\n', 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new UserInputError(`--profile: cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}
