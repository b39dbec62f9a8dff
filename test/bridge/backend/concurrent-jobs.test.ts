/**
 * The concurrentJobs knob on the real bridge: enacted as the job's own
 * --concurrent-jobs (the demonstrator is no DStreams application, so
 * spark.streaming.concurrentJobs would do nothing), and carried by every
 * record of a real run calibration replays: the backend's RealRun, the
 * event log's spark.sspe.* properties, runs.csv and the simulator's replay.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realRunFrom, submitRequestFor, type RealBackendOptions } from '../../../bridge/backend/real.js';
import { realRunFromEventLog } from '../../../bridge/calibration/from-eventlogs.js';
import type { RealRun } from '../../../bridge/calibration/real-run.js';
import { formatRunsCsv, parseRunsCsv } from '../../../bridge/calibration/runs-csv.js';
import { realRunSpec } from '../../../bridge/calibration/simulate-run.js';
import { settingKey } from '../../../bridge/calibration/split.js';
import { SparkLauncher, type SubmitResult } from '../../../bridge/spark/launcher.js';
import type { SparkConfig } from '../../../sim/config.js';
import { UserInputError } from '../../../src/errors.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { sparkDefaults } from '../../../src/scenario/schema.js';
import { KNOB_NAMES, KNOB_TABLE } from '../../../src/space/knobs.js';
import { APP_START_MS, sspeProperties, syntheticEventLog } from '../calibration/synthetic-eventlog.js';

/** The schema's defaults (one job at a time) for a small two-executor run. */
const DEFAULTS = sparkDefaults();
const CONFIG: SparkConfig = {
  ...DEFAULTS,
  executorCores: 1,
  executorMemoryMb: 512,
  executorInstances: 2,
  partitions: 2,
  framesPerPartition: 10,
  dynamicAllocation: { ...DEFAULTS.dynamicAllocation, maxExecutors: 2 },
};

const OPTIONS: Omit<RealBackendOptions, 'submitter'> = {
  master: { kind: 'local-cluster', workers: 2, coresPerWorker: 1, memoryPerWorkerMb: 1024 },
  job: { inputDir: '/store', outputDir: '/nonexistent/sspe-out', batches: 2, warmupBatches: 1 },
  scenario: {
    workload: { sources: [], trace: { kind: 'constant', fps: 10 }, arrival: 'stored', fpsLevels: [10], minFramesPerPartition: 10, maxFramesPerPartition: 60 },
    slo: { perFrameMs: 500 },
  },
};

const launcher = new SparkLauncher({ runsDir: '/nonexistent/sspe-runs' });
const argsFor = (config: SparkConfig) => launcher.argsFor(submitRequestFor({ config, fps: 10 }, 'run-1', OPTIONS));
/** The job's arguments: what follows the job script in the spark-submit command. */
const jobArgs = (args: string[]) => args.slice(args.findIndex((arg) => arg.endsWith('video_grayscale.py')) + 1);

describe('knobs enacted as arguments of the streaming application', () => {
  const appArgKnobs = KNOB_NAMES.filter((name) => KNOB_TABLE[name].enact.kind === 'app-arg');

  it('are partitions, framesPerPartition and concurrentJobs; concurrentJobs is the job\'s --concurrent-jobs', () => {
    expect(appArgKnobs).toEqual(['partitions', 'framesPerPartition', 'concurrentJobs']);
    expect(KNOB_TABLE.concurrentJobs.enact).toEqual({ kind: 'app-arg', key: '--concurrent-jobs' });
  });

  it.each(appArgKnobs)("%s: the real backend passes the configuration's value to the job under the declared flag", (name) => {
    const enact = KNOB_TABLE[name].enact as { kind: 'app-arg'; key: string };
    const value = (CONFIG as unknown as Record<string, number>)[name] + 1;
    const args = jobArgs(argsFor({ ...CONFIG, [name]: value }));
    expect(args.filter((arg) => arg === enact.key)).toHaveLength(1);
    expect(args[args.indexOf(enact.key) + 1]).toBe(String(value));
  });

  it('never passes spark.streaming.concurrentJobs, which the job would ignore', () => {
    expect(argsFor({ ...CONFIG, concurrentJobs: 3 }).join(' ')).not.toContain('spark.streaming.concurrentJobs');
  });

  it('leaves --concurrent-jobs out of a launcher request that does not set it (the job defaults to 1), and refuses a bad one', () => {
    const request = submitRequestFor({ config: CONFIG, fps: 10 }, 'run-1', OPTIONS);
    const { concurrentJobs, ...job } = request.job;
    expect(concurrentJobs).toBe(1);
    expect(launcher.argsFor({ ...request, job })).not.toContain('--concurrent-jobs');
    expect(() => launcher.argsFor({ ...request, job: { ...job, concurrentJobs: 0 } })).toThrow(UserInputError);
    expect(() => launcher.argsFor({ ...request, job: { ...job, concurrentJobs: 0 } })).toThrow('expected a positive integer number of concurrent jobs, got 0');
  });
});

describe("a real run's concurrent jobs, wherever it is recorded", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sspe-concurrent-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const RUN: RealRun = {
    runId: 'r1', master: 'local-cluster[2,1,1024]', cores: 1, memoryMb: 512, instances: 2, partitions: 2, framesPerPartition: 10, fps: 10, batches: 2,
    megapixelsPerFrame: 0.0144, perFrameMs: { mean: 180.5, p50: 170, p95: 240, p99: 240 }, executorsRunning: 2, wallMs: 15_000, eventLogPath: null, failure: null,
  };

  it("the backend's calibration record and the event log's properties carry it; one job at a time leaves the record as it was", () => {
    const request = submitRequestFor({ config: { ...CONFIG, concurrentJobs: 2 }, fps: 10 }, 'run-1', OPTIONS);
    expect(request.conf!['spark.sspe.concurrentJobs']).toBe('2');
    const failed = { runId: 'run-1', metrics: null, eventLogPath: null, eventLog: null, wallMs: 0, failure: 'boom' } as unknown as SubmitResult;
    expect(realRunFrom(failed, request).concurrentJobs).toBe(2);
    expect(realRunFrom(failed, submitRequestFor({ config: CONFIG, fps: 10 }, 'run-1', OPTIONS))).not.toHaveProperty('concurrentJobs');
  });

  it('reads it back from an event log (absent: 1), and refuses a malformed one', async () => {
    const T0 = APP_START_MS + 10_000;
    const batches = [0, 1, 2].map((b) => ({ submissionTimeMs: T0 + 1000 * b, finishTimesMs: [T0 + 1000 * b + 500, T0 + 1000 * b + 600] }));
    const write = (name: string, properties: Record<string, string>) => {
      writeFileSync(join(dir, name), syntheticEventLog({ properties, executors: 2, batches }));
      return join(dir, name);
    };
    expect((await realRunFromEventLog(write('app-cj2', sspeProperties({ 'spark.sspe.concurrentJobs': '2' }))))!.concurrentJobs).toBe(2);
    expect(await realRunFromEventLog(write('app-cj1', sspeProperties({ 'spark.sspe.concurrentJobs': '1' })))).not.toHaveProperty('concurrentJobs');
    expect(await realRunFromEventLog(write('app-old', sspeProperties()))).not.toHaveProperty('concurrentJobs');
    await expect(realRunFromEventLog(write('app-bad', sspeProperties({ 'spark.sspe.concurrentJobs': 'two' })))).rejects.toThrow(
      "Spark property spark.sspe.concurrentJobs: expected a positive integer, got 'two'",
    );
  });

  it('round-trips through runs.csv, a file without the column reading as one job at a time', () => {
    const text = formatRunsCsv([{ ...RUN, concurrentJobs: 3 }, { ...RUN, runId: 'r2' }], '/');
    expect(parseRunsCsv(text, 'runs.csv')).toEqual([{ ...RUN, concurrentJobs: 3 }, { ...RUN, runId: 'r2' }]);
    const [header, , row] = text.trim().split('\n');
    const old = `${header.replace(',concurrentJobs', '')}\n${row.replace(',10,,10,', ',10,10,')}\n`;
    expect(parseRunsCsv(old, 'old.csv')).toEqual([{ ...RUN, runId: 'r2' }]);
    expect(() => parseRunsCsv(text.replace(',10,3,10,', ',10,0,10,'), 'runs.csv')).toThrow("runs.csv:2: column concurrentJobs: expected a positive integer, got '0'");
  });

  it('is part of the setting calibration replays (and of its key, when not 1)', () => {
    const scenario = loadScenarioSync('scenarios/local-cluster.yaml');
    const profile = scenario.profile;
    const options = { maxBatches: 4, seed: 1 };
    expect(realRunSpec(scenario, { ...RUN, concurrentJobs: 2 }, profile, options).spark.concurrentJobs).toBe(2);
    expect(realRunSpec(scenario, RUN, profile, options).spark.concurrentJobs).toBe(1);
    expect(settingKey(RUN)).toBe('1/512/2/2/10/10/0.0144');
    expect(settingKey({ ...RUN, concurrentJobs: 2 })).toBe('1/512/2/2/10/10/0.0144/cj2');
  });
});
