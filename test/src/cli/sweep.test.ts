import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('sspe sweep', () => {
  it('ranks every configuration of the action space, best first, with the random mean', () => {
    const run = runCli(['sweep', 'scenarios/paper-testbed.yaml', '--fps', '60', '--duration', '30s', '--json']);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.fps).toBe(60);
    expect(out.results).toHaveLength(3 * 6 * 4);
    const keys = new Set(out.results.map((r: { cores: number; memory_mb: number; instances: number }) => `${r.cores}/${r.memory_mb}/${r.instances}`));
    expect(keys.size).toBe(72);
    // Configurations that keep every frame first, fastest first, then those that drop frames, each group
    // with the configurations that processed nothing in the window (mean null: at 60 fps multi-core
    // executors with little memory are OOM-killed and retried) at its end.
    type Row = { per_frame_ms: { mean: number | null }; dropped_frames: number };
    const rows: Row[] = out.results;
    const rank = (r: Row) => [Number(r.dropped_frames > 0), r.per_frame_ms.mean ?? Infinity] as const;
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rank(rows[i - 1]), rank(rows[i])];
      expect(a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]), `rows ${i - 1} and ${i} out of order`).toBe(true);
    }
    expect(rows.some((r) => r.per_frame_ms.mean === null)).toBe(true);
    const measured = rows.map((r) => r.per_frame_ms.mean).filter((m): m is number => m !== null);
    expect(out.random_mean_per_frame_ms).toBeGreaterThan(Math.min(...measured));
    expect(out.random_mean_per_frame_ms).toBeLessThan(Math.max(...measured));
  });

  it('follows the scenario trace without --fps', () => {
    const run = runCli(['sweep', 'scenarios/spike.yaml', '--duration', '20s', '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).fps).toBeNull();
  });

  it('prints a table with --top rows', () => {
    const run = runCli(['sweep', 'scenarios/paper-testbed.yaml', '--fps', '10', '--duration', '30s', '--top', '3']);
    expect(run.status).toBe(0);
    const rankRows = run.stdout.split('\n').filter((line) => /^\s*\d+\s+\d/.test(line));
    expect(rankRows).toHaveLength(3);
    expect(run.stdout).toMatch(/random configuration: [\d,.]+ ms per frame/);
  });
});
