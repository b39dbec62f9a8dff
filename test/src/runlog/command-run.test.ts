import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../src/errors.js';
import { withCommandRun } from '../../../src/runlog/command-run.js';
import { RunLog } from '../../../src/runlog/run-log.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function logPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sspe-command-run-'));
  dirs.push(dir);
  return join(dir, 'runs.sqlite');
}

/** Each run's command and how it ended, in order. */
function ended(path: string): [string, string][] {
  const log = RunLog.openReadOnly(path);
  try {
    return log.runs().map((run) => [run.command, run.status]);
  } finally {
    log.close();
  }
}

const meta = { command: 'collect', backend: 'real' } as const;

describe('withCommandRun', () => {
  it('ends the run by how the work finished and closes the log each time', async () => {
    const runLog = logPath();
    expect(await withCommandRun({ runLog, meta }, async () => 7)).toBe(7);
    await withCommandRun({ runLog, meta, statusOf: (r: { stopped: boolean }) => (r.stopped ? 'interrupted' : 'ok') }, async () => ({ stopped: true }));
    await expect(withCommandRun({ runLog, meta }, async () => Promise.reject(new Error('spark-submit died')))).rejects.toThrow('spark-submit died');
    await expect(withCommandRun({ runLog, meta }, async () => Promise.reject(new InterruptedError('stopped')))).rejects.toThrow(InterruptedError);
    expect(ended(runLog)).toEqual([
      ['collect', 'ok'],
      ['collect', 'interrupted'],
      ['collect', 'failed'],
      ['collect', 'interrupted'],
    ]);
  });

  it('logs trials under the run it started; an early end() wins and is not repeated', async () => {
    const runLog = logPath();
    await withCommandRun({ runLog, meta }, async ({ log, runId, end }) => {
      expect(log.runs().map((run) => [run.id, run.status])).toEqual([[runId, 'running']]);
      end('interrupted');
    });
    expect(ended(runLog)).toEqual([['collect', 'interrupted']]);
  });
});
