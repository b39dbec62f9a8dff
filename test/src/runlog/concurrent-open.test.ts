import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RunLog } from '../../../src/runlog/run-log.js';

const compiled = pathToFileURL(resolve('dist/src/runlog/run-log.js')).href;

/** A separate process that opens the log at `path` for writing at `atMs` (epoch), logs a run, and says how it went. */
function openInChild(path: string, atMs: number): Promise<string> {
  const script = `import { RunLog } from ${JSON.stringify(compiled)};
while (Date.now() < ${atMs}) {}
try { const log = RunLog.open(${JSON.stringify(path)}); log.endRun(log.startRun({ command: 'train', scenario: 's', seed: 1, backend: 'simulated' }), 'ok'); log.close(); console.log('ok'); }
catch (error) { console.log(error.message); }`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', fail);
    child.on('close', () => done(out.trim()));
  });
}

describe('commands that open one run log at the same moment', () => {
  it('all get it, even when the log is being created (two trainings started together)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sspe-concurrent-'));
    try {
      // Before the fix about one open in 60 failed with SQLITE_BUSY; 8 rounds of 6 catch that most of the time.
      for (let round = 0; round < 8; round++) {
        const path = join(dir, `round-${round}.sqlite`);
        // Every child waits for the same instant (after they have all started), then opens.
        const at = Date.now() + 1500;
        const answers = await Promise.all(Array.from({ length: 6 }, () => openInChild(path, at)));
        expect(answers).toEqual(Array(6).fill('ok'));
        const log = RunLog.openReadOnly(path);
        try {
          expect(log.runs().length).toBe(6);
        } finally {
          log.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
