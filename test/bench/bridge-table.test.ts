import { describe, expect, it } from 'vitest';
import { formatBenchBridgeTable, type BenchBridgeResult } from '../../bench/bridge.js';

function result(overrides: Partial<BenchBridgeResult> = {}): BenchBridgeResult {
  return {
    master: 'local-cluster[2,2,2048]',
    grid: [
      { config: '2/1024/1', per_frame_ms: 97.3, wall_s: 13.2, runs: 2 },
      { config: '1/512/2', per_frame_ms: 170.0, wall_s: 20.6, runs: 2 },
    ],
    grid_best: '2/1024/1',
    master_k8s: 'k8s://https://127.0.0.1:45189',
    grid_k8s: [
      { config: '2/1024/1', per_frame_ms: 110.5, wall_s: 14.3, runs: 1, failure: null },
      { config: '1/512/2', per_frame_ms: null, wall_s: null, runs: 1, failure: 'executor 1 was OOMKilled' },
    ],
    real_run_s_median_k8s: 14.3,
    real_run_s_median_local_same_workload: 16.9,
    mape_holdout: 20,
    mape_holdout_ernest: 25,
    mape_config_holdout: 20,
    mape_config_holdout_ernest: 25,
    mape_config_holdout_probe_normalised: null,
    noise_floor_pct: 10,
    noise_floor_pct_probe_normalised: null,
    n_configs: 32,
    n_configs_holdout: 10,
    probe_spread_pct: null,
    probe_slowest_to_fastest: null,
    not_identified: [],
    at_bound: [],
    fitted: {},
    n_runs: 64,
    n_holdout: 20,
    workloads: ['2x10'],
    frame_scales: [0.125],
    batches_per_run: 6,
    finetune_runs_to_10pct: 1,
    finetune_budget: 10,
    bo_runs_to_10pct: 2,
    bo_budget: 8,
    real_runs: 82,
    real_run_s_median: 20.2,
    decide_ms_p99: 0.05,
    work_dir: null,
    quick: false,
    ...overrides,
  };
}

describe('bench bridge table', () => {
  it('shows the k8s:// grid beside local-cluster, per-frame ms and wall s side by side, and names a failed k8s run', () => {
    const text = formatBenchBridgeTable(result());
    expect(text).toMatch(/configuration \(cores\/MB\/instances\)\s+per-frame ms\s+wall s\s+runs\s+k8s per-frame ms\s+k8s wall s/);
    expect(text).toMatch(/2\/1024\/1\s+97\.3\s+13\.2\s+2\s+110\.5\s+14\.3/);
    expect(text).toMatch(/1\/512\/2\s+170\.0\s+20\.6\s+2\s+failed\s+-/);
    expect(text).toContain('median wall 14.3 s vs 16.9 s on local-cluster; failed: 1/512/2 (executor 1 was OOMKilled)');
  });

  it('says the k8s grid was off rather than showing empty columns', () => {
    const text = formatBenchBridgeTable(result({ master_k8s: null, grid_k8s: null, real_run_s_median_k8s: null }));
    expect(text).not.toContain('k8s per-frame ms');
    expect(text).toContain('(k8s grid off: --no-k8s)');
  });
});
