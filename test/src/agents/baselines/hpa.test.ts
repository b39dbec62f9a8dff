import { describe, expect, it } from 'vitest';
import { HpaPolicy } from '../../../../src/agents/baselines/hpa.js';
import { loadScenarioSync } from '../../../../src/scenario/load.js';
import { ADD_ONE, KEEP, REMOVE_ONE, decision, outcome } from './context.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');
const at6 = { executorCores: 1, executorMemoryMb: 800, executorInstances: 6 };

describe('the HorizontalPodAutoscaler baseline', () => {
  const hpa = new HpaPolicy();

  it('scales out when CPU is above target: ceil(6 × 0.9 / 0.6) = 9, one step at a time', () => {
    const ctx = decision({ scenario: paper, config: at6, last: outcome({ cpuUtil: 0.9 }) });
    expect(hpa.desiredInstances(ctx)).toBe(9);
    expect(hpa.act(ctx)).toBe(ADD_ONE);
    // With absolute actions it goes to the top of the grid (8) at once.
    const absolute = decision({ scenario: paper, config: at6, last: outcome({ cpuUtil: 0.9 }), encoding: 'absolute' });
    expect(absolute.configuration.target(hpa.act(absolute))).toEqual({ ...at6, executorInstances: 8 });
  });

  it('scales in when CPU is below target: ceil(6 × 0.3 / 0.6) = 3, bounded by the grid minimum 5', () => {
    const ctx = decision({ scenario: paper, config: at6, last: outcome({ cpuUtil: 0.3 }) });
    expect(hpa.desiredInstances(ctx)).toBe(3);
    expect(hpa.act(ctx)).toBe(REMOVE_ONE);
    const atMin = decision({ scenario: paper, config: { ...at6, executorInstances: 5 }, last: outcome({ cpuUtil: 0.3 }) });
    expect(hpa.act(atMin)).toBe(KEEP);
  });

  it('holds within the 10 % tolerance, and without metrics', () => {
    const holds = [0.55, 0.6, 0.65].map((cpuUtil) => hpa.act(decision({ scenario: paper, config: at6, last: outcome({ cpuUtil }) })));
    expect(holds).toEqual([KEEP, KEEP, KEEP]);
    expect(hpa.act(decision({ scenario: paper, config: at6, last: null }))).toBe(KEEP);
    expect(hpa.act(decision({ scenario: paper, config: at6, last: outcome({ cpuUtil: 0, executorsRunning: 0, pendingPods: 6 }) }))).toBe(KEEP);
  });

  it('counts Pending executors as idle before scaling out, as the HPA does with not-ready pods', () => {
    // 3 ready at 90 %, 3 Pending: (0.9 × 3) / (0.6 × 6) = 0.75, below 1, so no scale-out.
    const ctx = decision({ scenario: paper, config: at6, last: outcome({ cpuUtil: 0.9, executorsRunning: 3, pendingPods: 3 }) });
    expect(hpa.desiredInstances(ctx)).toBe(6);
    // 5 ready at 90 %, 1 Pending: 4.5 / 3.6 = 1.25, still a scale-out, to ceil(6 × 1.25) = 8.
    const some = decision({ scenario: paper, config: at6, last: outcome({ cpuUtil: 0.9, executorsRunning: 5, pendingPods: 1 }) });
    expect(hpa.desiredInstances(some)).toBe(8);
  });

  it('takes its target and tolerance as options, checked against their ranges', () => {
    const custom = new HpaPolicy({ targetCpuUtil: 0.3 });
    expect(custom.desiredInstances(decision({ scenario: paper, config: at6, last: outcome({ cpuUtil: 0.45 }) }))).toBe(9);
    expect(() => new HpaPolicy({ targetCpuUtil: 3 })).toThrow('hpa.targetCpuUtil: expected a number in [0.01, 1], got 3');
  });
});
