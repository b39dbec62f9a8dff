import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

export const PAPER_PROFILE = JSON.parse(
  readFileSync(new URL('../../../models/profiles/paper-testbed.json', import.meta.url), 'utf8'),
) as { name: string; description: string; parameters: Record<string, number> };

/** A small valid scenario; tests replace one line at a time. */
export const MINIMAL_YAML = `name: minimal
profile: profile.json
cluster:
  nodes:
    - { name: a, vcpu: 4, memoryMb: 8192, costPerHour: 0.1 }
    - { name: b, vcpu: 4, memoryMb: 8192, costPerHour: 0.1 }
spark:
  executorCores: 2
actionSpace:
  executorCores: { min: 1, max: 3 }
  executorMemoryMb: { min: 500, max: 1000, step: 100 }
  executorInstances: { min: 5, max: 8 }
workload:
  sources:
    - { name: cam, kind: camera, widthPx: 1280, heightPx: 720 }
  trace: { kind: constant, fps: 10 }
`;

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes files into a fresh temp dir (removed after the test); a profile.json is added unless given. */
export function tempFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sspe-scenario-'));
  dirs.push(dir);
  const all = { 'profile.json': JSON.stringify(PAPER_PROFILE), ...files };
  for (const [name, text] of Object.entries(all)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Replaces exactly one occurrence of `from` (so a typo in a test fails loudly). */
export function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`expected exactly one '${from}' in the fixture`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}
