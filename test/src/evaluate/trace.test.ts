import { describe, expect, it } from 'vitest';
import type { DecisionContext, Policy } from '../../../src/agents/agent.js';
import { actionToward } from '../../../src/agents/agent.js';
import { SloCostOraclePolicy, sloCostTable } from '../../../src/agents/baselines/slo-cost-oracle.js';
import { TraceRun } from '../../../src/backend/trace-run.js';
import { ADAPTIVE_ORACLE_POLICY, BEST_FIXED_POLICY, evaluateTrace, fixedPolicy, type TracePolicy } from '../../../src/evaluate/trace.js';
import { fixedConfigLabel } from '../../../src/report/fixed-config-label.js';
import { actionSpaceConfigs } from '../../../src/scenario/run-spec.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { loadSensitiveScenario } from './load-sensitive.js';

const INTERVAL_MS = 20_000;

/** Flips between 1 and 2 cores every decision (a redeploy each time), 2 executors. */
function flipper(): TracePolicy {
  return {
    encoding: 'absolute',
    make: (): Policy => ({
      name: 'flipper',
      act: (ctx: DecisionContext) => actionToward(ctx, { executorCores: ctx.config.executorCores === 1 ? 2 : 1, executorMemoryMb: 1024, executorInstances: 2 }),
    }),
  };
}

describe('evaluateTrace', () => {
  it('same seed, same figures; another seed, other figures', async () => {
    const scenario = await loadSensitiveScenario({ durationS: 240, spikeAtS: 100, spikeS: 60 });
    const options = { scenario, intervalMs: INTERVAL_MS, bestFixed: false, adaptiveOracle: false, policies: { fixed: fixedPolicy({ executorCores: 1, executorMemoryMb: 1024, executorInstances: 3 }), flipper: flipper() } };
    const a = await evaluateTrace({ ...options, seeds: [1, 2] });
    const b = await evaluateTrace({ ...options, seeds: [1, 2] });
    expect(b).toEqual(a);
    const c = await evaluateTrace({ ...options, seeds: [3] });
    expect(c.policies.fixed.per_frame_ms).not.toBe(a.policies.fixed.per_frame_ms);
    expect(a.trace.decisions).toBe(12);
    expect(a.policies.fixed.decisions).toHaveLength(12);
  });

  it('a redeploy costs its time: flipping cores every decision loses frames to the SLO that a fixed configuration keeps', async () => {
    const scenario = await loadSensitiveScenario({ durationS: 240, spikeAtS: 1000, spikeS: 10 });
    const result = await evaluateTrace({
      scenario,
      seeds: [1],
      intervalMs: INTERVAL_MS,
      bestFixed: false,
      adaptiveOracle: false,
      policies: { one: fixedPolicy({ executorCores: 1, executorMemoryMb: 1024, executorInstances: 2 }), two: fixedPolicy({ executorCores: 2, executorMemoryMb: 1024, executorInstances: 2 }), flipper: flipper() },
    });
    const { one, two, flipper: flips } = result.policies;
    expect(flips.reconfigurations).toBe(11);
    expect(flips.reconfigurations_per_hour).toBeCloseTo(11 / (240 / 3600), 9);
    expect(one.reconfigurations).toBe(0);
    // At 10 fps both fixed ones keep the SLO for every frame; the redeploys (5 s down plus start-up) do not.
    expect(one.slo_attainment).toBeGreaterThan(0.99);
    expect(two.slo_attainment).toBeGreaterThan(0.99);
    expect(flips.slo_attainment).toBeLessThan(0.9);
    expect(flips.per_frame_ms).toBeGreaterThan(Math.max(one.per_frame_ms, two.per_frame_ms));
    // Down time is not billed: flipping costs less than holding 2 cores all along.
    expect(flips.request_cost_per_hour).toBeLessThan(two.request_cost_per_hour);
  });

  it('the backlog carries over from one interval to the next', async () => {
    const scenario = await loadSensitiveScenario({ durationS: 240, spikeAtS: 1, spikeS: 60 });
    const config = { ...scenario.spark, executorCores: 1, executorInstances: 1 };
    const run = new TraceRun({ scenario, config, seed: 1 });
    try {
      // 1 slot at 60 fps cannot keep up: the backlog grows interval after interval, and frames finished later waited longer.
      const first = run.interval(config, 20_000);
      const second = run.interval(config, 40_000);
      expect(second.backlogFrames).toBeGreaterThan(first.backlogFrames);
      expect(second.perFrameMs.mean).toBeGreaterThan(first.perFrameMs.mean);
      expect(run.fpsNow()).toBe(60);
      // No frame is lost between intervals: what arrived is processed, dropped or still waiting.
      const third = run.interval(config, 240_000);
      const drained = run.drain(600_000);
      const all = [first, second, third, drained];
      const sum = (f: (o: (typeof all)[number]) => number) => all.reduce((n, o) => n + f(o), 0);
      expect(sum((o) => o.framesArrived)).toBe(sum((o) => o.framesProcessed) + sum((o) => o.framesDropped) + drained.backlogFrames);
      expect(drained.unfinishedFrames).toBe(0);
    } finally {
      run.close();
    }
  });

  it('best-fixed is the best of every fixed configuration run through the whole trace', async () => {
    const scenario = await loadSensitiveScenario({ durationS: 480, spikeAtS: 200, spikeS: 80 });
    const grid = actionSpaceConfigs(scenario);
    expect(grid).toHaveLength(8);
    const policies = Object.fromEntries(grid.map((c) => [`${c.executorCores}x${c.executorInstances}`, fixedPolicy(c)]));
    const result = await evaluateTrace({ scenario, seeds: [1], intervalMs: INTERVAL_MS, adaptiveOracle: false, policies });
    expect(result.trace.fixed_configs_searched).toBe(8);
    const best = result.policies[BEST_FIXED_POLICY];
    const objectives = grid.map((c) => result.policies[`${c.executorCores}x${c.executorInstances}`].objective);
    expect(best.objective).toBe(Math.max(...objectives));
    const argmax = grid[objectives.indexOf(Math.max(...objectives))];
    expect(best.config).toEqual({ cores: argmax.executorCores, memory_mb: argmax.executorMemoryMb, instances: argmax.executorInstances });
    expect(best.reconfigurations).toBe(0);
  });

  it('the adaptive oracle decides from the load now: identical traces up to a moment give identical decisions up to it', async () => {
    const early = await loadSensitiveScenario({ durationS: 480, spikeAtS: 210, spikeS: 60 });
    const late = await loadSensitiveScenario({ durationS: 480, spikeAtS: 330, spikeS: 60 });
    const table = sloCostTable(early);
    expect(sloCostTable(late)).toEqual(table);
    const oracle = new SloCostOraclePolicy(table);
    const run = async (scenario: typeof early) =>
      (await evaluateTrace({ scenario, seeds: [1], intervalMs: INTERVAL_MS, bestFixed: false, adaptiveOracle: false, policies: { oracle: { make: () => oracle, encoding: 'absolute' } } })).policies.oracle.decisions;
    const [a, b] = [await run(early), await run(late)];
    // Decisions at 0, 20, …, 200 s saw the same past: the same choices, though the loads ahead differ
    // (the interval after 200 s already holds the early spike, so its outcome differs).
    const choice = ({ t_s, fps, cores, memory_mb, instances }: (typeof a)[number]) => ({ t_s, fps, cores, memory_mb, instances });
    expect(a.filter((d) => d.t_s <= 200).map(choice)).toEqual(b.filter((d) => d.t_s <= 200).map(choice));
    expect(a.filter((d) => d.t_s < 200)).toEqual(b.filter((d) => d.t_s < 200));
    // At 200 s the spike 10 s ahead is not seen: the low-load choice; at 220 s it is, and the oracle scales up.
    const at = (list: typeof a, t: number) => list.find((d) => d.t_s === t)!;
    expect(at(a, 200)).toMatchObject({ fps: 10, cores: table[0].config.executorCores, instances: table[0].config.executorInstances });
    expect(at(a, 220)).toMatchObject({ fps: 60, cores: table[1].config.executorCores, instances: table[1].config.executorInstances });
    expect(at(b, 220)).toMatchObject({ fps: 10 });
  });

  it("best-fixed of a five-agent space names every declared knob, not just the executor's three", async () => {
    const scenario = loadScenarioSync('scenarios/diurnal-pool.yaml');
    const { executorCores, executorMemoryMb, executorInstances } = scenario.spark;
    const point = { executorCores, executorMemoryMb, executorInstances, nodeCount: 2, placement: 'pack' as const, serializer: 'java' as const };
    const result = await evaluateTrace({ scenario, seeds: [1], adaptiveOracle: false, policies: {}, fixedCandidates: [point] });
    const best = result.policies[BEST_FIXED_POLICY];
    expect(best.config).toMatchObject({ cores: point.executorCores, memory_mb: point.executorMemoryMb, instances: point.executorInstances, node_count: 2, placement: 'pack', serializer: 'java' });
    expect(fixedConfigLabel(best.config!)).toBe(`${point.executorCores} / ${point.executorMemoryMb} / ${point.executorInstances}, 2 nodes, pack, java`);
  });

  it('the adaptive oracle picks the cheapest configuration meeting the SLO per level, rounding the load up', async () => {
    const scenario = await loadSensitiveScenario();
    const oracle = SloCostOraclePolicy.forScenario(scenario);
    const [low, high] = oracle.table;
    expect(low).toMatchObject({ fps: 10, meetsSlo: true, config: { executorCores: 1, executorInstances: 1 } });
    expect(high.fps).toBe(60);
    expect(high.meetsSlo).toBe(true);
    expect(high.requestCostPerHour).toBeGreaterThan(low.requestCostPerHour);
    expect(oracle.choiceFor(5)).toBe(low);
    expect(oracle.choiceFor(10)).toBe(low);
    expect(oracle.choiceFor(10.5)).toBe(high);
    expect(oracle.choiceFor(600)).toBe(high);
  });

  it('a configuration that falls behind does not meet the SLO, however loose: its queue only grows', async () => {
    const scenario = await loadSensitiveScenario();
    // One 1-core executor at 60 fps: 4 tasks of ~1.5 s per batch, a batch every 4 s.
    scenario.actionSpace.executorCores = { min: 1, max: 1, step: 1 };
    scenario.actionSpace.executorInstances = { min: 1, max: 1, step: 1 };
    scenario.slo.perFrameMs = 100_000;
    const [behind] = sloCostTable(scenario, { levels: [60] });
    expect(behind.p95Ms).toBeLessThan(scenario.slo.perFrameMs);
    expect(behind).toMatchObject({ keepsUp: false, meetsSlo: false });
    const [fine] = sloCostTable(scenario, { levels: [10] });
    expect(fine).toMatchObject({ keepsUp: true, meetsSlo: true });
  });

  it('where load matters, adapting beats the best fixed configuration on slo-cost', async () => {
    // 24 simulated minutes: 10 fps, a 2-minute burst to 60 fps at minute 10, 10 fps again.
    const scenario = await loadSensitiveScenario({ durationS: 1440, spikeAtS: 610, spikeS: 120 });
    const result = await evaluateTrace({ scenario, seeds: [1], intervalMs: INTERVAL_MS, policies: {} });
    const adaptive = result.policies[ADAPTIVE_ORACLE_POLICY];
    const fixed = result.policies[BEST_FIXED_POLICY];
    expect(adaptive.reconfigurations).toBeGreaterThan(0);
    expect(adaptive.objective).toBeGreaterThan(fixed.objective + 0.05);
    expect(adaptive.request_cost_per_hour).toBeLessThan(fixed.request_cost_per_hour);
  });
});
