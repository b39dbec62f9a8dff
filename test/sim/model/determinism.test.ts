import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSpec } from '../../../sim/config.js';
import { simulateRun, SparkOnK8sModel } from '../../../sim/model.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import { toRunSpec } from '../../../src/scenario/run-spec.js';
import { paperSpec } from '../fixtures.js';
import { caseArb, sparkArb } from './arbitraries.js';

const SCENARIOS_DIR = new URL('../../../scenarios/', import.meta.url).pathname;
const shipped = readdirSync(SCENARIOS_DIR)
  .filter((name) => name.endsWith('.yaml'))
  .sort();

function scenarioSpec(name: string, overrides: { seed?: number; durationMs?: number } = {}): RunSpec {
  return toRunSpec(loadScenarioSync(join(SCENARIOS_DIR, name)), { traceHash: true, ...overrides });
}

describe('determinism', () => {
  it('paper testbed: same spec and seed give the same trace hash and the same result', () => {
    const first = simulateRun(paperSpec({ traceHash: true, fps: 30 }));
    const second = simulateRun(paperSpec({ traceHash: true, fps: 30 }));
    expect(first.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(second.traceHash).toBe(first.traceHash);
    expect(second).toEqual(first);
    expect(first.framesProcessed).toBeGreaterThan(0);
  });

  it.each(shipped)('%s: two runs give the same trace hash and the same result', (name) => {
    const first = simulateRun(scenarioSpec(name));
    const second = simulateRun(scenarioSpec(name));
    expect(first.traceHash).not.toBeNull();
    expect(second.traceHash).toBe(first.traceHash);
    expect(second).toEqual(first);
    expect(first.framesProcessed).toBeGreaterThan(0);
  });

  it('a different seed gives a different trace (failures and task jitter are random)', () => {
    const hashes = [7, 8, 9].map((seed) => simulateRun(scenarioSpec('heterogeneous-failures.yaml', { seed })).traceHash);
    expect(new Set(hashes).size).toBe(3);
    const paper = [1, 2].map((seed) => simulateRun(paperSpec({ seed, traceHash: true })));
    expect(paper[1].traceHash).not.toBe(paper[0].traceHash);
    expect(paper[1].perFrameMs.mean).not.toBe(paper[0].perFrameMs.mean);
  });

  it('does not depend on what ran before in the same process (A, B, A)', () => {
    const a = () => simulateRun(scenarioSpec('heterogeneous-failures.yaml', { durationMs: 300_000 }));
    const b = () => simulateRun(scenarioSpec('spike.yaml', { seed: 3 }));
    const firstA = a();
    const firstB = b();
    const secondA = a();
    const secondB = b();
    expect(secondA).toEqual(firstA);
    expect(secondB).toEqual(firstB);
    expect(secondA.traceHash).not.toBe(firstB.traceHash);
  });

  it('does not depend on models alive at the same time (interleaved stepping)', () => {
    const spec = scenarioSpec('heterogeneous-failures.yaml', { durationMs: 240_000 });
    const alone = simulateRun(spec);
    const left = new SparkOnK8sModel(spec);
    const right = new SparkOnK8sModel(scenarioSpec('replay.yaml', { durationMs: 240_000 }));
    for (let t = 10_000; t <= 240_000; t += 10_000) {
      left.runUntil(t);
      right.runUntil(t);
    }
    expect(left.result()).toEqual(alone);
    left.destroy();
    right.destroy();
  });

  it('driving the model in small steps gives the same trace as one run to the end', () => {
    const spec = scenarioSpec('spike.yaml', { durationMs: 200_000 });
    const whole = simulateRun(spec);
    const stepped = new SparkOnK8sModel(spec);
    for (let t = 0; t <= 200_000; t += 777) stepped.runUntil(t);
    stepped.runUntil(200_000);
    expect(stepped.result()).toEqual(whole);
    stepped.destroy();
  });

  it('holds for random configurations, with a reconfiguration half-way', () => {
    fc.assert(
      fc.property(caseArb, sparkArb, ({ spec }, next) => {
        const run = () => {
          const model = new SparkOnK8sModel({ ...spec, traceHash: true });
          model.runUntil(spec.durationMs / 2);
          model.reconfigure({ ...spec.spark, ...next });
          model.runUntil(spec.durationMs);
          const result = model.result();
          model.destroy();
          return result;
        };
        const first = run();
        expect(run()).toEqual(first);
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  it('reading results mid-run changes neither the trace nor the counts', () => {
    const spec = scenarioSpec('heterogeneous-failures.yaml', { durationMs: 300_000 });
    const untouched = simulateRun(spec);
    const model = new SparkOnK8sModel(spec);
    for (let t = 0; t <= spec.durationMs; t += 1000) {
      model.runUntil(t);
      model.result();
    }
    const read = model.result();
    model.destroy();
    expect(read.traceHash).toBe(untouched.traceHash);
    const { executors, nodes, cpuUtil, memUtil, cost, ...counts } = read;
    const { executors: e0, nodes: n0, cpuUtil: c0, memUtil: m0, cost: cost0, ...counts0 } = untouched;
    expect(counts).toEqual(counts0);
    // Time integrals are summed in different pieces, so they may differ in the last bits.
    expect(cpuUtil).toBeCloseTo(c0, 12);
    expect(memUtil).toBeCloseTo(m0, 12);
    expect(cost).toBeCloseTo(cost0, 12);
    expect(executors.map((e) => e.tasksRun)).toEqual(e0.map((e) => e.tasksRun));
    expect(nodes.map((n) => n.upMs)).toEqual(n0.map((n) => n.upMs));
  });

  it('resetWindow only changes what is reported, not what happens', () => {
    const spec = paperSpec({ traceHash: true, fps: 40, durationMs: 90_000 });
    const whole = simulateRun(spec);
    const windowed = new SparkOnK8sModel(spec);
    windowed.runUntil(30_000);
    windowed.resetWindow();
    windowed.runUntil(90_000);
    expect(windowed.result().traceHash).toBe(whole.traceHash);
    windowed.destroy();
  });
});
