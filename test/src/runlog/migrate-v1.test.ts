/**
 * A run log written at schema version 1 (by the first migration, as sspe
 * wrote it before the knob and outcome tables had columns of their own)
 * opens, upgrades, and reads its old trials back with their knobs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, RunLog, SCHEMA_VERSION } from '../../../src/runlog/run-log.js';
import { outcome, sparkConfig } from './trial-fixture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sspe-runlog-v1-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A log at version 1 with one run and two trials, inserted the way sspe did at version 1. */
function writeVersion1(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(MIGRATIONS[0]);
  db.pragma('user_version = 1');
  db.prepare(`INSERT INTO runs (command, backend, started_at, ended_at, status, seed) VALUES ('train', 'simulated', '2025-01-01T00:00:00.000Z', '2025-01-01T01:00:00.000Z', 'ok', 7)`).run();
  const insert = db.prepare(`
    INSERT INTO trials (run_id, step, episode, backend, policy, seed, fps, cores, memory_mb, instances, config_json, partitions,
      frames_per_partition, per_frame_mean_ms, per_frame_p50_ms, per_frame_p95_ms, per_frame_p99_ms, per_frame_max_ms, throughput_fps,
      backlog_frames, frames_arrived, frames_processed, frames_dropped, cpu_util, mem_util, executors_running, pending_pods, task_failures,
      executor_losses, cost_per_hour, slo_violation_fraction, redeployed, window_ms, wall_ms, failure, reward, started_at, ended_at)
    VALUES (1, @step, 0, 'simulated', 'dqn', 7, 30, @cores, 800, 6, @config_json, 12, 'fps', @mean, 480, 900.25, 1200, 1500, 29.5,
      14, 1800, 1770, 16, 0.72, @mem_util, 6, 0, 1, 0, 0.384, 0.05, 1, 60000, 12.5, @failure, -0.5, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:30.000Z')`);
  insert.run({ step: 0, cores: 2, config_json: JSON.stringify(sparkConfig), mean: 512.5, mem_util: 0.41, failure: null });
  // A failed window: no per-frame times, memory not measured (NULL, as NaN was stored).
  insert.run({ step: 1, cores: 3, config_json: JSON.stringify({ ...sparkConfig, executorCores: 3, serializer: 'java', batchIntervalMs: 2000 }), mean: null, mem_util: null, failure: 'no frame processed' });
  db.close();
}

describe('a run log at schema version 1', () => {
  it('is not upgraded by a reader, which names the command that upgrades it', () => {
    const path = join(dir, 'v1.sqlite');
    writeVersion1(path);
    expect(() => RunLog.openReadOnly(path)).toThrow(`run log ${path}: expected schema version ${SCHEMA_VERSION}, got 1 (an older sspe's)`);
  });

  it('upgrades on open; its trials read back as they were, with every knob from config_json and the new outcome fields absent', () => {
    const path = join(dir, 'v1.sqlite');
    writeVersion1(path);
    const log = RunLog.open(path);
    expect(log.schemaVersion).toBe(SCHEMA_VERSION);
    const [ok, failed] = log.query();

    const { slotUtil, pendingTasksMean, requestCostPerHour, ...logged } = { ...outcome, perFrameMs: { ...outcome.perFrameMs, mean: 512.5 } };
    expect([slotUtil, pendingTasksMean, requestCostPerHour]).toEqual([undefined, undefined, undefined]);
    expect(ok).toMatchObject({ ...logged, cores: 2, memoryMb: 800, instances: 6, partitions: 12, framesPerPartition: 'fps', config: sparkConfig, reward: -0.5 });
    expect(['slotUtil', 'pendingTasksMean', 'requestCostPerHour'].filter((f) => f in ok)).toEqual([]);
    expect(ok.knobs).toEqual({
      executorCores: 2,
      executorMemoryMb: 800,
      executorInstances: 6,
      partitions: 12,
      cpuRequestRatio: 1,
      batchIntervalMs: 1000,
      framesPerPartition: 'fps',
      memoryFraction: 0.6,
      serializer: 'kryo',
      concurrentJobs: 1,
    });
    expect(failed.perFrameMs.mean).toBeNaN();
    expect(failed.memUtil).toBeNaN();
    expect(failed.failure).toBe('no frame processed');
    expect(failed.knobs).toMatchObject({ executorCores: 3, serializer: 'java', batchIntervalMs: 2000 });

    // The upgraded file takes new trials with every column, and keeps the old ones.
    const runId = log.startRun({ command: 'evaluate', backend: 'simulated' });
    log.logTrial(runId, { request: { config: { ...sparkConfig, nodeCount: 4, placement: 'pack' } as typeof sparkConfig, fps: 20 }, outcome: { ...outcome, slotUtil: 0.5 } });
    log.close();
    const reopened = RunLog.openReadOnly(path);
    const rows = reopened.query();
    reopened.close();
    expect(rows.map((r) => r.step)).toEqual([0, 1, null]);
    expect(rows[2]).toMatchObject({ slotUtil: 0.5, knobs: { nodeCount: 4, placement: 'pack' } });
    expect(rows[0]).toEqual(ok);
  });
});
