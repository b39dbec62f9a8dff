import { describe, expect, it } from 'vitest';
import { RedeployAwareOraclePolicy } from '../../../../src/agents/baselines/redeploy-aware-oracle.js';
import type { SloCostChoice, SloCostLevel } from '../../../../src/agents/baselines/slo-cost-oracle.js';

function row(fps: number, cores: number, memoryMb: number, instances: number, requestCostPerHour: number, meetsSlo = true): SloCostChoice {
  return { fps, config: { executorCores: cores, executorMemoryMb: memoryMb, executorInstances: instances }, keepsUp: meetsSlo, meetsSlo, p95Ms: meetsSlo ? 400 : 900, requestCostPerHour, costPerHour: requestCostPerHour };
}

/** Ranked as sloCostSweep ranks: meeting first, cheapest first. */
function level(fps: number, rows: SloCostChoice[]): SloCostLevel {
  const ranked = [...rows].sort((a, b) => Number(b.meetsSlo) - Number(a.meetsSlo) || a.requestCostPerHour - b.requestCostPerHour);
  return { fps, rows: ranked };
}

const LOW = level(10, [row(10, 1, 500, 2, 0.1), row(10, 1, 600, 2, 0.101), row(10, 1, 600, 3, 0.15), row(10, 2, 600, 2, 0.2), row(10, 1, 600, 1, 0.05, false)]);
const HIGH = level(60, [row(60, 1, 500, 2, 0.1, false), row(60, 1, 600, 2, 0.101, false), row(60, 1, 600, 3, 0.15, false), row(60, 2, 600, 2, 0.2), row(60, 1, 600, 4, 0.2), row(60, 1, 600, 1, 0.05, false)]);
const at = (cores: number, memoryMb: number, instances: number) => ({ executorCores: cores, executorMemoryMb: memoryMb, executorInstances: instances });

describe('RedeployAwareOraclePolicy', () => {
  const oracle = new RedeployAwareOraclePolicy([LOW, HIGH], { minRedeploySaving: 0.25 });

  it('submits the cheapest configuration that meets the SLO (nothing to redeploy yet)', () => {
    expect(oracle.choose(10, null).config).toEqual(at(1, 500, 2));
  });

  it('does not redeploy for a small saving, but scales in place to the cheapest count that meets the SLO', () => {
    // 1 × 600 MB × 2 meets the SLO; 500 MB would save 1 %: stay.
    expect(oracle.choose(10, at(1, 600, 2)).config).toEqual(at(1, 600, 2));
    // 1 × 600 × 3 meets it too, but 2 instances of the same shape do as well and cost less: in place.
    expect(oracle.choose(10, at(1, 600, 3)).config).toEqual(at(1, 600, 2));
  });

  it('redeploys for a large saving', () => {
    // 2 cores × 600 × 2 at 10 fps: 0.2 $/h against 0.1 for the cheapest, a 50 % saving.
    expect(oracle.choose(10, at(2, 600, 2)).config).toEqual(at(1, 500, 2));
  });

  it('when the SLO is missed: in place if an executor count of this shape meets it, else the cheapest that does', () => {
    expect(oracle.choose(60, at(1, 600, 2)).config).toEqual(at(1, 600, 4));
    expect(oracle.choose(60, at(1, 500, 2)).config).toEqual(at(2, 600, 2));
  });
});
