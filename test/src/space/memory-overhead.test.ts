/**
 * The Resource Allocator's memory-overhead knob (spark.executor.memoryOverhead):
 * left out, a scenario keeps Spark's rule (max(384 MB, 10% of heap)) and its
 * exact shape; set or declared, every executor pod is heap + that overhead.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executorPodMemoryMb } from '../../../sim/spark/constants.js';
import { ConfigurationManager } from '../../../src/managers/configuration.js';
import { partitionOf } from '../../../src/managers/state-partitions.js';
import { scenarioHash } from '../../../src/policy/artifact.js';
import { loadScenarioSync, parseScenario } from '../../../src/scenario/load.js';
import { executorPodCostPerHour, maxRequestCostPerHour, requestPricing } from '../../../src/scenario/pricing.js';
import { parseConfigFlag, toRunSpec } from '../../../src/scenario/run-spec.js';
import { declaredKnobs, gridSize } from '../../../src/space/grid.js';
import { KNOB_TABLE, knobByKey, knobsOf, limitsText } from '../../../src/space/knobs.js';
import { MINIMAL_YAML, edit, tempFiles } from '../scenario/fixtures.js';

const repo = new URL('../../../', import.meta.url).pathname;

function load(text: string) {
  const dir = tempFiles({ 'scenario.yaml': text });
  return parseScenario(text, { file: join(dir, 'scenario.yaml') });
}

function errorOf(text: string): string {
  try {
    load(text);
  } catch (error) {
    // The file's directory differs per test.
    return (error as Error).message.replace(/^.*scenario\.yaml:/, '<file>:');
  }
  return 'nothing thrown';
}

const withSpark = (line: string) => edit(MINIMAL_YAML, '  executorCores: 2\n', `  executorCores: 2\n${line}`);
const withDomain = (line: string) => edit(MINIMAL_YAML, '  executorInstances: { min: 5, max: 8 }\n', `  executorInstances: { min: 5, max: 8 }\n${line}`);
const OVERHEAD_GRID = '  executorMemoryOverheadMb: { min: 384, max: 1024 }\n';

describe('the memory-overhead knob in the table', () => {
  it("belongs to the Resource Allocator, is enacted as spark.executor.memoryOverhead by a redeploy, and has a column and a feature", () => {
    const k = KNOB_TABLE.executorMemoryOverheadMb;
    expect(knobsOf('resources')).toContain('executorMemoryOverheadMb');
    expect(k.enact).toEqual({ kind: 'spark-conf', key: 'spark.executor.memoryOverhead' });
    expect(k.applies).toBe('redeploy');
    expect([k.column, k.observation, k.shortKey, k.defaultStep]).toEqual(['memory_overhead_mb', 'memory_overhead_mb', 'overhead', 128]);
    expect(knobByKey('overhead')).toBe('executorMemoryOverheadMb');
    expect(limitsText('executorMemoryOverheadMb')).toBe('an integer in [0, 1048576] MB');
  });
});

describe('pod memory', () => {
  it("is heap + max(384 MB, 10% of heap) without the knob, and heap + the overhead with it", () => {
    expect(executorPodMemoryMb({ executorMemoryMb: 500 })).toBe(884);
    expect(executorPodMemoryMb({ executorMemoryMb: 8000 })).toBe(8800);
    // Spark truncates 10 % of the heap to whole MB (as bridge/spark/executor-loss.ts reads a real pod's limit): 4095 MB gets 409, not 410.
    expect(executorPodMemoryMb({ executorMemoryMb: 4095 })).toBe(4095 + 409);
    expect(executorPodMemoryMb(500)).toBe(884);
    expect(executorPodMemoryMb({ executorMemoryMb: 500, executorMemoryOverheadMb: 768 })).toBe(1268);
    expect(executorPodMemoryMb({ executorMemoryMb: 8000, executorMemoryOverheadMb: 0 })).toBe(8000);
  });
});

describe('a scenario that leaves the overhead out', () => {
  it('keeps no overhead field (Spark derives it), so shipped scenarios and their policies keep their hash', () => {
    const scenario = loadScenarioSync(join(repo, 'scenarios/paper-testbed.yaml'));
    expect(scenario.spark).not.toHaveProperty('executorMemoryOverheadMb');
    expect(toRunSpec(scenario).spark).not.toHaveProperty('executorMemoryOverheadMb');
    expect(declaredKnobs(scenario.actionSpace).map((k) => k.name)).not.toContain('executorMemoryOverheadMb');
    const minimal = load(MINIMAL_YAML);
    expect(scenarioHash(minimal)).toBe(scenarioHash({ ...minimal, spark: { ...minimal.spark, executorMemoryOverheadMb: undefined } }));
  });
});

describe('spark.executorMemoryOverheadMb', () => {
  it('accepts an integer number of MB within the limits, and runs every pod with it', () => {
    const scenario = load(withSpark('  executorMemoryOverheadMb: 512\n'));
    expect(scenario.spark.executorMemoryOverheadMb).toBe(512);
    expect(toRunSpec(scenario).spark.executorMemoryOverheadMb).toBe(512);
    const pricing = requestPricing(scenario);
    expect(executorPodCostPerHour(pricing, scenario.spark)).toBeCloseTo(2 * pricing.vcpuHour + ((500 + 512) / 1024) * pricing.gbHour, 12);
  });

  it.each([
    ['-1', '<file>:9: spark.executorMemoryOverheadMb: expected an integer in [0, 1048576], got -1'],
    ['1.5', '<file>:9: spark.executorMemoryOverheadMb: expected an integer in [0, 1048576], got 1.5'],
    ['2000000', '<file>:9: spark.executorMemoryOverheadMb: expected an integer in [0, 1048576], got 2000000'],
    ['512m', "<file>:9: spark.executorMemoryOverheadMb: expected an integer in [0, 1048576], got '512m'"],
  ])('rejects %s in one line naming the field and the range', (value, message) => {
    expect(errorOf(withSpark(`  executorMemoryOverheadMb: ${value}\n`))).toBe(message);
  });

  it('counts the overhead when checking that one executor fits on a node', () => {
    const text = edit(withSpark('  executorMemoryOverheadMb: 7600\n'), '    - { name: b, vcpu: 4, memoryMb: 8192, costPerHour: 0.1 }\n', '');
    expect(errorOf(text)).toMatch(/cluster\.nodes\[0\]\.memoryMb: node 'a' \(allocatable 7680 MB = 8192 MB - 512 MB system reserved\) is smaller than one executor \(8100 MB = 500 MB heap \+ 7600 MB overhead\)/);
  });

  it('is taken by --config as overhead=MB and checked against its limits', () => {
    expect(parseConfigFlag('overhead=640')).toEqual({ executorMemoryOverheadMb: 640 });
    expect(() => parseConfigFlag('overhead=-5')).toThrow('--config: overhead: expected an integer in [0, 1048576], got -5');
    expect(toRunSpec(load(MINIMAL_YAML), { config: { executorMemoryOverheadMb: 640 } }).spark.executorMemoryOverheadMb).toBe(640);
  });
});

describe('actionSpace.executorMemoryOverheadMb', () => {
  it('loads, starts at its first value unless spark sets it, and enters the encodings, masks and the Resource Allocator\'s state', () => {
    const scenario = load(withDomain(OVERHEAD_GRID));
    expect(scenario.actionSpace.executorMemoryOverheadMb).toEqual({ min: 384, max: 1024, step: 128 });
    expect(scenario.spark.executorMemoryOverheadMb).toBe(384);
    expect(load(withSpark('  executorMemoryOverheadMb: 640\n').replace('  executorInstances: { min: 5, max: 8 }\n', `  executorInstances: { min: 5, max: 8 }\n${OVERHEAD_GRID}`)).spark.executorMemoryOverheadMb).toBe(640);
    expect(gridSize(scenario.actionSpace)).toBe(3 * 6 * 4 * 6);

    const delta = new ConfigurationManager(scenario, 'delta');
    expect(delta.knobs.map((k) => k.name)).toEqual(['executorCores', 'executorMemoryMb', 'executorMemoryOverheadMb', 'executorInstances']);
    expect(delta.actionCount).toBe(3 ** 4);
    // Overhead is the third digit: +1 step of it alone is the stay action plus 3.
    expect(delta.target(delta.stayAction + 3)).toEqual({ executorCores: 2, executorMemoryMb: 500, executorMemoryOverheadMb: 512, executorInstances: 5 });
    expect(delta.mask()[delta.stayAction - 3]).toBe(0); // below 384 MB: off the grid
    const absolute = new ConfigurationManager(scenario, 'absolute');
    expect(absolute.actionCount).toBe(3 * 6 * 6 * 4);

    expect(partitionOf('resources', declaredKnobs(scenario.actionSpace).map((k) => k.name))).toContain('memory_overhead_mb');
    // The dearest configuration counts the largest overhead.
    const pricing = requestPricing(scenario);
    expect(maxRequestCostPerHour(scenario)).toBeCloseTo(8 * (3 * pricing.vcpuHour + ((1000 + 1024) / 1024) * pricing.gbHour), 12);
  });

  it('masks an overhead whose pod fits on no node', () => {
    const text = withDomain('  executorMemoryOverheadMb: { min: 384, max: 7552, step: 7168 }\n');
    const manager = new ConfigurationManager(load(text), 'delta');
    // 500 MB heap + 7552 MB overhead = 8052 MB, above the 7680 MB a node can allocate: the step up is masked.
    expect(manager.fitsOneExecutor({ executorCores: 2, executorMemoryMb: 500, executorInstances: 5, executorMemoryOverheadMb: 7552 })).toBe(false);
    expect(manager.fitsOneExecutor({ executorCores: 2, executorMemoryMb: 500, executorInstances: 5, executorMemoryOverheadMb: 384 })).toBe(true);
    expect(manager.mask()[manager.stayAction + 3]).toBe(0);
  });

  it('rejects a grid outside the limits and a starting value off the grid, naming the field', () => {
    expect(errorOf(withDomain('  executorMemoryOverheadMb: { min: 384, max: 2000000 }\n'))).toMatch(
      /^<file>:\d+: actionSpace\.executorMemoryOverheadMb\.max: expected an integer in \[0, 1048576\], got 2000000$/,
    );
    expect(errorOf(withSpark('  executorMemoryOverheadMb: 400\n').replace('  executorInstances: { min: 5, max: 8 }\n', `  executorInstances: { min: 5, max: 8 }\n${OVERHEAD_GRID}`))).toMatch(
      /spark\.executorMemoryOverheadMb: expected an integer in \[384, 1024\] in steps of 128 from 384 \(actionSpace\.executorMemoryOverheadMb\), got 400/,
    );
  });
});
