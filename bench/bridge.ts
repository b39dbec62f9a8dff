/**
 * `sspe bench bridge`: the bridge against REAL Spark on this machine
 * (local-cluster: real executor JVMs), several minutes.
 *   1. `sspe collect` measures every configuration of scenarios/local-cluster.yaml
 *      (the real grid) under two workloads, 2 × 10 (partitions × frames: one
 *      task per slot) and 4 × 10 (more tasks than slots), at two frame sizes
 *      (test videos at scale 0.125 and 0.5 of 1280 × 720, so per-frame CPU is
 *      seen), `repeat` times each, in ONE interleaved collection (every
 *      configuration once, then again), with the CPU probe before each run;
 *   2. `sspe calibrate --runs` fits this machine's profile with 30 % of the
 *      configurations held out whole (never a repeat of a training one):
 *      mape_config_holdout (the simulator) beside mape_config_holdout_ernest
 *      (Ernest, NNLS, same split), the noise floor of the repeats, and the same
 *      fit with --normalise-probe; mape_holdout / mape_holdout_ernest are kept
 *      for old readers and are now the same configuration-held-out figures;
 *   3. `sspe train` trains a DQN on the simulator with that profile;
 *   4. `sspe finetune` tunes it on the real cluster with a budget of real runs:
 *      finetune_runs_to_10pct = the first real run whose configuration is within
 *      10 % of the grid's best (both judged by the grid's own measurements
 *      under the scenario's workload, 2 partitions of 10 frames);
 *   5. the same figure for CherryPick-style Bayesian optimisation (GP + EI)
 *      from scratch over the same grid, each evaluation a real run;
 *   6. real_run_s_median over every real run, decide_ms_p99 of the tuned policy.
 * With k8s (the default), step 1 is followed by the same executor grid on a
 * real Kubernetes control plane (`sspe testbed up`: etcd, kube-apiserver,
 * kube-scheduler, the process kubelet), `sspe collect --master k8s://…` once
 * per configuration under the scenario's workload: grid_k8s beside grid,
 * per-frame ms and wall s side by side (what the pod path costs over
 * local-cluster's).
 * Steps 1, 2, 3 and 4 go through the CLI, as a user would run them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as ss from 'simple-statistics';
import { makeRealBackend } from '../bridge/backend/factory.js';
import { readRunsCsv } from '../bridge/calibration/runs-csv.js';
import { bayesOpt } from '../bridge/finetune/bayes-opt.js';
import { FAST_START_CONF } from '../bridge/spark/fast-start.js';
import { initTf } from '../src/agents/tf.js';
import { formatTable } from '../src/cli/table.js';
import { loadPolicy } from '../src/policy/artifact.js';
import { decide } from '../src/policy/decide.js';
import { loadScenarioSync } from '../src/scenario/load.js';
import { actionSpaceConfigs, type ExecutorConfig } from '../src/scenario/run-spec.js';
import { repoRoot } from './sim-workloads.js';

const execFileAsync = promisify(execFile);

export interface BenchBridgeOptions {
  quick?: boolean;
  onProgress?: (stage: string) => void;
  /** Keep the working folder (runs, event logs, policies) instead of deleting it. */
  keep?: boolean;
  /** Also run the grid on a real Kubernetes testbed (needs scripts/setup-k8s.sh's control plane). Default true. */
  k8s?: boolean;
}

/** One configuration of the local-cluster grid: mean per-frame ms and wall s over its measured runs. */
export interface GridRow {
  config: string;
  per_frame_ms: number;
  wall_s: number;
  runs: number;
}

/** One configuration on k8s://; per_frame_ms and wall_s null when its run failed (failure says why). */
export interface K8sGridRow {
  config: string;
  per_frame_ms: number | null;
  wall_s: number | null;
  runs: number;
  /** The failure of a run that did not measure, else null. */
  failure: string | null;
}

export interface BenchBridgeResult {
  master: string;
  grid: GridRow[];
  grid_best: string;
  /** The testbed's master URL and the same executor grid run there (the scenario's workload, once each); null with k8s off. */
  master_k8s: string | null;
  grid_k8s: K8sGridRow[] | null;
  /** Median over the shapes of each shape's mean wall s: on k8s://, and on local-cluster under the same workload and frame size. */
  real_run_s_median_k8s: number | null;
  real_run_s_median_local_same_workload: number;
  /** Kept for old readers: since configurations are held out whole, these equal mape_config_holdout(_ernest). */
  mape_holdout: number | null;
  mape_holdout_ernest: number | null;
  /** MAPE on the runs of configurations the fit never saw, simulator and Ernest on the same split, %. */
  mape_config_holdout: number | null;
  mape_config_holdout_ernest: number | null;
  /** The same with each run's time normalised by its CPU probe (sspe calibrate --normalise-probe). */
  mape_config_holdout_probe_normalised: number | null;
  /** Median |run − its configuration's mean| / mean over the repeats, %: what no model can beat on single runs. */
  noise_floor_pct: number | null;
  noise_floor_pct_probe_normalised: number | null;
  n_configs: number;
  n_configs_holdout: number;
  /** The CPU probes' spread over the collection: median |probe − median| / median, %, and slowest ÷ fastest. */
  probe_spread_pct: number | null;
  probe_slowest_to_fastest: number | null;
  /** Fitted parameters whose ±50 % moves the training MAPE less than the noise floor, and ones at a declared bound. */
  not_identified: string[];
  at_bound: string[];
  fitted: Record<string, number>;
  n_runs: number;
  n_holdout: number;
  /** The calibration runs' workloads (partitions × frames per partition), frame scales, and measured batches per run. */
  workloads: string[];
  frame_scales: number[];
  batches_per_run: number;
  finetune_runs_to_10pct: number | null;
  finetune_budget: number;
  bo_runs_to_10pct: number | null;
  bo_budget: number;
  real_runs: number;
  real_run_s_median: number;
  decide_ms_p99: number;
  work_dir: string | null;
  quick: boolean;
}

const MASTER = 'local-cluster[2,2,2048]';
const FPS = 10;
/** Measured batches per collected run: ~0.1 s each beside ~10 s of JVM start-up, and they cut the run-to-run noise. */
const BATCHES = 6;
/**
 * The calibration's workloads; the first is the scenario's, the one fine-tuning
 * and BO run. The agent's actions change partitions and frames too, so the
 * profile must predict across them: 4 × 10 has twice the tasks of 2 × 10.
 */
const WORKLOADS = [
  { partitions: 2, framesPerPartition: 10 },
  { partitions: 4, framesPerPartition: 10 },
];
/**
 * Frame sizes (make_test_videos.py --scale of the 1280 × 720 camera): 160 × 90
 * and 640 × 360, 16 × the pixels, so per-frame CPU shows against per-task
 * cost. The first is the store fine-tuning and BO read.
 */
const FRAME_SCALES = [0.125, 0.5];
const key = (c: ExecutorConfig) => `${c.executorCores}/${c.executorMemoryMb}/${c.executorInstances}`;

async function sspe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const cli = join(repoRoot(), 'dist', 'bridge', 'cli', 'main.js');
  try {
    const { stdout } = await execFileAsync(process.execPath, [cli, ...args, '--json'], {
      cwd: repoRoot(),
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 3_600_000,
    });
    return JSON.parse(stdout);
  } catch (error) {
    throw new Error(`sspe ${args.join(' ')} failed: ${String((error as { stderr?: string }).stderr ?? error)}`, { cause: error });
  }
}

function medianOrNull(values: number[]): number | null {
  return values.length === 0 ? null : ss.median(values);
}

/**
 * The executor grid on a real Kubernetes control plane on this machine, as a
 * user runs it: `sspe testbed up` (two nodes of 2 vCPU, nothing reserved: the
 * shape of local-cluster[2,2,2048]), `sspe collect --master k8s://…` over the
 * same stored videos, `sspe testbed down` whatever happened.
 */
async function k8sGrid(options: {
  work: string;
  configs: ExecutorConfig[];
  inputDir: string;
  batches: number;
  runLogArgs: string[];
  progress: (stage: string) => void;
}): Promise<{ master: string; grid: K8sGridRow[] }> {
  const { work, configs } = options;
  const stateDir = join(work, 'testbed');
  options.progress(`   the same ${configs.length} executor shapes on k8s:// (sspe testbed up: 2 nodes × 2 vCPU, real kube-apiserver and kube-scheduler, executors as pods of the process kubelet)`);
  const up = (await sspe(['testbed', 'up', '--dir', stateDir, '--nodes', '2', '--node-cpu', '2', '--node-memory', '4Gi', '--reserved-cpu', '0'])) as { server: string };
  const master = `k8s://${up.server}`;
  const out = join(work, 'grid-k8s');
  try {
    await sspe(
      [
        'collect', '--master', master, '--image', 'sspe/process', '--driver-host', '127.0.0.1', '--namespace', 'spark', '--service-account', 'spark',
        '--pvc', `store:sspe-host:${work}`, '--input-dir', options.inputDir, '--output-dir', join(work, 'frames-k8s'), '--configs', configs.map(key).join(','),
        '--fps', String(FPS), '--batches', String(options.batches), '--workloads', `${WORKLOADS[0].partitions}x${WORKLOADS[0].framesPerPartition}`, '--out', out,
        ...options.runLogArgs,
      ],
      { KUBECONFIG: join(stateDir, 'kubeconfig') },
    );
  } finally {
    await sspe(['testbed', 'down', '--dir', stateDir]);
  }
  const runs = await readRunsCsv(join(out, 'runs.csv'));
  const grid = configs.map((c): K8sGridRow => {
    const mine = runs.filter((r) => `${r.cores}/${r.memoryMb}/${r.instances}` === key(c));
    const measured = mine.filter((r) => r.perFrameMs !== null);
    return {
      config: key(c),
      per_frame_ms: measured.length === 0 ? null : ss.mean(measured.map((r) => r.perFrameMs!.mean)),
      wall_s: measured.length === 0 ? null : ss.mean(measured.map((r) => r.wallMs / 1000)),
      runs: mine.length,
      failure: mine.find((r) => r.perFrameMs === null)?.failure ?? null,
    };
  });
  return { master, grid };
}

export async function benchBridge(options: BenchBridgeOptions = {}): Promise<BenchBridgeResult> {
  const quick = options.quick ?? false;
  const progress = options.onProgress ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), 'sspe-bench-bridge-'));
  const runLog = join(work, 'runs.sqlite');
  const env = ['--run-log', runLog];
  let failed = true;
  try {
    const scenarioPath = join(repoRoot(), 'scenarios', 'local-cluster.yaml');
    const scenario = loadScenarioSync(scenarioPath);
    const configs = actionSpaceConfigs(scenario);
    const repeat = quick ? 1 : 2;

    const workloads = quick ? WORKLOADS.slice(0, 1) : WORKLOADS;
    const frameScales = quick ? FRAME_SCALES.slice(0, 1) : FRAME_SCALES;
    const batches = quick ? 2 : BATCHES;
    const gridDir = join(work, 'grid');
    const nConfigs = configs.length * workloads.length * frameScales.length;
    progress(
      `1/5 measuring the real grid: ${configs.length} executor shapes × ${workloads.length} workloads × ${frameScales.length} frame sizes = ${nConfigs} configurations, ` +
        `× ${repeat} interleaved, on ${MASTER}`,
    );
    // One collection, so repeats interleave over every configuration: a drift of the machine is not read as a configuration's effect.
    await sspe([
      'collect', '--master', MASTER, '--configs', configs.map(key).join(','), '--repeat', String(repeat), '--fps', String(FPS), '--batches', String(batches),
      '--workloads', workloads.map((w) => `${w.partitions}x${w.framesPerPartition}`).join(','), '--frame-scales', frameScales.join(','), '--out', gridDir, ...env,
    ]);
    const fineTuneStore = join(gridDir, `videos-s${frameScales[0]}`);
    const runs = await readRunsCsv(join(gridDir, 'runs.csv'));
    const byConfig = new Map<string, { ms: number[]; wallS: number[] }>();
    for (const run of runs) {
      if (run.perFrameMs === null) continue;
      if (run.partitions !== WORKLOADS[0].partitions || run.framesPerPartition !== WORKLOADS[0].framesPerPartition) continue;
      if (!run.runId.includes(`-s${frameScales[0]}-`)) continue;
      const k = `${run.cores}/${run.memoryMb}/${run.instances}`;
      const seen = byConfig.get(k) ?? { ms: [], wallS: [] };
      seen.ms.push(run.perFrameMs.mean);
      seen.wallS.push(run.wallMs / 1000);
      byConfig.set(k, seen);
    }
    const grid: GridRow[] = [...byConfig.entries()].map(([config, v]) => ({ config, per_frame_ms: ss.mean(v.ms), wall_s: ss.mean(v.wallS), runs: v.ms.length }));
    grid.sort((a, b) => a.per_frame_ms - b.per_frame_ms);
    if (grid.length === 0) throw new Error('every real run of the grid failed; see the runs under ' + gridDir);
    const best = grid[0];
    const gridMs = new Map(grid.map((g) => [g.config, g.per_frame_ms]));
    const within10 = (config: ExecutorConfig) => (gridMs.get(key(config)) ?? Infinity) <= 1.1 * best.per_frame_ms;

    progress(`  grid best ${best.config}: ${best.per_frame_ms.toFixed(1)} ms per frame`);

    const k8sConfigs = quick ? configs.slice(0, 1) : configs;
    const k8s = options.k8s === false ? null : await k8sGrid({ work, configs: k8sConfigs, inputDir: fineTuneStore, batches, runLogArgs: env, progress });
    progress('2/5 calibrating the simulator on the real runs (30 % of the configurations held out whole)');
    const profilePath = join(work, 'local-machine.json');
    type CalibrationJson = {
      mape_holdout: number | null;
      mape_holdout_ernest: number | null;
      noise_floor_pct: number | null;
      n_runs: number;
      n_holdout: number;
      n_configs_train: number;
      n_configs_holdout: number;
      probe: { spread_pct: number; slowest_to_fastest: number } | null;
      not_identified: string[];
      at_bound: string[];
      fitted: Record<string, { fitted: number }>;
    };
    const calibrateArgs = ['calibrate', '--runs', join(gridDir, 'runs.csv'), '--scenario', scenarioPath, '--holdout', '0.3'];
    // Quick: too few configurations for the stated minimum of held-out ones; fit on all, no MAPE.
    const calibration = (await sspe([...calibrateArgs.slice(0, -1), quick ? '0' : '0.3', '--profile', profilePath])) as CalibrationJson;
    progress(
      `  held-out configurations (${calibration.n_configs_holdout}): MAPE ${calibration.mape_holdout?.toFixed(2) ?? '-'} %, Ernest ${calibration.mape_holdout_ernest?.toFixed(2) ?? '-'} %; ` +
        `noise floor ${calibration.noise_floor_pct?.toFixed(2) ?? '-'} %; not identified: ${calibration.not_identified.join(', ') || 'none'}`,
    );
    const normalised = quick
      ? null
      : ((await sspe([...calibrateArgs, '--normalise-probe', '--profile', join(work, 'local-machine-probe-normalised.json')])) as CalibrationJson);
    if (normalised !== null) {
      progress(`  normalised by the CPU probe: MAPE ${normalised.mape_holdout?.toFixed(2) ?? '-'} %, noise floor ${normalised.noise_floor_pct?.toFixed(2) ?? '-'} %`);
    }

    progress('3/5 training a DQN on the calibrated simulator');
    const calibratedScenario = join(work, 'local-cluster.yaml');
    writeFileSync(calibratedScenario, readFileSync(scenarioPath, 'utf8').replace(/^profile: .*$/m, `profile: ${profilePath}`));
    const policyDir = join(work, 'policy');
    await sspe(['train', calibratedScenario, '--out', policyDir, ...(quick ? ['--episodes', '32'] : []), ...env]);

    const budget = quick ? 2 : 10;
    progress(`4/5 fine-tuning on the real cluster, at most ${budget} real runs`);
    const tunedDir = join(work, 'tuned');
    const finetune = (await sspe([
      'finetune', '--policy', policyDir, '--scenario', calibratedScenario, '--master', MASTER, '--budget', String(budget), '--fps', String(FPS),
      '--batches', String(batches), '--input-dir', fineTuneStore, '--out', tunedDir, ...env,
    ])) as {
      history: { config: { cores: number; memory_mb: number; instances: number }; started_at: string; ended_at: string }[];
    };
    const finetuneHit = finetune.history.findIndex((run) =>
      within10({ executorCores: run.config.cores, executorMemoryMb: run.config.memory_mb, executorInstances: run.config.instances }),
    );
    progress(`  fine-tune: within 10 % ${finetuneHit >= 0 ? `at real run ${finetuneHit + 1}` : `not within ${budget} real runs`}`);

    const boBudget = Math.min(configs.length, quick ? 2 : configs.length);
    progress(`5/5 Bayesian optimisation from scratch, at most ${boBudget} real runs`);
    const backend = makeRealBackend({
      master: { kind: 'local-cluster', workers: 2, coresPerWorker: 2, memoryPerWorkerMb: 2048 },
      scenario,
      inputDir: fineTuneStore,
      outputDir: join(work, 'bo-frames'),
      // Measured as the grid and the fine-tuning runs are.
      batches,
      warmupBatches: 1,
      timeoutMs: 600_000,
      runsDir: join(work, 'bo'),
      extraConf: { ...FAST_START_CONF },
      runIdPrefix: 'bo',
    });
    const boWallMs: number[] = [];
    const bo = await bayesOpt({
      candidates: configs,
      budget: boBudget,
      seed: 1,
      evaluate: async (config) => {
        const outcome = await backend.runTrial({ config: { ...scenario.spark, ...config }, fps: FPS });
        boWallMs.push(outcome.wallMs);
        return outcome.failure === null ? outcome.perFrameMs.mean : null;
      },
    });
    await backend.close();
    const boHit = bo.findIndex((step) => within10(step.candidate));
    progress(`  Bayesian optimisation: within 10 % ${boHit >= 0 ? `at real run ${boHit + 1}` : `not within ${boBudget} real runs`}`);

    const { tf } = await initTf();
    const tuned = await loadPolicy(tunedDir, { tf });
    const times: number[] = [];
    for (let i = 0; i < 1200; i++) {
      const c = configs[i % configs.length];
      const started = performance.now();
      decide(tuned, { fps: FPS, config: { cores: c.executorCores, memory_mb: c.executorMemoryMb, instances: c.executorInstances } });
      if (i >= 200) times.push(performance.now() - started);
    }
    const finetuneWallMs = finetune.history.map((r) => Date.parse(r.ended_at) - Date.parse(r.started_at));
    const wallS = [...runs.map((r) => r.wallMs), ...finetuneWallMs, ...boWallMs].map((ms) => ms / 1000);
    failed = false;
    return {
      master: MASTER,
      grid,
      grid_best: best.config,
      master_k8s: k8s?.master ?? null,
      grid_k8s: k8s?.grid ?? null,
      real_run_s_median_k8s: k8s === null ? null : medianOrNull(k8s.grid.flatMap((g) => (g.wall_s === null ? [] : [g.wall_s]))),
      real_run_s_median_local_same_workload: ss.median(grid.map((g) => g.wall_s)),
      mape_holdout: calibration.mape_holdout,
      mape_holdout_ernest: calibration.mape_holdout_ernest,
      mape_config_holdout: calibration.mape_holdout,
      mape_config_holdout_ernest: calibration.mape_holdout_ernest,
      mape_config_holdout_probe_normalised: normalised?.mape_holdout ?? null,
      noise_floor_pct: calibration.noise_floor_pct,
      noise_floor_pct_probe_normalised: normalised?.noise_floor_pct ?? null,
      n_configs: calibration.n_configs_train + calibration.n_configs_holdout,
      n_configs_holdout: calibration.n_configs_holdout,
      probe_spread_pct: calibration.probe?.spread_pct ?? null,
      probe_slowest_to_fastest: calibration.probe?.slowest_to_fastest ?? null,
      not_identified: calibration.not_identified,
      at_bound: calibration.at_bound,
      fitted: Object.fromEntries(Object.entries(calibration.fitted).map(([name, p]) => [name, p.fitted])),
      n_runs: calibration.n_runs,
      n_holdout: calibration.n_holdout,
      workloads: workloads.map((w) => `${w.partitions}x${w.framesPerPartition}`),
      frame_scales: frameScales,
      batches_per_run: batches,
      finetune_runs_to_10pct: finetuneHit >= 0 ? finetuneHit + 1 : null,
      finetune_budget: budget,
      bo_runs_to_10pct: boHit >= 0 ? boHit + 1 : null,
      bo_budget: boBudget,
      real_runs: wallS.length,
      real_run_s_median: ss.median(wallS),
      decide_ms_p99: ss.quantile(times, 0.99),
      work_dir: options.keep ? work : null,
      quick,
    };
  } catch (error) {
    // Minutes of real runs are behind this: keep them for a look, and say where.
    throw new Error(`bench bridge failed; its runs, logs and policies are kept in ${work}`, { cause: error });
  } finally {
    if (!options.keep && !failed) rmSync(work, { recursive: true, force: true });
  }
}

export function formatBenchBridgeTable(r: BenchBridgeResult): string {
  const pct = (x: number | null) => (x === null ? '-' : `${x.toFixed(1)} %`);
  const runs = (x: number | null, budget: number) => (x === null ? `not within ${budget}` : String(x));
  const rows: [string, string, string][] = [
    [`simulator MAPE on held-out configurations (${r.n_configs_holdout} of ${r.n_configs}, ${r.n_holdout} of ${r.n_runs} runs)`, pct(r.mape_config_holdout), '≤ 15 %, below Ernest'],
    ['Ernest MAPE on the same configurations', pct(r.mape_config_holdout_ernest), ''],
    ['noise floor (median |run − config mean| / mean)', pct(r.noise_floor_pct), ''],
    ['simulator MAPE, times normalised by the CPU probe', pct(r.mape_config_holdout_probe_normalised), ''],
    ['CPU probe spread (slowest / fastest)', r.probe_spread_pct === null ? '-' : `${r.probe_spread_pct.toFixed(1)} % (${r.probe_slowest_to_fastest!.toFixed(2)})`, ''],
    ['parameters not identified / at a bound', `${r.not_identified.join(', ') || 'none'} / ${r.at_bound.join(', ') || 'none'}`, ''],
    ['fine-tune: real runs to within 10 % of the grid best', runs(r.finetune_runs_to_10pct, r.finetune_budget), '≤ 10, fewer than BO'],
    ['Bayesian optimisation: real runs to within 10 %', runs(r.bo_runs_to_10pct, r.bo_budget), ''],
    ['real run, median wall s', r.real_run_s_median.toFixed(1), ''],
    ['decide ms p99', r.decide_ms_p99.toFixed(3), ''],
  ];
  const k8s = new Map((r.grid_k8s ?? []).map((g) => [g.config, g]));
  const k8sCells = (config: string): string[] => {
    if (r.grid_k8s === null) return [];
    const g = k8s.get(config);
    if (g === undefined) return ['-', '-'];
    return g.per_frame_ms === null ? ['failed', '-'] : [g.per_frame_ms.toFixed(1), g.wall_s!.toFixed(1)];
  };
  const grid = formatTable(
    ['configuration (cores/MB/instances)', 'per-frame ms', 'wall s', 'runs', ...(r.grid_k8s === null ? [] : ['k8s per-frame ms', 'k8s wall s'])],
    r.grid.map((g) => [g.config, g.per_frame_ms.toFixed(1), g.wall_s.toFixed(1), String(g.runs), ...k8sCells(g.config)]),
  );
  const k8sLine =
    r.grid_k8s === null
      ? '\n(k8s grid off: --no-k8s)'
      : `\nk8s: the same shapes on ${r.master_k8s} (2 nodes × 2 vCPU, one run each): median wall ${r.real_run_s_median_k8s?.toFixed(1) ?? '-'} s vs ${r.real_run_s_median_local_same_workload.toFixed(1)} s on local-cluster` +
        (r.grid_k8s.some((g) => g.failure !== null) ? `; failed: ${r.grid_k8s.filter((g) => g.failure !== null).map((g) => `${g.config} (${g.failure})`).join(', ')}` : '');
  return `${formatTable(['figure', 'value', 'target'], rows)}\n\nreal grid on ${r.master} (best first), with the same shapes on k8s:// beside it:\n${grid}${k8sLine}\n(${r.real_runs} real runs; calibration workloads ${r.workloads.join(', ')} partitions × frames at frame scales ${r.frame_scales.join(', ')}, ${r.batches_per_run} measured batches per run${r.quick ? '; quick: figures not comparable' : ''})${r.work_dir !== null ? `\nkept: ${r.work_dir}` : ''}`;
}
