/**
 * The run log stores every field of the outcome table and reads each back as
 * the table declares (NaN as NaN, an absent optional field as absent), and
 * `sspe runs --json` names them by the table's keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrialOutcome } from '../../../src/backend/backend.js';
import { trialJson } from '../../../src/cli/commands/runs.js';
import { RunLog } from '../../../src/runlog/run-log.js';
import { KNOB_NAMES, KNOB_TABLE } from '../../../src/space/knobs.js';
import {
  OUTCOME_COLUMNS,
  OUTCOME_FIELDS,
  OUTCOME_FIELD_NAMES,
  QUANTILES,
  outcomeField,
  type OutcomeFieldTable,
} from '../../../src/space/outcome-fields.js';
import { outcome, sparkConfig } from './trial-fixture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sspe-outcome-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every field set, each to a value no other field has. */
const FULL: Required<TrialOutcome> = {
  perFrameMs: { mean: 512.5, p50: 480.25, p95: 900.75, p99: 1200.5, max: 1500.125 },
  throughputFps: 29.5,
  backlogFrames: 14,
  framesArrived: 1800,
  framesProcessed: 1770,
  framesDropped: 16,
  cpuUtil: 0.72,
  memUtil: 0.41,
  slotUtil: 0.63,
  pendingTasksMean: 2.25,
  executorsRunning: 6,
  pendingPods: 2,
  taskFailures: 3,
  executorLosses: 1,
  costPerHour: 0.384,
  requestCostPerHour: 0.1875,
  sloViolationFraction: 0.05,
  redeployed: true,
  windowMs: 60_000,
  wallMs: 12.5,
  failure: 'executor lost',
};

/** What a window that measured nothing gives: every number NaN, the optional ones absent. */
const EMPTY: TrialOutcome = {
  perFrameMs: { mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN },
  throughputFps: NaN,
  backlogFrames: NaN,
  framesArrived: NaN,
  framesProcessed: NaN,
  framesDropped: NaN,
  cpuUtil: NaN,
  memUtil: NaN,
  executorsRunning: NaN,
  pendingPods: NaN,
  taskFailures: NaN,
  executorLosses: NaN,
  costPerHour: NaN,
  sloViolationFraction: NaN,
  redeployed: false,
  windowMs: NaN,
  wallMs: NaN,
  failure: null,
};

function roundTrip(outcomes: TrialOutcome[]): TrialOutcome[] {
  const log = RunLog.open(join(dir, 'log.sqlite'));
  const runId = log.startRun({ command: 'train', backend: 'simulated' });
  log.logTrials(runId, outcomes.map((o) => ({ request: { config: sparkConfig, fps: 30 }, outcome: o })));
  log.close();
  const again = RunLog.openReadOnly(join(dir, 'log.sqlite'));
  const rows = again.query();
  again.close();
  return rows.map((row) => Object.fromEntries(OUTCOME_FIELD_NAMES.filter((f) => f in row).map((f) => [f, row[f]])) as unknown as TrialOutcome);
}

describe('the outcome field table', () => {
  it('declares every TrialOutcome field, and the compiler holds it to that', () => {
    expect([...OUTCOME_FIELD_NAMES].sort()).toEqual(Object.keys(FULL).sort());
    // @ts-expect-error a table without a field of TrialOutcome is not an OutcomeFieldTable
    const missing: OutcomeFieldTable = { ...OUTCOME_FIELDS, wallMs: undefined };
    // @ts-expect-error an optional field must read NULL back as absent
    const optional: OutcomeFieldTable = { ...OUTCOME_FIELDS, slotUtil: { ...OUTCOME_FIELDS.slotUtil, nullReadsAs: 'nan' } };
    expect([missing, optional]).toHaveLength(2);
  });

  it('gives every field its own column and its own key', () => {
    const columns = OUTCOME_COLUMNS.map((c) => c.column);
    expect(new Set(columns).size).toBe(columns.length);
    expect(columns).toHaveLength(OUTCOME_FIELD_NAMES.length - 1 + QUANTILES.length);
    const keys = OUTCOME_FIELD_NAMES.map((f) => OUTCOME_FIELDS[f].key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of [...columns, ...keys]) expect(key).toMatch(/^[a-z][a-z0-9_]*$/);
  });
});

describe('the run log stores the outcome as the table declares', () => {
  it('round-trips every field, the optional ones included', () => {
    expect(roundTrip([FULL])).toEqual([FULL]);
  });

  it('reads NaN back as NaN, an absent optional field as absent, a null failure as null', () => {
    const [back] = roundTrip([EMPTY]);
    for (const field of OUTCOME_FIELD_NAMES) {
      const f = outcomeField(field);
      if (f.kind === 'quantiles') for (const q of QUANTILES) expect(back.perFrameMs[q], `${field}.${q}`).toBeNaN();
      else if (f.nullReadsAs === 'nan') expect(back[field], field).toBeNaN();
      else if (f.nullReadsAs === 'absent') expect(field in back, field).toBe(false);
      else if (f.nullReadsAs === 'null') expect(back[field], field).toBeNull();
      else expect(back[field], field).toBe(false);
    }
    // An optional field logged as NaN means "not measured" too: it reads back absent.
    const [nan] = roundTrip([{ ...EMPTY, slotUtil: NaN, pendingTasksMean: NaN, requestCostPerHour: NaN }]);
    expect(['slotUtil', 'pendingTasksMean', 'requestCostPerHour'].filter((f) => f in nan)).toEqual([]);
  });

  it('has a column of the declared type for every outcome field and every knob after migrating', () => {
    const log = RunLog.open(join(dir, 'log.sqlite'));
    log.close();
    const db = new Database(join(dir, 'log.sqlite'), { readonly: true });
    const info = new Map(db.prepare<[], { name: string; type: string }>('PRAGMA table_info(trials)').all().map((c) => [c.name, c.type]));
    db.close();
    expect(Object.fromEntries(OUTCOME_COLUMNS.map((c) => [c.column, info.get(c.column)]))).toEqual(
      Object.fromEntries(OUTCOME_COLUMNS.map((c) => [c.column, c.sqlType])),
    );
    expect(KNOB_NAMES.map((name) => KNOB_TABLE[name].column).filter((column) => !info.has(column))).toEqual([]);
  });

  it('logs every knob in its column, cluster knobs included', () => {
    const log = RunLog.open(join(dir, 'log.sqlite'));
    const runId = log.startRun({ command: 'train', backend: 'simulated' });
    const config = { ...sparkConfig, nodeCount: 3, placement: 'spread' as const, batchIntervalMs: 1500, memoryFraction: 0.5, concurrentJobs: 2, serializer: 'java' as const, cpuRequestRatio: 0.5, executorMemoryOverheadMb: 512 };
    log.logTrial(runId, { request: { config, fps: 30 }, outcome });
    const [row] = log.query();
    log.close();
    expect(row.knobs).toEqual({
      nodeCount: 3,
      executorCores: 2,
      executorMemoryMb: 800,
      executorMemoryOverheadMb: 512,
      executorInstances: 6,
      partitions: 12,
      placement: 'spread',
      cpuRequestRatio: 0.5,
      batchIntervalMs: 1500,
      framesPerPartition: 'fps',
      memoryFraction: 0.5,
      serializer: 'java',
      concurrentJobs: 2,
    });
    expect(Object.keys(row.knobs).sort()).toEqual([...KNOB_NAMES].sort());
    const db = new Database(join(dir, 'log.sqlite'), { readonly: true });
    expect(db.prepare('SELECT node_count, placement, serializer, memory_fraction FROM trials').get()).toEqual({ node_count: 3, placement: 'spread', serializer: 'java', memory_fraction: 0.5 });
    db.close();
  });
});

describe('sspe runs --json', () => {
  it('names every outcome field by its key: the quantiles nested, absent ones null', () => {
    const [full, empty] = roundTrip([FULL, EMPTY]);
    const log = RunLog.openReadOnly(join(dir, 'log.sqlite'));
    const [a, b] = log.query().map(trialJson);
    log.close();
    expect(full).toEqual(FULL);
    expect(a).toMatchObject({
      per_frame_ms: FULL.perFrameMs,
      throughput_fps: 29.5,
      backlog_frames: 14,
      frames_arrived: 1800,
      frames_processed: 1770,
      frames_dropped: 16,
      cpu_util: 0.72,
      mem_util: 0.41,
      slot_util: 0.63,
      pending_tasks_mean: 2.25,
      executors_running: 6,
      pending_pods: 2,
      task_failures: 3,
      executor_losses: 1,
      cost_per_hour: 0.384,
      request_cost_per_hour: 0.1875,
      slo_violation_fraction: 0.05,
      redeployed: true,
      window_ms: 60_000,
      wall_ms: 12.5,
      failure: 'executor lost',
    });
    expect(empty.slotUtil).toBeUndefined();
    const printed = JSON.parse(JSON.stringify(b)) as Record<string, unknown>;
    for (const field of OUTCOME_FIELD_NAMES) expect(Object.hasOwn(printed, OUTCOME_FIELDS[field].key), field).toBe(true);
    expect(printed).toMatchObject({ slot_util: null, cpu_util: null, redeployed: false, failure: null });
  });
});
