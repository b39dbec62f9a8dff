/**
 * The Python package sspe_gym (python/): its pytest suite, against the fake
 * server in python/tests and the real `node dist/bridge/cli/main.js serve-env`
 * that `npm test`'s tsc has just built. Fails with pytest's summary. Under
 * CI=true it always runs (and fails without the venv; python/tests fails when
 * dist has no serve-env); elsewhere it is skipped, with the reason in its
 * name, when scripts/setup-python.sh has not been run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const python = join(repo, '.venv', 'bin', 'python');
const inCi = process.env.CI === 'true';
const skipReason = !inCi && !existsSync(python) ? `no ${python}; run scripts/setup-python.sh` : null;
/** The suite starts several dozen servers (each a node process); generous for a shared 2-core machine. */
const pytestTimeoutMs = 15 * 60 * 1000;

/** pytest's closing lines: the short test summary and the counts. */
function summary(output: string): string {
  const lines = output.trimEnd().split('\n');
  const start = lines.findIndex((line) => line.includes('short test summary info'));
  return (start >= 0 ? lines.slice(start) : lines.slice(-30)).join('\n');
}

describe.skipIf(skipReason !== null)(`python/tests (pytest)${skipReason === null ? '' : ` (skipped: ${skipReason})`}`, () => {
  it(
    'passes',
    () => {
      const run = spawnSync(python, ['-m', 'pytest', 'python/tests', '-q', '-rfEs', '-p', 'no:cacheprovider'], {
        cwd: repo,
        encoding: 'utf8',
        timeout: pytestTimeoutMs,
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      });
      if (run.error !== undefined) throw new Error(`expected ${python} -m pytest to run, got ${run.error.message}`, { cause: run.error });
      const output = `${run.stdout}${run.stderr}`;
      expect(run.status, `pytest python/tests exited ${run.status}:\n${summary(output)}`).toBe(0);
    },
    pytestTimeoutMs,
  );
});
