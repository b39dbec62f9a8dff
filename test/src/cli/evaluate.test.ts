import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sspe-evaluate-'));
}

describe('sspe evaluate --trace', () => {
  it('runs every policy through the spike trace at a tiny budget and writes the report', () => {
    const dir = tempDir();
    try {
      const report = join(dir, 'trace.html');
      const started = Date.now();
      const run = runCli(['evaluate', 'scenarios/spike.yaml', '--trace', '--seeds', '1', '--baselines', 'static,hpa', '--report', report, '--json']);
      expect(run.stderr.split('\n').filter((l) => l.startsWith('sspe:'))).toEqual([]);
      expect(run.status).toBe(0);
      expect(Date.now() - started).toBeLessThan(60_000);
      const out = JSON.parse(run.stdout);
      expect(Object.keys(out)).toEqual(['trace', 'policies']);
      expect(out.trace).toMatchObject({ scenario: 'spike', kind: 'spike', duration_s: 360, objective: 'slo-cost', seeds: [1], fixed_configs_searched: 72 });
      expect(out.trace.interval_s).toBeGreaterThan(0);
      expect(Object.keys(out.policies)).toEqual(['static', 'hpa', 'best-fixed', 'adaptive-oracle', 'redeploy-aware-oracle']);
      for (const p of Object.values(out.policies) as Record<string, number>[]) {
        for (const field of ['objective', 'slo_attainment', 'request_cost_per_hour', 'node_cost_per_hour', 'reconfigurations', 'reconfigurations_per_hour', 'dropped_frames']) {
          expect(Number.isFinite(p[field]), field).toBe(true);
        }
      }
      expect(out.policies['best-fixed'].objective).toBeGreaterThanOrEqual(out.policies.static.objective);
      expect(existsSync(report)).toBe(true);
      expect(readFileSync(report, 'utf8')).toContain('Trace mode: spike trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a table without --json', () => {
    const run = runCli(['evaluate', 'scenarios/spike.yaml', '--trace', '--seeds', '1', '--baselines', 'static', '--no-best-fixed', '--interval', '2m']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('a decision every 120 s (3)');
    expect(run.stdout).toMatch(/adaptive-oracle/);
    expect(run.stdout).not.toMatch(/best-fixed/);
  });

  it.each([
    [['--interval', 'soon'], /^sspe: --interval: expected a duration/],
    [['--interval', '2h'], /^sspe: --interval: expected at most the trace's length \(run\.durationMs = 360 s\), got 2h/],
    [['--steps', '5'], /^sspe: --steps: not used with --trace/],
    [['--seeds', '0'], /^sspe: --seeds: expected an integer in \[1, 1000\], got 0/],
    [['--baselines', 'nope'], /^sspe: --baselines: expected one comma-separated list, got it 2 times \(static and nope\)/],
    [['--report', '/nonexistent-sspe-dir/r.html'], /^sspe: --report: the folder \/nonexistent-sspe-dir does not exist/],
  ])('bad flags %j: one line, exit 2', (flags, message) => {
    const run = runCli(['evaluate', 'scenarios/spike.yaml', '--trace', '--baselines', 'static', ...flags]);
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('an unknown baseline is named with what is allowed', () => {
    const run = runCli(['evaluate', 'scenarios/spike.yaml', '--trace', '--baselines', 'nope']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/^sspe: --baselines: unknown baseline 'nope'; allowed: random, static/);
  });

  it('takes a team bundle as --policy: its agents decide together, scored beside the baselines under the team method\'s name', () => {
    const run = runCli(['evaluate', 'scenarios/diurnal-pool.yaml', '--trace', '--policy', 'models/policies/diurnal-pool-vdn', '--baselines', 'flink-autoscaler', '--no-best-fixed', '--seeds', '1', '--json']);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('sspe:'))).toEqual([]);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(Object.keys(out.policies)).toEqual(['vdn', 'flink-autoscaler', 'adaptive-oracle', 'redeploy-aware-oracle']);
    const vdn = out.policies.vdn;
    // The shipped team keeps the SLO on most of the day (0.937 over two seeds in the README), reconfigures (it acts)
    // and leases fewer VMs than the Flink-style autoscaler beside it.
    expect(vdn.slo_attainment).toBeGreaterThan(0.8);
    expect(vdn.reconfigurations).toBeGreaterThan(0);
    expect(vdn.node_cost_per_hour).toBeGreaterThan(0);
    expect(vdn.node_cost_per_hour).toBeLessThan(out.policies['flink-autoscaler'].node_cost_per_hour);
    // In level mode too, under the same name.
    const dir = tempDir();
    try {
      const levels = runCli(['evaluate', 'scenarios/diurnal-pool.yaml', '--policy', 'models/policies/diurnal-pool-vdn', '--baselines', 'none', '--seeds', '1', '--steps', '4', '--json', '--run-log', join(dir, 'runs.sqlite')]);
      expect(levels.stderr.split('\n').filter((l) => l.startsWith('sspe:'))).toEqual([]);
      expect(levels.status).toBe(0);
      expect(JSON.stringify(JSON.parse(levels.stdout))).toContain('"vdn"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a team bundle trained for another action space with one line naming both", () => {
    const run = runCli(['evaluate', 'scenarios/spike.yaml', '--trace', '--policy', 'models/policies/diurnal-pool-vdn', '--baselines', 'none']);
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      "sspe: team policy models/policies/diurnal-pool-vdn was trained for nodeCount 1-6/1, executorCores 1-3/1, executorMemoryMb 600-1000/200, executorInstances 2-12/2, " +
        "placement {spread, pack, storage-affinity}, serializer {kryo, java}; the scenario 'spike' declares executorCores 1-3/1, executorMemoryMb 500-1000/100, executorInstances 5-8/1",
    );
  });

  it('--interval without --trace is refused', () => {
    const run = runCli(['evaluate', 'scenarios/spike.yaml', '--interval', '1m']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('sspe: --interval: only used with --trace');
  });
});
