/**
 * Output folders: made one level at a time, and checked before the work
 * that fills them starts. Node's `mkdir(path, { recursive: true })` never
 * returns for a path under /proc (procfs answers ENOENT for every mkdir and
 * Node retries forever), so `--out /proc/nope/x` hung instead of failing.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserInputError } from './errors.js';

/** The nearest folder above (or at) `path` that exists, and the levels below it still to make. */
function existingAncestor(path: string): { existing: string; missing: string[] } {
  const missing: string[] = [];
  let at = resolve(path);
  for (;;) {
    try {
      statSync(at);
      return { existing: at, missing };
    } catch {
      missing.unshift(at);
      const parent = dirname(at);
      if (parent === at) return { existing: at, missing };
      at = parent;
    }
  }
}

/**
 * Throws a one-line UserInputError unless `path` is a folder, or a folder
 * could be made there: its nearest existing ancestor is a writable folder.
 * `what` names the path in the message: "--out", "run log".
 */
export function checkOutputDir(path: string, what: string): void {
  const { existing, missing } = existingAncestor(path);
  const info = statSync(existing, { throwIfNoEntry: false });
  if (info === undefined || !info.isDirectory()) {
    throw new UserInputError(`${what}: expected a folder that exists or can be made, got ${path} (${existing} is ${info === undefined ? 'missing' : 'a file'})`);
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch (error) {
    throw new UserInputError(`${what}: expected a folder this user can write, got ${path} (${existing} is not writable)`, { cause: error });
  }
  if (missing.length > 0 && /^\/(proc|sys)(\/|$)/.test(existing)) {
    throw new UserInputError(`${what}: expected a folder that can be made, got ${path} (nothing can be made under ${existing})`);
  }
}

/** Makes `path` and its missing parents, one level at a time; a failure is one line naming `what`. */
export function makeDir(path: string, what: string): void {
  checkOutputDir(path, what);
  for (const level of existingAncestor(path).missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new UserInputError(`${what}: cannot make ${level} (${(error as Error).message})`, { cause: error });
    }
  }
}
