import { describe, expect, it } from 'vitest';
import type { PlacementPolicy, RunSpec } from '../../../sim/config.js';
import { SparkOnK8sModel } from '../../../sim/model.js';
import { meanFrameMegapixels } from '../../../sim/workload/batcher.js';
import { paperProfile, paperSpec } from '../fixtures.js';
import { NO_NOISE, runObserved, withParameters } from '../model/drive.js';

const p = paperProfile().parameters;

/** Node name of every live executor, in id order. */
function executorNodes(model: SparkOnK8sModel): string[] {
  return model.app.executors.filter((e) => e.phase === 'running').map((e) => model.cluster.nodes[e.node].name);
}

function oneCoreSpec(instances: number, placement: PlacementPolicy, overrides: Omit<NonNullable<Parameters<typeof paperSpec>[0]>, 'spark'> = {}): RunSpec {
  const spec = withParameters(paperSpec({ fps: 10, durationMs: 60_000, traceHash: true, spark: { executorCores: 1, executorInstances: instances, framesPerPartition: 10 }, ...overrides }), NO_NOISE);
  spec.cluster.placement = placement;
  return spec;
}

describe('storage-affinity placement', () => {
  it('puts executors on the storage node while they fit, then spreads the rest', () => {
    const model = new SparkOnK8sModel(oneCoreSpec(7, 'storage-affinity'));
    model.runUntil(1);
    const nodes = executorNodes(model);
    // Three 1 vCPU pods fit in node-1's 3.9 allocatable vCPU.
    expect(nodes.slice(0, 3)).toEqual(['node-1', 'node-1', 'node-1']);
    expect(nodes.slice(3).sort()).toEqual(['node-2', 'node-2', 'node-3', 'node-3']);
    model.destroy();
  });

  it('saves each task the network hop to the shared store, and nothing else', () => {
    // The store on node-3: spread puts a lone executor on node-1, storage-affinity on node-3; same node shape, same contention.
    const firstTaskEndMs = (placement: PlacementPolicy) => {
      const spec = oneCoreSpec(1, placement);
      spec.cluster.storageNode = 'node-3';
      const model = new SparkOnK8sModel(spec);
      let endMs = -1;
      runObserved(model, 60_000, (event) => {
        if (event.kind === 'task-end' && endMs < 0) endMs = event.timeMs;
      });
      expect(executorNodes(model)).toEqual([placement === 'spread' ? 'node-1' : 'node-3']);
      model.destroy();
      return { endMs, megapixelsPerFrame: meanFrameMegapixels(spec.workload) };
    };
    const remote = firstTaskEndMs('spread');
    const local = firstTaskEndMs('storage-affinity');
    const partitionMb = 10 * remote.megapixelsPerFrame * (p.frameInputMbPerMegapixel + p.frameOutputMbPerMegapixel);
    expect(remote.endMs - local.endMs).toBeCloseTo((partitionMb / p.networkMbPerS) * 1000, 6);
    expect(remote.endMs - local.endMs).toBeGreaterThan(0);
  });

  it('makes the storage node a bigger failure domain: its outage takes down every executor placed there', () => {
    const lossesWhenStorageNodeFails = (placement: PlacementPolicy) => {
      const spec = oneCoreSpec(3, placement);
      spec.cluster.failures.scheduled = [{ atMs: 30_000, kind: 'node-down', target: 'node-1' }];
      const model = new SparkOnK8sModel(spec);
      model.runUntil(60_000);
      const losses = model.result().failures.executorLosses;
      model.destroy();
      return losses;
    };
    expect(lossesWhenStorageNodeFails('spread')).toBe(1);
    expect(lossesWhenStorageNodeFails('storage-affinity')).toBe(3);
  });
});

describe('changing placement between windows', () => {
  it('applies to pods created after the change; the running ones stay', () => {
    const model = new SparkOnK8sModel(oneCoreSpec(3, 'spread'));
    model.runUntil(20_000);
    expect(executorNodes(model)).toEqual(['node-1', 'node-2', 'node-3']);
    model.setPlacement('storage-affinity');
    expect(model.placement).toBe('storage-affinity');
    expect(executorNodes(model)).toEqual(['node-1', 'node-2', 'node-3']);
    model.reconfigure({ ...model.app.currentConfig, executorInstances: 5 });
    model.runUntil(60_000);
    expect(executorNodes(model)).toEqual(['node-1', 'node-2', 'node-3', 'node-1', 'node-1']);
    model.destroy();
  });

  it('with a redeploy, recreates every executor under the new policy', () => {
    const model = new SparkOnK8sModel(oneCoreSpec(3, 'spread', { durationMs: 120_000 }));
    model.runUntil(20_000);
    model.setPlacement('storage-affinity', { redeploy: true });
    expect(executorNodes(model)).toEqual([]);
    model.runUntil(20_000 + p.redeployMs - 1);
    expect(model.app.executors.filter((e) => e.phase !== 'gone')).toHaveLength(0);
    model.runUntil(120_000);
    expect(executorNodes(model)).toEqual(['node-1', 'node-1', 'node-1']);
    expect(model.result().framesDropped).toBe(0);
    model.destroy();
  });

  it('refuses an unknown policy, naming the allowed ones', () => {
    const model = new SparkOnK8sModel(oneCoreSpec(1, 'spread'));
    expect(() => model.setPlacement('random' as PlacementPolicy)).toThrow(
      new RangeError('expected a placement policy, one of pack, spread, storage-affinity, got "random"'),
    );
    model.destroy();
  });

  it('same seed and the same placement change: the same trace', () => {
    const run = () => {
      const model = new SparkOnK8sModel(oneCoreSpec(4, 'pack', { durationMs: 120_000, fps: 30 }));
      model.runUntil(40_000);
      model.setPlacement('storage-affinity', { redeploy: true });
      model.runUntil(120_000);
      const result = model.result();
      model.destroy();
      return result;
    };
    const first = run();
    expect(first.traceHash).not.toBeNull();
    expect(run()).toEqual(first);
  });
});
