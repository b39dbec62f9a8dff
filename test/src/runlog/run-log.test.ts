import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.js';
import { DEFAULT_RUN_LOG_PATH, runLogPath } from '../../../src/runlog/location.js';
import { RunLog, SCHEMA_VERSION } from '../../../src/runlog/run-log.js';
import { repoRoot } from '../cli/run-cli.js';
import { outcome, sparkConfig, tickingClock, trial } from './trial-fixture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sspe-runlog-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('RunLog', () => {
  it('round-trips runs and trials, with timestamps from the injected clock', () => {
    const path = join(dir, 'nested', 'folder', 'log.sqlite');
    const log = RunLog.open(path, { now: tickingClock() });
    const runId = log.startRun({ command: 'train', backend: 'simulated', scenario: 'paper-testbed', scenarioHash: 'abc123', policy: 'dqn', seed: 7 });
    const first = trial(0);
    const id = log.logTrial(runId, first);
    const failed = trial(1, {
      outcome: { ...outcome, perFrameMs: { mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN }, framesProcessed: 0, failure: 'no frame processed', redeployed: false },
      reward: undefined,
      policy: 'random',
      seed: 'fixed-seed',
    });
    log.logTrial(runId, failed);
    log.endRun(runId, 'ok');

    expect(log.runs()).toEqual([
      {
        id: runId,
        command: 'train',
        backend: 'simulated',
        scenario: 'paper-testbed',
        scenarioHash: 'abc123',
        policy: 'dqn',
        seed: 7,
        startedAt: '2025-01-01T00:00:00.000Z',
        endedAt: '2025-01-01T00:00:01.000Z',
        status: 'ok',
        trialCount: 2,
      },
    ]);

    const [a, b] = log.query();
    expect(a).toEqual({
      id,
      runId,
      step: 0,
      episode: 0,
      backend: 'simulated',
      policy: 'dqn',
      seed: 7,
      fps: first.request.fps,
      cores: first.request.config.executorCores,
      memoryMb: 800,
      instances: first.request.config.executorInstances,
      config: first.request.config,
      partitions: 12,
      framesPerPartition: 'fps',
      knobs: {
        executorCores: first.request.config.executorCores,
        executorMemoryMb: 800,
        executorInstances: first.request.config.executorInstances,
        partitions: 12,
        cpuRequestRatio: 1,
        batchIntervalMs: 1000,
        framesPerPartition: 'fps',
        memoryFraction: 0.6,
        serializer: 'kryo',
        concurrentJobs: 1,
      },
      perFrameMs: first.outcome.perFrameMs,
      throughputFps: 29.5,
      backlogFrames: 14,
      framesArrived: 1800,
      framesProcessed: 1770,
      framesDropped: 16,
      cpuUtil: 0.72,
      memUtil: 0.41,
      executorsRunning: 6,
      pendingPods: 0,
      taskFailures: 1,
      executorLosses: 0,
      costPerHour: 0.384,
      sloViolationFraction: 0.05,
      redeployed: true,
      windowMs: 60_000,
      wallMs: 12.5,
      failure: null,
      reward: -0.1,
      startedAt: '2025-01-01T00:00:00.000Z',
      endedAt: '2025-01-01T00:00:30.000Z',
    });
    // NaN metrics come back NaN; the trial's own policy and seed win over the run's.
    expect(b.perFrameMs.mean).toBeNaN();
    expect(b).toMatchObject({ failure: 'no frame processed', reward: null, redeployed: false, policy: 'random', seed: 'fixed-seed', framesProcessed: 0 });
    log.close();

    // Everything survives closing and reopening.
    const again = RunLog.open(path);
    expect(again.query()).toHaveLength(2);
    expect(again.query()[0]).toEqual(a);
    again.close();
  });

  it('keeps a numeric frames-per-partition and a string seed that looks like a number as they were', () => {
    const log = RunLog.open(join(dir, 'log.sqlite'));
    const runId = log.startRun({ command: 'simulate', backend: 'real', seed: '42' });
    log.logTrial(runId, trial(0, { request: { config: { ...sparkConfig, framesPerPartition: 30 }, fps: 30 } }));
    const [row] = log.query();
    expect(row.framesPerPartition).toBe(30);
    expect(row.seed).toBe('42');
    expect(log.runs()[0].seed).toBe('42');
    log.close();
  });

  it('stamps a trial without times with the clock: ended now, started wallMs earlier', () => {
    const log = RunLog.open(join(dir, 'log.sqlite'), { now: tickingClock() });
    const runId = log.startRun({ command: 'evaluate', backend: 'simulated' });
    log.logTrial(runId, { request: { config: sparkConfig, fps: 10 }, outcome: { ...outcome, wallMs: 250 } });
    expect(log.query().map((t) => [t.startedAt, t.endedAt])).toEqual([['2025-01-01T00:00:00.750Z', '2025-01-01T00:00:01.000Z']]);
    log.close();
  });

  it('keeps every committed trial when the writing process is killed', () => {
    const path = join(dir, 'killed.sqlite');
    const runLogUrl = pathToFileURL(join(repoRoot, 'dist/src/runlog/run-log.js')).href;
    const script = `
      const { RunLog } = await import(${JSON.stringify(runLogUrl)});
      const log = RunLog.open(${JSON.stringify(path)});
      const runId = log.startRun({ command: 'train', backend: 'simulated' });
      const t = ${JSON.stringify({ ...trial(0), startedAt: undefined, endedAt: undefined })};
      for (let batch = 0; batch < 3; batch++) log.logTrials(runId, Array.from({ length: 100 }, (_, i) => ({ ...t, step: 100 * batch + i })));
      log.logTrial(runId, { ...t, step: 300 });
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.signal).toBe('SIGKILL');
    const log = RunLog.open(path);
    expect(log.query().map((t) => t.step)).toEqual(Array.from({ length: 301 }, (_, i) => i));
    expect(log.runs()[0].status).toBe('running');
    log.close();
  });

  it('creates the schema in an empty file, records its version and migrates only once', () => {
    const path = join(dir, 'empty.sqlite');
    writeFileSync(path, '');
    const log = RunLog.open(path);
    expect(log.schemaVersion).toBe(SCHEMA_VERSION);
    log.close();

    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
    expect(names).toEqual(['runs', 'trials', 'trials_config', 'trials_run']);
    db.close();

    const reopened = RunLog.open(path);
    expect(reopened.schemaVersion).toBe(SCHEMA_VERSION);
    reopened.close();
  });

  it('refuses a file written by a newer schema, naming the file and both versions', () => {
    const path = join(dir, 'future.sqlite');
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => RunLog.open(path)).toThrow(UserInputError);
    expect(() => RunLog.open(path)).toThrow(`run log ${path}: expected schema version ${SCHEMA_VERSION} or older, got ${SCHEMA_VERSION + 1}`);
  });

  it('turns a file that is not SQLite into a UserInputError naming the file', () => {
    const path = join(dir, 'corrupt.sqlite');
    writeFileSync(path, 'this is not an SQLite database, just a text file that is long enough to have a header\n'.repeat(20));
    let caught: unknown;
    try {
      RunLog.open(path);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserInputError);
    expect((caught as Error).message).toContain(`run log ${path}: expected an SQLite database, got SQLITE_NOTADB`);
    expect((caught as Error).cause).toBeInstanceOf(Database.SqliteError);
  });

  it('turns a folder where the file should be into a UserInputError naming it', () => {
    expect(() => RunLog.open(dir)).toThrow(new RegExp(`^run log ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: expected an SQLite database`));
  });

  it('filters by run, backend and configuration, and keeps the latest N oldest first', () => {
    const log = RunLog.open(join(dir, 'log.sqlite'), { now: tickingClock() });
    const simulated = log.startRun({ command: 'train', backend: 'simulated', policy: 'dqn' });
    log.logTrials(simulated, Array.from({ length: 12 }, (_, i) => trial(i)));
    const real = log.startRun({ command: 'bridge', backend: 'real', policy: 'greedy' });
    log.logTrials(real, Array.from({ length: 3 }, (_, i) => trial(100 + i)));

    expect(log.query().map((t) => t.step)).toEqual([...Array.from({ length: 12 }, (_, i) => i), 100, 101, 102]);
    expect(log.query({ last: 4 }).map((t) => t.step)).toEqual([11, 100, 101, 102]);
    expect(log.query({ runId: simulated, last: 2 }).map((t) => t.step)).toEqual([10, 11]);
    expect(log.query({ backend: 'real' }).map((t) => [t.step, t.backend, t.policy])).toEqual([
      [100, 'real', 'greedy'],
      [101, 'real', 'greedy'],
      [102, 'real', 'greedy'],
    ]);
    expect(log.query({ backend: 'simulated', cores: 2, instances: 2 }).map((t) => t.step)).toEqual([1]);
    expect(log.query({ runId: 999 })).toEqual([]);
    expect(log.runs({ last: 1 }).map((r) => [r.id, r.backend, r.trialCount, r.status, r.endedAt])).toEqual([[real, 'real', 3, 'running', null]]);
    expect(() => log.query({ last: 0 })).toThrow('expected a positive integer for last, got 0');
    log.close();
  });

  it('logs nothing of a batch when one trial in it is bad, and refuses an unknown run', () => {
    const log = RunLog.open(join(dir, 'log.sqlite'));
    const runId = log.startRun({ command: 'train', backend: 'simulated' });
    expect(() => log.logTrials(runId, [trial(0), trial(1, { startedAt: new Date(NaN) })])).toThrow(RangeError);
    expect(log.query()).toEqual([]);
    expect(() => log.logTrial(runId + 1, trial(0))).toThrow(`expected run ${runId + 1} in`);
    expect(() => log.endRun(runId + 1, 'failed')).toThrow(`expected run ${runId + 1} in`);
    log.close();
  });

  it('logs 10,000 trials in one batch', () => {
    const log = RunLog.open(join(dir, 'log.sqlite'));
    const runId = log.startRun({ command: 'train', backend: 'simulated' });
    const trials = Array.from({ length: 10_000 }, (_, i) => trial(i));
    const startMs = performance.now();
    const ids = log.logTrials(runId, trials);
    const elapsedMs = performance.now() - startMs;
    console.log(`run log: 10,000 trials logged in one batch in ${elapsedMs.toFixed(1)} ms`);
    expect(ids).toHaveLength(10_000);
    expect(log.runs()[0].trialCount).toBe(10_000);
    expect(log.query({ last: 1 })[0].step).toBe(9_999);
    log.close();
  });
});

describe('runLogPath', () => {
  it('takes the flag, else $SSPE_RUN_LOG, else runs/sspe.sqlite, relative to the working directory', () => {
    expect(runLogPath({ env: {}, cwd: '/work/x' })).toBe(`/work/x/${DEFAULT_RUN_LOG_PATH}`);
    expect(runLogPath({ env: { SSPE_RUN_LOG: '' }, cwd: '/work/x' })).toBe('/work/x/runs/sspe.sqlite');
    expect(runLogPath({ env: { SSPE_RUN_LOG: 'elsewhere/log.db' }, cwd: '/work/x' })).toBe('/work/x/elsewhere/log.db');
    expect(runLogPath({ flag: '/abs/flag.db', env: { SSPE_RUN_LOG: 'elsewhere/log.db' }, cwd: '/work/x' })).toBe('/abs/flag.db');
  });
});
