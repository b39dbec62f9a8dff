import { describe, expect, it } from 'vitest';
import type { DecisionContext } from '../../../../src/agents/agent.js';
import { HpaPolicy } from '../../../../src/agents/baselines/hpa.js';
import { loadScenarioSync } from '../../../../src/scenario/load.js';
import { ADD_ONE, KEEP, REMOVE_ONE, decision, outcome } from './context.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');
const at6 = { executorCores: 1, executorMemoryMb: 800, executorInstances: 6 };

describe('the HorizontalPodAutoscaler baseline', () => {
  // A fresh HPA per decision: each of these reads one window, with no past recommendation to stabilise on.
  const hpa = { act: (ctx: DecisionContext) => new HpaPolicy().act(ctx), desiredInstances: (ctx: DecisionContext) => new HpaPolicy().desiredInstances(ctx) };

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

  it('scales down to the highest recommendation of the last 5 minutes of windows, and up at once', () => {
    const policy = new HpaPolicy();
    const minute = (cpuUtil: number) => decision({ scenario: paper, config: at6, last: outcome({ cpuUtil, windowMs: 60_000 }) });
    // 9 at minute 1, then 3 (ceil(6 × 0.3 / 0.6)) every minute: 9 holds until it is 5 minutes old.
    const wanted = [0.9, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3].map((cpu) => policy.desiredInstances(minute(cpu)));
    expect(wanted).toEqual([9, 9, 9, 9, 9, 3, 3]);
    // A recommendation within the tolerance counts as keeping the replicas: 6 holds a later 3 for 5 minutes.
    const after = [0.6, 0.3].map((cpu) => policy.desiredInstances(minute(cpu)));
    expect(after).toEqual([6, 6]);
    // Scale-up is not stabilised.
    expect(policy.desiredInstances(minute(0.9))).toBe(9);
  });

  it('reads each window once however often it is asked, and forgets on reset', () => {
    const policy = new HpaPolicy();
    const high = decision({ scenario: paper, config: at6, last: outcome({ cpuUtil: 0.9, windowMs: 60_000 }) });
    expect([policy.desiredInstances(high), policy.act(high)]).toEqual([9, ADD_ONE]);
    const low = decision({ scenario: paper, config: at6, last: outcome({ cpuUtil: 0.3, windowMs: 400_000 }) });
    // 400 s later the 9 is past the window.
    expect(policy.desiredInstances(low)).toBe(3);
    policy.reset();
    expect(policy.desiredInstances(decision({ scenario: paper, config: at6, last: outcome({ cpuUtil: 0.3 }) }))).toBe(3);
    expect(() => new HpaPolicy({ downscaleStabilizationMs: -1 })).toThrow('hpa.downscaleStabilizationMs: expected an integer in [0, 86400000], got -1');
  });
});
