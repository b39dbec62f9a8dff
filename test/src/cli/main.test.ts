import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('start trains, evaluates against every baseline at every paper load level, and writes a report', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'sspe-start-'));
    try {
      const run = runCli(['start', '--episodes', '16', '--seeds', '1', '--out-dir', outDir, '--json'], { env: { SSPE_RUN_LOG: join(outDir, 'runs.sqlite') } });
      expect(run.status).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(out.training.episodes).toBe(16);
      // The saved policy is the one the greedy evaluation checked (the last round at least).
      expect(out.training.best_episode).toBe(16);
      expect(out.training.eval_env_steps).toBeGreaterThan(0);
      expect(out.levels.map((l: { fps: number }) => l.fps)).toEqual([10, 20, 30, 40, 50, 60]);
      for (const level of out.levels) {
        expect(Object.keys(level.policies)).toEqual(expect.arrayContaining(['dqn', 'random', 'static', 'oracle', 'hpa']));
        expect(level.policies.oracle.per_frame_ms.mean).toBeLessThanOrEqual(level.policies.random.per_frame_ms.mean);
      }
      expect(existsSync(join(outDir, 'report.html'))).toBe(true);
      expect(existsSync(join(outDir, 'policy', 'model.json'))).toBe(true);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
