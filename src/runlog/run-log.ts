/**
 * The run log: every trial, simulated or real, in one embedded SQLite file.
 * Calibration and pre-training read it; `sspe runs` shows it. One row in
 * `runs` per command invocation, one row in `trials` per measurement window.
 *
 * Durability: WAL mode with synchronous=FULL, and every logTrial/logTrials
 * call is its own transaction, so a killed training run (or a lost machine)
 * keeps every trial it had logged. Readers (`sspe runs`) don't block the writer.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { TrialOutcome, TrialRequest } from '../backend/backend.js';
import { UserInputError } from '../errors.js';
import { makeDir } from '../output-dir.js';
import type { Configuration } from '../space/grid.js';
import { KNOB_NAMES, KNOB_TABLE, type KnobName, type KnobValue } from '../space/knobs.js';
import { OUTCOME_COLUMNS, outcomeFromRecord, outcomeRecord, type OutcomeRecord } from '../space/outcome-fields.js';

export type BackendKind = 'simulated' | 'real';
export type RunStatus = 'running' | 'ok' | 'failed' | 'interrupted';

export interface RunMeta {
  /** The command that ran, e.g. 'train', 'simulate'. */
  command: string;
  backend: BackendKind;
  /** The scenario's name. */
  scenario?: string | null;
  /** Hash of the scenario file, so trials can be matched to the exact cluster and profile. */
  scenarioHash?: string | null;
  /** Default policy of the run's trials (a trial may name its own). */
  policy?: string | null;
  /** Default seed of the run's trials (a trial may name its own). */
  seed?: string | number | null;
}

export interface RunRow {
  id: number;
  command: string;
  backend: BackendKind;
  scenario: string | null;
  scenarioHash: string | null;
  policy: string | null;
  seed: string | number | null;
  /** ISO 8601, UTC. */
  startedAt: string;
  endedAt: string | null;
  status: RunStatus;
  trialCount: number;
}

export interface TrialInput {
  request: TrialRequest;
  outcome: TrialOutcome;
  reward?: number | null;
  step?: number | null;
  episode?: number | null;
  /** Defaults to the run's policy. */
  policy?: string | null;
  /** Defaults to the run's seed. */
  seed?: string | number | null;
  /** Defaults to `endedAt` minus the outcome's wallMs. */
  startedAt?: Date;
  /** Defaults to the log's clock when the trial is logged. */
  endedAt?: Date;
}

/**
 * One logged trial: where it ran, its configuration, and its outcome with
 * every field of TrialOutcome (src/space/outcome-fields.ts says how each
 * one's NULL reads back: a metric logged as NaN reads back NaN, an optional
 * one not measured is absent). Reward, step and episode read back null when
 * they were not given.
 */
export interface TrialRow extends TrialOutcome {
  id: number;
  runId: number;
  step: number | null;
  episode: number | null;
  backend: BackendKind;
  policy: string | null;
  seed: string | number | null;
  fps: number;
  cores: number;
  memoryMb: number;
  instances: number;
  /** The configuration as logged (its cluster knobs included when the trial had them). */
  config: Configuration;
  partitions: number;
  framesPerPartition: number | 'fps';
  /**
   * Every knob of the knob table the trial's configuration set, from its
   * column (filled from config_json for trials logged before the column
   * existed); a cluster knob the trial left to the scenario is absent.
   */
  knobs: Partial<Record<KnobName, KnobValue>>;
  reward: number | null;
  /** ISO 8601, UTC. */
  startedAt: string;
  endedAt: string;
}

export interface TrialQuery {
  /** Only the latest N trials (still returned oldest first). */
  last?: number;
  runId?: number;
  backend?: BackendKind;
  cores?: number;
  memoryMb?: number;
  instances?: number;
}

export interface RunLogOptions {
  /** Clock for run start and end times. */
  now?: () => Date;
}

/**
 * Schema migrations; migration i takes the file from user_version i to i + 1.
 * Append new ones, never edit old ones: files in the wild are at every version.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    command       TEXT NOT NULL,
    scenario_name TEXT,
    scenario_hash TEXT,
    policy        TEXT,
    -- no declared type: a seed is a number or a string, and a typeless column keeps which
    seed,
    backend       TEXT NOT NULL CHECK (backend IN ('simulated', 'real')),
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    status        TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted'))
  );
  CREATE TABLE trials (
    id                     INTEGER PRIMARY KEY,
    run_id                 INTEGER NOT NULL REFERENCES runs (id),
    step                   INTEGER,
    episode                INTEGER,
    backend                TEXT NOT NULL CHECK (backend IN ('simulated', 'real')),
    policy                 TEXT,
    seed,
    fps                    REAL NOT NULL,
    cores                  INTEGER NOT NULL,
    memory_mb              INTEGER NOT NULL,
    instances              INTEGER NOT NULL,
    config_json            TEXT NOT NULL,
    partitions             INTEGER NOT NULL,
    -- a number of frames or the text 'fps'
    frames_per_partition   NOT NULL,
    per_frame_mean_ms      REAL,
    per_frame_p50_ms       REAL,
    per_frame_p95_ms       REAL,
    per_frame_p99_ms       REAL,
    per_frame_max_ms       REAL,
    throughput_fps         REAL,
    backlog_frames         INTEGER,
    frames_arrived         INTEGER,
    frames_processed       INTEGER,
    frames_dropped         INTEGER,
    cpu_util               REAL,
    mem_util               REAL,
    executors_running      INTEGER,
    pending_pods           INTEGER,
    task_failures          INTEGER,
    executor_losses        INTEGER,
    cost_per_hour          REAL,
    slo_violation_fraction REAL,
    redeployed             INTEGER NOT NULL CHECK (redeployed IN (0, 1)),
    window_ms              REAL,
    wall_ms                REAL,
    failure                TEXT,
    reward                 REAL,
    started_at             TEXT NOT NULL,
    ended_at               TEXT NOT NULL
  );
  CREATE INDEX trials_run ON trials (run_id);
  CREATE INDEX trials_config ON trials (backend, cores, memory_mb, instances);
  `,
  // 1 → 2: a column for each knob of the knob table (src/space/knobs.ts) not logged before, filled from
  // config_json for the trials already there, and the outcome fields not logged before. Written out, not
  // generated from the tables, so that this migration stays what it was when the tables change.
  `
  ALTER TABLE trials ADD COLUMN node_count            INTEGER;
  ALTER TABLE trials ADD COLUMN placement             TEXT;
  ALTER TABLE trials ADD COLUMN cpu_request_ratio     REAL;
  ALTER TABLE trials ADD COLUMN batch_interval_ms     INTEGER;
  ALTER TABLE trials ADD COLUMN memory_fraction       REAL;
  ALTER TABLE trials ADD COLUMN serializer            TEXT;
  ALTER TABLE trials ADD COLUMN concurrent_jobs       INTEGER;
  ALTER TABLE trials ADD COLUMN slot_util             REAL;
  ALTER TABLE trials ADD COLUMN pending_tasks_mean    REAL;
  ALTER TABLE trials ADD COLUMN request_cost_per_hour REAL;
  UPDATE trials SET
    node_count        = json_extract(config_json, '$.nodeCount'),
    placement         = json_extract(config_json, '$.placement'),
    cpu_request_ratio = json_extract(config_json, '$.cpuRequestRatio'),
    batch_interval_ms = json_extract(config_json, '$.batchIntervalMs'),
    memory_fraction   = json_extract(config_json, '$.memoryFraction'),
    serializer        = json_extract(config_json, '$.serializer'),
    concurrent_jobs   = json_extract(config_json, '$.concurrentJobs');
  `,
  // 2 → 3: the Resource Allocator's memory overhead (null where the trial left it to Spark's rule).
  `
  ALTER TABLE trials ADD COLUMN memory_overhead_mb INTEGER;
  UPDATE trials SET memory_overhead_mb = json_extract(config_json, '$.executorMemoryOverheadMb');
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

interface RunRecord {
  id: number;
  command: string;
  backend: BackendKind;
  scenario_name: string | null;
  scenario_hash: string | null;
  policy: string | null;
  seed: string | number | null;
  started_at: string;
  ended_at: string | null;
  status: RunStatus;
  trial_count: number;
}

/** A knob's run-log column. */
type KnobColumn = (typeof KNOB_TABLE)[KnobName]['column'];

/** The knob columns, in table order (the first migration's cores, memory_mb, instances, partitions and frames_per_partition among them). */
const KNOB_COLUMNS = KNOB_NAMES.map((name) => KNOB_TABLE[name].column) as KnobColumn[];

/** A row of `trials`: the trial's own columns, one per knob, and the outcome's (declared in src/space/outcome-fields.ts). */
type TrialRecord = {
  id: number;
  run_id: number;
  step: number | null;
  episode: number | null;
  backend: BackendKind;
  policy: string | null;
  seed: string | number | null;
  fps: number;
  config_json: string;
  reward: number | null;
  started_at: string;
  ended_at: string;
} & Record<KnobColumn, number | string | null> & OutcomeRecord;

type TrialInsert = Omit<TrialRecord, 'id'>;

const TRIAL_COLUMNS: readonly (keyof TrialInsert)[] = [
  'run_id', 'step', 'episode', 'backend', 'policy', 'seed', 'fps', ...KNOB_COLUMNS, 'config_json',
  ...OUTCOME_COLUMNS.map((c) => c.column), 'reward', 'started_at', 'ended_at',
];

const RUN_SELECT = `
  SELECT runs.*, (SELECT count(*) FROM trials WHERE trials.run_id = runs.id) AS trial_count FROM runs`;

export class RunLog {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly insertRun: Database.Statement<[Omit<RunRecord, 'id' | 'trial_count' | 'ended_at'>]>;
  private readonly finishRun: Database.Statement<[{ id: number; ended_at: string; status: RunStatus }]>;
  private readonly selectRun: Database.Statement<[number], RunRecord>;
  private readonly insertTrial: Database.Statement<[TrialInsert]>;
  private readonly insertTrials: (runId: number, trials: TrialInput[]) => number[];

  /**
   * Opens the log at `path`, creating it and its folder if needed and
   * bringing its schema up to date. A file that is not an SQLite database,
   * or was written by a newer sspe, is a UserInputError naming the file.
   */
  static open(path: string, options: RunLogOptions = {}): RunLog {
    const absolute = resolve(path);
    makeDir(dirname(absolute), `run log ${absolute}`);
    let db: Database.Database | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        db = new Database(absolute);
        // Reading the journal mode is the first read of the file: a non-database fails here.
        db.pragma('journal_mode = WAL');
        // better-sqlite3 builds with WAL synchronous=NORMAL, which can lose the last
        // commits on power loss; FULL costs ~0.2 ms per commit and keeps them.
        db.pragma('synchronous = FULL');
        db.pragma('foreign_keys = ON');
        migrate(db, absolute);
        return new RunLog(absolute, db, options);
      } catch (error) {
        db?.close();
        db = undefined;
        // Two commands opening a new log at once: switching it to WAL takes an exclusive
        // lock that SQLite's busy handler does not wait for. The other one is done in
        // milliseconds; try again.
        if (error instanceof Database.SqliteError && error.code === 'SQLITE_BUSY' && attempt < OPEN_ATTEMPTS) {
          sleepSync(20 * attempt);
          continue;
        }
        throw openError(error, absolute);
      }
    }
  }

  /**
   * Opens an existing log for reading only (`sspe runs`): nothing is written,
   * not even the journal mode or a schema, so a file that is not an sspe run
   * log (empty, another program's database, a newer sspe's) is left exactly as
   * it was and named in a UserInputError.
   */
  static openReadOnly(path: string, options: RunLogOptions = {}): RunLog {
    const absolute = resolve(path);
    let db: Database.Database | undefined;
    try {
      db = openSnapshot(absolute);
      const version = db.pragma('user_version', { simple: true }) as number;
      const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name);
      if (version > SCHEMA_VERSION) {
        throw new UserInputError(`run log ${absolute}: expected schema version ${SCHEMA_VERSION} or older, got ${version} (written by a newer sspe)`);
      }
      if (version === 0 || !tables.includes('runs') || !tables.includes('trials')) {
        const what = tables.length === 0 ? 'an empty database' : `a database with other tables (${tables.slice(0, 3).join(', ')}${tables.length > 3 ? ', …' : ''})`;
        throw new UserInputError(`run log ${absolute}: expected an sspe run log, got ${what}; it was left untouched (pass --run-log with another path)`);
      }
      if (version < SCHEMA_VERSION) {
        throw new UserInputError(`run log ${absolute}: expected schema version ${SCHEMA_VERSION}, got ${version} (an older sspe's); a command that logs trials (train, evaluate) upgrades it`);
      }
      return new RunLog(absolute, db, options);
    } catch (error) {
      db?.close();
      throw readError(absolute, error);
    }
  }

  private constructor(path: string, db: Database.Database, options: RunLogOptions) {
    this.path = path;
    this.db = db;
    this.now = options.now ?? (() => new Date());
    this.insertRun = db.prepare(`
      INSERT INTO runs (command, scenario_name, scenario_hash, policy, seed, backend, started_at, status)
      VALUES (@command, @scenario_name, @scenario_hash, @policy, @seed, @backend, @started_at, @status)`);
    this.finishRun = db.prepare('UPDATE runs SET ended_at = @ended_at, status = @status WHERE id = @id');
    this.selectRun = db.prepare(`${RUN_SELECT} WHERE id = ?`);
    this.insertTrial = db.prepare(
      `INSERT INTO trials (${TRIAL_COLUMNS.join(', ')}) VALUES (${TRIAL_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    );
    this.insertTrials = db.transaction((runId: number, trials: TrialInput[]) => {
      const run = this.runRecord(runId);
      return trials.map((trial) => Number(this.insertTrial.run(trialRecord(run, trial, this.now)).lastInsertRowid));
    });
  }

  /** Records the start of a command invocation; returns the run's id. */
  startRun(meta: RunMeta): number {
    const result = this.insertRun.run({
      command: meta.command,
      scenario_name: meta.scenario ?? null,
      scenario_hash: meta.scenarioHash ?? null,
      policy: meta.policy ?? null,
      seed: meta.seed ?? null,
      backend: meta.backend,
      started_at: this.now().toISOString(),
      status: 'running',
    });
    return Number(result.lastInsertRowid);
  }

  /** Records how a run ended. */
  endRun(runId: number, status: Exclude<RunStatus, 'running'>): void {
    const result = this.finishRun.run({ id: runId, ended_at: this.now().toISOString(), status });
    if (result.changes !== 1) throw new Error(`expected run ${runId} in ${this.path}, found none`);
  }

  /** Logs one trial in its own transaction; returns its id. */
  logTrial(runId: number, trial: TrialInput): number {
    return this.insertTrials(runId, [trial])[0];
  }

  /** Logs trials in one transaction (all or none); returns their ids in order. */
  logTrials(runId: number, trials: TrialInput[]): number[] {
    return this.insertTrials(runId, trials);
  }

  /** Trials matching every given filter, oldest first. */
  query(filter: TrialQuery = {}): TrialRow[] {
    const where: string[] = [];
    const params: Record<string, number | string> = {};
    const equal = (column: string, value: number | string | undefined) => {
      if (value === undefined) return;
      where.push(`${column} = @${column}`);
      params[column] = value;
    };
    equal('run_id', filter.runId);
    equal('backend', filter.backend);
    equal('cores', filter.cores);
    equal('memory_mb', filter.memoryMb);
    equal('instances', filter.instances);
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    let sql = `SELECT * FROM trials ${whereSql} ORDER BY id`;
    if (filter.last !== undefined) {
      params.last = checkLast(filter.last);
      sql = `SELECT * FROM (SELECT * FROM trials ${whereSql} ORDER BY id DESC LIMIT @last) ORDER BY id`;
    }
    try {
      return this.db.prepare<[typeof params], TrialRecord>(sql).all(params).map(trialRow);
    } catch (error) {
      throw readError(this.path, error);
    }
  }

  /** Runs, oldest first; with `last`, only the latest N. */
  runs(filter: { last?: number } = {}): RunRow[] {
    const rows = filter.last === undefined
      ? this.db.prepare<[], RunRecord>(`${RUN_SELECT} ORDER BY id`).all()
      : this.db.prepare<[number], RunRecord>(`SELECT * FROM (${RUN_SELECT} ORDER BY id DESC LIMIT ?) ORDER BY id`).all(checkLast(filter.last));
    return rows.map(runRow);
  }

  /** The schema version of the open file (PRAGMA user_version). */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }

  private runRecord(runId: number): RunRecord {
    const run = this.selectRun.get(runId);
    if (run === undefined) throw new Error(`expected run ${runId} in ${this.path} (call startRun first), found none`);
    return run;
  }
}

/** Logs up to this size are read into memory by openReadOnly; a bigger one is read in place. */
const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;

/**
 * A read-only connection that creates no file. SQLite opens a WAL-mode file,
 * even read-only, by creating its -wal and -shm companions; when they are
 * absent (no writer is running and the last one checkpointed), the file is
 * complete, and a copy in memory marked as a rollback-journal file (header
 * bytes 18 and 19) reads the same data without touching the folder.
 */
function openSnapshot(path: string): Database.Database {
  if (statSync(path).isDirectory()) throw new UserInputError(`run log ${path}: expected an SQLite file, got a folder`);
  if (existsSync(`${path}-wal`) || statSync(path).size > MAX_SNAPSHOT_BYTES) {
    return new Database(path, { readonly: true, fileMustExist: true });
  }
  const bytes = readFileSync(path);
  if (bytes.length >= 100 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return new Database(bytes, { readonly: true });
}

/** An SQLite failure while reading, as one line naming the file (a corrupt page, a file that is not a database). */
function readError(path: string, error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const damaged = error.code === 'SQLITE_NOTADB' || error.code.startsWith('SQLITE_CORRUPT');
  const what = error.code === 'SQLITE_NOTADB' ? 'a file that is not an SQLite database' : damaged ? 'a damaged file' : error.code;
  return new UserInputError(
    `run log ${path}: expected a readable sspe run log, got ${what} (${error.message})${damaged ? '; it was left untouched: move it away or pass --run-log with another path' : ''}`,
    { cause: error },
  );
}

/** Brings the file to SCHEMA_VERSION, all pending migrations in one transaction. */
/** Tries at opening a log that another command is creating at the same moment (20, 40, … ms apart: about 1 s in all). */
const OPEN_ATTEMPTS = 10;

/** Blocks this thread for `ms` (the run log is synchronous, as better-sqlite3 is). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** What opening a log for writing failed with, as the user's error when it is about the file. */
function openError(error: unknown, absolute: string): unknown {
  if (error instanceof UserInputError) return error;
  if (error instanceof Database.SqliteError) {
    const hint = error.code === 'SQLITE_NOTADB' || error.code === 'SQLITE_CORRUPT' ? '; move it away or pass --run-log with another path' : '';
    return new UserInputError(`run log ${absolute}: expected an SQLite database, got ${error.code}: ${error.message}${hint}`, { cause: error });
  }
  return error;
}

function migrate(db: Database.Database, path: string): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new UserInputError(
        `run log ${path}: expected schema version ${SCHEMA_VERSION} or older, got ${version} (written by a newer sspe)`,
      );
    }
    for (let v = version; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

function checkLast(last: number): number {
  if (!Number.isSafeInteger(last) || last < 1) throw new RangeError(`expected a positive integer for last, got ${String(last)}`);
  return last;
}

function trialRecord(run: RunRecord, trial: TrialInput, now: () => Date): TrialInsert {
  const { request, outcome } = trial;
  const endedAt = trial.endedAt ?? now();
  const startedAt = trial.startedAt ?? new Date(endedAt.getTime() - (Number.isFinite(outcome.wallMs) ? outcome.wallMs : 0));
  // The cluster knobs are there when the caller's configuration set them.
  const config: Configuration = request.config;
  const knobs = Object.fromEntries(KNOB_NAMES.map((name) => [KNOB_TABLE[name].column, config[name] ?? null])) as Record<KnobColumn, KnobValue | null>;
  return {
    run_id: run.id,
    step: trial.step ?? null,
    episode: trial.episode ?? null,
    backend: run.backend,
    policy: trial.policy !== undefined ? trial.policy : run.policy,
    seed: trial.seed !== undefined ? trial.seed : run.seed,
    fps: request.fps,
    ...knobs,
    config_json: JSON.stringify(config),
    ...outcomeRecord(outcome),
    reward: trial.reward ?? null,
    started_at: startedAt.toISOString(),
    ended_at: endedAt.toISOString(),
  };
}

function trialRow(r: TrialRecord): TrialRow {
  const config = JSON.parse(r.config_json) as Configuration;
  const knobs: Partial<Record<KnobName, KnobValue>> = {};
  for (const name of KNOB_NAMES) {
    // Trials logged before a knob had its column got it from config_json when the column was added (migrations 1 → 2, 2 → 3).
    const value = r[KNOB_TABLE[name].column];
    if (value !== null) knobs[name] = value;
  }
  return {
    id: r.id,
    runId: r.run_id,
    step: r.step,
    episode: r.episode,
    backend: r.backend,
    policy: r.policy,
    seed: r.seed,
    fps: r.fps,
    cores: r.cores as number,
    memoryMb: r.memory_mb as number,
    instances: r.instances as number,
    config,
    partitions: r.partitions as number,
    framesPerPartition: r.frames_per_partition as number | 'fps',
    knobs,
    ...outcomeFromRecord(r),
    reward: r.reward,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

function runRow(r: RunRecord): RunRow {
  return {
    id: r.id,
    command: r.command,
    backend: r.backend,
    scenario: r.scenario_name,
    scenarioHash: r.scenario_hash,
    policy: r.policy,
    seed: r.seed,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    status: r.status,
    trialCount: r.trial_count,
  };
}
