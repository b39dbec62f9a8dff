/**
 * The training panel. Each paper-testbed episode runs one load level, and the
 * reward a level allows differs more between levels (≈0.9 at 60 fps, ≈2.4 at
 * 10 fps with the inverse reward) than the agent ever gains within one, so the
 * mean reward per episode only shows which level came up. The panel plots each
 * episode against the best known at its own level instead (regret), with the
 * checkpoint that was kept and epsilon, over exactly the episodes trained.
 */
import { DEFAULT_MAX_POINTS, renderSvg } from './plots.js';
import type { TrainingCurves } from './types.js';

const DASHED: number[] = [6, 4];
const KEPT_COLOR = '#2e7d32';

/** What a reward kind measures: the axis unit and the caption's sentence. */
export interface RewardUnit {
  /** Short, for an axis title in parentheses. */
  unit: string;
  /** One sentence for the caption. */
  explanation: string;
}

/** The unit and meaning of the reward the curves were scored with (RewardManager's kinds). */
export function rewardUnit(reward: TrainingCurves['reward']): RewardUnit {
  if (reward === undefined) {
    return { unit: 'reward units', explanation: "The reward is the scenario's learning.reward; this policy's curves.json predates recording which one." };
  }
  const penalties = `, less ${reward.changePenalty} for each decision that changes the configuration and ${reward.dropPenalty} × the share of frames dropped`;
  switch (reward.kind) {
    case 'inverse':
      return { unit: '1000 ÷ ms', explanation: `Reward per decision: 1000 ÷ the mean per-frame time in ms (2.0 = 500 ms a frame, 1.0 = 1 s)${penalties}.` };
    case 'cost':
      return { unit: '1000 ÷ ms − $/h', explanation: `Reward per decision: 1000 ÷ the mean per-frame time in ms, less ${reward.costWeight ?? 1} × the node cost in $/h${penalties}.` };
    case 'slo':
      return { unit: 'SLO score', explanation: `Reward per decision: +1 when the p95 per-frame time is within the SLO, else −(p95 ÷ SLO − 1), at least −4${penalties}.` };
    case 'slo-cost':
      return {
        unit: 'slo-cost score',
        explanation: `Reward per decision: 1 − request cost ÷ the dearest configuration's (in [0, 1]) when the p95 per-frame time is within the SLO, −1 − (p95 ÷ SLO − 1) (at least −5) when not${penalties}.`,
      };
    default:
      return { unit: 'reward units', explanation: `Reward per decision of kind '${reward.kind}'${penalties}.` };
  }
}

/**
 * Per episode: the best mean reward per step known at its load level (the
 * best training episode there, or `referenceByFps` — the oracle's evaluation —
 * when higher) minus the episode's own; null for an episode without a single
 * level. 0 means as good as the best known.
 */
export function episodeRegret(curves: TrainingCurves, referenceByFps: ReadonlyMap<number, number> = new Map()): (number | null)[] {
  const levels = curves.episodeFps ?? [];
  const best = new Map<number, number>(referenceByFps);
  levels.forEach((fps, i) => {
    if (fps !== null) best.set(fps, Math.max(best.get(fps) ?? -Infinity, curves.episodeMeanRewards[i]));
  });
  return levels.map((fps, i) => (fps === null ? null : best.get(fps)! - curves.episodeMeanRewards[i]));
}

/**
 * Training progress. With per-episode load levels: regret per episode coloured
 * by level, its running mean, epsilon on the right axis and the kept
 * checkpoint (top); reward per vector step with its running mean (bottom).
 * Without them (curves written before they were recorded) the top panel is the
 * mean reward per episode. Long series are downsampled to `maxPoints`.
 */
export async function trainingCurves(
  curves: TrainingCurves,
  options: { maxPoints?: number; referenceByFps?: ReadonlyMap<number, number> } = {},
): Promise<string> {
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
  const episodes = curves.episodeMeanRewards.length;
  if (curves.episodeEpsilons.length !== episodes) {
    throw new Error(`expected one epsilon per episode (${episodes} episode mean rewards), got ${curves.episodeEpsilons.length} epsilons`);
  }
  if (curves.episodeFps !== undefined && curves.episodeFps.length !== episodes) {
    throw new Error(`expected one load level per episode (${episodes} episode mean rewards), got ${curves.episodeFps.length} in episodeFps`);
  }
  const { unit } = rewardUnit(curves.reward);
  return renderSvg({
    title: 'Training',
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    vconcat: [episodePanel(curves, unit, maxPoints, options.referenceByFps), stepPanel(curves.stepRewards, unit, maxPoints)],
  });
}

/** The episode axis ends on the last episode trained, not on vega's next round number. */
function episodeAxis(episodes: number) {
  return { field: 'episode', type: 'quantitative', title: 'episode', scale: { domain: [1, Math.max(2, episodes)], nice: false }, axis: { format: ',d' } };
}

function episodePanel(curves: TrainingCurves, unit: string, maxPoints: number, referenceByFps?: ReadonlyMap<number, number>) {
  const episodes = curves.episodeMeanRewards.length;
  const regret = curves.episodeFps !== undefined ? episodeRegret(curves, referenceByFps) : null;
  const window = runningMeanWindow(episodes);
  const epsilonRows = strideDownsample(curves.episodeEpsilons, maxPoints).map((p) => ({ episode: p.index + 1, epsilon: p.value }));
  const epsilonLayer = {
    data: { values: epsilonRows },
    mark: { type: 'line', strokeDash: DASHED, strokeWidth: 1.5, color: '#777777' },
    encoding: {
      x: episodeAxis(episodes),
      y: { field: 'epsilon', type: 'quantitative', title: 'epsilon (exploration rate)', scale: { domain: [0, 1] }, axis: { orient: 'right', format: '.1f' } },
    },
  };
  const kept = curves.keptEpisode ?? null;
  const keptLayers =
    kept === null
      ? []
      : [
          {
            data: { values: [{ episode: kept, label: `kept: episode ${kept}` }] },
            layer: [
              { mark: { type: 'rule', color: KEPT_COLOR, strokeWidth: 2 }, encoding: { x: episodeAxis(episodes) } },
              {
                mark: { type: 'text', color: KEPT_COLOR, align: kept > episodes * 0.8 ? 'right' : 'left', dx: kept > episodes * 0.8 ? -4 : 4, baseline: 'top', fontSize: 12, fontWeight: 'bold' },
                encoding: { x: episodeAxis(episodes), y: { value: 4 }, text: { field: 'label' } },
              },
            ],
          },
        ];
  if (regret === null) {
    const rows = minMaxDownsample(curves.episodeMeanRewards, maxPoints).map((p) => ({ episode: p.index + 1, reward: p.value }));
    return {
      width: 860,
      height: 220,
      resolve: { scale: { y: 'independent' } },
      layer: [
        {
          data: { values: rows },
          mark: { type: 'line', color: '#e6550d', point: rows.length <= 120 ? { filled: true, size: 25 } : false },
          encoding: { x: episodeAxis(episodes), y: { field: 'reward', type: 'quantitative', title: `mean reward per step (${unit})`, scale: { zero: false } } },
        },
        ...keptLayers,
        epsilonLayer,
      ],
    };
  }
  const indexed = regret.map((value, i) => ({ value, i })).filter((p): p is { value: number; i: number } => p.value !== null);
  const dots = strideDownsample(
    indexed.map((p) => p.i),
    maxPoints,
  ).map((p) => ({ episode: p.value + 1, regret: regret[p.value]!, fps: curves.episodeFps![p.value] }));
  const smooth = strideDownsample(
    runningMean(
      indexed.map((p) => p.value),
      window,
    ),
    maxPoints,
  ).map((p) => ({ episode: indexed[p.index].i + 1, regret: p.value }));
  return {
    width: 860,
    height: 240,
    resolve: { scale: { y: 'independent', color: 'independent' } },
    layer: [
      {
        layer: [
          {
            data: { values: dots },
            mark: { type: 'circle', size: 16, opacity: 0.55 },
            encoding: {
              x: episodeAxis(episodes),
              y: { field: 'regret', type: 'quantitative', title: `regret (${unit})`, scale: { zero: true } },
              color: {
                field: 'fps',
                type: 'ordinal',
                title: 'load level (fps)',
                scale: { scheme: 'viridis' },
                legend: { orient: 'top', direction: 'horizontal', symbolType: 'circle' },
              },
            },
          },
          {
            data: { values: smooth },
            mark: { type: 'line', strokeWidth: 2.5, color: '#08306b' },
            encoding: { x: episodeAxis(episodes), y: { field: 'regret', type: 'quantitative' } },
          },
          ...keptLayers,
        ],
      },
      epsilonLayer,
    ],
  };
}

function stepPanel(stepRewards: readonly number[], unit: string, maxPoints: number) {
  const windowSteps = runningMeanWindow(stepRewards.length);
  const stepSeries = 'reward per vector step';
  const meanSeries = `running mean (last ${windowSteps} steps)`;
  const rows = [
    ...minMaxDownsample(stepRewards, maxPoints).map((p) => ({ step: p.index + 1, value: p.value, series: stepSeries })),
    ...strideDownsample(runningMean(stepRewards, windowSteps), maxPoints).map((p) => ({ step: p.index + 1, value: p.value, series: meanSeries })),
  ];
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: [stepSeries, meanSeries], range: ['#9ecae9', '#08519c'] },
    legend: { orient: 'top', direction: 'horizontal', labelLimit: 400, symbolType: 'stroke' },
  };
  const only = (name: string) => [{ filter: { field: 'series', equal: name } }];
  const x = { field: 'step', type: 'quantitative', title: 'vector step', scale: { domain: [1, Math.max(2, stepRewards.length)], nice: false }, axis: { format: ',d' } };
  return {
    width: 860,
    height: 180,
    data: { values: rows },
    layer: [
      {
        transform: only(stepSeries),
        mark: { type: 'line', strokeWidth: 1, clip: true },
        encoding: { x, y: { field: 'value', type: 'quantitative', title: `reward (${unit})`, scale: { zero: false } }, color },
      },
      { transform: only(meanSeries), mark: { type: 'line', strokeWidth: 2.5, clip: true }, encoding: { x, y: { field: 'value', type: 'quantitative' }, color } },
    ],
  };
}

/** One point of a (index, value) series after downsampling; `index` is into the original series. */
export interface SeriesPoint {
  index: number;
  value: number;
}

/**
 * At most `maxPoints` points: the series is cut into maxPoints / 2 buckets and
 * each keeps its lowest and highest value in their original order, so a line
 * through them has the same envelope as the full series.
 */
export function minMaxDownsample(values: readonly number[], maxPoints: number): SeriesPoint[] {
  checkMaxPoints(maxPoints);
  if (values.length <= maxPoints) return values.map((value, index) => ({ index, value }));
  const buckets = Math.floor(maxPoints / 2);
  const points: SeriesPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * values.length) / buckets);
    const end = Math.floor(((b + 1) * values.length) / buckets);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    const [first, second] = lo <= hi ? [lo, hi] : [hi, lo];
    points.push({ index: first, value: values[first] });
    if (second !== first) points.push({ index: second, value: values[second] });
  }
  return points;
}

/** At most `maxPoints` evenly spaced points, always including the last; for smooth series. */
export function strideDownsample(values: readonly number[], maxPoints: number): SeriesPoint[] {
  checkMaxPoints(maxPoints);
  if (values.length <= maxPoints) return values.map((value, index) => ({ index, value }));
  const stride = Math.ceil(values.length / (maxPoints - 1));
  const points: SeriesPoint[] = [];
  for (let i = 0; i < values.length - 1; i += stride) points.push({ index: i, value: values[i] });
  points.push({ index: values.length - 1, value: values[values.length - 1] });
  return points;
}

/** Mean of the last `windowSteps` values at each step (fewer at the start). */
export function runningMean(values: readonly number[], windowSteps: number): number[] {
  const means: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= windowSteps) sum -= values[i - windowSteps];
    means.push(sum / Math.min(i + 1, windowSteps));
  }
  return means;
}

/** A twentieth of the run, between 10 and 1000 points: smooth enough to read, short enough to follow learning. */
export function runningMeanWindow(length: number): number {
  return Math.min(1000, Math.max(10, Math.round(length / 20)));
}

function checkMaxPoints(maxPoints: number): void {
  if (!Number.isInteger(maxPoints) || maxPoints < 4) throw new Error(`expected maxPoints to be an integer of at least 4, got ${maxPoints}`);
}
