import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BENCH_SIM_TARGETS, benchSim, formatBenchSimTable, type BenchSimResult } from '../../bench/sim.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const rssChild = fileURLToPath(new URL('../../dist/bench/rss-child.js', import.meta.url));

describe('benchSim', () => {
  let result: BenchSimResult;

  beforeAll(async () => {
    // The peak-RSS figure comes from the compiled child process; build it if this checkout has no dist yet.
    if (!existsSync(rssChild)) {
      try {
        execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repo, stdio: 'pipe' });
      } catch (error) {
        // tsc emits despite type errors elsewhere in the tree; only a missing child is fatal.
        if (!existsSync(rssChild)) throw new Error(`expected npx tsc to build ${rssChild}, it did not`, { cause: error });
      }
    }
    const stages: string[] = [];
    result = await benchSim({ quick: true, onProgress: (stage) => stages.push(stage) });
    expect(stages.map((stage) => stage.split(':')[0])).toEqual(['engine', 'model', 'trials', 'peak RSS']);
  });

  it('measures every figure at a tiny budget', () => {
    const positive = [
      'engine_events_per_s', 'engine_events', 'engine_wall_s', 'customers',
      'model_events_per_s', 'model_events', 'model_wall_s', 'model_simulated_s',
      'trials_per_s', 'trials', 'trials_wall_s', 'trial_simulated_s',
      'peak_rss_mb', 'rss_events', 'rss_simulated_s', 'rss_wall_s', 'cpu_count',
    ] as const;
    for (const key of positive) expect(result[key], key).toBeGreaterThan(0);
    expect(result.quick).toBe(true);
    expect(result.customers).toBeLessThan(1_000_000);
    expect(result.model_events_per_s).toBeCloseTo(result.model_events / result.model_wall_s, 6);
    expect(result.trials_per_s).toBeCloseTo(result.trials / result.trials_wall_s, 6);
    expect(result.trial_simulated_s).toBe(8); // 8 partitions x 60 frames at 60 fps
    expect(result.rss_simulated_s).toBe(3600);
    expect(result.model_config).toEqual({ executorCores: 2, executorMemoryMb: 800, executorInstances: 7 });
    expect(result.node_version).toBe(process.version);
    expect(result.cpu_model).not.toBe('');
    if (result.simpy_ratio === null) {
      expect(result.simpy_error).toMatch(/setup-python\.sh/);
    } else {
      expect(result.simpy_events_per_s).toBeGreaterThan(0);
      expect(result.simpy_ratio).toBeCloseTo(result.engine_events_per_s / result.simpy_events_per_s!, 6);
    }
  });

  it('prints one row per target, with the measured value and whether it is met', () => {
    const lines = formatBenchSimTable(result).split('\n');
    expect(lines[0]).toMatch(/^figure\s+value\s+target\s+ok$/);
    for (const target of BENCH_SIM_TARGETS) {
      const row = lines.find((line) => line.startsWith(target.figure));
      expect(row, target.figure).toMatch(/(yes|NO|skipped)$/);
    }
  });
});

describe('formatBenchSimTable', () => {
  it('marks each figure against its target, and a missing SimPy baseline as skipped with the reason', () => {
    const result: BenchSimResult = {
      engine_events_per_s: 6_000_000, customers: 1_000_000, engine_events: 2_000_000, engine_wall_s: 0.333,
      simpy_events_per_s: null, simpy_ratio: null, simpy_error: 'SimPy baseline skipped: no Python at x; run scripts/setup-python.sh',
      model_events_per_s: 900_000, model_config: { executorCores: 2, executorMemoryMb: 800, executorInstances: 7 },
      model_events: 900_000, model_wall_s: 1, model_simulated_s: 864_000,
      trials_per_s: 2_000, trials: 2_880, trials_wall_s: 1.44, trial_simulated_s: 8,
      peak_rss_mb: 250, rss_events: 16_540, rss_simulated_s: 3_600, rss_wall_s: 0.1,
      quick: false, node_version: 'v20.0.0', cpu_model: 'Test CPU', cpu_count: 2,
    };
    const table = formatBenchSimTable(result);
    expect(table.split('\n').slice(0, 7)).toEqual([
      'figure                          value      target        ok',
      '------------------------------  ---------  ------------  -------',
      'engine events/s (M/M/c)         6,000,000  >= 5,000,000  yes',
      'engine vs SimPy (x)             n/a        >= 30         skipped',
      'model events/s (paper testbed)  900,000    >= 1,000,000  NO',
      'trials/s (one batch at 60 fps)  2,000      >= 1,000      yes',
      'peak RSS, MB (1 h, 4 sources)   250        <= 200        NO',
    ]);
    expect(table).toContain('node v20.0.0 on Test CPU (2 CPUs)');
    expect(table).toContain('SimPy baseline skipped: no Python at x');
  });
});
