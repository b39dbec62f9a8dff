import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENTS, KNOB_NAMES, KNOB_TABLE, knobByKey, knobsOf, limitsText, withinLimits } from '../../../src/space/knobs.js';
import { ConfigurationManager } from '../../../src/managers/configuration.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { toRunSpec, parseConfigFlag } from '../../../src/scenario/run-spec.js';
import { gridPoints, gridSize } from '../../../src/space/grid.js';
import { MINIMAL_YAML, edit, tempFiles } from '../scenario/fixtures.js';

function scenarioWith(actionSpaceExtra: string, replace?: [string, string]) {
  let text = MINIMAL_YAML.replace('  executorInstances: { min: 5, max: 8 }\n', `  executorInstances: { min: 5, max: 8 }\n${actionSpaceExtra}`);
  if (replace !== undefined) text = edit(text, replace[0], replace[1]);
  const dir = tempFiles({ 'scenario.yaml': text });
  return parseScenario(text, { file: join(dir, 'scenario.yaml') });
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return 'nothing thrown';
}

describe('the knob table', () => {
  it('gives every knob one owner among the five agents, a unit-bearing description, a column and an observation of its own', () => {
    for (const name of KNOB_NAMES) expect(AGENTS).toContain(KNOB_TABLE[name].agent);
    for (const agent of AGENTS) expect(knobsOf(agent).length).toBeGreaterThan(0);
    const columns = KNOB_NAMES.map((n) => KNOB_TABLE[n].column);
    const features = KNOB_NAMES.map((n) => KNOB_TABLE[n].observation);
    const shortKeys = KNOB_NAMES.map((n) => KNOB_TABLE[n].shortKey);
    expect(new Set(columns).size).toBe(KNOB_NAMES.length);
    expect(new Set(features).size).toBe(KNOB_NAMES.length);
    expect(new Set(shortKeys).size).toBe(KNOB_NAMES.length);
  });

  it('puts the paper knobs with the Resource Allocator and the Parallelism Autoscaler, and nodes with the Cluster Autoscaler', () => {
    expect(knobsOf('resources')).toEqual(['executorCores', 'executorMemoryMb', 'executorMemoryOverheadMb', 'cpuRequestRatio']);
    expect(knobsOf('parallelism')).toEqual(['executorInstances', 'partitions']);
    expect(knobsOf('cluster')).toEqual(['nodeCount']);
    expect(knobsOf('scheduler')).toEqual(['placement']);
  });

  it('finds a knob by its short key or its name, and checks the limits every scenario lives within', () => {
    expect(knobByKey('cores')).toBe('executorCores');
    expect(knobByKey('executorCores')).toBe('executorCores');
    expect(knobByKey('speed')).toBeUndefined();
    expect(withinLimits('executorMemoryMb', 255)).toBe(false);
    expect(withinLimits('placement', 'spread')).toBe(true);
    expect(withinLimits('placement', 'random')).toBe(false);
    expect(withinLimits('memoryFraction', 1)).toBe(false);
    expect(limitsText('memoryFraction')).toBe('a number in (0, 1)');
    expect(limitsText('executorMemoryMb')).toBe('an integer in [256, 1048576] MB');
  });
});

describe('a scenario that declares more knobs than the paper', () => {
  const extra = '  nodeCount: { min: 1, max: 4 }\n  placement: { choices: [pack, spread] }\n  partitions: { min: 4, max: 8, step: 4 }\n';
  const maxNodes: [string, string] = ['  trace: { kind: constant, fps: 10 }\n', '  trace: { kind: constant, fps: 10 }\n'];

  it('needs cluster.maxNodes to cover the node-count knob', () => {
    expect(() => scenarioWith(extra, maxNodes)).toThrow(/actionSpace\.nodeCount\.max: expected at most cluster\.maxNodes \(2\), got 4/);
  });

  function fiveKnobs() {
    return scenarioWith(extra, ['    - { name: b, vcpu: 4, memoryMb: 8192, costPerHour: 0.1 }\n', '    - { name: b, vcpu: 4, memoryMb: 8192, costPerHour: 0.1 }\n  maxNodes: 4\n']);
  }

  it('encodes 3^k delta actions over the declared knobs in table order, the middle one keeping everything', () => {
    const scenario = fiveKnobs();
    const manager = new ConfigurationManager(scenario, 'delta');
    expect(manager.knobs.map((k) => k.name)).toEqual(['nodeCount', 'executorCores', 'executorMemoryMb', 'executorInstances', 'partitions', 'placement']);
    expect(manager.actionCount).toBe(3 ** 6);
    expect(manager.stayAction).toBe(364);
    expect(manager.target(manager.stayAction)).toEqual({
      nodeCount: 2, executorCores: 2, executorMemoryMb: 500, executorInstances: 5, partitions: 8, placement: 'spread',
    });
    // nodeCount is the most significant digit: +1 node alone is the stay action plus 3^5.
    expect(manager.target(manager.stayAction + 243)).toMatchObject({ nodeCount: 3, executorCores: 2 });
    // placement is the least significant: one step back through its choices.
    expect(manager.target(manager.stayAction - 1)).toMatchObject({ placement: 'pack' });
    // Stepping past the last choice or the grid's end is masked, not clipped.
    const mask = manager.mask();
    expect(mask[manager.stayAction + 1]).toBe(0); // placement past 'spread'
    expect(mask[manager.stayAction + 3]).toBe(0); // partitions 12 > 8
    expect(mask[manager.stayAction - 3]).toBe(1); // partitions 4
  });

  it('walks the absolute grid as the product of every declared knob', () => {
    const scenario = fiveKnobs();
    expect(gridSize(scenario.actionSpace)).toBe(4 * 3 * 6 * 4 * 2 * 2);
    const points = gridPoints(scenario.actionSpace);
    expect(points[0]).toEqual({ nodeCount: 1, executorCores: 1, executorMemoryMb: 500, executorInstances: 5, partitions: 4, placement: 'pack' });
    const manager = new ConfigurationManager(scenario, 'absolute');
    expect(manager.actionTo(points[17])).toBe(17);
  });

  it('runs the cluster knobs: more nodes come from the template, placement reaches the cluster', () => {
    const scenario = fiveKnobs();
    const manager = new ConfigurationManager(scenario, 'delta');
    manager.apply(manager.stayAction + 243 - 1); // one more node, pack
    const spec = toRunSpec(scenario, { config: manager.config });
    expect(spec.cluster.nodes.map((n) => n.name)).toEqual(['a', 'b', 'node-3']);
    expect(spec.cluster.placement).toBe('pack');
    expect(spec.spark).not.toHaveProperty('nodeCount');
  });

  it('takes the new knobs in --config by their short names and checks them against the grid', () => {
    const scenario = fiveKnobs();
    expect(parseConfigFlag('nodes=3,placement=pack')).toEqual({ nodeCount: 3, placement: 'pack' });
    expect(thrown(() => parseConfigFlag('placement=random'))).toBe("--config: placement: expected one of pack, spread, storage-affinity, got 'random'");
    expect(thrown(() => toRunSpec(scenario, { config: { nodeCount: 5 } }))).toBe('config.nodeCount: expected an integer in [1, 4] (actionSpace), got 5');
    expect(thrown(() => toRunSpec(scenario, { config: { partitions: 6 } }))).toBe(
      'config.partitions: expected an integer in [4, 8] in steps of 4 from 4 (actionSpace), got 6',
    );
  });

  it('rejects a starting value off a declared grid and repeated choices, naming the field', () => {
    expect(() => scenarioWith('  partitions: { min: 2, max: 6, step: 2 }\n')).toThrow(/spark\.partitions: expected an integer in \[2, 6\] in steps of 2 from 2 \(actionSpace\.partitions\), got 8/);
    expect(() => scenarioWith('  serializer: { choices: [kryo, kryo] }\n')).toThrow(/actionSpace\.serializer\.choices\[1\]: expected each value once, got 'kryo' twice/);
    expect(() => scenarioWith('  memoryFraction: { choices: [0.5, 1.5] }\n')).toThrow(/actionSpace\.memoryFraction\.choices\[1\]: expected a number in \(0, 1\), got 1\.5/);
  });
});
