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
    const means = out.results.map((r: { per_frame_ms: { mean: number } }) => r.per_frame_ms.mean);
    expect(means).toEqual([...means].sort((a, b) => a - b));
    expect(out.random_mean_per_frame_ms).toBeGreaterThan(means[0]);
    expect(out.random_mean_per_frame_ms).toBeLessThan(means[means.length - 1]);
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
