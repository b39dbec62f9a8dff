import { describe, expect, it } from 'vitest';
import { BASELINE_NAMES, makeBaseline, parseBaselineNames } from '../../../../src/agents/baselines/index.js';
import { UserInputError } from '../../../../src/errors.js';
import { loadScenarioSync } from '../../../../src/scenario/load.js';

const paper = loadScenarioSync('scenarios/paper-testbed.yaml');
const allowed = 'allowed: random, static, oracle, hpa, spark-da, spark-streaming-da, ds2, k8s-stack, flink-autoscaler, all';

describe('baselines by name', () => {
  it('builds each baseline under its own name', () => {
    expect(BASELINE_NAMES.map((name) => makeBaseline(name, { scenario: paper }).name)).toEqual([...BASELINE_NAMES]);
  });

  it('rejects an unknown name, listing the allowed ones', () => {
    expect(() => makeBaseline('nope', { scenario: paper })).toThrow(UserInputError);
    expect(() => makeBaseline('nope', { scenario: paper })).toThrow(`--baselines: unknown baseline 'nope'; ${allowed}`);
    expect(() => parseBaselineNames('hpa,foo')).toThrow(`--baselines: unknown baseline 'foo'; ${allowed}`);
  });

  it("parses --baselines lists, 'all' standing for every baseline", () => {
    expect(parseBaselineNames('all')).toEqual([...BASELINE_NAMES]);
    expect(parseBaselineNames(' ds2, hpa ,ds2')).toEqual(['ds2', 'hpa']);
    expect(() => parseBaselineNames(' , ')).toThrow("--baselines: expected baseline names separated by commas");
  });

  it('shares one oracle table per scenario, whatever the episode seed', () => {
    expect(makeBaseline('oracle', { scenario: paper, seed: 1 })).toBe(makeBaseline('oracle', { scenario: paper, seed: 2 }));
  });
});
