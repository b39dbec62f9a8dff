import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROFILE_PARAMETER_NAMES } from '../../../sim/profile.js';
import { initTf } from '../../../src/agents/tf.js';
import { checkCompatible, loadPolicy } from '../../../src/policy/artifact.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { actionSpaceConfigs } from '../../../src/scenario/run-spec.js';

const SCENARIOS_DIR = new URL('../../../scenarios/', import.meta.url).pathname;
const shipped = readdirSync(SCENARIOS_DIR).filter((name) => name.endsWith('.yaml'));

describe('shipped scenarios', () => {
  it('include the nine documented ones', () => {
    expect(shipped.sort()).toEqual(
      ['diurnal.yaml', 'diurnal-pool.yaml', 'heterogeneous-failures.yaml', 'local-cluster.yaml', 'paper-testbed.yaml', 'replay.yaml', 'spike.yaml', 'spike-pool.yaml', 'testbed-pool.yaml'].sort(),
    );
  });

  it.each(shipped)('%s loads, with every profile parameter', async (name) => {
    const scenario = await loadScenario(join(SCENARIOS_DIR, name));
    expect(scenario.name).toBe(name.replace(/\.yaml$/, ''));
    expect(scenario.file).toBe(join(SCENARIOS_DIR, name));
    expect(Object.keys(scenario.profile.parameters).sort()).toEqual([...PROFILE_PARAMETER_NAMES].sort());
    expect(scenario.description.length).toBeGreaterThan(0);
  });

  it('the shipped policy was trained on paper-testbed as it is now (no compatibility warning)', async () => {
    // A change to the scenario or its profile changes its hash: retrain the policy (README, "Policy quality").
    const { tf } = await initTf({ backend: 'wasm' });
    const policy = await loadPolicy('models/policies/paper-testbed-dqn', { tf });
    const scenario = await loadScenario(join(SCENARIOS_DIR, 'paper-testbed.yaml'));
    expect(checkCompatible(policy.metadata, scenario).warnings).toEqual([]);
  });

  it('paper-testbed is the case study', async () => {
    const scenario = await loadScenario(join(SCENARIOS_DIR, 'paper-testbed.yaml'));
    expect(scenario.cluster).toEqual({
      nodes: ['node-1', 'node-2', 'node-3'].map((name) => ({ name, vcpu: 4, memoryMb: 8192, costPerHour: 0.1664 })),
      placement: 'spread',
      systemReservedCpu: 0.1,
      systemReservedMemoryMb: 512,
      storageNode: 'node-1',
      nodeTemplate: { vcpu: 4, memoryMb: 8192, costPerHour: 0.1664 },
      maxNodes: 3,
      failures: { nodeMtbfMs: 0, nodeRepairMs: 60_000, podMtbfMs: 0, scheduled: [] },
    });
    expect(scenario.spark).toEqual({
      executorCores: 1,
      executorMemoryMb: 800,
      executorInstances: 6,
      partitions: 8,
      framesPerPartition: 'fps',
      batchIntervalMs: 0,
      memoryFraction: 0.6,
      concurrentJobs: 1,
      taskMaxFailures: 4,
      serializer: 'kryo',
      cpuRequestRatio: 1,
      cpuLimitRatio: 0,
      dynamicAllocation: {
        enabled: false,
        minExecutors: 1,
        maxExecutors: 8,
        schedulerBacklogTimeoutMs: 1000,
        sustainedBacklogTimeoutMs: 1000,
        executorIdleTimeoutMs: 60_000,
      },
    });
    expect(scenario.actionSpace).toEqual({
      executorCores: { min: 1, max: 3, step: 1 },
      executorMemoryMb: { min: 500, max: 1000, step: 100 },
      executorInstances: { min: 5, max: 8, step: 1 },
    });
    expect(scenario.workload.fpsLevels).toEqual([10, 20, 30, 40, 50, 60]);
    expect(scenario.workload.trace).toEqual({ kind: 'constant', fps: 10 });
    // Each trial is a spark-submit over a stored video chunk, as in the case study.
    expect(scenario.workload.arrival).toBe('stored');
    expect(scenario.workload.sources.map((s) => [s.kind, s.widthPx, s.heightPx, s.weight])).toEqual([
      ['camera', 1280, 720, 0.5],
      ['cctv', 640, 480, 0.3],
      ['drone', 1920, 1080, 0.2],
    ]);
    expect(scenario.run).toEqual({ durationMs: 120_000, warmupMs: 0, warmStart: true });
    expect(scenario.slo).toEqual({ perFrameMs: 500 });
    expect(actionSpaceConfigs(scenario)).toHaveLength(3 * 6 * 4);
  });

  it('replay reads its CSV into points, seconds to ms', async () => {
    const scenario = await loadScenario(join(SCENARIOS_DIR, 'replay.yaml'));
    const trace = scenario.workload.trace;
    if (trace.kind !== 'replay') throw new Error(`expected a replay trace, got ${trace.kind}`);
    expect(trace.points.length).toBeGreaterThanOrEqual(24);
    expect(trace.points.slice(0, 2)).toEqual([
      { atMs: 0, fps: 20 },
      { atMs: 10_000, fps: 21 },
    ]);
  });

  it('heterogeneous-failures keeps its faults', async () => {
    const scenario = await loadScenario(join(SCENARIOS_DIR, 'heterogeneous-failures.yaml'));
    expect(scenario.cluster.nodes.map((n) => `${n.name}:${n.vcpu}/${n.memoryMb}`)).toEqual([
      'node-1:4/8192',
      'node-2:4/8192',
      'big-1:8/16384',
      'small-1:2/4096',
    ]);
    expect(scenario.cluster.failures.scheduled).toEqual([
      { atMs: 60_000, kind: 'pod-kill', target: '0' },
      { atMs: 180_000, kind: 'node-down', target: 'big-1' },
      { atMs: 300_000, kind: 'node-up', target: 'big-1' },
    ]);
    expect(scenario.cluster.failures.nodeMtbfMs).toBeGreaterThan(0);
    expect(scenario.cluster.failures.podMtbfMs).toBeGreaterThan(0);
  });
});
