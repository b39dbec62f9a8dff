import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './run-cli.js';

const shipped = join(repoRoot, 'models', 'policies', 'diurnal-pool-vdn');
const work = mkdtempSync(join(tmpdir(), 'sspe-export-team-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('sspe export of a team bundle', () => {
  it('writes a checked copy with every agent, a README from team.json, and the copy decides like the original', () => {
    const out = join(work, 'team');
    const run = runCli(['export', shipped, '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { team: boolean; agents: { name: string; actions: number }[]; files: { name: string; bytes: number }[] };
    expect(result.team).toBe(true);
    expect(result.agents.map((a) => `${a.name}:${a.actions}`)).toEqual(['cluster:6', 'parallelism:6', 'scheduler:3', 'resources:9', 'tuner:2']);
    const agents = ['cluster', 'parallelism', 'resources', 'scheduler', 'tuner'];
    const modelFiles = (a: string) => [`${a}/model.json`, `${a}/weights.bin`];
    expect(result.files.map((f) => f.name)).toEqual(['README.md', ...agents.slice(0, 4).flatMap(modelFiles), 'team.json', ...modelFiles('tuner')]);
    for (const a of agents) expect(readFileSync(join(out, a, 'weights.bin')).equals(readFileSync(join(shipped, a, 'weights.bin')))).toBe(true);

    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain("# Team policy `diurnal-pool-vdn`");
    expect(readme).toMatch(/### `cluster` — .*\n\n\| knob \(state field\) \| values \|\n\|---\|---\|\n\| `node_count` \| an integer in \[1, 6\] \|/);
    expect(readme).toContain('`placement`');
    expect(readme).toContain('`serializer`');

    const template = runCli(['decide', '--policy', out, '--print-state-template']);
    expect(template.status, template.stderr).toBe(0);
    const state = join(work, 'state.json');
    writeFileSync(state, template.stdout);
    const fromCopy = runCli(['decide', '--policy', out, '--state', state, '--json']);
    const fromShipped = runCli(['decide', '--policy', shipped, '--state', state, '--json']);
    expect(fromCopy.status, fromCopy.stderr).toBe(0);
    expect((JSON.parse(fromCopy.stdout) as { config: unknown }).config).toEqual((JSON.parse(fromShipped.stdout) as { config: unknown }).config);
  });

  it('refuses a non-empty --out without --force in one line, and a broken bundle naming its file', () => {
    const out = join(work, 'taken');
    expect(runCli(['export', shipped, '--out', out]).status).toBe(0);
    const again = runCli(['export', shipped, '--out', out]);
    expect(again.status).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^sspe: .*taken already exists and is not empty; choose another folder or overwrite it \(--force\)\n$/);
    expect(runCli(['export', shipped, '--out', out, '--force']).status).toBe(0);

    writeFileSync(join(out, 'team.json'), '{"format": "sspe-team-policy", "formatVersion": 1}');
    const broken = runCli(['export', out, '--out', join(work, 'from-broken')]);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/^sspe: .*team\.json: name: .*\n$/);
  });
});
