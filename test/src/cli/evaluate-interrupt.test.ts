import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunLog } from '../../../src/runlog/run-log.js';
import { repoRoot, runCli } from './run-cli.js';

/** Starts `sspe evaluate`, waits until its run is in the log, sends SIGINT; resolves with how it ended. */
async function interruptEvaluate(runLogPath: string): Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string }> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'dist/bridge/cli/main.js'), 'evaluate', 'scenarios/paper-testbed.yaml', '--baselines', 'random,static', '--seeds', '200'],
    { cwd: repoRoot, env: { ...process.env, FORCE_COLOR: '0', SSPE_RUN_LOG: runLogPath } },
  );
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 60_000;
  // The run is started before the first episode; 200 seeds take minutes, so it is still running when the signal comes.
  while (!(existsSync(runLogPath) && startedRuns(runLogPath) > 0)) {
    if (Date.now() > deadline) throw new Error(`expected sspe evaluate to start a run in ${runLogPath} within 60 s; stderr: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGINT');
  return { ...(await ended), stderr, stdout };
}

/** Runs in the log so far; 0 while the child is still creating it. */
function startedRuns(path: string): number {
  try {
    return readRuns(path).length;
  } catch {
    return 0;
  }
}

function readRuns(path: string) {
  const log = RunLog.openReadOnly(path);
  try {
    return log.runs();
  } finally {
    log.close();
  }
}

describe('Ctrl-C during sspe evaluate', () => {
  it('marks its run interrupted in the run log, keeps the trials so far, writes no table and exits 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sspe-evaluate-interrupt-'));
    try {
      const runLogPath = join(dir, 'runs.sqlite');
      const run = await interruptEvaluate(runLogPath);
      expect(run.code).toBe(130);
      const lines = run.stderr.replace(/\r/g, '\n').split('\n').filter((l) => l.startsWith('sspe'));
      expect(lines[0]).toMatch(/^sspe evaluate: stopping after this episode; the run is marked interrupted/);
      expect(lines.at(-1)).toMatch(/^sspe: evaluate: evaluation stopped after \d+ of 2400 episodes; run 1 marked interrupted in the run log, no report written$/);
      expect(run.stdout).not.toContain('fastest at that load level');
      expect(readRuns(runLogPath).map((r) => [r.id, r.command, r.status])).toEqual([[1, 'evaluate', 'interrupted']]);
      // What a user sees afterwards: the trials of the interrupted run are there.
      const shown = runCli(['runs', '--run', '1', '--json', '--last', '5'], { env: { SSPE_RUN_LOG: runLogPath } });
      expect(shown.status).toBe(0);
      const trials = JSON.parse(shown.stdout).trials as { run_id: number; policy: string }[];
      expect(trials.length).toBeGreaterThan(0);
      expect(new Set(trials.map((t) => t.run_id))).toEqual(new Set([1]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
