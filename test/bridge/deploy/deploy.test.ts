import { beforeAll, describe, expect, test } from 'vitest';
import { deploy, type DeployDecision } from '../../../bridge/deploy/deploy.js';
import type { DecisionContext, Policy } from '../../../src/agents/agent.js';
import type { Tf } from '../../../src/agents/tf.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { deltaAction, failed, fixedPolicy, key, paperScenario, shiftedScenario, StandInCluster, testTf } from '../finetune/fixtures.js';

let tf: Tf;
let scenario: Scenario;
let real: Scenario;

beforeAll(async () => {
  tf = await testTf();
  scenario = paperScenario();
  real = shiftedScenario(scenario);
});

// +1 instance while it can, then -1 memory, else stay: 1/800/7, 1/800/8, 1/700/8, ...
const preferences = { [deltaAction(0, 0, 1)]: 10, [deltaAction(0, -1, 0)]: 9, [deltaAction(0, 0, 0)]: 8 };

function trace(levels: number[]): () => number {
  let i = 0;
  return () => levels[Math.min(i++, levels.length - 1)];
}

describe('deploy', () => {
  test('each window, the policy picks the configuration for the current load; every decision is reported with its outcome', async () => {
    const cluster = new StandInCluster(real);
    const seen: DeployDecision[] = [];
    const result = await deploy({
      policy: fixedPolicy(tf, scenario, preferences),
      backend: cluster,
      scenario,
      slo: { perFrameMs: 5000 },
      windows: 4,
      loadSource: trace([10, 30, 60, 30]),
      onDecision: (d) => void seen.push(d),
      stopOnSigint: false,
    });
    expect(result.stoppedBy).toBe('windows');
    expect(seen).toEqual(result.decisions);
    expect(result.decisions.map((d) => [d.window, d.fps, key(d.from), key(d.config), d.kind])).toEqual([
      [0, 10, '1/800/6', '1/800/7', 'policy'],
      [1, 30, '1/800/7', '1/800/8', 'policy'],
      [2, 60, '1/800/8', '1/700/8', 'policy'],
      [3, 30, '1/700/8', '1/600/8', 'policy'],
    ]);
    expect(cluster.requests.map((r) => [r.fps, r.config.executorInstances])).toEqual([[10, 7], [30, 8], [60, 8], [30, 8]]);
    for (const d of result.decisions) {
      expect(d.outcome.failure).toBeNull();
      expect(d.breach).toBeNull();
      expect(d.decideMs).toBeGreaterThanOrEqual(0);
    }
  });

  test('a failed window is followed by a rollback to the last good configuration', async () => {
    const cluster = new StandInCluster(real, (call, _request, o) => (call === 2 ? failed(o) : o));
    const result = await deploy({
      policy: fixedPolicy(tf, scenario, preferences),
      backend: cluster,
      scenario,
      slo: { perFrameMs: 5000 },
      windows: 5,
      loadSource: () => 30,
      stopOnSigint: false,
    });
    expect(result.decisions.map((d) => [key(d.config), d.kind, d.breach === null ? 'ok' : 'failed'])).toEqual([
      ['1/800/7', 'policy', 'ok'],
      ['1/800/8', 'policy', 'ok'],
      ['1/700/8', 'policy', 'failed'],
      ['1/800/8', 'rollback', 'ok'],
      ['1/700/8', 'policy', 'ok'],
    ]);
    expect(key(result.decisions[2].rollbackTo!)).toBe('1/800/8');
    expect(result.rollbacks).toBe(1);
  });

  test("with rollbackOn 'breach', an SLO breach rolls back too; by default it only shows in the report", async () => {
    const run = (rollbackOn: 'failure' | 'breach') =>
      deploy({
        policy: fixedPolicy(tf, scenario, preferences),
        backend: new StandInCluster(real, (call, _request, o) => (call === 1 ? { ...o, perFrameMs: { ...o.perFrameMs, p95: 9000 } } : o)),
        scenario,
        slo: { perFrameMs: 5000 },
        windows: 3,
        loadSource: () => 30,
        rollbackOn,
        stopOnSigint: false,
      });
    const onFailure = await run('failure');
    expect(onFailure.decisions[1].breach).toBe('p95 per-frame time 9000 ms > SLO 5000 ms');
    expect(onFailure.decisions.map((d) => d.kind)).toEqual(['policy', 'policy', 'policy']);
    const onBreach = await run('breach');
    expect(onBreach.decisions.map((d) => [key(d.config), d.kind])).toEqual([
      ['1/800/7', 'policy'],
      ['1/800/8', 'policy'],
      ['1/800/7', 'rollback'],
    ]);
  });

  test('SIGINT lets the window in flight finish, then stops; the handler is gone afterwards', async () => {
    const listeners = process.listenerCount('SIGINT');
    let stopRequests = 0;
    const cluster = new StandInCluster(real);
    let window = 0;
    const result = await deploy({
      policy: fixedPolicy(tf, scenario, preferences),
      backend: cluster,
      scenario,
      slo: { perFrameMs: 5000 },
      // No window limit: until stopped.
      loadSource: () => {
        // Ctrl-C arrives while the third window is being decided and run.
        if (window++ === 2) process.emit('SIGINT');
        return 30;
      },
      onStopRequested: () => stopRequests++,
    });
    expect(result.stoppedBy).toBe('signal');
    expect(result.decisions.map((d) => d.window)).toEqual([0, 1, 2]);
    expect(cluster.calls).toBe(3);
    expect(stopRequests).toBe(1);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });

  test('an abort signal stops it the same way', async () => {
    const controller = new AbortController();
    const result = await deploy({
      policy: fixedPolicy(tf, scenario, preferences),
      backend: new StandInCluster(real),
      scenario,
      slo: { perFrameMs: 5000 },
      loadSource: () => 10,
      onDecision: (d) => {
        if (d.window === 4) controller.abort();
      },
      signal: controller.signal,
      stopOnSigint: false,
    });
    expect(result.decisions).toHaveLength(5);
    expect(result.stoppedBy).toBe('signal');
  });

  test('the policy acts through Policy.act on the environment: it sees the load, the configuration now and the last outcome; a rollback window does not ask it', async () => {
    const policy = fixedPolicy(tf, scenario, preferences);
    const observationSize = policy.metadata.observation.features.length;
    const seen: string[] = [];
    let resets = 0;
    const actor: Policy = {
      name: 'recording',
      reset: () => void resets++,
      act(ctx: DecisionContext) {
        seen.push(`${ctx.fps} fps at ${key(ctx.config)}, last ${ctx.last === null ? 'none' : ctx.last.failure === null ? 'ok' : 'failed'}, ${ctx.mask.reduce((a, b) => a + b, 0)} allowed`);
        expect(ctx.observation).toHaveLength(observationSize);
        return ctx.configuration.actionTo({ ...ctx.config, executorInstances: ctx.config.executorInstances + 1 });
      },
    };
    const result = await deploy({
      policy,
      actor,
      backend: new StandInCluster(real, (call, _request, o) => (call === 1 ? failed(o) : o)),
      scenario,
      slo: { perFrameMs: 5000 },
      windows: 4,
      loadSource: trace([10, 30, 60, 30]),
      stopOnSigint: false,
    });
    expect(resets).toBe(1);
    // The third window is the rollback after the failed second; the fourth decides from the rolled-back configuration.
    expect(seen).toEqual(['10 fps at 1/800/6, last none, 18 allowed', '30 fps at 1/800/7, last ok, 18 allowed', '30 fps at 1/800/7, last ok, 18 allowed']);
    expect(result.decisions.map((d) => [d.fps, key(d.config), d.kind])).toEqual([
      [10, '1/800/7', 'policy'],
      [30, '1/800/8', 'policy'],
      [60, '1/800/7', 'rollback'],
      [30, '1/800/8', 'policy'],
    ]);
  });

  test('a load source that gives no load is an error naming the window', async () => {
    const run = deploy({
      policy: fixedPolicy(tf, scenario, preferences),
      backend: new StandInCluster(real),
      scenario,
      slo: { perFrameMs: 5000 },
      windows: 3,
      loadSource: trace([10, 0]),
      stopOnSigint: false,
    });
    await expect(run).rejects.toThrow('load source: expected a positive number of frames per second for window 1, got 0');
  });
});
