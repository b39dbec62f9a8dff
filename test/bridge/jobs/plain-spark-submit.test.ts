/**
 * A plain spark-submit of the job from the venv (no launcher: SPARK_HOME is
 * the venv's pyspark package) on local-cluster. Spark 4's local cluster keeps
 * executor work folders in $SPARK_HOME/work, with no setting to move them;
 * the job moves its app's folder into its output after the run, so nothing of
 * the run is left inside the venv. Under CI=true it always runs (and fails
 * when Spark is missing); elsewhere it is skipped, with the reason in its
 * name, when scripts/setup-python.sh has not been run. The move's guard
 * (only this run's folder: app ids repeat across runs started in the same
 * second) is tested without Spark.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_START_CONF } from '../../../bridge/spark/fast-start.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const sparkSubmit = join(repo, '.venv', 'bin', 'spark-submit');
const python = join(repo, '.venv', 'bin', 'python');
const venvSparkHome = join(repo, '.venv', 'lib', 'python3.11', 'site-packages', 'pyspark');
const inCi = process.env.CI === 'true';
const skipReason = !inCi && !existsSync(sparkSubmit) ? `no ${sparkSubmit}; run scripts/setup-python.sh` : null;

describe.skipIf(skipReason !== null)(`plain spark-submit of video_grayscale.py on local-cluster[1,1,1024]${skipReason === null ? '' : ` (skipped: ${skipReason})`}`, () => {
  let work: string;

  beforeAll(() => {
    expect(existsSync(sparkSubmit), `CI=true needs Spark: expected ${sparkSubmit}; run scripts/setup-python.sh`).toBe(true);
    work = mkdtempSync(join(tmpdir(), 'sspe-plain-submit-'));
    execFileSync(python, [join(repo, 'bridge/jobs/make_test_videos.py'), '--output-dir', join(work, 'videos'), '--seconds', '1', '--fps', '10'], { stdio: 'pipe' });
  });

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('leaves no executor work folder in the venv: the job moves it into its output', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PYSPARK_PYTHON: python, PYSPARK_DRIVER_PYTHON: python, SPARK_LOCAL_IP: '127.0.0.1' };
    delete env.SPARK_HOME;
    const conf = Object.entries({ ...FAST_START_CONF, 'spark.executor.memory': '512m', 'spark.cores.max': '1' }).flatMap(([key, value]) => ['--conf', `${key}=${value}`]);
    const metricsPath = join(work, 'metrics.json');
    const run = spawnSync(
      sparkSubmit,
      [
        '--master', 'local-cluster[1,1,1024]',
        ...conf,
        join(repo, 'bridge/jobs/video_grayscale.py'),
        '--input-dir', join(work, 'videos'),
        '--output-dir', join(work, 'out'),
        '--partitions', '1',
        '--frames-per-partition', '15',
        '--fps', '10',
        '--run-id', 'plain',
        '--metrics-out', metricsPath,
        '--expected-executors', '1',
      ],
      { env, encoding: 'utf8', timeout: 180_000 },
    );
    expect(run.status, `stdout:\n${run.stdout.slice(-2000)}\nstderr:\n${run.stderr.slice(-2000)}`).toBe(0);

    const metrics = JSON.parse(readFileSync(metricsPath, 'utf8')) as { appId: string; executorLogDir: string | null; framesProcessed: number };
    expect(metrics.framesProcessed).toBe(30);
    expect(metrics.executorLogDir).toBe(join(work, 'out', 'plain', 'executor-logs'));
    expect(readdirSync(metrics.executorLogDir!)).toEqual(['0']);
    expect(readdirSync(join(metrics.executorLogDir!, '0')).sort()).toEqual(['stderr', 'stdout']);
    expect(existsSync(join(venvSparkHome, 'work', metrics.appId))).toBe(false);
  }, 200_000);
});

describe("the job's move of local-cluster work folders", () => {
  const venvPython = join(repo, '.venv', 'bin', 'python');
  const anyPython = existsSync(venvPython) ? venvPython : 'python3';

  /** Runs move_work_out_of_pyspark on a fake pip SPARK_HOME holding one app folder whose executor was launched by `launchedByPort`. */
  function moveWith(launchedByPort: string, ourPort: string): { moved: string | null; left: boolean } {
    const root = mkdtempSync(join(tmpdir(), 'sspe-move-work-'));
    try {
      const home = join(root, 'site-packages', 'pyspark');
      const executor = join(home, 'work', 'app-20260101000000-0000', '0');
      mkdirSync(executor, { recursive: true });
      writeFileSync(join(executor, 'stderr'), `Spark Executor Command: "java" "--driver-url" "spark://CoarseGrainedScheduler@localhost:${launchedByPort}" "--executor-id" "0"\n`);
      const script = `
import sys
from pathlib import Path
sys.path.insert(0, ${JSON.stringify(join(repo, 'bridge', 'jobs'))})
import video_grayscale as job
print(job.move_work_out_of_pyspark("local-cluster[1,1,1024]", "app-20260101000000-0000", ${JSON.stringify(ourPort)}, Path(${JSON.stringify(join(root, 'out', 'executor-logs'))})))
`;
      const printed = execFileSync(anyPython, ['-c', script], { encoding: 'utf8', env: { ...process.env, SPARK_HOME: home } }).trim();
      return { moved: printed === 'None' ? null : printed, left: existsSync(join(home, 'work', 'app-20260101000000-0000')) };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  it("moves this run's folder out of the pyspark package", () => {
    const { moved, left } = moveWith('40123', '40123');
    expect(moved).toMatch(/\/out\/executor-logs$/);
    expect(left).toBe(false);
  });

  it('leaves alone a folder of the same app id that another run (another driver port) launched', () => {
    expect(moveWith('40999', '40123')).toEqual({ moved: null, left: true });
  });
});
