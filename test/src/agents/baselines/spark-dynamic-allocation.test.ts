import { describe, expect, it } from 'vitest';
import { SparkDynamicAllocationPolicy } from '../../../../src/agents/baselines/spark-dynamic-allocation.js';
import { loadScenarioSync } from '../../../../src/scenario/load.js';
import { KEEP, REMOVE_ONE, decision, outcome } from './context.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');
const oneCore = (instances: number) => ({ executorCores: 1, executorMemoryMb: 800, executorInstances: instances });
// 60 fps: one batch is 480 frames; the window closes as the second is cut.
const backlogged = outcome({ backlogFrames: 1200, cpuUtil: 0.5 });
const keepingUp = outcome({ backlogFrames: 480, cpuUtil: 0.5 });

describe('the Spark dynamic allocation baseline', () => {
  it('adds 1, then 2 executors on consecutive windows with backlog, capped at what the tasks can use', () => {
    const policy = new SparkDynamicAllocationPolicy(paper);
    // Absolute actions, so that each target is reached at once: 5 → 6 → 8 (2 more) → 8 (4 more capped at 8 tasks).
    const targets = [5, 6, 8].map((instances) => policy.desiredInstances(decision({ scenario: paper, config: oneCore(instances), last: backlogged, encoding: 'absolute' })));
    expect(targets).toEqual([6, 8, 8]);
  });

  it('starts the doubling over after a window without backlog, and on reset', () => {
    const policy = new SparkDynamicAllocationPolicy(paper);
    const want = (last = backlogged) => policy.desiredInstances(decision({ scenario: paper, config: oneCore(5), last }));
    expect([want(), want(), want(keepingUp), want()]).toEqual([6, 7, 5, 6]);
    policy.reset();
    expect(want()).toBe(6);
  });

  it('adds executors when tasks waited for a slot longer than schedulerBacklogTimeout in all, as Spark does', () => {
    const policy = new SparkDynamicAllocationPolicy(paper);
    // 0.1 tasks pending on average over 16 s is 1.6 s of pending task time: past the 1 s backlog timeout.
    const waited = outcome({ backlogFrames: 480, pendingTasksMean: 0.1 });
    expect(policy.desiredInstances(decision({ scenario: paper, config: oneCore(5), last: waited }))).toBe(6);
    const brief = outcome({ backlogFrames: 480, pendingTasksMean: 0.05 });
    expect(new SparkDynamicAllocationPolicy(paper).desiredInstances(decision({ scenario: paper, config: oneCore(5), last: brief }))).toBe(5);
  });

  it('judges an idle pool by its busy task slots, not by CPU used ÷ requested', () => {
    const policy = new SparkDynamicAllocationPolicy(paper);
    const idleSlots = outcome({ backlogFrames: 480, cpuUtil: 0.5, slotUtil: 0.01 });
    expect(policy.act(decision({ scenario: paper, config: oneCore(7), last: idleSlots }))).toBe(REMOVE_ONE);
  });

  it('counts batches slower than their interval as backlog', () => {
    const policy = new SparkDynamicAllocationPolicy(paper);
    const slow = outcome({ backlogFrames: 480, perFrameMs: { mean: 9000, p50: 9000, p95: 9000, p99: 9000, max: 9000 } });
    expect(policy.desiredInstances(decision({ scenario: paper, config: oneCore(5), last: slow }))).toBe(6);
  });

  it('gives back one executor when the pool was idle, none when it was busy', () => {
    const policy = new SparkDynamicAllocationPolicy(paper);
    expect(policy.act(decision({ scenario: paper, config: oneCore(7), last: outcome({ backlogFrames: 480, cpuUtil: 0.01 }) }))).toBe(REMOVE_ONE);
    expect(policy.act(decision({ scenario: paper, config: oneCore(7), last: keepingUp }))).toBe(KEEP);
  });

  it('never keeps more executors than the batch has tasks for: 8 partitions on 2-core executors need 4', () => {
    const policy = new SparkDynamicAllocationPolicy(paper);
    const ctx = decision({ scenario: paper, config: { executorCores: 2, executorMemoryMb: 800, executorInstances: 6 }, last: backlogged });
    expect(policy.desiredInstances(ctx)).toBe(4);
    expect(policy.act(ctx)).toBe(REMOVE_ONE);
  });
});
