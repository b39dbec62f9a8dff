import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlacementPolicy, RunSpec } from '../../../sim/config.js';
import { simulateRun, SparkOnK8sModel } from '../../../sim/model.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { toRunSpec } from '../../../src/scenario/run-spec.js';
import { paperProfile, paperSpec } from '../fixtures.js';
import { aliveExecutors, NO_NOISE, node, runObserved, withNodes, withParameters } from './drive.js';

const p = paperProfile().parameters;
const HOUR_MS = 3_600_000;

/** Node name of every executor pod, in creation order ('Pending' for unbound pods). */
function podNodes(model: SparkOnK8sModel): string[] {
  return model.cluster.pods.map((pod) => (pod.node >= 0 ? model.cluster.nodes[pod.node].name : 'Pending'));
}

function placed(spec: RunSpec, placement: PlacementPolicy): string[] {
  spec.cluster.placement = placement;
  const model = new SparkOnK8sModel(spec);
  model.runUntil(1);
  const nodes = podNodes(model);
  model.destroy();
  return nodes;
}

describe('placement', () => {
  it('spread deals executors round the nodes, pack fills one node before the next', () => {
    const spec = () => paperSpec({ spark: { executorCores: 1, executorInstances: 7 } });
    expect(placed(spec(), 'spread')).toEqual(['node-1', 'node-2', 'node-3', 'node-1', 'node-2', 'node-3', 'node-1']);
    expect(placed(spec(), 'pack')).toEqual(['node-1', 'node-1', 'node-1', 'node-2', 'node-2', 'node-2', 'node-3']);
  });

  it('spread weighs free CPU and memory relative to each node size; pack keeps filling the fullest node that fits', () => {
    // 1 vCPU / 1184 MB pods on a 3/4 node (2 fit: 2.9 vCPU allocatable) and an 8/16 node (7 fit).
    const spec = () => withNodes(paperSpec({ spark: { executorCores: 1, executorInstances: 7 } }), [node('small', 3, 4096), node('big', 8, 16_384)]);
    // Spread: small's share left after one pod (1.9/2.9 CPU + 2400/3584 MB = 1.32) beats big's only after big holds four (1.20).
    expect(placed(spec(), 'spread')).toEqual(['small', 'big', 'big', 'big', 'big', 'small', 'big']);
    expect(placed(spec(), 'pack')).toEqual(['small', 'small', 'big', 'big', 'big', 'big', 'big']);
  });

  it('a cold start places pods the same way as a warm one', () => {
    const spec = (warmStart: boolean) => paperSpec({ warmStart, spark: { executorCores: 1, executorInstances: 7 } });
    for (const placement of ['pack', 'spread'] as const) expect(placed(spec(false), placement)).toEqual(placed(spec(true), placement));
  });
});

describe('nodes coming and going', () => {
  /** One 4 vCPU node, three 2-core executors: one fits, two stay Pending. */
  function crowdedSpec(): RunSpec {
    const spec = withParameters(paperSpec({ fps: 10, durationMs: 400_000, spark: { executorCores: 2, executorInstances: 3 } }), NO_NOISE);
    return withNodes(spec, [node('node-1', 4, 8192, 0.1)]);
  }

  it('pods stay Pending while nothing fits and run once a requested node joins; the node costs from its request', () => {
    const model = new SparkOnK8sModel(crowdedSpec());
    const registered: string[] = [];
    runObserved(model, 10_000, () => {});
    expect(model.result().pendingPods).toBe(2);
    expect(aliveExecutors(model)).toBe(3);

    const index = model.cluster.addNode({ vcpu: 8, memoryMb: 16_384, costPerHour: 0.4 });
    expect(model.cluster.nodes[index].name).toBe('node-2');
    model.runUntil(50_000);
    // Still provisioning: leased (paid for) but not up.
    let result = model.result();
    expect(result.pendingPods).toBe(2);
    expect(result.cost).toBeCloseTo((50_000 * 0.1 + 40_000 * 0.4) / HOUR_MS, 12);
    expect(result.nodes.find((n) => n.name === 'node-2')?.upMs).toBe(0);

    runObserved(model, 200_000, (event) => {
      if (event.kind === 'pod-started') registered.push(`${event.timeMs}:${model.cluster.nodes[model.cluster.pods[event.arg].node].name}`);
    });
    // Joins after the provisioning delay; the pods bind at once, then (the first of them) pull the image and start.
    const joinedMs = 10_000 + p.nodeProvisionMedianMs;
    const startedMs = joinedMs + p.podSchedulingMs + p.imagePullMedianMs + p.containerStartMedianMs + p.jvmStartMedianMs;
    expect(registered).toHaveLength(2);
    expect(registered).toContain(`${startedMs}:node-2`);
    for (const entry of registered) expect(Number(entry.split(':')[0])).toBeGreaterThan(joinedMs + p.podSchedulingMs);
    result = model.result();
    expect(result.pendingPods).toBe(0);
    expect(result.cost).toBeCloseTo((200_000 * 0.1 + 190_000 * 0.4) / HOUR_MS, 12);
    expect(result.nodes.find((n) => n.name === 'node-2')?.upMs).toBe(200_000 - joinedMs);
    model.destroy();
  });

  it('removing a node ends its pods (Spark asks for replacements) and stops its cost', () => {
    const model = new SparkOnK8sModel(crowdedSpec());
    model.runUntil(10_000);
    model.cluster.addNode({ vcpu: 8, memoryMb: 16_384, costPerHour: 0.4 });
    model.runUntil(200_000);
    expect(model.result().pendingPods).toBe(0);
    const before = model.result();

    model.cluster.removeNode('node-2');
    expect(model.cluster.pods.filter((pod) => pod.phase === 'Terminated')).toHaveLength(2);
    model.runUntil(300_000);
    const after = model.result();
    expect(after.failures.executorLosses - before.failures.executorLosses).toBe(2);
    // The two replacements find no room on node-1.
    expect(after.pendingPods).toBe(2);
    expect(aliveExecutors(model)).toBe(3);
    expect(after.cost).toBeCloseTo((300_000 * 0.1 + 190_000 * 0.4) / HOUR_MS, 12);
    expect(() => model.cluster.removeNode('node-2')).toThrow("cannot remove node 'node-2': no such leased node");
    // Frames processed by the removed executors were kept; none were dropped.
    expect(after.framesDropped).toBe(0);
    model.destroy();
  });

  it('refuses to grow past maxNodes, naming the limit', () => {
    const spec = crowdedSpec();
    spec.cluster.maxNodes = 2;
    const model = new SparkOnK8sModel(spec);
    model.runUntil(1000);
    model.cluster.addNode();
    expect(() => model.cluster.addNode()).toThrow('cannot add a node: the cluster already has maxNodes = 2');
    model.destroy();
  });

  it('names an added node apart from every existing one', () => {
    // A hand-written node list with a gap: node-3 was taken out of the YAML.
    const spec = withNodes(paperSpec(), [node('node-1', 4, 8192), node('node-2', 4, 8192), node('node-4', 4, 8192)]);
    const model = new SparkOnK8sModel(spec);
    model.runUntil(1000);
    const added = model.cluster.nodes[model.cluster.addNode()].name;
    expect(['node-1', 'node-2', 'node-4']).not.toContain(added);
    model.destroy();
  });

  it("a scheduled outage does not change the node's random failure rate afterwards", () => {
    // Count random failures after t = 20 s of each node over many seeds; node-2 had a scheduled outage from 10 s to 20 s.
    const failures = [0, 0, 0];
    for (let seed = 0; seed < 40; seed++) {
      const spec = paperSpec({ seed, fps: 0, durationMs: 1_800_000, spark: { executorCores: 1, executorInstances: 3 } });
      spec.cluster.failures = {
        nodeMtbfMs: 60_000,
        nodeRepairMs: 1_000,
        podMtbfMs: 0,
        scheduled: [
          { atMs: 10_000, kind: 'node-down', target: 'node-2' },
          { atMs: 20_000, kind: 'node-up', target: 'node-2' },
        ],
      };
      const model = new SparkOnK8sModel(spec);
      const ready = model.cluster.nodes.map((n) => n.ready);
      runObserved(model, spec.durationMs, (event) => {
        model.cluster.nodes.forEach((n, i) => {
          if (ready[i] && !n.ready && event.timeMs > 20_000) failures[i]++;
          ready[i] = n.ready;
        });
      });
      model.destroy();
    }
    // About 40 × 30 min / 61 s ≈ 1180 failures per node.
    const others = (failures[0] + failures[2]) / 2;
    expect(others).toBeGreaterThan(1000);
    expect(failures[1] / others).toBeLessThan(1.2);
  });

  it('a node failure kills its executors; Spark replaces them and retries their running tasks, so no frame is lost', () => {
    const spec = paperSpec({ fps: 30, durationMs: 124_000, spark: { executorCores: 1, executorInstances: 6 } });
    const baseline = simulateRun(spec);
    const model = new SparkOnK8sModel(spec);
    // Run until tasks are busy on node-2, then fail it.
    let failedAtMs = -1;
    let lostExecutors: number[] = [];
    let interruptedTasks = 0;
    runObserved(model, spec.durationMs, (event) => {
      if (failedAtMs >= 0 || event.timeMs < 20_000 || model.cluster.nodes[1].busySlots === 0) return;
      lostExecutors = model.app.executors.filter((e) => e.phase === 'running' && e.node === 1).map((e) => e.id);
      interruptedTasks = model.cluster.nodes[1].busySlots;
      failedAtMs = event.timeMs;
      model.cluster.failNode(1);
      expect(model.app.executors.filter((e) => lostExecutors.includes(e.id)).map((e) => e.phase)).toEqual(['gone', 'gone']);
      // Two replacements, bound at once to the free slots on node-1 and node-3.
      expect(aliveExecutors(model)).toBe(6);
      expect(model.cluster.pendingPods).toBe(0);
    });
    expect(failedAtMs).toBeGreaterThan(0);
    expect(lostExecutors).toHaveLength(2);
    expect(interruptedTasks).toBeGreaterThan(0);
    const result = model.result();
    expect(result.failures.nodeFailures).toBe(1);
    expect(result.failures.executorLosses).toBe(2);
    // An executor lost with its node is not the task's fault: no task failure, no abort, no drop.
    expect(result.failures.taskFailures).toBe(0);
    expect(result.framesDropped).toBe(0);
    expect(result.framesProcessed).toBe(baseline.framesProcessed);
    expect(result.backlogFrames).toBe(baseline.backlogFrames);
    expect(result.executors.filter((e) => e.node === 'node-2').map((e) => e.id)).toEqual(lostExecutors);
    // node-2 stays down (no random failures, so no repair is scheduled) until repaired by hand.
    expect(model.cluster.nodes[1].ready).toBe(false);
    model.destroy();
  });

  it('the heterogeneous-failures scenario: scheduled faults happen at their times and do what they say', () => {
    const scenario = loadScenarioSync(join(new URL('../../../scenarios/', import.meta.url).pathname, 'heterogeneous-failures.yaml'));
    const spec = toRunSpec(scenario, { durationMs: 400_000 });
    // Only the scheduled faults: no random ones.
    spec.cluster.failures = { ...spec.cluster.failures, nodeMtbfMs: 0, podMtbfMs: 0 };
    const model = new SparkOnK8sModel(spec);
    const bigIndex = model.cluster.nodes.findIndex((n) => n.name === 'big-1');
    const log: string[] = [];
    let pendingBefore = model.cluster.pendingPods;
    let lossesBefore = 0;
    let onBigBefore = 0;
    runObserved(model, spec.durationMs, (event) => {
      const onBig = model.cluster.nodes[bigIndex].pods.size;
      if (event.kind === 'scheduled-fault') {
        log.push(
          `${event.timeMs}: big-1 ${model.cluster.nodes[bigIndex].ready ? 'up' : 'down'}, pods on big-1 ${onBigBefore}->${onBig}, ` +
            `pending ${pendingBefore}->${model.cluster.pendingPods}, lost ${model.app.executorLosses - lossesBefore}`,
        );
      }
      if (event.timeMs > 180_000 && event.timeMs < 300_000 && onBig > 0) throw new Error(`a pod ran on big-1 while it was down, at ${event.timeMs}`);
      pendingBefore = model.cluster.pendingPods;
      lossesBefore = model.app.executorLosses;
      onBigBefore = onBig;
    });
    // 2-vCPU executor pods: two on the 4-vCPU nodes... one each, three on big-1, none fits small-1 (1.9 vCPU), one Pending.
    // Minute 1: the oldest running pod dies; the Pending pod takes its place and its replacement waits.
    // Minute 3: big-1 goes down with its three executors, whose replacements wait.
    // Minute 5: big-1 is back and takes three of the four waiting pods.
    expect(log).toEqual([
      '60000: big-1 up, pods on big-1 3->3, pending 1->1, lost 1',
      '180000: big-1 down, pods on big-1 3->0, pending 1->4, lost 3',
      '300000: big-1 up, pods on big-1 0->3, pending 4->1, lost 0',
    ]);
    expect(model.cluster.pods[0].phase).toBe('Terminated');
    const result = model.result();
    expect(result.failures.nodeFailures).toBe(1);
    expect(result.failures.executorLosses).toBe(4);
    expect(result.framesDropped).toBe(0);
    model.destroy();
  });

  function coldOrWarm(warmStart: boolean) {
    // A batch of 8 × 10 frames every 2 s: the first ones arrive long before any executor can be up.
    const spec = withParameters(
      paperSpec({ warmStart, fps: 40, durationMs: 120_000, spark: { executorCores: 1, executorInstances: 6, framesPerPartition: 10 } }),
      NO_NOISE,
    );
    const model = new SparkOnK8sModel(spec);
    const started: string[] = [];
    runObserved(model, 60_000, (event) => {
      if (event.kind === 'pod-started') started.push(`${event.timeMs}:${model.cluster.nodes[model.cluster.pods[event.arg].node].name}`);
    });
    const firstMinute = model.result();
    model.resetWindow();
    model.runUntil(120_000);
    const secondMinute = model.result();
    model.destroy();
    return { started, firstMinute, secondMinute };
  }

  const startupMs = p.podSchedulingMs + p.imagePullMedianMs + p.containerStartMedianMs + p.jvmStartMedianMs;

  it('a cold start makes the first batches wait for executor start-up; afterwards it runs like a warm start', () => {
    const warm = coldOrWarm(true);
    const cold = coldOrWarm(false);
    expect(warm.started).toEqual([]);
    expect(cold.started).toHaveLength(6);
    expect(cold.started).toContain(`${startupMs}:node-1`);
    for (const entry of cold.started) expect(Number(entry.split(':')[0])).toBeGreaterThanOrEqual(startupMs - p.imagePullMedianMs);
    // The first batch (cut at 2 s) waited for the executors.
    expect(cold.firstMinute.perFrameMs.max).toBeGreaterThan(startupMs - p.imagePullMedianMs - 2_000);
    expect(warm.firstMinute.perFrameMs.max).toBeLessThan(2_000);
    expect(cold.firstMinute.perFrameMs.mean).toBeGreaterThan(warm.firstMinute.perFrameMs.mean);
    expect(cold.firstMinute.framesProcessed).toBe(warm.firstMinute.framesProcessed);
    expect(cold.secondMinute.perFrameMs).toEqual(warm.secondMinute.perFrameMs);
    expect(cold.secondMinute.framesProcessed).toBe(warm.secondMinute.framesProcessed);
  });

  it('pods that start together on a node all wait for its one image pull', () => {
    // Two executors per node (spread over three nodes), all bound at t = 0 on nodes without the image.
    const cold = coldOrWarm(false);
    expect(cold.started).toEqual(['node-1', 'node-2', 'node-3', 'node-1', 'node-2', 'node-3'].map((name) => `${startupMs}:${name}`));
  });
});
