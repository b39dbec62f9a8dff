import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('sspe simulate', () => {
  it('prints one JSON object with the documented fields', () => {
    const run = runCli(['simulate', 'scenarios/paper-testbed.yaml', '--config', 'cores=1,memory=900,instances=8', '--fps', '10', '--json']);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    for (const key of ['mean', 'p50', 'p95', 'p99']) expect(out.per_frame_ms[key]).toBeGreaterThan(0);
    expect(out.per_frame_ms.p50).toBeLessThanOrEqual(out.per_frame_ms.p99);
    expect(out.throughput_fps).toBeGreaterThan(0);
    for (const key of ['backlog_frames', 'cpu_util', 'mem_util', 'cost', 'pending_pods']) expect(typeof out[key]).toBe('number');
    expect(out.failures).toMatchObject({ task_failures: 0, oom_kills: 0 });
    expect(out.config).toMatchObject({ cores: 1, memory_mb: 900, instances: 8 });
    expect(out.fps).toBe(10);
  });

  it('gives the same trace hash for the same seed and a different one for another seed', () => {
    const args = ['simulate', 'scenarios/heterogeneous-failures.yaml', '--duration', '5m', '--trace-hash', '--json'];
    const a = JSON.parse(runCli([...args, '--seed', '7']).stdout).trace_hash;
    const b = JSON.parse(runCli([...args, '--seed', '7']).stdout).trace_hash;
    const c = JSON.parse(runCli([...args, '--seed', '8']).stdout).trace_hash;
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('prints a readable table by default', () => {
    const run = runCli(['simulate', 'scenarios/paper-testbed.yaml', '--duration', '60s']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('per-frame processing time (ms)');
    expect(run.stdout).toContain('node-3');
  });

  it.each([
    [['--config', 'cores=4'], /config\.executorCores: expected an integer in \[1, 3\]/],
    [['--config', 'colors=2'], /--config: unknown key 'colors'/],
    [['--fps', '-5'], /--fps: expected a number in \(0, 100000\], got -5/],
    [['--duration', 'forever'], /--duration: expected a duration/],
    [['--seed', '1.5'], /--seed: expected an integer/],
    [['--bogus'], /Unknown argument: bogus/],
  ])('rejects bad input %j with one line and exit code 2', (extra, message) => {
    const run = runCli(['simulate', 'scenarios/paper-testbed.yaml', ...extra, '--json']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('names the file for a missing scenario', () => {
    const run = runCli(['simulate', 'scenarios/nope.yaml']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/scenario file not found: .*nope\.yaml/);
  });
});
