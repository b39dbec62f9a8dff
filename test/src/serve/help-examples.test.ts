/**
 * The --help examples of serve-env and rollout run when pasted (through bash,
 * pipes included) in a scratch copy of scenarios/, as
 * test/src/cli/help-examples.test.ts runs the other commands'.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rolloutCommand } from '../../../src/cli/commands/rollout.js';
import { serveEnvCommand } from '../../../src/cli/commands/serve-env.js';
import { CLI } from './serve-process.js';
import { repoRoot } from '../cli/run-cli.js';

function examplesOf(command: { builder: (yargs: never) => unknown }): string[] {
  const found: string[] = [];
  const recorder: object = new Proxy({}, { get: (_, method) => (...args: unknown[]) => (method === 'example' && found.push(String(args[0])), recorder) });
  command.builder(recorder as never);
  return found;
}

const workspace = mkdtempSync(join(tmpdir(), 'sspe-serve-examples-'));
cpSync(join(repoRoot, 'scenarios'), join(workspace, 'scenarios'), { recursive: true });
cpSync(join(repoRoot, 'models'), join(workspace, 'models'), { recursive: true });
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe('serve-env and rollout --help examples run when pasted', () => {
  it.each([...examplesOf(serveEnvCommand), ...examplesOf(rolloutCommand)])('%s', (example) => {
    const run = spawnSync('bash', ['-c', example.replace(/\$0/g, `node ${CLI}`)], { cwd: workspace, encoding: 'utf8', timeout: 120_000 });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    if (example.includes('serve-env')) {
      // Every line on stdout is a protocol answer, and every one is ok.
      for (const line of run.stdout.trim().split('\n')) expect(JSON.parse(line), line).toMatchObject({ ok: true });
    }
  }, 120_000);
});
