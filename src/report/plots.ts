import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationLevel, TrainingCurves } from './types.js';

/** The policy every other one is measured against; drawn dashed and never "best". */
export const ORACLE_POLICY = 'oracle';

/** Most points one plotted series may carry; enough for ~1000 px, small enough to keep the page light. */
export const DEFAULT_MAX_POINTS = 1200;

// Tableau 10 without its grey, which is kept for the oracle.
export const POLICY_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#b279a2', '#72b7b2', '#9d755d', '#ff9da6', '#eeca3b'];
export const ORACLE_COLOR = '#333333';
const SOLID: number[] = [1, 0];
// Kept short: a rotated title longer than the plot is tall grows the SVG above and below it.
const PER_FRAME_TITLE = 'per-frame time (ms)';
const DASHED: number[] = [6, 4];

const CONFIG = {
  background: 'white',
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
  title: { fontSize: 15, anchor: 'start', offset: 12 },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  legend: { labelFontSize: 12, titleFontSize: 13, symbolStrokeWidth: 2.5, symbolSize: 160, labelLimit: 220 },
  view: { stroke: '#d0d0d0' },
  line: { strokeWidth: 2 },
} as const;

/** Policy names in first-seen order across levels, the oracle last, so colours and table rows agree everywhere. */
export function policyOrder(levels: readonly EvaluationLevel[]): string[] {
  const seen = new Set<string>();
  for (const level of levels) for (const name of Object.keys(level.policies)) seen.add(name);
  const names = [...seen].filter((name) => name !== ORACLE_POLICY);
  return seen.has(ORACLE_POLICY) ? [...names, ORACLE_POLICY] : names;
}

/** Per-frame mean ± std against input rate, one line per policy, the oracle dashed, the SLO as a red rule. */
export async function perFrameVsFps(
  levels: readonly EvaluationLevel[],
  options: { sloPerFrameMs?: number | null } = {},
): Promise<string> {
  const policies = policyOrder(levels);
  const points = policyPoints(levels, policies);
  const sloPerFrameMs = options.sloPerFrameMs ?? null;
  const layers: unknown[] = [
    {
      mark: { type: 'errorbar', ticks: { size: 8 }, thickness: 1.5 },
      encoding: {
        x: fpsAxis(levels),
        y: { field: 'perFrameLowMs', type: 'quantitative', title: PER_FRAME_TITLE },
        y2: { field: 'perFrameHighMs' },
        color: policyColor(policies),
      },
    },
    {
      mark: { type: 'line', point: { filled: true, size: 50 } },
      encoding: {
        x: fpsAxis(levels),
        y: {
          field: 'perFrameMeanMs',
          type: 'quantitative',
          title: PER_FRAME_TITLE,
          scale: { zero: false },
        },
        color: policyColor(policies),
        strokeDash: policyDash(policies),
      },
    },
  ];
  if (sloPerFrameMs !== null) {
    layers.push({
      data: { values: [{ sloPerFrameMs, label: `SLO ${formatMs(sloPerFrameMs)}` }] },
      layer: [
        { mark: { type: 'rule', color: '#c0392b', strokeDash: [2, 3], strokeWidth: 1.5 }, encoding: { y: { field: 'sloPerFrameMs', type: 'quantitative' } } },
        {
          mark: { type: 'text', color: '#c0392b', align: 'right', baseline: 'bottom', dy: -3, fontSize: 12 },
          encoding: { y: { field: 'sloPerFrameMs', type: 'quantitative' }, x: { value: 'width' }, text: { field: 'label' } },
        },
      ],
    });
  }
  return renderSvg({
    title: 'Per-frame processing time against input rate',
    width: 760,
    height: 360,
    data: { values: points },
    layer: layers,
  });
}

/** Executor cores, memory and instances each policy chose against input rate, three small multiples. */
export async function resourcesVsFps(levels: readonly EvaluationLevel[]): Promise<string> {
  const policies = policyOrder(levels);
  // Small whole-number axes get one tick per value: vega's own ticks repeat labels like '1, 1, 2'.
  const upTo = (pick: (p: EvaluationLevel['policies'][string]) => number) => {
    const max = Math.max(...levels.flatMap((level) => Object.values(level.policies).map(pick)));
    return Array.from({ length: Math.ceil(max) + 1 }, (_, i) => i);
  };
  return renderSvg({
    title: 'Resources chosen against input rate',
    data: { values: policyPoints(levels, policies) },
    hconcat: [
      metricPanel({ levels, policies, field: 'cores', title: 'cores per executor', format: 'd', tickValues: upTo((p) => p.cores) }),
      metricPanel({ levels, policies, field: 'memoryMb', title: 'memory per executor (MB)', format: ',d' }),
      metricPanel({ levels, policies, field: 'instances', title: 'executor instances', format: 'd', tickValues: upTo((p) => p.instances) }),
    ],
  });
}

/** CPU and memory utilisation each policy achieved against input rate, side by side. */
export async function utilisationVsFps(levels: readonly EvaluationLevel[]): Promise<string> {
  const policies = policyOrder(levels);
  const points = policyPoints(levels, policies);
  const utilMax = Math.max(1, ...points.flatMap((p) => [p.cpuUtil, p.memUtil]));
  return renderSvg({
    title: 'Utilisation against input rate',
    data: { values: points },
    hconcat: [
      metricPanel({ levels, policies, field: 'cpuUtil', title: 'CPU utilisation', format: '.0%', domain: [0, utilMax], widthPx: 400 }),
      metricPanel({ levels, policies, field: 'memUtil', title: 'memory utilisation', format: '.0%', domain: [0, utilMax], widthPx: 400 }),
    ],
  });
}

/**
 * Training progress: reward per vector step with its running mean (top), and
 * mean reward per episode with epsilon on a right-hand axis (bottom). Long
 * series are downsampled to `maxPoints`, keeping each bucket's min and max so
 * spikes still show.
 */
export async function trainingCurves(curves: TrainingCurves, options: { maxPoints?: number } = {}): Promise<string> {
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
  if (curves.episodeEpsilons.length !== curves.episodeMeanRewards.length) {
    throw new Error(
      `expected one epsilon per episode (${curves.episodeMeanRewards.length} episode mean rewards), got ${curves.episodeEpsilons.length} epsilons`,
    );
  }
  const windowSteps = runningMeanWindow(curves.stepRewards.length);
  const stepSeries = 'reward per step';
  const meanSeries = `running mean (last ${windowSteps} steps)`;
  const stepRows = [
    ...minMaxDownsample(curves.stepRewards, maxPoints).map((p) => ({ step: p.index + 1, value: p.value, series: stepSeries })),
    ...strideDownsample(runningMean(curves.stepRewards, windowSteps), maxPoints).map((p) => ({
      step: p.index + 1,
      value: p.value,
      series: meanSeries,
    })),
  ];
  const rewardSeries = 'mean reward per episode';
  const epsilonSeries = 'epsilon (right axis)';
  const episodeRows = [
    ...minMaxDownsample(curves.episodeMeanRewards, maxPoints).map((p) => ({ episode: p.index + 1, value: p.value, series: rewardSeries })),
    ...strideDownsample(curves.episodeEpsilons, maxPoints).map((p) => ({ episode: p.index + 1, value: p.value, series: epsilonSeries })),
  ];
  const seriesColor = (domain: string[], range: string[]) => ({
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain, range },
    legend: { orient: 'top', direction: 'horizontal', labelLimit: 400, symbolType: 'stroke' },
  });
  const onlySeries = (name: string) => [{ filter: { field: 'series', equal: name } }];
  const stepColor = seriesColor([stepSeries, meanSeries], ['#9ecae9', '#08519c']);
  const episodeColor = seriesColor([rewardSeries, epsilonSeries], ['#e6550d', '#777777']);
  return renderSvg({
    title: 'Training',
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    vconcat: [
      {
        width: 860,
        height: 240,
        data: { values: stepRows },
        encoding: { x: { field: 'step', type: 'quantitative', title: 'vector step', axis: { format: ',d' } } },
        layer: [
          {
            transform: onlySeries(stepSeries),
            mark: { type: 'line', strokeWidth: 1, clip: true },
            encoding: { y: { field: 'value', type: 'quantitative', title: 'reward', scale: { zero: false } }, color: stepColor },
          },
          {
            transform: onlySeries(meanSeries),
            mark: { type: 'line', strokeWidth: 2.5, clip: true },
            encoding: { y: { field: 'value', type: 'quantitative' }, color: stepColor },
          },
        ],
      },
      {
        width: 860,
        height: 200,
        data: { values: episodeRows },
        encoding: { x: { field: 'episode', type: 'quantitative', title: 'episode', axis: { format: ',d' } } },
        resolve: { scale: { y: 'independent' } },
        layer: [
          {
            transform: onlySeries(rewardSeries),
            mark: { type: 'line', point: episodeRows.length <= 120 ? { filled: true, size: 25 } : false },
            encoding: {
              y: { field: 'value', type: 'quantitative', title: 'mean reward per episode', scale: { zero: false } },
              color: episodeColor,
            },
          },
          {
            transform: onlySeries(epsilonSeries),
            mark: { type: 'line', strokeDash: DASHED, strokeWidth: 1.5 },
            encoding: {
              y: { field: 'value', type: 'quantitative', title: 'epsilon', scale: { domain: [0, 1] }, axis: { orient: 'right' } },
              color: episodeColor,
            },
          },
        ],
      },
    ],
  });
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

/** A twentieth of the run, between 10 and 1000 steps: smooth enough to read, short enough to follow learning. */
function runningMeanWindow(steps: number): number {
  return Math.min(1000, Math.max(10, Math.round(steps / 20)));
}

function checkMaxPoints(maxPoints: number): void {
  if (!Number.isInteger(maxPoints) || maxPoints < 4) throw new Error(`expected maxPoints to be an integer of at least 4, got ${maxPoints}`);
}

interface PolicyPoint {
  policy: string;
  fps: number;
  /** fps nudged sideways per policy so overlapping points and error bars stay visible. */
  x: number;
  perFrameMeanMs: number;
  perFrameLowMs: number;
  perFrameHighMs: number;
  cores: number;
  memoryMb: number;
  instances: number;
  cpuUtil: number;
  memUtil: number;
}

function policyPoints(levels: readonly EvaluationLevel[], policies: readonly string[]): PolicyPoint[] {
  const gapFps = fpsGap(levels);
  // Spread all policies over at most 30 % of the gap between adjacent levels.
  const nudgeFps = gapFps * Math.min(0.08, 0.3 / Math.max(1, policies.length - 1));
  const points: PolicyPoint[] = [];
  for (const level of levels) {
    policies.forEach((policy, i) => {
      const r = level.policies[policy];
      if (r === undefined) return;
      points.push({
        policy,
        fps: level.fps,
        x: level.fps + (i - (policies.length - 1) / 2) * nudgeFps,
        perFrameMeanMs: r.per_frame_ms.mean,
        perFrameLowMs: r.per_frame_ms.mean - r.per_frame_ms.std,
        perFrameHighMs: r.per_frame_ms.mean + r.per_frame_ms.std,
        cores: r.cores,
        memoryMb: r.memory_mb,
        instances: r.instances,
        cpuUtil: r.cpu_util,
        memUtil: r.mem_util,
      });
    });
  }
  return points;
}

/** Smallest distance between adjacent fps levels; a fifth of the rate when there is only one. */
function fpsGap(levels: readonly EvaluationLevel[]): number {
  const fps = [...new Set(levels.map((l) => l.fps))].sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < fps.length; i++) gap = Math.min(gap, fps[i] - fps[i - 1]);
  return Number.isFinite(gap) ? gap : Math.max(1, (fps[0] ?? 5) / 5);
}

function fpsAxis(levels: readonly EvaluationLevel[]) {
  const fps = [...new Set(levels.map((l) => l.fps))].sort((a, b) => a - b);
  const padFps = fpsGap(levels) * 0.4;
  return {
    field: 'x',
    type: 'quantitative',
    title: 'input rate (fps)',
    scale: { domain: [fps[0] - padFps, fps[fps.length - 1] + padFps], nice: false, zero: false },
    axis: { values: fps, format: '~r', grid: false },
  };
}

function policyColor(policies: readonly string[]) {
  return {
    field: 'policy',
    type: 'nominal',
    title: 'policy',
    sort: policies,
    legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5 },
    scale: {
      domain: policies,
      range: policies.map((p, i) => (p === ORACLE_POLICY ? ORACLE_COLOR : POLICY_COLORS[i % POLICY_COLORS.length])),
    },
  };
}

function policyDash(policies: readonly string[]) {
  return {
    field: 'policy',
    type: 'nominal',
    title: 'policy',
    sort: policies,
    scale: { domain: policies, range: policies.map((p) => (p === ORACLE_POLICY ? DASHED : SOLID)) },
  };
}

function metricPanel(options: {
  levels: readonly EvaluationLevel[];
  policies: readonly string[];
  field: keyof PolicyPoint;
  title: string;
  format: string;
  domain?: [number, number];
  widthPx?: number;
  tickValues?: number[];
}) {
  return {
    width: options.widthPx ?? 250,
    height: 220,
    title: { text: options.title, fontSize: 13, fontWeight: 'normal' },
    mark: { type: 'line', point: { filled: true, size: 45 } },
    encoding: {
      x: fpsAxis(options.levels),
      y: {
        field: options.field,
        type: 'quantitative',
        title: null,
        scale: options.domain ? { domain: options.domain } : { zero: true },
        axis: {
          format: options.format,
          ...(options.tickValues !== undefined ? { values: options.tickValues } : { tickMinStep: options.format.endsWith('d') ? 1 : undefined }),
        },
      },
      color: policyColor(options.policies),
      strokeDash: policyDash(options.policies),
    },
  };
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toPrecision(3))} s` : `${Number(ms.toPrecision(3))} ms`;
}

/** vega-lite → vega → SVG string, headless (no canvas: text widths are estimated). */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const fullSpec = { config: CONFIG, ...spec } as unknown as TopLevelSpec;
  const vegaSpec = vegaLite.compile(fullSpec).spec;
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
