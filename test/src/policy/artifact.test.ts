import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tf } from '../../../src/agents/tf.js';
import { UserInputError } from '../../../src/errors.js';
import {
  checkCompatible,
  loadPolicy,
  savePolicy,
  scenarioHash,
  type PolicyMetadata,
} from '../../../src/policy/artifact.js';
import { paperScenario, tempDir, testMetadata, tinyModel, tinyPolicy, testTf } from './fixtures.js';

let tf: Tf;

beforeAll(async () => {
  tf = await testTf('wasm');
});

/** A saved tiny policy in a fresh folder. */
async function savedPolicy(): Promise<string> {
  const dir = join(tempDir(), 'policy');
  await savePolicy(dir, tinyPolicy(tf, paperScenario()));
  return dir;
}

/** The message of the UserInputError `run` throws; fails the test if it throws anything else or nothing. */
async function userError(run: () => Promise<unknown> | unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserInputError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a UserInputError, got none');
}

function editJson(path: string, edit: (value: Record<string, unknown>) => void): void {
  const value = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(value);
  writeFileSync(path, JSON.stringify(value));
}

describe('savePolicy / loadPolicy', () => {
  it('round-trips: the loaded network gives bit-identical Q-values and the metadata comes back as saved', async () => {
    const scenario = paperScenario();
    const policy = tinyPolicy(tf, scenario);
    const dir = join(tempDir(), 'policy');
    await savePolicy(dir, policy);
    expect(readdirSync(dir).sort()).toEqual(['README.md', 'model.json', 'policy.json', 'weights.bin']);
    const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest.map((g: { paths: string[] }) => g.paths)).toEqual([['weights.bin']]);

    const loaded = await loadPolicy(dir, { tf });
    expect(loaded.metadata).toEqual(policy.metadata);
    const inputs = tf.randomUniform([256, 12], 0, 1, 'float32', 3);
    const before = (policy.model.predict(inputs) as ReturnType<typeof tf.tensor>).dataSync();
    const after = (loaded.model.predict(inputs) as ReturnType<typeof tf.tensor>).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
  });

  it('round-trips the absolute encoding with its grid', async () => {
    const scenario = paperScenario({ encoding: 'absolute' });
    const policy = tinyPolicy(tf, scenario);
    expect(policy.metadata.actionSpace.actionCount).toBe(3 * 6 * 4);
    expect(policy.metadata.actionSpace.grid?.[0]).toEqual([1, 500, 5]);
    const dir = join(tempDir(), 'absolute');
    await savePolicy(dir, policy);
    const loaded = await loadPolicy(dir, { tf });
    expect(loaded.metadata.actionSpace).toEqual(policy.metadata.actionSpace);
  });

  it('refuses to replace a non-empty folder unless told to, and then replaces it whole', async () => {
    const dir = await savedPolicy();
    const message = await userError(() => savePolicy(dir, tinyPolicy(tf, paperScenario(), 99)));
    expect(message).toBe(`${dir} already exists and is not empty; choose another folder or overwrite it (--force)`);
    const replacement = tinyPolicy(tf, paperScenario(), 99);
    await savePolicy(dir, { ...replacement, overwrite: true });
    const loaded = await loadPolicy(dir, { tf });
    const x = tf.ones([1, 12]);
    expect(Array.from((loaded.model.predict(x) as ReturnType<typeof tf.tensor>).dataSync())).toEqual(
      Array.from((replacement.model.predict(x) as ReturnType<typeof tf.tensor>).dataSync()),
    );
    expect(readdirSync(join(dir, '..'))).toEqual(['policy']);
  });

  it('writes extra files in the same step', async () => {
    const dir = join(tempDir(), 'p');
    await savePolicy(dir, { ...tinyPolicy(tf, paperScenario()), extraFiles: { 'curves.json': '{"episodes":[]}\n' } });
    expect(readFileSync(join(dir, 'curves.json'), 'utf8')).toBe('{"episodes":[]}\n');
    await expect(savePolicy(join(tempDir(), 'q'), { ...tinyPolicy(tf, paperScenario()), extraFiles: { 'model.json': '{}' } })).rejects.toThrow(
      "extraFiles: expected plain file names other than the artifact's own, got 'model.json'",
    );
  });

  it('writes into an existing empty folder', async () => {
    const dir = join(tempDir(), 'empty');
    mkdirSync(dir);
    await savePolicy(dir, tinyPolicy(tf, paperScenario()));
    expect(readdirSync(dir)).toHaveLength(4);
  });

  it('leaves no folder, and no temp folder beside it, when a write fails midway', async () => {
    const parent = tempDir();
    const dir = join(parent, 'models', 'x');
    let writes = 0;
    const failing = {
      writeFile: async (path: string, data: string | Uint8Array) => {
        writes++;
        if (writes === 2) throw new Error('disk full (simulated)');
        writeFileSync(path, data);
      },
    };
    await expect(savePolicy(dir, { ...tinyPolicy(tf, paperScenario()), writer: failing })).rejects.toThrow('disk full (simulated)');
    expect(writes).toBe(2);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(join(parent, 'models'))).toEqual([]);
  });

  it('keeps the old policy when replacing it fails midway', async () => {
    const dir = await savedPolicy();
    const before = readFileSync(join(dir, 'weights.bin'));
    const failing = { writeFile: async () => Promise.reject(new Error('disk full (simulated)')) };
    await expect(savePolicy(dir, { ...tinyPolicy(tf, paperScenario(), 5), overwrite: true, writer: failing })).rejects.toThrow('disk full');
    expect(readFileSync(join(dir, 'weights.bin'))).toEqual(before);
    expect(readdirSync(join(dir, '..'))).toEqual(['policy']);
  });

  it('removes temp folders left by a save that crashed', async () => {
    const parent = tempDir();
    // pid 2^22 + 1 is above Linux's pid_max ceiling, so no process has it.
    mkdirSync(join(parent, '.x.sspe-tmp-4194305-deadbeef'));
    writeFileSync(join(parent, '.x.sspe-tmp-4194305-deadbeef', 'model.json'), '{');
    await savePolicy(join(parent, 'x'), tinyPolicy(tf, paperScenario()));
    expect(readdirSync(parent)).toEqual(['x']);
  });

  it('puts back a policy whose replacement crashed between the two renames', async () => {
    const parent = tempDir();
    const original = join(parent, 'x');
    await savePolicy(original, tinyPolicy(tf, paperScenario(), 3));
    const weights = readFileSync(join(original, 'weights.bin'));
    renameSync(original, join(parent, '.x.sspe-tmp-4194305-deadbeef-old'));
    // Saving a sibling cleans up only its own name's leftovers.
    await savePolicy(join(parent, 'y'), tinyPolicy(tf, paperScenario()));
    expect(readdirSync(parent).sort()).toEqual(['.x.sspe-tmp-4194305-deadbeef-old', 'y']);
    // The next save of x finds the old policy back in place, so it refuses to replace it.
    await expect(savePolicy(original, tinyPolicy(tf, paperScenario(), 4))).rejects.toThrow(`${original} already exists and is not empty`);
    expect(readdirSync(parent).sort()).toEqual(['x', 'y']);
    expect(readFileSync(join(original, 'weights.bin'))).toEqual(weights);
  });

  it('refuses to save a network that does not fit its metadata', async () => {
    const scenario = paperScenario();
    const metadata = testMetadata(scenario);
    const message = await userError(() => savePolicy(join(tempDir(), 'p'), { model: tinyModel(tf, 12, 26), metadata }));
    expect(message).toContain('the network gives output shape [null,26], but policy.json lists 27 actions');
  });
});

describe('loadPolicy errors: one line naming the file', () => {
  it('a missing folder', async () => {
    expect(await userError(() => loadPolicy('models/nope', { tf }))).toBe('policy folder not found: models/nope');
  });

  it('a file instead of a folder', async () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    expect(await userError(() => loadPolicy(file, { tf }))).toBe(`${file}: expected a policy folder (model.json, weights.bin, policy.json), got a file`);
  });

  it.each(['policy.json', 'model.json'])('a missing %s', async (name) => {
    const dir = await savedPolicy();
    unlinkSync(join(dir, name));
    expect(await userError(() => loadPolicy(dir, { tf }))).toBe(
      `${dir}: not a policy folder: ${name} is missing (expected model.json, weights.bin and policy.json)`,
    );
  });

  it.each(['policy.json', 'model.json'])('a corrupt %s', async (name) => {
    const dir = await savedPolicy();
    const path = join(dir, name);
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, 50));
    expect(await userError(() => loadPolicy(dir, { tf }))).toMatch(new RegExp(`^${path}: not valid JSON at line \\d+, column \\d+ \\(.*\\): the file is corrupt$`));
  });

  it('a model.json without a topology', async () => {
    const dir = await savedPolicy();
    editJson(join(dir, 'model.json'), (m) => delete m.modelTopology);
    expect(await userError(() => loadPolicy(dir, { tf }))).toBe(
      `${dir}/model.json: modelTopology: expected the network's topology (a tfjs layers-model model.json), got nothing (the field is required)`,
    );
  });

  it('a manifest that points outside the folder', async () => {
    const dir = await savedPolicy();
    editJson(join(dir, 'model.json'), (m) => {
      (m.weightsManifest as { paths: string[] }[])[0].paths = ['../weights.bin'];
    });
    expect(await userError(() => loadPolicy(dir, { tf }))).toMatch(new RegExp(`^${dir}/model.json: weightsManifest: expected a list of`));
  });

  it('a missing weights.bin', async () => {
    const dir = await savedPolicy();
    unlinkSync(join(dir, 'weights.bin'));
    expect(await userError(() => loadPolicy(dir, { tf }))).toBe(`${dir}/weights.bin: missing (${dir}/model.json lists it)`);
  });

  it('a truncated weights.bin', async () => {
    const dir = await savedPolicy();
    // 12×16 + 16 + 16×27 + 27 floats.
    const bytes = 4 * (12 * 16 + 16 + 16 * 27 + 27);
    truncateSync(join(dir, 'weights.bin'), 100);
    expect(await userError(() => loadPolicy(dir, { tf }))).toBe(
      `${dir}/weights.bin: expected ${bytes} bytes (the weights ${dir}/model.json lists), got 100: the file is truncated or belongs to another model`,
    );
  });

  it('a topology tfjs cannot build', async () => {
    const dir = await savedPolicy();
    editJson(join(dir, 'model.json'), (m) => {
      (m.modelTopology as { class_name: string }).class_name = 'NoSuchModel';
    });
    expect(await userError(() => loadPolicy(dir, { tf }))).toMatch(new RegExp(`^${dir}/model.json: cannot build the network: `));
  });

  it('another format', async () => {
    const dir = await savedPolicy();
    editJson(join(dir, 'policy.json'), (m) => (m.format = 'keras'));
    expect(await userError(() => loadPolicy(dir, { tf }))).toBe(`${dir}/policy.json: format: expected 'sspe-policy', got 'keras': not an sspe policy`);
  });

  it('a newer format version', async () => {
    const dir = await savedPolicy();
    editJson(join(dir, 'policy.json'), (m) => (m.formatVersion = 2));
    expect(await userError(() => loadPolicy(dir, { tf }))).toBe(
      `${dir}/policy.json: formatVersion: expected 1 (the version this sspe reads), got 2`,
    );
  });

  it('a bad metadata field', async () => {
    const dir = await savedPolicy();
    editJson(join(dir, 'policy.json'), (m) => ((m.actionSpace as { actionCount: number }).actionCount = 26));
    expect(await userError(() => loadPolicy(dir, { tf }))).toBe(
      `${dir}/policy.json: actionSpace.actionCount: expected 27 for the delta encoding, got 26`,
    );
  });

  it('metadata that does not fit the network', async () => {
    const dir = await savedPolicy();
    editJson(join(dir, 'policy.json'), (m) => {
      const observation = m.observation as { features: string[] };
      observation.features = observation.features.slice(0, 11);
    });
    expect(await userError(() => loadPolicy(dir, { tf }))).toBe(
      `${dir}/model.json: the network takes input shape [null,12], but policy.json lists 11 observation features (expected [null, 11])`,
    );
  });
});

describe('checkCompatible', () => {
  const metadata = (): PolicyMetadata => testMetadata(paperScenario());

  it('accepts the scenario it was trained on, without warnings', () => {
    expect(checkCompatible(metadata(), paperScenario())).toEqual({ warnings: [] });
  });

  it('rejects another knob range, naming both action spaces', async () => {
    const other = paperScenario({ edits: [['executorCores: { min: 1, max: 3, step: 1 }', 'executorCores: { min: 1, max: 4, step: 1 }']] });
    expect(await userError(() => checkCompatible(metadata(), other, 'models/x'))).toBe(
      'policy models/x was trained for 27 delta actions over cores 1-3, memory 500-1000 MB step 100, instances 5-8; ' +
        "the scenario 'paper-testbed' has 27 delta actions over cores 1-4, memory 500-1000 MB step 100, instances 5-8",
    );
  });

  it('rejects another step', async () => {
    const other = paperScenario({ edits: [['executorMemoryMb: { min: 500, max: 1000, step: 100 }', 'executorMemoryMb: { min: 500, max: 1000, step: 250 }']] });
    expect(await userError(() => checkCompatible(metadata(), other))).toContain('memory 500-1000 MB step 250');
  });

  it('rejects another encoding', async () => {
    expect(await userError(() => checkCompatible(metadata(), paperScenario({ encoding: 'absolute' })))).toBe(
      "policy 'tiny' was trained for 27 delta actions over cores 1-3, memory 500-1000 MB step 100, instances 5-8; " +
        "the scenario 'paper-testbed' has 72 absolute actions over cores 1-3, memory 500-1000 MB step 100, instances 5-8",
    );
  });

  it('rejects another observation', async () => {
    const m = metadata();
    m.observation = { ...m.observation, features: m.observation.features.slice(0, 4) };
    expect(await userError(() => checkCompatible(m, paperScenario()))).toMatch(
      /^policy 'tiny' observes 4 features \(load_fps, cores, memory_mb, instances\); the scenario's agents observe 12 \(load_fps, /,
    );
  });

  it('only warns about another SLO or load ceiling', () => {
    const other = paperScenario({ edits: [['fpsLevels: [10, 20, 30, 40, 50, 60]', 'fpsLevels: [10, 20, 30, 40, 50, 60, 70]']] });
    expect(checkCompatible(metadata(), other).warnings).toEqual(["policy 'tiny' scales load by 60 fps; the scenario's highest level is 70 fps"]);
  });

  it('warns when the scenario differs in anything else', () => {
    const other = paperScenario({ edits: [['partitions: 8', 'partitions: 9']] });
    expect(checkCompatible(metadata(), other).warnings[0]).toMatch(/^policy 'tiny' was trained on scenario 'paper-testbed' \(hash [0-9a-f]{12}\); this one differs/);
  });
});

describe('scenarioHash', () => {
  it('ignores the file path and key order, and changes with the content', () => {
    const a = paperScenario();
    const moved = { ...a, file: '/elsewhere/x.yaml' };
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as typeof a;
    expect(scenarioHash(moved)).toBe(scenarioHash(a));
    expect(scenarioHash(reordered)).toBe(scenarioHash(a));
    expect(scenarioHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(scenarioHash(paperScenario({ edits: [['partitions: 8', 'partitions: 9']] }))).not.toBe(scenarioHash(a));
  });
});
