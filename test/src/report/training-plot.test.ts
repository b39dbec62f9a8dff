import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../src/report/html.js';
import { episodeRegret } from '../../../src/report/training-plot.js';
import type { TrainingCurves } from '../../../src/report/types.js';
import { syntheticInput } from './fixtures.js';
import { axesOf, svgsOf } from './svg.js';

const curves = (overrides: Partial<TrainingCurves> = {}): TrainingCurves => ({
  stepRewards: [1, 1.2, 1.1, 1.4, 1.5, 1.6],
  episodeMeanRewards: [1, 2, 1.5, 1.8],
  episodeEpsilons: [1, 0.9, 0.8, 0.7],
  episodeFps: [10, 20, 10, 20],
  keptEpisode: 3,
  reward: { kind: 'inverse', changePenalty: 0.02, dropPenalty: 1, costWeight: 1 },
  ...overrides,
});

describe('episodeRegret', () => {
  it('measures each episode against the best known at its own level: the best episode there or the oracle, whichever is higher', () => {
    const regret = episodeRegret(curves(), new Map([[10, 1.6]]));
    expect(regret.map((r) => Number(r!.toFixed(6)))).toEqual([0.6, 0, 0.1, 0.2]);
    // An episode whose level changed midway has no single level to compare with.
    expect(episodeRegret(curves({ episodeFps: [10, null, 10, 20] }))).toEqual([0.5, null, 0, 0]);
  });
});

describe('the training panel', () => {
  it('plots regret per episode over exactly the episodes trained, marks the kept checkpoint and explains the reward', async () => {
    const input = syntheticInput();
    const episodes = input.training!.episodeMeanRewards.length;
    const html = await renderReport(input);
    const training = svgsOf(html).at(-1)!;
    const axes = axesOf(training);
    expect(axes.map((a) => `${a.orient}: ${a.title}`)).toEqual([
      'X: episode',
      'Y: regret (1000 ÷ ms)',
      'Y: epsilon (exploration rate)',
      'X: vector step',
      'Y: reward (1000 ÷ ms)',
    ]);
    // The x axes end where the data ends, not at the next round number.
    expect(axes[0].scale).toBe(`for a linear scale with values from 1 to ${episodes}`);
    expect(axes[3].scale).toBe(`for a linear scale with values from 1 to ${input.training!.stepRewards.length}`);
    // Regret: 0 at best, never negative.
    expect(axes[1].scale).toMatch(/^for a linear scale with values from 0(\.0+)? to /);
    expect(training).toContain(`kept: episode ${input.training!.keptEpisode}`);
    const caption = /Top: regret of each of the (\d+) episodes[^<]*<\/figcaption>/.exec(html);
    expect(caption?.[1]).toBe(String(episodes));
    expect(caption![0]).toContain(`Green line: episode ${input.training!.keptEpisode}, whose weights were saved`);
    expect(caption![0]).toContain('Reward per decision: 1000 ÷ the mean per-frame time in ms (2.0 = 500 ms a frame, 1.0 = 1 s), less 0.02 for each decision that changes the configuration');
  });

  it('shows curves written before per-episode levels as mean reward per episode, and says why', async () => {
    const input = syntheticInput();
    const { episodeFps: _, keptEpisode: __, reward: ___, ...old } = input.training!;
    const html = await renderReport({ ...input, training: old });
    expect(axesOf(svgsOf(html).at(-1)!).map((a) => a.title)).toEqual(['episode', 'mean reward per step (reward units)', 'epsilon (exploration rate)', 'vector step', 'reward (reward units)']);
    expect(html).toContain("this policy’s curves.json predates per-episode load levels");
  });

  it('refuses load levels or a kept episode that do not match the episodes', async () => {
    const input = syntheticInput();
    input.training!.episodeFps!.pop();
    await expect(renderReport(input)).rejects.toThrow('expected one load level per episode (10 episode mean rewards), got 9 in episodeFps');
    const late = syntheticInput();
    late.training!.keptEpisode = 11;
    await expect(renderReport(late)).rejects.toThrow('expected training.keptEpisode to be null or an episode in [1, 10], got 11');
  });
});
