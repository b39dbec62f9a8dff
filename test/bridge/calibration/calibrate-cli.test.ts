/**
 * `sspe calibrate`, through its handler (runCalibrate): the flags, the
 * profile it writes, the report it prints, and every user-visible error.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import { writeRunsCsv } from '../../../bridge/calibration/runs-csv.js';
import { runCalibrate, type CalibrateCommandOptions } from '../../../src/cli/commands/calibrate.js';
import { UserInputError } from '../../../src/errors.js';
import { loadProfile } from '../../../src/profile/load.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { syntheticRuns } from './synthetic.js';
import { APP_START_MS, sspeProperties, syntheticEventLog } from './synthetic-eventlog.js';

const SCENARIO = 'scenarios/local-cluster.yaml';

describe('sspe calibrate', () => {
  let dir: string;
  let csv: string;
  let runs: RealRun[];
  let printed: string[] = [];

  const options = (overrides: Partial<CalibrateCommandOptions>): CalibrateCommandOptions => ({
    json: true,
    scenario: SCENARIO,
    profile: join(dir, 'out', 'fitted.json'),
    holdout: 0.3,
    maxIterations: 10,
    ...overrides,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sspe-calibrate-'));
    const scenario = loadScenarioSync(SCENARIO);
    runs = syntheticRuns({
      scenario,
      truth: scenario.profile,
      configs: [1, 2].map((cores) => ({ cores, memoryMb: 512, instances: 2 })),
      workloads: [
        { partitions: 2, framesPerPartition: 10, megapixelsPerFrame: 0.0173 },
        { partitions: 4, framesPerPartition: 10, megapixelsPerFrame: 0.0173 },
      ],
      repeats: 2,
      noiseSigma: 0.03,
      fps: 10,
      batches: 3,
      seed: 'cli',
    });
    csv = join(dir, 'runs.csv');
    await writeRunsCsv(csv, runs);
  });
  afterAll(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeAll(() => {
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
  });
  afterEach(() => {
    printed = [];
  });

  it('fits from a runs CSV, writes the profile and prints the report as JSON', async () => {
    const profilePath = join(dir, 'out', 'fitted.json');
    await runCalibrate(options({ runs: csv, seed: 4 }));
    const out = JSON.parse(printed.join('\n'));
    expect(out).toMatchObject({ n_runs: 8, n_holdout: 2, n_train: 6, n_failed: 0, profile_path: profilePath, scenario: 'local-cluster', seed: 4 });
    for (const key of ['mape_train', 'mape_holdout', 'mape_holdout_ernest']) expect(typeof out[key]).toBe('number');
    expect(out.runs).toHaveLength(8);
    expect(out.runs[0]).toHaveProperty('measured_ms');
    expect(out.ernest.coefficients).toHaveLength(4);
    const profile = loadProfile(profilePath);
    expect(profile.name).toBe('fitted');
    expect(profile.description).toMatch(/^Fitted by sspe calibrate to 6 real runs on local-cluster/);
    expect(readdirSync(join(dir, 'out'))).toEqual(['fitted.json']);
  });

  it('fits from a directory of event logs and prints a table', async () => {
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const t0 = APP_START_MS + 10_000;
    for (const [i, cores] of [1, 2, 1, 2].entries()) {
      const batches = [0, 1, 2].map((b) => ({
        submissionTimeMs: t0 + 2000 * b,
        finishTimesMs: [t0 + 2000 * b + 150 + 10 * i + 20 * (2 - cores), t0 + 2000 * b + 170 + 10 * i],
      }));
      const properties = sspeProperties({ 'spark.sspe.runId': `log-${i}`, 'spark.executor.cores': String(cores) });
      writeFileSync(join(logs, `app-${i}`), syntheticEventLog({ properties, executors: 2, batches }));
    }
    const profilePath = join(dir, 'table.json');
    await runCalibrate(options({ eventlogs: logs, json: false, profile: profilePath }));
    const text = printed.join('\n');
    expect(text).toMatch(/run\s+split\s+cores x MB x inst/);
    expect(text).toContain('log-3');
    expect(text).toMatch(/MAPE train: {3}simulator [\d.]+ %, Ernest [\d.]+ % \(3 runs\)/);
    expect(text).toMatch(/MAPE holdout: simulator [\d.]+ %, Ernest [\d.]+ % \(1 runs\)/);
    expect(text).toContain(`profile written to ${profilePath}`);
    expect(existsSync(profilePath)).toBe(true);
  });

  it.each([
    ['neither source', {}, /^expected exactly one of --eventlogs <dir> or --runs <csv>, got neither$/],
    ['both sources', { runs: 'a.csv', eventlogs: 'dir' }, /got both$/],
    ['a holdout of 1.5', { runs: 'CSV', holdout: 1.5 }, /^--holdout: expected a fraction in \(0, 1\), got 1\.5$/],
    ['a holdout of 0', { runs: 'CSV', holdout: 0 }, /^--holdout: expected a fraction in \(0, 1\), got 0$/],
    ['a missing runs CSV', { runs: 'nope/runs.csv' }, /nope\/runs\.csv/],
    ['a missing event-log directory', { eventlogs: 'nope/logs' }, /^event-log directory not found: nope\/logs$/],
    ['a missing scenario', { runs: 'CSV', scenario: 'scenarios/nope.yaml' }, /^scenario file not found: scenarios\/nope\.yaml$/],
    ['an unknown parameter', { runs: 'CSV', parameters: 'taskOverheadMs,warpFactor' }, /^--parameters: unknown parameter 'warpFactor'; allowed: /],
    ['a directory as the profile', { runs: 'CSV', profile: 'DIR' }, /^--profile: expected a file path, got a directory: /],
  ])('refuses %s with one line, writing nothing', async (_name, overrides, message) => {
    const target = join(dir, 'never.json');
    const given = Object.fromEntries(
      Object.entries(overrides).map(([key, value]) => [key, value === 'CSV' ? csv : value === 'DIR' ? dir : value]),
    );
    const attempt = runCalibrate(options({ profile: target, ...given }));
    await expect(attempt).rejects.toThrow(UserInputError);
    await attempt.catch((error: Error) => {
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\n');
    });
    expect(existsSync(target)).toBe(false);
    expect(printed).toEqual([]);
  });

  it('refuses a CSV whose runs all failed, and a directory without sspe logs', async () => {
    const failedCsv = join(dir, 'failed.csv');
    await writeRunsCsv(failedCsv, runs.map((r) => ({ ...r, perFrameMs: null, failure: 'spark-submit exited with code 1' })));
    await expect(runCalibrate(options({ runs: failedCsv }))).rejects.toThrow(/^expected at least one run without a failure, got 8 failed/);
    const empty = join(dir, 'empty-logs');
    mkdirSync(empty);
    await expect(runCalibrate(options({ eventlogs: empty }))).rejects.toThrow(/^expected event logs of sspe runs \(with spark\.sspe\.\* properties\) in .*empty-logs, got none$/);
    expect(existsSync(join(dir, 'out', 'never.json'))).toBe(false);
  });
});
