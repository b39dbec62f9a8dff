/**
 * What --help and the exported README tell a new user: defaults that match
 * what runs, a documented state format, no claims the code does not keep,
 * no float noise.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DECIDE_STATE_FIELDS, stateTemplate } from '../../../src/policy/decide.js';
import { repoRoot, runCli } from './run-cli.js';

describe('help and docs a user can trust', () => {
  it("start --help shows the paper-testbed scenario's DQN settings, which start uses", () => {
    const help = runCli(['start', '--help']).stdout;
    expect(help).toMatch(/--batch-size .*\(default 128 from scenarios\/paper-testbed\.yaml; 32 elsewhere\)/);
  });

  it('decide --help documents every field of the state format, and the template is a valid state', () => {
    const help = runCli(['decide', '--help']).stdout;
    expect(help).toContain('State format, version 1');
    for (const [field] of DECIDE_STATE_FIELDS) expect(help).toContain(field);
    const printed = runCli(['decide', '--print-state-template']);
    expect(printed.status).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual(stateTemplate());
    const decided = runCli(['decide', '--policy', 'models/policies/paper-testbed-dqn', '--state=-', '--json'], { input: printed.stdout });
    expect(decided.status).toBe(0);
    expect(JSON.parse(decided.stdout).config).toHaveProperty('memory_mb');
  });

  it('runs --help says which commands log trials, and that simulate and sweep do not', () => {
    const help = runCli(['runs', '--help']).stdout;
    expect(help).toContain('simulate and sweep are not logged');
    expect(help).not.toContain('every simulated or real trial');
  });

  it('the exported README documents the decide state and shows the training time without float noise', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sspe-help-')), 'exported');
    try {
      expect(runCli(['export', join(repoRoot, 'models/policies/paper-testbed-dqn'), '--out', out]).status).toBe(0);
      const readme = readFileSync(join(out, 'README.md'), 'utf8');
      expect(readme).not.toMatch(/\d\.\d{6,}/);
      expect(readme).toMatch(/environment steps, (\d+\.\d s|\d+ min \d+ s),/);
      for (const [field] of DECIDE_STATE_FIELDS) expect(readme).toContain(`| \`${field}\` |`);
      expect(readme).toContain('| `last.backlog_frames` |');
    } finally {
      rmSync(join(out, '..'), { recursive: true, force: true });
    }
  });

  it('simulate says "1 core" and what "executors registered" counts', () => {
    const run = runCli(['simulate', 'scenarios/paper-testbed.yaml', '--config', 'cores=1', '--duration', '10s']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('1 core × 800 MB × 6 executors');
    expect(run.stdout).toContain('executors registered (all over the run, replacements included; 6 requested)');
  });
});
