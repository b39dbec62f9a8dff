import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('sspe (top level)', () => {
  it('--help lists every command', () => {
    const run = runCli(['--help']);
    expect(run.status).toBe(0);
    for (const command of ['start', 'simulate', 'sweep', 'bench']) expect(run.stdout).toContain(`sspe ${command}`);
    expect(run.stdout).toContain('--json');
    expect(run.stdout).toContain('--seed');
  });

  it.each(['simulate', 'sweep', 'bench', 'start'])('%s --help shows an example', (command) => {
    const run = runCli([command, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Examples:');
  });

  it('no command is a usage error (exit 2)', () => {
    const run = runCli([]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('expected a command');
  });

  it('start shows best against random at every paper load level', () => {
    const run = runCli(['start', '--json']);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.levels.map((l: { fps: number }) => l.fps)).toEqual([10, 20, 30, 40, 50, 60]);
    for (const level of out.levels) expect(level.best.per_frame_ms).toBeLessThan(level.random_mean_per_frame_ms);
  });
});
