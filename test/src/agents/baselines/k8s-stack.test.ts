import { describe, expect, it } from 'vitest';
import { K8S_STACK_HPA_TARGET_CPU_UTIL, k8sStack } from '../../../../src/agents/baselines/k8s-stack.js';
import { loadScenarioSync } from '../../../../src/scenario/load.js';
import { decision, outcome } from './context.js';
import { nodePoolScenario } from './node-pool.js';

const pool = nodePoolScenario();
const paper = loadScenarioSync('scenarios/paper-testbed.yaml');
const start = { nodeCount: 2, executorCores: 1, executorMemoryMb: 800, executorInstances: 6 };
// Six 1-core executors on two nodes, 95 % of their CPU used, 30 % of their memory.
const busy = outcome({ cpuUtil: 0.95, memUtil: 0.3, executorsRunning: 6, pendingPods: 0, windowMs: 60_000 });

describe('the Kubernetes autoscaling stack', () => {
  it('moves the HPA, VPA and Cluster Autoscaler knobs in one decision under absolute actions', () => {
    const ctx = decision({ scenario: pool, config: start, last: busy, encoding: 'absolute' });
    const stack = k8sStack(pool);
    // HPA: ceil(6 × 0.95 / 0.8) = 8; VPA: 0.95 × 1.15 = 1.09 cores → 2, 0.3 × 1184 MB × 1.15 = 408 MB → a 500 MB heap;
    // CA: 3 pods on each node request 77 % of it, nothing Pending: 2 nodes stay.
    const wanted = { nodeCount: 2, executorCores: 2, executorMemoryMb: 500, executorInstances: 8 };
    expect(stack.target(ctx)).toEqual(wanted);
    expect(ctx.configuration.target(stack.act(ctx))).toEqual(wanted);
  });

  it('takes one grid step per knob toward the same target under delta actions', () => {
    const ctx = decision({ scenario: pool, config: start, last: busy, encoding: 'delta' });
    expect(ctx.configuration.target(k8sStack(pool).act(ctx))).toEqual({ nodeCount: 2, executorCores: 2, executorMemoryMb: 700, executorInstances: 7 });
  });

  it('asks for nodes when the executors it scaled to are Pending', () => {
    const stack = k8sStack(pool);
    const shaped = { nodeCount: 2, executorCores: 2, executorMemoryMb: 500, executorInstances: 8 };
    // One 2-core pod fits per node (1.95 vCPU free after the first): 2 run, 6 Pending; 8 would need 8 nodes, the pool has 6.
    const pending = outcome({ cpuUtil: 0.7, memUtil: 0.3, executorsRunning: 2, pendingPods: 6, windowMs: 60_000 });
    expect(stack.target(decision({ scenario: pool, config: shaped, last: pending, encoding: 'absolute' }))).toMatchObject({ nodeCount: 6 });
  });

  it(`runs the HPA at the ${K8S_STACK_HPA_TARGET_CPU_UTIL * 100} % CPU target, holding within its 10 % tolerance`, () => {
    const ctx = decision({ scenario: pool, config: start, last: outcome({ cpuUtil: 0.85, executorsRunning: 6, windowMs: 60_000 }), encoding: 'absolute' });
    expect(k8sStack(pool).target(ctx)).toMatchObject({ executorInstances: 6 });
  });

  it('leaves the node count alone where the scenario does not declare it', () => {
    const ctx = decision({ scenario: paper, config: { executorCores: 1, executorMemoryMb: 800, executorInstances: 6 }, last: busy, encoding: 'absolute' });
    expect(k8sStack(paper).target(ctx)).toEqual({ executorCores: 2, executorMemoryMb: 500, executorInstances: 8 });
  });
});
