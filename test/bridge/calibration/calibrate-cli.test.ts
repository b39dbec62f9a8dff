/**
 * `sspe calibrate`, through its handler (runCalibrate): the flags, the
 * profile it writes, the report it prints, and every user-visible error.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import { writeRunsCsv } from '../../../bridge/calibration/runs-csv.js';
import { runCalibrate, type CalibrateCommandOptions } from '../../../bridge/cli/commands/calibrate.js';
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
      // 2 x 2 x 2 = 8 configurations, twice each.
      configs: [1, 2].flatMap((cores) => [1, 2].map((instances) => ({ cores, memoryMb: 512, instances }))),
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

  it('fits from a runs CSV on some configurations, reports the others held out whole, the noise floor and what was identified, as JSON', async () => {
    const profilePath = join(dir, 'out', 'fitted.json');
    await runCalibrate(options({ runs: csv, seed: 4, holdout: 0.4, parameters: 'taskOverheadMs,frameCpuMsPerMegapixel,podSchedulingMs' }));
    const out = JSON.parse(printed.join('\n'));
    // 3 of the 8 configurations held out with both their runs.
    expect(out).toMatchObject({ n_runs: 16, n_configs_holdout: 3, n_configs_train: 5, n_holdout: 6, n_train: 10, n_failed: 0, profile_path: profilePath, scenario: 'local-cluster', seed: 4 });
    for (const key of ['mape_train', 'mape_holdout', 'mape_holdout_ernest', 'noise_floor_pct']) expect(typeof out[key]).toBe('number');
    expect(out.noise_repeated_configs).toBe(8);
    expect(out.probe).toBeNull();
    expect(out.runs).toHaveLength(16);
    expect(out.runs[0]).toHaveProperty('measured_ms');
    expect(out.ernest.coefficients).toHaveLength(4);
    // Warm-started replays never schedule a pod: the runs cannot tell podSchedulingMs.
    // One tiny frame size (0.0173 MP) costs next to no CPU: per-frame CPU is not identified either.
    expect(out.not_identified).toEqual(['frameCpuMsPerMegapixel', 'podSchedulingMs']);
    expect(Array.isArray(out.at_bound)).toBe(true);
    expect(out.fitted.taskOverheadMs).toMatchObject({ identified: true, at_bound: null });
    expect(out.identification_threshold_pct).toBe(out.noise_floor_pct);
    const profile = loadProfile(profilePath);
    expect(profile.name).toBe('fitted');
    expect(profile.description).toMatch(/^Fitted by sspe calibrate to 10 real runs \(5 configurations\) on local-cluster .*3 configurations \(6 runs\) held out: MAPE .*noise floor [\d.]+ %\.$/);
    expect(readdirSync(join(dir, 'out'))).toEqual(['fitted.json']);
  });

  it("takes the measured parameters from --measurements, keeps them out of the fit, and says so", async () => {
    const document = JSON.parse(readFileSync('models/measurements/local-machine.json', 'utf8')) as { quantities: Record<string, { value: number }> };
    document.quantities.frameCpuMsPerMegapixel.value = 9;
    const path = join(dir, 'measured.json');
    writeFileSync(path, JSON.stringify(document));
    const profilePath = join(dir, 'measured-profile.json');
    await runCalibrate(options({ runs: csv, holdout: 0, measurements: path, profile: profilePath }));
    const out = JSON.parse(printed.join('\n'));
    expect(Object.keys(out.fitted)).toEqual(['taskOverheadMs', 'cpuContentionExponent', 'taskMemoryBaseMb']);
    expect(out.measured_kept).toMatchObject({ frameCpuMsPerMegapixel: 9, executorBackgroundCpu: 0.001105, jobOverheadMs: 33.747 });
    const profile = loadProfile(profilePath);
    expect(profile.parameters.frameCpuMsPerMegapixel).toBe(9);
    expect(profile.provenance?.frameCpuMsPerMegapixel).toMatchObject({ source: 'measured' });
    expect(profile.provenance?.frameCpuMsPerMegapixel?.note).toContain(path);
    expect(profile.provenance?.taskOverheadMs).toMatchObject({ source: 'fitted', range: [5, 300] });
    printed = [];
    await runCalibrate(options({ runs: csv, holdout: 0, json: false, measurements: path, profile: profilePath }));
    expect(printed.join('\n')).toMatch(/measured parameters kept as measured, not fitted: .*frameCpuMsPerMegapixel 9\b/);
  });

  it('refuses a measurement document that is missing, not JSON, or lacks a field, with one line naming the file and field', async () => {
    const notJson = join(dir, 'not-json.json');
    writeFileSync(notJson, 'frameCpuMsPerMegapixel = 5\n');
    const badField = join(dir, 'bad-field.json');
    const document = JSON.parse(readFileSync('models/measurements/local-machine.json', 'utf8')) as { quantities: Record<string, { value: unknown }> };
    document.quantities.taskOverheadCpuMs.value = 'fast';
    writeFileSync(badField, JSON.stringify(document));
    const lacking = join(dir, 'lacking.json');
    delete (document.quantities as Record<string, unknown>).taskOverheadCpuMs;
    writeFileSync(lacking, JSON.stringify(document));
    const target = join(dir, 'never-measured.json');
    for (const [path, message] of [
      [join(dir, 'nope.json'), /^.*nope\.json: cannot read the measurement document: ENOENT$/],
      [notJson, /^.*not-json\.json: expected JSON \(a document written by npm run measure:frames\), got: /],
      [badField, /^.*bad-field\.json: quantities\.taskOverheadCpuMs\.value: .*number/],
      [lacking, /^.*lacking\.json: quantities: expected taskOverheadCpuMs \(for taskCpuMs\), found none$/],
    ] as const) {
      const error = await runCalibrate(options({ runs: csv, holdout: 0, measurements: path, profile: target })).then(() => null, (e: Error) => e);
      expect(error).toBeInstanceOf(UserInputError);
      expect(error!.message).toMatch(message);
      expect(error!.message).not.toContain('\n');
      expect(existsSync(target)).toBe(false);
      expect(printed).toEqual([]);
    }
  });

  it('refuses to fit the three default parameters from one run, and to print a MAPE from too few held-out configurations, exit 2 with one line', async () => {
    const one = join(dir, 'one.csv');
    await writeRunsCsv(one, runs.slice(0, 1));
    const refusal = async (overrides: Partial<CalibrateCommandOptions>) => {
      const target = join(dir, 'refused.json');
      const error = await runCalibrate(options({ profile: target, ...overrides })).then(() => null, (e: Error) => e);
      expect(error).toBeInstanceOf(UserInputError);
      expect(existsSync(target)).toBe(false);
      expect(printed).toEqual([]);
      return error!.message;
    };
    expect(await refusal({ runs: one })).toBe(
      'expected at least 4 distinct configurations (executor shape x workload shape x frame size) to fit 3 parameters, got 1: collect more configurations or fit fewer parameters',
    );
    expect(await refusal({ runs: csv, parameters: 'taskOverheadMs' })).toBe(
      'expected at least 3 held-out configurations to report a MAPE, got 2 of 8 distinct configurations (holdout 0.3): collect more configurations, raise the holdout share, or fit without a holdout (0)',
    );
  });

  it("fits from sspe collect's own event logs, one sub-folder per run, and prints a table", async () => {
    const logs = join(dir, 'logs');
    const t0 = APP_START_MS + 10_000;
    for (const [i, cores] of [1, 2, 1, 2].entries()) {
      const batches = [0, 1, 2].map((b) => ({
        submissionTimeMs: t0 + 2000 * b,
        finishTimesMs: [t0 + 2000 * b + 150 + 10 * i + 20 * (2 - cores), t0 + 2000 * b + 170 + 10 * i],
      }));
      // What collect wrote before it knew its store's frame size: megapixelsPerFrame 0.
      const properties = sspeProperties({ 'spark.sspe.runId': `log-${i}`, 'spark.executor.cores': String(cores), 'spark.sspe.megapixelsPerFrame': '0' });
      mkdirSync(join(logs, `run-${i}`, 'eventlogs'), { recursive: true });
      writeFileSync(join(logs, `run-${i}`, 'eventlogs', `app-${i}`), syntheticEventLog({ properties, executors: 2, batches }));
      writeFileSync(join(logs, `run-${i}`, 'stdout.txt'), 'spark-submit said things\n');
    }
    const profilePath = join(dir, 'table.json');
    await runCalibrate(options({ eventlogs: logs, json: false, profile: profilePath, holdout: 0, parameters: 'taskOverheadMs' }));
    const text = printed.join('\n');
    expect(text).toMatch(/run\s+split\s+cores x MB x inst/);
    expect(text).toContain('log-3');
    expect(text).toMatch(/MAPE train: {3}simulator [\d.]+ %, Ernest [\d.]+ % \(2 configurations, 4 runs\)/);
    expect(text).toContain('MAPE held-out configurations: not measured (--holdout 0)');
    expect(text).toMatch(/noise floor: [\d.]+ % \(median \|run - its configuration's mean\| \/ mean over 2 repeated configurations, 4 runs\)/);
    expect(text).toContain("note: 4 runs without a frame size given the scenario's");
    expect(text).toMatch(/taskOverheadMs\s+[\d.]+\s+[\d.]+\s+ms\s+\+[\d.]+\s+yes/);
    expect(text).toContain(`profile written to ${profilePath}`);
    expect(existsSync(profilePath)).toBe(true);
  });

  it.each([
    ['neither source', {}, /^expected exactly one of --eventlogs <dir> or --runs <csv>, got neither$/],
    ['both sources', { runs: 'a.csv', eventlogs: 'dir' }, /got both$/],
    ['a holdout of 1.5', { runs: 'CSV', holdout: 1.5 }, /^--holdout: expected a fraction in \[0, 1\), got 1\.5$/],
    ['a holdout of 1', { runs: 'CSV', holdout: 1 }, /^--holdout: expected a fraction in \[0, 1\), got 1$/],
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
    await expect(runCalibrate(options({ runs: failedCsv }))).rejects.toThrow(/^expected at least one run without a failure, got 16 failed/);
    const empty = join(dir, 'empty-logs');
    mkdirSync(join(empty, 'run-1'), { recursive: true });
    writeFileSync(join(empty, 'run-1', 'stdout.txt'), 'no event log here\n');
    await expect(runCalibrate(options({ eventlogs: empty }))).rejects.toThrow(
      /^expected event logs of sspe runs \(with spark\.sspe\.\* properties\) in .*empty-logs or its sub-folders, got none \(1 file that are not Spark event logs\)$/,
    );
    expect(existsSync(join(dir, 'out', 'never.json'))).toBe(false);
  });
});
