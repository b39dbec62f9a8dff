/**
 * The memory-overhead knob has a run-log column of its own (memory_overhead_mb):
 * the overhead a trial set, NULL where it left it to Spark's rule; a file at
 * schema version 2 upgrades and fills the column from config_json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, RunLog, SCHEMA_VERSION } from '../../../src/runlog/run-log.js';
import { sparkConfig, trial } from './trial-fixture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sspe-runlog-overhead-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function columnValues(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT memory_overhead_mb FROM trials ORDER BY id').all().map((row) => (row as { memory_overhead_mb: unknown }).memory_overhead_mb);
  } finally {
    db.close();
  }
}

describe('memory_overhead_mb', () => {
  it("holds the overhead a trial set, and NULL (Spark's rule) where it left it out", () => {
    const path = join(dir, 'runs.sqlite');
    const log = RunLog.open(path);
    const runId = log.startRun({ command: 'train', backend: 'simulated' });
    log.logTrial(runId, trial(0, { request: { config: { ...sparkConfig, executorMemoryOverheadMb: 768 }, fps: 30 } }));
    log.logTrial(runId, trial(1));
    const [set, unset] = log.query();
    log.close();
    expect(set.knobs.executorMemoryOverheadMb).toBe(768);
    expect(set.config.executorMemoryOverheadMb).toBe(768);
    expect(unset.knobs).not.toHaveProperty('executorMemoryOverheadMb');
    expect(columnValues(path)).toEqual([768, null]);
  });

  it('is added to a file at schema version 2 and filled from the trials already there', () => {
    expect(SCHEMA_VERSION).toBe(3);
    const path = join(dir, 'v2.sqlite');
    const db = new Database(path);
    db.exec(MIGRATIONS[0]);
    db.exec(MIGRATIONS[1]);
    db.pragma('user_version = 2');
    db.prepare(`INSERT INTO runs (command, backend, started_at, status) VALUES ('train', 'simulated', '2025-01-01T00:00:00.000Z', 'ok')`).run();
    const insert = db.prepare(`
      INSERT INTO trials (run_id, backend, fps, cores, memory_mb, instances, config_json, partitions, frames_per_partition, redeployed, started_at, ended_at)
      VALUES (1, 'simulated', 30, 2, 800, 6, @config_json, 12, 'fps', 0, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:30.000Z')`);
    insert.run({ config_json: JSON.stringify(sparkConfig) });
    insert.run({ config_json: JSON.stringify({ ...sparkConfig, executorMemoryOverheadMb: 512 }) });
    db.close();

    const log = RunLog.open(path);
    expect(log.schemaVersion).toBe(3);
    const [without, withOverhead] = log.query();
    log.close();
    expect(without.knobs).not.toHaveProperty('executorMemoryOverheadMb');
    expect(withOverhead.knobs.executorMemoryOverheadMb).toBe(512);
    expect(columnValues(path)).toEqual([null, 512]);
  });
});
