import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/paths.js';

describe('sspe bench adapter', () => {
  it('--quick --json gives steps/s native and through sspe_gym, and their ratio, at 1 and 8 environments per message, each timed after a warm-up', () => {
    const out = execFileSync('node', [join(repoRoot(), 'dist', 'bridge', 'cli', 'main.js'), 'bench', 'adapter', '--quick', '--json'], { cwd: repoRoot(), encoding: 'utf8', timeout: 300_000 });
    const result = JSON.parse(out) as { scenario: string; target_ratio_at_8: number; envs_per_message: Record<string, { steps_per_s_python: number; steps_per_s_native: number; ratio: number; warmup_steps: number; python_warmup: { median: number } }> };
    expect(result.scenario).toBe('paper-testbed');
    expect(result.target_ratio_at_8).toBe(2);
    expect(Object.keys(result.envs_per_message).sort()).toEqual(['1', '8']);
    for (const level of Object.values(result.envs_per_message)) {
      expect(level.steps_per_s_python).toBeGreaterThan(0);
      expect(level.steps_per_s_native).toBeGreaterThan(0);
      expect(level.ratio).toBeCloseTo(level.steps_per_s_native / level.steps_per_s_python, 9);
      expect(level.warmup_steps).toBe(16);
      expect(level.python_warmup.median).toBeGreaterThan(0);
    }
  }, 300_000);
});
