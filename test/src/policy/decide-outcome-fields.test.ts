/**
 * decide's `last` block comes from the outcome field table: states written
 * before still parse and decide exactly as they did, the fields decide did
 * not read before are optional and reach the observation when given, and the
 * template and the help text carry every field.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrialOutcome } from '../../../src/backend/backend.js';
import { ALL_FEATURES, StateManager, type ObservationNormalisation } from '../../../src/managers/state.js';
import { loadPolicy, type LoadedPolicy } from '../../../src/policy/artifact.js';
import { DECIDE_STATE_FIELDS, decide, parseDecideState, stateInput, stateTemplate, type DecideLast } from '../../../src/policy/decide.js';
import { OUTCOME_FIELDS, OUTCOME_FIELD_NAMES, QUANTILES } from '../../../src/space/outcome-fields.js';
import { testTf } from './fixtures.js';
import { V1_STATES } from './v1-states.js';

const SHIPPED_POLICY = fileURLToPath(new URL('../../../models/policies/paper-testbed-dqn', import.meta.url));

let policy: LoadedPolicy;
beforeAll(async () => {
  policy = await loadPolicy(SHIPPED_POLICY, { tf: await testTf('wasm') });
});

/** decide's toOutcome as it was before the table (commit a80a21a), the reference for old states. */
function toOutcomeBefore(last: DecideLast): TrialOutcome {
  return {
    perFrameMs: { mean: last.per_frame_ms.mean, p50: last.per_frame_ms.mean, p95: last.per_frame_ms.p95, p99: last.per_frame_ms.p95, max: last.per_frame_ms.p95 },
    throughputFps: 0,
    backlogFrames: last.backlog_frames,
    framesArrived: last.frames_arrived,
    framesProcessed: last.frames_processed,
    framesDropped: last.frames_dropped,
    cpuUtil: last.cpu_util,
    memUtil: last.mem_util,
    executorsRunning: last.executors_running,
    pendingPods: last.pending_pods,
    taskFailures: 0,
    executorLosses: 0,
    costPerHour: 0,
    sloViolationFraction: 0,
    redeployed: false,
    windowMs: 0,
    wallMs: 0,
    failure: last.failure ?? null,
  };
}

/** Every feature the State Manager computes, so that no field it reads goes unchecked. */
const EVERY_FEATURE: ObservationNormalisation = {
  features: ALL_FEATURES,
  maxFps: 100,
  sloPerFrameMs: 500,
  latencyScale: 4,
  actionSpace: { executorCores: { min: 1, max: 3 }, executorMemoryMb: { min: 500, max: 1000 }, executorInstances: { min: 5, max: 8 } },
  knobValues: {},
  requestCostScalePerHour: 1,
};

describe('decide states written before the outcome table', () => {
  it.each(V1_STATES.map((s) => [s.name, s] as const))('%s: parses, stands for the same outcome and decides as it did', (_name, v1) => {
    const state = parseDecideState(JSON.parse(v1.text), policy.metadata, { file: 'state.json' });
    const input = stateInput(state);
    const last = state.last ?? null;
    expect(input.last).toEqual(last === null ? null : toOutcomeBefore(last));
    const every = new StateManager(EVERY_FEATURE);
    expect(Array.from(every.observe(input))).toEqual(Array.from(every.observe({ ...input, last: last === null ? null : toOutcomeBefore(last) })));
    const d = decide(policy, state);
    expect({ action: d.action, config: d.config, q_values: d.q_values }).toEqual(v1.decision);
  });

  it('a state missing the fields decide reads is told about the first of them, as before', () => {
    const state = { fps: 40, config: { cores: 2, memory_mb: 800, instances: 6 }, last: { per_frame_ms: { mean: 400, p95: 600 }, cpu_util: 0.5 } };
    expect(() => parseDecideState(state, policy.metadata, { file: 'state.json' })).toThrow(
      'state.json: last.mem_util: expected a fraction in [0, 1] (not a percentage), got nothing (the field is required) (and 6 more)',
    );
  });
});

describe('the fields decide did not read before', () => {
  const base = JSON.parse(V1_STATES[0].text) as { last: Record<string, unknown> };

  it('are optional, checked like the rest, and reach the outcome when given', () => {
    const given = {
      ...base,
      last: {
        ...base.last,
        per_frame_ms: { mean: 650, p50: 600, p95: 900, p99: 1000, max: 1200 },
        slot_util: 0.55,
        pending_tasks_mean: 3.5,
        request_cost_per_hour: 0.25,
        cost_per_hour: 0.5,
        executor_losses: 1,
        redeployed: true,
      },
    };
    const input = stateInput(parseDecideState(given, policy.metadata, { file: 'state.json' }));
    expect(input.last).toMatchObject({
      perFrameMs: { mean: 650, p50: 600, p95: 900, p99: 1000, max: 1200 },
      slotUtil: 0.55,
      pendingTasksMean: 3.5,
      requestCostPerHour: 0.25,
      costPerHour: 0.5,
      executorLosses: 1,
      redeployed: true,
    });
    expect(['slot_util', 'request_cost_per_hour'].map((k) => [k, parseError({ ...given, last: { ...given.last, [k]: 1.5 } })])).toEqual([
      ['slot_util', 'state.json: last.slot_util: expected a fraction in [0, 1] (not a percentage), got 1.5'],
      ['request_cost_per_hour', null],
    ]);
    expect(parseError({ ...given, last: { ...given.last, task_failures: -1 } })).toBe('state.json: last.task_failures: expected a non-negative integer, got -1');
    expect(parseError({ ...given, last: { ...given.last, wall_ms: 'soon' } })).toBe("state.json: last.wall_ms: expected a non-negative number of ms, got 'soon'");
    expect(parseError({ ...given, last: { ...given.last, redeployed: 1 } })).toBe('state.json: last.redeployed: expected true or false, got 1');
    expect(parseError({ ...given, last: { ...given.last, slot: 1 } })).toMatch(/^state\.json: last\.slot: unknown field 'slot'; allowed: per_frame_ms, cpu_util, .*, slot_util, .*, failure$/);
  });

  function parseError(value: unknown): string | null {
    try {
      parseDecideState(value, policy.metadata, { file: 'state.json' });
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }
});

describe('the state template and the help text', () => {
  it('the template carries every outcome field under its key, parses, and stands for its own values', () => {
    const template = stateTemplate(policy.metadata.actionSpace);
    expect(Object.keys(template.last).sort()).toEqual(OUTCOME_FIELD_NAMES.map((f) => OUTCOME_FIELDS[f].key).sort());
    expect(Object.keys(template.last.per_frame_ms)).toEqual([...QUANTILES]);
    const state = parseDecideState(JSON.parse(JSON.stringify(template)), policy.metadata, { file: 'template' });
    expect(state).toEqual(template);
    const outcome = stateInput(state).last!;
    expect(Object.keys(outcome).sort()).toEqual([...OUTCOME_FIELD_NAMES].sort());
    for (const field of OUTCOME_FIELD_NAMES) {
      expect((template.last as Record<string, unknown>)[OUTCOME_FIELDS[field].key], field).toEqual(outcome[field]);
    }
    expect(template.last.executors_running).toBe(template.config.instances);
  });

  it('the help text names every field of `last`', () => {
    const named = DECIDE_STATE_FIELDS.flatMap(([fields]) => fields.split(', '));
    for (const field of OUTCOME_FIELD_NAMES) {
      const key = OUTCOME_FIELDS[field].key;
      if (field === 'perFrameMs') for (const q of QUANTILES) expect(named).toContain(`last.${key}.${q}`);
      else expect(named).toContain(`last.${key}`);
    }
  });
});
