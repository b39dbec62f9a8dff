/**
 * Runs the bad-input corpus (bad-input/corpus.ts) through the compiled CLI.
 * For each case, what a user notices: exit code 2, one line on stderr of the
 * form "sspe: <file or flag>: <field>: <what is allowed>, got …", nothing on
 * stdout, and the temp folder it ran in exactly as before (no partial
 * output, no -wal or -shm, inputs unchanged).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { CASES } from './bad-input/corpus.js';

/** Every file under `dir` with a hash of its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
    }
  };
  walk(dir);
  return out;
}

const tally = { tried: 0, clean: 0 };

afterAll(() => {
  console.log(`bad-input corpus: ${tally.tried} cases tried, ${tally.clean} answered with one clean line and exit 2, ${tally.tried - tally.clean} not`);
});

describe('bad-input corpus: one line, exit 2, nothing written', () => {
  it('has a case per input the issue names, and more', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(55);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    tally.tried++;
    const dir = mkdtempSync(join(tmpdir(), 'sspe-bad-input-'));
    try {
      for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), content);
      c.prepare?.(dir);
      const before = snapshot(dir);
      const started = Date.now();
      const run = runCli(
        c.args.map((a) => a.replaceAll('<dir>', dir)),
        // The run log would default to <cwd>/runs/sspe.sqlite: in the temp folder, so a stray write shows.
        { cwd: dir, input: c.stdin ?? '', env: { SSPE_RUN_LOG: '', ...c.env } },
      );
      const stderr = run.stderr.replaceAll(dir, '<dir>');
      expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 2, stdout: '' });
      expect(stderr.endsWith('\n') && stderr.indexOf('\n') === stderr.length - 1, `one line, got: ${stderr}`).toBe(true);
      expect(stderr.startsWith('sspe: ')).toBe(true);
      const line = stderr.slice('sspe: '.length, -1);
      if (typeof c.message === 'string') expect(line).toBe(c.message);
      else expect(line).toMatch(c.message);
      expect(line.length, 'a message a person reads, not a dump').toBeLessThan(400);
      expect(snapshot(dir), 'nothing written, nothing changed').toEqual(before);
      expect(Date.now() - started, 'answered in seconds, not after walking the whole input').toBeLessThan(20_000);
      tally.clean++;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a 1 MiB scenario with 60,000 unknown keys is answered quickly', () => {
    // The yaml library's duplicate-key check was quadratic: 1.1 MB took 9.9 s, 6.3 MB hung.
    const c = CASES.find((x) => x.name.startsWith('60,000 unknown keys'));
    expect(c).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'sspe-bad-input-'));
    try {
      for (const [name, content] of Object.entries(c?.files ?? {})) writeFileSync(join(dir, name), content);
      expect(statSync(join(dir, 'scenario.yaml')).size).toBeLessThanOrEqual(1024 * 1024);
      const started = Date.now();
      expect(runCli(['simulate', join(dir, 'scenario.yaml')], { cwd: dir }).status).toBe(2);
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
