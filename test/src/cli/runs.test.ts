import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runsCommand } from '../../../src/cli/commands/runs.js';
import { UserInputError } from '../../../src/errors.js';
import { RunLog } from '../../../src/runlog/run-log.js';
import { outcome, tickingClock, trial } from '../runlog/trial-fixture.js';
import { runCli } from './run-cli.js';

let dir: string;
let logged: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sspe-runs-'));
  logged = [];
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    logged.push(parts.map(String).join(' '));
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

/** `sspe runs …` in-process: the command on a yargs instance set up like src/cli/program.ts. */
async function runs(args: string[]): Promise<string> {
  await yargs(['runs', ...args])
    .option('json', { type: 'boolean', default: false, global: true })
    .option('seed', { type: 'number', global: true })
    .command(runsCommand as never)
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UserInputError(message);
    })
    .parseAsync();
  return logged.join('\n');
}

function writeLog(path: string): void {
  const log = RunLog.open(path, { now: tickingClock() });
  const train = log.startRun({ command: 'train', backend: 'simulated', scenario: 'paper-testbed', policy: 'dqn', seed: 1 });
  log.logTrials(train, Array.from({ length: 30 }, (_, i) => trial(i)));
  log.endRun(train, 'ok');
  const bridge = log.startRun({ command: 'bridge', backend: 'real', policy: 'greedy' });
  log.logTrial(bridge, trial(60, { reward: undefined, outcome: { ...outcome, failure: 'spark-submit exited 1' } }));
  log.close();
}

describe('sspe runs', () => {
  it('prints the latest 20 trials as a table, oldest first', async () => {
    const path = join(dir, 'log.sqlite');
    writeLog(path);
    const out = await runs(['--run-log', path]);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`The latest 20 trials in ${path}`);
    expect(lines[2]).toMatch(/^time \(UTC\)\s+run\s+backend\s+policy\s+fps\s+cores\/MB\/instances\s+per-frame ms\s+reward\s+failure$/);
    expect(lines).toHaveLength(2 + 2 + 20);
    expect(lines[4]).toMatch(/^2025-01-01 00:11:00\s+1\s+simulated\s+dqn\s+/);
    expect(lines.at(-1)).toMatch(/^2025-01-01 01:00:00\s+2\s+real\s+greedy\s+10\s+1 \/ 800 \/ 5\s+513\s+-\s+spark-submit exited 1$/);
  });

  it("a team's trials show their node count and placement in a cluster column; trials without them show '-'", async () => {
    const path = join(dir, 'log.sqlite');
    const log = RunLog.open(path, { now: tickingClock() });
    const deploy = log.startRun({ command: 'deploy', backend: 'real', policy: 'idqn' });
    const base = trial(0);
    log.logTrial(deploy, { ...base, request: { ...base.request, config: { ...base.request.config, nodeCount: 1, placement: 'pack' } } });
    log.logTrial(deploy, trial(1));
    log.close();
    const lines = (await runs(['--run-log', path])).split('\n');
    expect(lines[2]).toMatch(/\s+cores\/MB\/instances\s+cluster\s+per-frame ms\s+/);
    expect(lines[4]).toMatch(/\s1 \/ 800 \/ 1\s+nodes=1 placement=pack\s+100\s/);
    expect(lines[5]).toMatch(/\s2 \/ 800 \/ 2\s+-\s+101\s/);
    // Without cluster knobs anywhere, no column: the table above stays as it was.
    writeLog(join(dir, 'plain.sqlite'));
    logged = [];
    expect((await runs(['--run-log', join(dir, 'plain.sqlite')])).split('\n')[2]).not.toMatch(/cluster/);
  });

  it('--json prints { trials } in snake_case; filters by --run, --backend and --last', async () => {
    const path = join(dir, 'log.sqlite');
    writeLog(path);
    const out = JSON.parse(await runs(['--run-log', path, '--run', '1', '--last', '3', '--json']));
    expect(out.trials.map((t: { step: number }) => t.step)).toEqual([27, 28, 29]);
    expect(out.trials[0]).toMatchObject({
      run_id: 1,
      backend: 'simulated',
      policy: 'dqn',
      seed: 1,
      memory_mb: 800,
      config: { cores: 1, memory_mb: 800, instances: 4, frames_per_partition: 'fps', serializer: 'kryo' },
      per_frame_ms: { mean: 127, p50: 480, p95: 900.25, p99: 1200, max: 1500 },
      knobs: { cores: 1, memory_mb: 800, instances: 4, partitions: 12, frames_per_partition: 'fps', serializer: 'kryo' },
      frames_arrived: 1800,
      frames_processed: 1770,
      frames_dropped: 16,
      cost_per_hour: 0.384,
      redeployed: true,
      failure: null,
      reward: -0.127,
      started_at: '2025-01-01T00:27:00.000Z',
      ended_at: '2025-01-01T00:27:30.000Z',
    });
    const real = JSON.parse((logged.length = 0, await runs(['--run-log', path, '--backend', 'real', '--json'])));
    expect(real.trials.map((t: { run_id: number; reward: number | null }) => [t.run_id, t.reward])).toEqual([[2, null]]);
  });

  it('a missing log is a friendly line (and no file is created); --json gives no trials', async () => {
    const path = join(dir, 'none', 'log.sqlite');
    expect(await runs(['--run-log', path])).toBe(`No trials logged yet: ${path} does not exist (commands that run trials create it).`);
    expect(existsSync(path)).toBe(false);
    logged.length = 0;
    expect(JSON.parse(await runs(['--run-log', path, '--json']))).toEqual({ trials: [] });
  });

  it('an empty log, or filters that match nothing, is a friendly line', async () => {
    const path = join(dir, 'log.sqlite');
    RunLog.open(path).close();
    expect(await runs(['--run-log', path])).toBe(`No trials in ${path} yet.`);
    writeLog(path);
    logged.length = 0;
    expect(await runs(['--run-log', path, '--run', '2', '--backend', 'simulated'])).toBe(`No trials in ${path} match --run 2 --backend simulated.`);
  });

  it('reads $SSPE_RUN_LOG when there is no --run-log', async () => {
    const path = join(dir, 'from-env.sqlite');
    writeLog(path);
    vi.stubEnv('SSPE_RUN_LOG', path);
    expect(JSON.parse(await runs(['--json'])).trials).toHaveLength(20);
  });

  it.each([
    [['--last', '0'], '--last: expected a positive integer, got 0'],
    [['--last', '2.5'], '--last: expected a positive integer, got 2.5'],
    [['--run', '-1'], '--run: expected a positive integer, got -1'],
    [['--backend', 'cloud'], "--backend: expected simulated or real, got 'cloud'"],
  ])('%j is a user error', async (args, message) => {
    const promise = runs(['--run-log', join(dir, 'log.sqlite'), ...args]);
    await expect(promise).rejects.toThrow(UserInputError);
    await expect(promise).rejects.toThrow(message);
  });

  it('a corrupt log is a user error naming the file', async () => {
    const path = join(dir, 'corrupt.sqlite');
    writeFileSync(path, 'not a database\n'.repeat(100));
    await expect(runs(['--run-log', path])).rejects.toThrow(new UserInputError(`run log ${path}: expected a readable sspe run log, got a file that is not an SQLite database (file is not a database); it was left untouched: move it away or pass --run-log with another path`));
  });

  // Needs the compiled CLI (`npm test` builds dist/ first).
  it('the compiled CLI prints the table, and a corrupt log exits 2 with one line', () => {
    const path = join(dir, 'log.sqlite');
    writeLog(path);
    const ok = runCli(['runs', '--run-log', path, '--last', '1']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('spark-submit exited 1');
    const corrupt = join(dir, 'corrupt.sqlite');
    writeFileSync(corrupt, 'not a database\n'.repeat(100));
    const bad = runCli(['runs', '--run-log', corrupt]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`sspe: run log ${corrupt}: expected a readable sspe run log, got a file that is not an SQLite database (file is not a database); it was left untouched: move it away or pass --run-log with another path\n`);
  });
});
