import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { afterEach } from 'vitest';
import { initTf, type Tf } from '../../../src/agents/tf.js';
import type { ActionEncoding } from '../../../src/managers/configuration.js';
import { StateManager } from '../../../src/managers/state.js';
import { ConfigurationManager } from '../../../src/managers/configuration.js';
import { createPolicyMetadata, type PolicyMetadata } from '../../../src/policy/artifact.js';
import { parseScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';

export const PAPER_FILE = new URL('../../../scenarios/paper-testbed.yaml', import.meta.url).pathname;
export const PAPER_YAML = readFileSync(PAPER_FILE, 'utf8');

/** The paper testbed, with `learning.env.encoding` set and any one-line edits applied. */
export function paperScenario(options: { encoding?: ActionEncoding; edits?: [string, string][] } = {}): Scenario {
  let text = PAPER_YAML;
  for (const [from, to] of options.edits ?? []) {
    if (text.split(from).length !== 2) throw new Error(`expected exactly one '${from}' in paper-testbed.yaml`);
    text = text.replace(from, to);
  }
  if (options.encoding !== undefined) {
    // The shipped file has a learning.env section with the encoding in it.
    if (text.split('    encoding: delta\n').length !== 2) throw new Error("expected exactly one '    encoding: delta' in paper-testbed.yaml");
    text = text.replace('    encoding: delta\n', `    encoding: ${options.encoding}\n`);
  }
  // The same folder as the real file, so its relative profile path resolves.
  return parseScenario(text, { file: PAPER_FILE });
}

export async function testTf(backend: 'wasm' | 'cpu' = 'wasm'): Promise<Tf> {
  return (await initTf({ backend })).tf;
}

/** A small seeded MLP: observation → Q-values. */
export function tinyModel(tf: Tf, inputs: number, outputs: number, seed = 7): tfTypes.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [inputs], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: outputs, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

/** A network whose Q-values are `bias` whatever it observes (zero kernel): tests choose the preferred action. */
export function constantModel(tf: Tf, inputs: number, bias: number[]): tfTypes.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [inputs], units: bias.length })] });
  model.layers[0].setWeights([tf.zeros([inputs, bias.length]), tf.tensor1d(bias)]);
  return model;
}

export function testMetadata(scenario: Scenario, name = 'tiny'): PolicyMetadata {
  const encoding = scenario.learning.env.encoding;
  const observation = StateManager.forScenario({
    maxFps: Math.max(...scenario.workload.fpsLevels),
    sloPerFrameMs: scenario.slo.perFrameMs,
    configuration: new ConfigurationManager(scenario, encoding),
  }).normalisation;
  return createPolicyMetadata({
    name,
    scenario,
    encoding,
    observation,
    training: { seed: 1, episodes: 3, envSteps: 60, wallSeconds: 1.5, createdAt: '2025-01-01T00:00:00.000Z' },
  });
}

/** A tiny policy for `scenario`, ready for savePolicy. */
export function tinyPolicy(tf: Tf, scenario: Scenario, seed = 7): { model: tfTypes.LayersModel; metadata: PolicyMetadata } {
  const metadata = testMetadata(scenario);
  return { model: tinyModel(tf, metadata.observation.features.length, metadata.actionSpace.actionCount, seed), metadata };
}

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sspe-policy-'));
  dirs.push(dir);
  return dir;
}
