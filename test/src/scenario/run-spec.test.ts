import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { actionSpaceConfigs, parseConfigFlag, toRunSpec } from '../../../src/scenario/run-spec.js';
import type { Scenario } from '../../../src/scenario/schema.js';

const PAPER = new URL('../../../scenarios/paper-testbed.yaml', import.meta.url).pathname;
const SPIKE = join(PAPER, '..', 'spike.yaml');

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected a UserInputError, got none');
}

describe('toRunSpec', () => {
  it('copies the scenario without overrides', async () => {
    const scenario = await loadScenario(PAPER);
    const spec = toRunSpec(scenario);
    expect(spec).toEqual({
      cluster: scenario.cluster,
      spark: scenario.spark,
      workload: {
        sources: scenario.workload.sources,
        trace: scenario.workload.trace,
        arrival: 'stored',
        minFramesPerPartition: 10,
        maxFramesPerPartition: 60,
      },
      profile: scenario.profile,
      durationMs: 120_000,
      warmupMs: 0,
      warmStart: true,
      sloPerFrameMs: 500,
      seed: 1,
      traceHash: false,
    });
    spec.cluster.nodes[0].vcpu = 99;
    expect(scenario.cluster.nodes[0].vcpu).toBe(4);
  });

  it('fps pins the load to a constant trace', async () => {
    const scenario = await loadScenario(SPIKE);
    expect(toRunSpec(scenario).workload.trace.kind).toBe('spike');
    const spec = toRunSpec(scenario, { fps: 40, durationMs: 30_000, seed: 'abc', traceHash: true });
    expect(spec.workload.trace).toEqual({ kind: 'constant', fps: 40 });
    expect([spec.durationMs, spec.seed, spec.traceHash]).toEqual([30_000, 'abc', true]);
  });

  it('applies config overrides', async () => {
    const scenario = await loadScenario(PAPER);
    const spec = toRunSpec(scenario, {
      config: { executorCores: 3, executorMemoryMb: 1000, executorInstances: 8, serializer: 'java' },
    });
    expect(spec.spark).toMatchObject({ executorCores: 3, executorMemoryMb: 1000, executorInstances: 8, serializer: 'java', partitions: 8 });
  });

  it.each<[string, (s: Scenario) => unknown, string]>([
    ['cores outside the action space', (s) => toRunSpec(s, { config: { executorCores: 4 } }), 'config.executorCores: expected an integer in [1, 3] (actionSpace), got 4'],
    ['memory outside the action space', (s) => toRunSpec(s, { config: { executorMemoryMb: 400 } }), 'config.executorMemoryMb: expected an integer in [500, 1000] in steps of 100 from 500 (actionSpace), got 400'],
    ['a general range', (s) => toRunSpec(s, { config: { memoryFraction: 1.5 } }), 'config.memoryFraction: expected a number in (0, 1), got 1.5'],
    ['negative fps', (s) => toRunSpec(s, { fps: -1 }), 'fps: expected a number in [0, 100000], got -1'],
    ['fractional duration', (s) => toRunSpec(s, { durationMs: 1.5 }), 'durationMs: expected an integer in [1, 31536000000], got 1.5'],
    [
      'dynamic allocation bounds',
      (s) => toRunSpec(s, { config: { dynamicAllocation: { ...s.spark.dynamicAllocation, minExecutors: 9 } } }),
      'config.dynamicAllocation.minExecutors: expected at most maxExecutors (8), got 9',
    ],
  ])('rejects %s', async (_label, call, message) => {
    const scenario = await loadScenario(PAPER);
    expect(thrown(() => call(scenario))).toBe(message);
  });
});

describe('actionSpaceConfigs', () => {
  it('walks the grid: cores, then memory, then instances, ascending', async () => {
    const configs = actionSpaceConfigs(await loadScenario(PAPER));
    expect(configs).toHaveLength(72);
    expect(configs.slice(0, 5).map((c) => [c.executorCores, c.executorMemoryMb, c.executorInstances])).toEqual([
      [1, 500, 5],
      [1, 500, 6],
      [1, 500, 7],
      [1, 500, 8],
      [1, 600, 5],
    ]);
    expect(configs[71]).toEqual({ executorCores: 3, executorMemoryMb: 1000, executorInstances: 8 });
    expect(new Set(configs.map((c) => JSON.stringify(c))).size).toBe(72);
  });
});

describe('parseConfigFlag', () => {
  it('reads short and long keys', () => {
    expect(parseConfigFlag('cores=2,memory=800,instances=6')).toEqual({ executorCores: 2, executorMemoryMb: 800, executorInstances: 6 });
    expect(parseConfigFlag(' partitions=5 , serializer=java,framesPerPartition=fps,memoryFraction=0.5')).toEqual({
      partitions: 5,
      serializer: 'java',
      framesPerPartition: 'fps',
      memoryFraction: 0.5,
    });
    expect(parseConfigFlag('')).toEqual({});
  });

  it.each([
    ['cores=abc', "--config: cores: expected a number, got 'abc'"],
    ['cores=1.5', '--config: cores: expected an integer in [1, 64], got 1.5'],
    ['memory=', "--config: memory: expected a number, got ''"],
    ['serializer=avro', "--config: serializer: expected one of java, kryo, got 'avro'"],
    ['cores', "--config: expected key=value pairs separated by commas (e.g. cores=2,memory=800), got 'cores'"],
    ['cores=2,executorCores=3', '--config: executorCores: given twice (also as cores)'],
    [
      'speed=9',
      "--config: unknown key 'speed'; allowed: nodes, cores, memory, overhead, instances, partitions, placement, cpu-request, batch-interval, " +
        'frames, memory-fraction, serializer, concurrent-jobs, executorCores, executorMemoryMb, executorMemoryOverheadMb, executorInstances, framesPerPartition, ' +
        'batchIntervalMs, memoryFraction, concurrentJobs, taskMaxFailures, cpuRequestRatio, cpuLimitRatio, nodeCount',
    ],
  ])('%s', (flag, message) => {
    expect(thrown(() => parseConfigFlag(flag))).toBe(message);
  });

  it('feeds toRunSpec, which checks the action space', async () => {
    const scenario = await loadScenario(PAPER);
    expect(toRunSpec(scenario, { config: parseConfigFlag('cores=1,memory=500,instances=5') }).spark.executorInstances).toBe(5);
    expect(thrown(() => toRunSpec(scenario, { config: parseConfigFlag('instances=9') }))).toBe(
      'config.executorInstances: expected an integer in [5, 8] (actionSpace), got 9',
    );
  });
});
