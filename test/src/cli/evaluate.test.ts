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

  it('--interval without --trace is refused', () => {
    const run = runCli(['evaluate', 'scenarios/spike.yaml', '--interval', '1m']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('sspe: --interval: only used with --trace');
  });
});
