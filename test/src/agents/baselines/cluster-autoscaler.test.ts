import { describe, expect, it } from 'vitest';
import { ClusterAutoscaler } from '../../../../src/agents/baselines/cluster-autoscaler.js';
import { loadScenarioSync } from '../../../../src/scenario/load.js';
import type { TrialOutcome } from '../../../../src/backend/backend.js';
import { decision, outcome } from './context.js';
import { nodePoolScenario } from './node-pool.js';

// Nodes of 4 vCPU / 8 GB less 0.1 vCPU / 512 MB reserved; a 1-core / 800 MB executor pod requests 1 vCPU / 1184 MB: 3 per node.
const pool = nodePoolScenario();
const at = (nodeCount: number, executorInstances = 6) => ({ nodeCount, executorCores: 1, executorMemoryMb: 800, executorInstances });

/** One-minute windows at a node count; the node counts the CA asks for after each. */
function run(ca: ClusterAutoscaler, windows: { nodes: number; instances?: number; last: Partial<TrialOutcome> }[]): number[] {
  return windows.map((w) => ca.desiredNodes(decision({ scenario: pool, config: at(w.nodes, w.instances), last: outcome({ windowMs: 60_000, ...w.last }) })));
}

describe('the Cluster Autoscaler', () => {
  it('adds the nodes its estimate needs when executor pods are Pending', () => {
    const ca = new ClusterAutoscaler(pool);
    // 8 executors on 2 nodes: 6 running, 2 Pending; 8 pods need 3 nodes.
    expect(run(ca, [{ nodes: 2, instances: 8, last: { executorsRunning: 6, pendingPods: 2 } }])).toEqual([3]);
    const ctx = decision({ scenario: pool, config: at(2, 8), last: outcome({ executorsRunning: 6, pendingPods: 5 }) });
    expect(new ClusterAutoscaler(pool).recommend(ctx)).toEqual({ nodeCount: 4 });
  });

  it('waits for the nodes it asked for, and adds one more when they do not come within 15 minutes', () => {
    const ca = new ClusterAutoscaler(pool);
    const stillPending = { nodes: 3, instances: 8, last: { executorsRunning: 6, pendingPods: 2 } };
    const asked = run(ca, [{ nodes: 2, instances: 8, last: { executorsRunning: 6, pendingPods: 2 } }, ...Array(15).fill(stillPending)]);
    expect(asked).toEqual([3, ...Array(14).fill(3), 4]);
  });

  it('removes a node only after it has been under 50 % requested for 10 minutes', () => {
    const ca = new ClusterAutoscaler(pool);
    // 5 executors spread over 4 nodes: the least loaded holds 1 pod, 1 / 3.9 vCPU = 26 % requested; the others can take it.
    const quiet = { nodes: 4, instances: 5, last: { executorsRunning: 5, pendingPods: 0 } };
    expect(run(ca, Array(11).fill(quiet))).toEqual([...Array(10).fill(4), 3]);
    // A busy minute (a Pending pod) starts the 10 minutes over.
    const again = new ClusterAutoscaler(pool);
    const busy = { nodes: 4, instances: 6, last: { executorsRunning: 5, pendingPods: 1 } };
    expect(run(again, [...Array(5).fill(quiet), busy, ...Array(11).fill(quiet)])).toEqual([...Array(16).fill(4), 3]);
  });

  it('keeps a node whose pods request half its allocatable or more', () => {
    // 8 executors over 4 nodes: 2 pods, 2 vCPU of 3.9 = 51 %.
    const ca = new ClusterAutoscaler(pool);
    expect(run(ca, Array(15).fill({ nodes: 4, instances: 8, last: { executorsRunning: 8, pendingPods: 0 } }))).toEqual(Array(15).fill(4));
  });

  it('does not scale down within 10 minutes of a scale-up, however long a node was unneeded', () => {
    const ca = new ClusterAutoscaler(pool, { scaleDownUnneededTimeMs: 60_000 });
    const up = { nodes: 2, instances: 8, last: { executorsRunning: 6, pendingPods: 2 } };
    // Then 5 executors on 3 nodes: the least loaded node holds 1 pod (26 %) from minute 2 on.
    const quiet = { nodes: 3, instances: 5, last: { executorsRunning: 5, pendingPods: 0 } };
    expect(run(ca, [up, ...Array(10).fill(quiet)])).toEqual([3, ...Array(9).fill(3), 2]);
  });

  it('leaves the node count alone where the scenario does not declare it', () => {
    const paper = loadScenarioSync('scenarios/paper-testbed.yaml');
    const ctx = decision({ scenario: paper, config: { executorCores: 1, executorMemoryMb: 800, executorInstances: 8 }, last: outcome({ pendingPods: 3 }) });
    expect(new ClusterAutoscaler(paper).recommend(ctx)).toEqual({});
  });
});
