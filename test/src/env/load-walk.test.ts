import { describe, expect, it } from 'vitest';
import type { Backend, TrialOutcome, TrialRequest } from '../../../src/backend/backend.js';
import { ConfigEnv } from '../../../src/env/config-env.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { outcome } from '../agents/baselines/context.js';

const pool = loadScenarioSync('scenarios/diurnal-pool.yaml');

/** A backend whose window always goes the same way: the schedule is what is under test, not the physics. */
class SteadyBackend implements Backend {
  readonly kind = 'simulated' as const;
  readonly requests: TrialRequest[] = [];
  async reset(): Promise<void> {}
  async runTrial(request: TrialRequest): Promise<TrialOutcome> {
    this.requests.push(request);
    return outcome({ framesArrived: Math.round(request.fps * 16), windowMs: 16_000 });
  }
  async close(): Promise<void> {}
}

async function loads(scenario: Scenario, env: Partial<Scenario['learning']['env']>, seed: number, steps = 200): Promise<number[]> {
  const options = { ...scenario.learning.env, stepsPerEpisode: steps, ...env };
  const e = new ConfigEnv({ scenario, backend: new SteadyBackend(), env: options, reward: scenario.learning.reward });
  const first = await e.reset({ seed });
  const out = [first.info.nextFps];
  for (let i = 0; i < steps; i++) out.push((await e.step(0)).info.nextFps);
  return out;
}

describe("loadSchedule 'walk'", () => {
  const levels = pool.workload.fpsLevels;
  const [min, max] = [Math.min(...levels), Math.max(...levels)];

  it('visits loads between the levels, inside the lowest and highest level', async () => {
    const fps = await loads(pool, { loadSchedule: 'walk', levelChangeProbability: 0.2 }, 7);
    for (const f of fps) {
      expect(f).toBeGreaterThanOrEqual(min);
      expect(f).toBeLessThanOrEqual(max);
    }
    const between = fps.filter((f) => !levels.includes(f));
    expect(between.length).toBeGreaterThan(fps.length / 2);
    // It covers the range, not one corner of it.
    expect(Math.min(...fps)).toBeLessThan(min + (max - min) / 4);
    expect(Math.max(...fps)).toBeGreaterThan(max - (max - min) / 4);
  });

  it('moves in straight ramps and holds between them', async () => {
    const fps = await loads(pool, { loadSchedule: 'walk', levelChangeProbability: 0.2 }, 3);
    const deltas = fps.slice(1).map((f, i) => f - fps[i]);
    const holds = deltas.filter((d) => Math.abs(d) < 1e-9).length;
    expect(holds).toBeGreaterThan(deltas.length / 4);
    // A ramp of several steps: the same change, step after step, in one direction.
    let longest = 1;
    let run = 1;
    for (let i = 1; i < deltas.length; i++) {
      run = Math.abs(deltas[i]) > 1e-9 && Math.abs(deltas[i] - deltas[i - 1]) < 1e-6 ? run + 1 : 1;
      longest = Math.max(longest, run);
    }
    expect(longest).toBeGreaterThanOrEqual(3);
  });

  it('never holds when a change is due every step, and repeats itself for the same seed', async () => {
    const moving = await loads(pool, { loadSchedule: 'walk', levelChangeProbability: 1 }, 5, 40);
    const deltas = moving.slice(1).map((f, i) => Math.abs(f - moving[i]));
    expect(deltas.every((d) => d > 0)).toBe(true);
    expect(await loads(pool, { loadSchedule: 'walk' }, 11, 60)).toEqual(await loads(pool, { loadSchedule: 'walk' }, 11, 60));
    expect(await loads(pool, { loadSchedule: 'walk' }, 11, 60)).not.toEqual(await loads(pool, { loadSchedule: 'walk' }, 12, 60));
  });

  it('keeps a pinned load (evaluation per level) and the levels schedule as it was', async () => {
    const options = { ...pool.learning.env, loadSchedule: 'walk' as const, stepsPerEpisode: 30 };
    const env = new ConfigEnv({ scenario: pool, backend: new SteadyBackend(), env: options, reward: pool.learning.reward });
    await env.reset({ seed: 1, fps: 25 });
    for (let i = 0; i < 30; i++) expect((await env.step(0)).info.nextFps).toBe(25);
    const levelled = await loads(pool, { loadSchedule: 'levels' }, 7, 100);
    expect(levelled.every((f) => levels.includes(f))).toBe(true);
  });

  it('rejects an unknown schedule, naming the field and the choices', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseScenario } = await import('../../../src/scenario/load.js');
    const text = readFileSync('scenarios/diurnal-pool.yaml', 'utf8');
    // The shipped file sets loadSchedule itself: take it out, then put the line under test in.
    const base = text.replace(/^    loadSchedule: .*\n/m, '');
    expect(base).not.toMatch(/^ +loadSchedule:/m);
    const withEnv = (line: string) => base.replace('    backendMode: continuous', `    backendMode: continuous\n    ${line}`);
    expect(() => parseScenario(withEnv('loadSchedule: wander'), { file: 'scenarios/pool.yaml' })).toThrow(/learning\.env\.loadSchedule: expected one of levels, walk, trace, got 'wander'/);
    expect(() => parseScenario(withEnv('windowBatches: 0'), { file: 'scenarios/pool.yaml' })).toThrow(/learning\.env\.windowBatches: expected an integer in \[1, 1000\], got 0/);
    expect(parseScenario(withEnv('loadSchedule: walk'), { file: 'scenarios/pool.yaml' }).learning.env.loadSchedule).toBe('walk');
  });
});
