import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Tf } from '../../../src/agents/tf.js';
import { decideCommand } from '../../../src/cli/commands/decide.js';
import { exportCommand } from '../../../src/cli/commands/export.js';
import { UserInputError } from '../../../src/errors.js';
import { loadPolicy, savePolicy } from '../../../src/policy/artifact.js';
import { paperScenario, tempDir, testTf, tinyPolicy } from './fixtures.js';

// The commands are not registered in src/cli/main.ts yet, so their handlers are called directly.

let tf: Tf;

beforeAll(async () => {
  tf = await testTf('wasm');
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function printed(run: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  await run();
  return lines.join('\n');
}

async function savedPolicy(): Promise<string> {
  const dir = join(tempDir(), 'policy');
  await savePolicy(dir, tinyPolicy(tf, paperScenario()));
  return dir;
}

const decideArgs = (policy: string, state: string, json: boolean) =>
  ({ policy, state, backend: 'wasm', json, _: [], $0: 'sspe' }) as Parameters<typeof decideCommand.handler>[0];
const exportArgs = (policyDir: string, out: string, force = false, json = false) =>
  ({ policyDir, out, force, json, _: [], $0: 'sspe' }) as Parameters<typeof exportCommand.handler>[0];

describe('sspe decide', () => {
  it('prints the next configuration as JSON', async () => {
    const dir = await savedPolicy();
    const state = join(dir, '..', 'state.json');
    writeFileSync(state, JSON.stringify({ fps: 40, config: { cores: 2, memory_mb: 800, instances: 6 } }));
    const out = JSON.parse(await printed(() => decideCommand.handler(decideArgs(dir, state, true))));
    expect(Object.keys(out)).toEqual(['policy', 'backend', 'state', 'action', 'config', 'q_values', 'masked', 'decide_ms']);
    expect(out.q_values).toHaveLength(27);
    expect(Object.keys(out.config)).toEqual(['cores', 'memory_mb', 'instances']);
  });

  it('prints a table', async () => {
    const dir = await savedPolicy();
    const state = join(dir, '..', 'state.json');
    writeFileSync(state, JSON.stringify({ fps: 40, config: { cores: 2, memory_mb: 800, instances: 6 } }));
    const text = await printed(() => decideCommand.handler(decideArgs(dir, state, false)));
    expect(text).toMatch(/^policy .* \('tiny', 27 delta actions over cores 1-3, memory 500-1000 MB step 100, instances 5-8\) at 40 fps\nknob/);
    expect(text).toMatch(/\ncores +2 +\d/);
    expect(text).toMatch(/\naction \d+ \(Q .*; \d+ of 27 actions masked\), decided in .* ms on wasm$/);
  });

  it('names the state file and field on bad input', async () => {
    const dir = await savedPolicy();
    const state = join(dir, '..', 'state.json');
    writeFileSync(state, JSON.stringify({ fps: 40, config: { cores: 2, memory_mb: 850, instances: 6 } }));
    await expect(decideCommand.handler(decideArgs(dir, state, true))).rejects.toThrow(
      new UserInputError(`${state}: config.memory_mb: expected an integer in [500, 1000] in steps of 100 from 500, got 850`),
    );
  });
});

describe('sspe export', () => {
  it('writes a self-contained copy that loads and predicts the same', async () => {
    const dir = await savedPolicy();
    const out = join(dir, '..', 'exported');
    const json = JSON.parse(await printed(() => exportCommand.handler(exportArgs(dir, out, false, true))));
    expect(json.files.map((f: { name: string }) => f.name)).toEqual(['README.md', 'model.json', 'policy.json', 'weights.bin']);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain('tf.loadLayersModel(tf.io.fromMemory(');
    expect(readme).toContain('| 0 | `load_fps` |');
    const [a, b] = [await loadPolicy(dir, { tf }), await loadPolicy(out, { tf })];
    const x = tf.randomUniform([8, 12], 0, 1, 'float32', 1);
    expect(Array.from((b.model.predict(x) as ReturnType<typeof tf.tensor>).dataSync())).toEqual(
      Array.from((a.model.predict(x) as ReturnType<typeof tf.tensor>).dataSync()),
    );
    expect(b.metadata).toEqual(a.metadata);
  });

  it('refuses a non-empty --out unless --force', async () => {
    const dir = await savedPolicy();
    const out = join(dir, '..', 'busy');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await expect(exportCommand.handler(exportArgs(dir, out))).rejects.toThrow(
      new UserInputError(`${out} already exists and is not empty; choose another folder or overwrite it (--force)`),
    );
    expect(readdirSync(out)).toEqual(['notes.txt']);
    await printed(() => exportCommand.handler(exportArgs(dir, out, true)));
    expect(readdirSync(out).sort()).toEqual(['README.md', 'model.json', 'policy.json', 'weights.bin']);
  });

  it('validates the policy it exports', async () => {
    const dir = await savedPolicy();
    writeFileSync(join(dir, 'weights.bin'), 'short');
    const out = join(dir, '..', 'exported');
    await expect(exportCommand.handler(exportArgs(dir, out))).rejects.toThrow(/weights.bin: expected \d+ bytes/);
    expect(readdirSync(join(dir, '..'))).toEqual(['policy']);
  });
});
