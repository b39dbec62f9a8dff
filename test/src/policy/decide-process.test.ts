import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tf } from '../../../src/agents/tf.js';
import { loadPolicy, savePolicy } from '../../../src/policy/artifact.js';
import { decide } from '../../../src/policy/decide.js';
import { repoRoot } from '../cli/run-cli.js';
import { paperScenario, tempDir, testTf, tinyPolicy } from './fixtures.js';

const child = `${repoRoot}dist/test/src/policy/decide-child.js`;
const recordImports = fileURLToPath(new URL('./record-imports.mjs', import.meta.url));

/** Modules a decision must not need: training loops, the DQN learner, environments, the simulator. */
const TRAINING_CODE = [/\/src\/train\//, /\/src\/agents\/(dqn|replay-buffer|q-network)\.js$/, /\/src\/env\//, /\/src\/backend\/simulated\.js$/, /\/sim\/model\.js$/];

const STATE = { fps: 30, config: { cores: 2, memory_mb: 800, instances: 6 } };

let tf: Tf;

beforeAll(async () => {
  tf = await testTf('wasm');
});

function runChild(args: string[], importLog?: string) {
  if (!existsSync(child)) {
    throw new Error(`expected the compiled child at ${child}; run 'npx tsc -p tsconfig.json' (npm test does) first`);
  }
  const run = spawnSync(process.execPath, [...(importLog === undefined ? [] : ['--import', recordImports]), child, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, SSPE_IMPORT_LOG: importLog ?? '' },
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('decide in a fresh process', () => {
  it('answers like the process that saved the policy, without loading training code', async () => {
    const dir = join(tempDir(), 'policy');
    await savePolicy(dir, tinyPolicy(tf, paperScenario()));
    const stateFile = join(dir, '..', 'state.json');
    writeFileSync(stateFile, JSON.stringify(STATE));
    const here = decide(await loadPolicy(dir, { tf }), STATE);

    const importLog = join(dir, '..', 'imports.log');
    const run = runChild([dir, stateFile, 'wasm'], importLog);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const there = JSON.parse(run.stdout) as typeof here & { backend: string };
    expect(there.backend).toBe('wasm');
    expect(there.action).toBe(here.action);
    expect(there.config).toEqual(here.config);
    expect(there.q_values).toEqual(here.q_values);

    const modules = readFileSync(importLog, 'utf8').trim().split('\n');
    expect(modules.some((url) => url.endsWith('/dist/src/policy/decide.js'))).toBe(true);
    expect(modules.filter((url) => TRAINING_CODE.some((pattern) => pattern.test(url)))).toEqual([]);
  });

  it('fails with one line naming the field on a bad state', async () => {
    const dir = join(tempDir(), 'policy');
    await savePolicy(dir, tinyPolicy(tf, paperScenario()));
    const stateFile = join(dir, '..', 'state.json');
    writeFileSync(stateFile, JSON.stringify({ ...STATE, config: { ...STATE.config, cores: 7 } }));
    const run = runChild([dir, stateFile]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`${stateFile}: config.cores: expected an integer in [1, 3], got 7\n`);
  });
});
