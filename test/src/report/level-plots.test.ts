import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../src/report/html.js';
import { ORACLE_COLOR } from '../../../src/report/plots.js';
import type { EvaluationLevel, EvaluationReportInput } from '../../../src/report/types.js';
import { result } from './fixtures.js';
import { marksOf, svgsOf } from './svg.js';

/**
 * dqn does exactly what the oracle does (0 % gap); hpa and ds2 are identical
 * to each other but not to the oracle; random rescales every decision.
 */
function input(): EvaluationReportInput {
  const level = (fps: number): EvaluationLevel => {
    const oracle = result(100 + fps * 10, { cores: 1, memory_mb: 800, instances: 8, slo_violation_fraction: fps / 100, request_cost_per_hour: 0.308 });
    const slow = result(150 + fps * 12, { cores: 1, memory_mb: 800, instances: 5, gap_to_oracle_pct: 30 });
    return {
      fps,
      policies: {
        dqn: { ...oracle, gap_to_oracle_pct: 0 },
        random: result(200 + fps * 15, {
          cores: 3,
          memory_mb: 600,
          instances: 7,
          rescales_per_hour: 190,
          chosen_range: { cores: { min: 1, max: 3 }, memory_mb: { min: 500, max: 1000 }, instances: { min: 5, max: 8 } },
          gap_to_oracle_pct: 50,
        }),
        hpa: { ...slow, chosen_range: { cores: { min: 1, max: 1 }, memory_mb: { min: 800, max: 800 }, instances: { min: 5, max: 5 } } },
        ds2: slow,
        oracle,
      },
    };
  };
  return {
    scenario: { name: 'paper-testbed', hash: 'abc', sloPerFrameMs: 500 },
    createdAt: '2026-12-01T00:00:00Z',
    seeds: [1, 2],
    levels: [level(10), level(30), level(60)],
    training: null,
  };
}

/** The point marks of one policy in one panel, keyed by fps. */
function pointsIn(svg: string, policy: string, panel: string) {
  const prefix = `${policy} in the ${panel} panel at `;
  return new Map(
    marksOf(svg, 'point')
      .filter((m) => m.label.startsWith(prefix))
      .map((m) => [Number(m.label.slice(prefix.length).split(' ')[0]), m]),
  );
}

describe('the per-frame plot', () => {
  it('draws a policy identical to the oracle exactly under the oracle, with no sideways nudge', async () => {
    const [perFrame] = svgsOf(await renderReport(input()));
    const dqn = pointsIn(perFrame, 'dqn', 'dqn');
    const oracle = pointsIn(perFrame, 'oracle', 'dqn');
    expect([...dqn.keys()]).toEqual([10, 30, 60]);
    for (const fps of [10, 30, 60]) {
      // Same place: the open circle is centred on dqn's marker.
      expect([oracle.get(fps)!.x, oracle.get(fps)!.y]).toEqual([dqn.get(fps)!.x, dqn.get(fps)!.y]);
      // The oracle is drawn after (on top of) the policy, open, in its own dark colour.
      expect(oracle.get(fps)!.order).toBeGreaterThan(dqn.get(fps)!.order);
      expect(oracle.get(fps)!.stroke).toBe(ORACLE_COLOR);
      expect(oracle.get(fps)!.fill).toBeNull();
    }
    // Every policy's point at a level sits at that level's x, in every panel.
    for (const fps of [10, 30, 60]) {
      const xs = new Set(marksOf(perFrame, 'point').filter((m) => m.label.includes(` at ${fps} fps:`)).map((m) => m.x));
      expect(xs.size, `x positions at ${fps} fps`).toBe(1);
    }
  });

  it('draws identical baselines identically, each in its own panel, told apart by colour and marker shape', async () => {
    const [perFrame] = svgsOf(await renderReport(input()));
    const hpa = pointsIn(perFrame, 'hpa', 'hpa');
    const ds2 = pointsIn(perFrame, 'ds2', 'ds2');
    for (const fps of [10, 30, 60]) expect([hpa.get(fps)!.x, hpa.get(fps)!.y]).toEqual([ds2.get(fps)!.x, ds2.get(fps)!.y]);
    const looks = ['dqn', 'random', 'hpa', 'ds2'].map((p) => {
      const mark = pointsIn(perFrame, p, p).get(10)!;
      return { fill: mark.fill, shape: mark.d };
    });
    expect(new Set(looks.map((l) => l.fill)).size).toBe(4);
    expect(new Set(looks.map((l) => l.shape)).size).toBe(4);
    // A panel per policy but not for the oracle, which is in every one.
    for (const panel of ['dqn', 'random', 'hpa', 'ds2']) expect(pointsIn(perFrame, 'oracle', panel).size).toBe(3);
    expect(pointsIn(perFrame, 'oracle', 'oracle').size).toBe(0);
  });
});

describe('a policy that keeps rescaling (random)', () => {
  it('is drawn as the range it chose, not as the configuration it ended in, and its table cells say "varies"', async () => {
    const html = await renderReport(input());
    const [, resources] = svgsOf(html);
    const random = marksOf(resources).filter((m) => m.label.startsWith('random in the random panel at 10 fps'));
    expect(random.map((m) => m.label).sort()).toEqual(
      ['random in the random panel at 10 fps: 1 to 3', 'random in the random panel at 10 fps: 500 MB to 1000 MB', 'random in the random panel at 10 fps: 5 to 8'].sort(),
    );
    expect(random.every((m) => m.kind !== 'point')).toBe(true);
    // hpa did not vary: a point at its one value.
    expect(marksOf(resources, 'point').map((m) => m.label)).toContain('hpa in the hpa panel at 10 fps: 5');
    const randomRow = /<tr><th scope="row">random<\/th>(.*?)<\/tr>/.exec(html)![1];
    const cells = [...randomRow.matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1].replace(/<[^>]+>/g, ' ').trim());
    expect(cells.slice(2, 5)).toEqual(['varies 1–3', 'varies 500–1,000', 'varies 5–8']);
    const hpaRow = /<tr><th scope="row">hpa<\/th>(.*?)<\/tr>/.exec(html)![1];
    expect([...hpaRow.matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1]).slice(2, 5)).toEqual(['1', '800', '5']);
  });
});

describe('the headline', () => {
  it('puts SLO attainment and request cost beside the best per-frame time, and says where even the best misses the SLO', async () => {
    const html = await renderReport(input());
    const glance = /<section class="glance">([\s\S]*?)<\/section>/.exec(html)![1];
    const text = (cell: string) => cell.replace(/<[^>]+>/g, '').trim();
    const headers = [...glance.matchAll(/<th scope="col"[^>]*>(.*?)<\/th>/g)].map((m) => text(m[1]));
    expect(headers).toEqual(['input rate', 'best policy', 'per-frame ms', 'within SLO', 'request $/h', 'gap to oracle']);
    const rows = [...glance.matchAll(/<tr><th scope="row">(.*?)<\/th>(.*?)<\/tr>/g)].map((m) => [text(m[1]), ...[...m[2].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => text(c[1]))]);
    expect(rows).toEqual([
      ['10 fps', '★ dqn', '200.0 ± 16.0 ms', '90.0 %', '$0.308', '0.0 %'],
      ['30 fps', '★ dqn', '400.0 ± 32.0 ms', '70.0 %', '$0.308', '0.0 %'],
      ['60 fps', '★ dqn', '700.0 ± 56.0 ms', '40.0 %', '$0.308', '0.0 %'],
    ]);
    expect(glance).toContain('Even the best policy meets the 500 ms per-frame SLO on fewer than half the frames at 60 fps.');
  });

  it('names the policies exactly as fast as the best, ranked lower only on request cost', async () => {
    const tied = input();
    for (const level of tied.levels) level.policies.hpa = { ...level.policies.oracle, request_cost_per_hour: 0.3 };
    const glance = /<section class="glance">([\s\S]*?)<\/section>/.exec(await renderReport(tied))![1];
    const best = [...glance.matchAll(/<td class="name">(.*?)<\/td>/g)].map((m) => m[1].replace(/<[^>]+>/g, '').trim());
    expect(best).toEqual(['★ hpa as fast: dqn', '★ hpa as fast: dqn', '★ hpa as fast: dqn']);
  });
});
