import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationLevel, PolicyLevelResult } from './types.js';

/** The policy every other one is measured against; drawn dashed and never "best". */
export const ORACLE_POLICY = 'oracle';

/** Most points one plotted series may carry; enough for ~1000 px, small enough to keep the page light. */
export const DEFAULT_MAX_POINTS = 1200;

// Tableau 10 without its grey, which is kept for the oracle.
export const POLICY_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#b279a2', '#72b7b2', '#9d755d', '#ff9da6', '#eeca3b'];
export const ORACLE_COLOR = '#333333';
/** vega's marker shapes, in the order policies take them (the oracle is always an open circle). */
export const POLICY_SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down', 'triangle-right', 'triangle-left', 'wedge'];
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

/**
 * Per policy, how its choices compare with the oracle's as the load grows.
 *
 * Small multiples, one panel per policy, rather than every policy in one
 * panel: with seven baselines several pick the very same configuration at a
 * level (hpa, spark-streaming-da and ds2 all run 1 / 800 / 5 at 10 fps), and
 * identical series in one panel hide each other whatever their colours,
 * dashes or markers; nudging them sideways instead makes equal series look
 * like parallel ones. In its own panel each policy is drawn exactly, and the
 * oracle sits on top of it as a dark dashed line with open circles: a policy
 * that matches the oracle fills the circles, one that does not shows beside
 * them. The panels share their axes, so they compare across the grid too.
 */
interface PanelRow {
  /** The panel (a non-oracle policy) the row is drawn in. */
  panel: string;
  policy: string;
  fps: number;
  value: number;
  /** The spread drawn as a bar: mean ± std, or the range a policy's choices covered. */
  low: number;
  high: number;
  /** The value was not the same across the measured decisions (drawn as its range, not as a point). */
  varies: boolean;
  /** What a screen reader (and a test) reads for the point: policy, panel, level and value with its unit. */
  label: string;
}

/** The panels: every non-oracle policy; the oracle alone when it is the only one. */
function panelsOf(policies: readonly string[]): string[] {
  const others = policies.filter((p) => p !== ORACLE_POLICY);
  return others.length > 0 ? others : [...policies];
}

/** One row per (panel, policy, level): each panel's policy, and the oracle copied into every panel as its reference. */
function panelRows(
  levels: readonly EvaluationLevel[],
  policies: readonly string[],
  pick: (r: PolicyLevelResult) => { value: number; low: number; high: number; varies: boolean },
  format: (value: number) => string,
): PanelRow[] {
  const rows: PanelRow[] = [];
  for (const panel of panelsOf(policies)) {
    for (const level of levels) {
      for (const policy of panel === ORACLE_POLICY ? [panel] : [panel, ORACLE_POLICY]) {
        const r = level.policies[policy];
        if (r === undefined) continue;
        const picked = pick(r);
        const shown = picked.varies ? `${format(picked.low)} to ${format(picked.high)}` : format(picked.value);
        rows.push({ panel, policy, fps: level.fps, ...picked, label: `${policy} in the ${panel} panel at ${level.fps} fps: ${shown}` });
      }
    }
  }
  return rows;
}

/** The faceted spec of `panelRows`: spread bars, the policy's line and markers, the oracle drawn last (on top). */
function policyPanels(options: {
  levels: readonly EvaluationLevel[];
  policies: readonly string[];
  rows: PanelRow[];
  yTitle: string;
  format: string;
  /** Always draw the spread bars (mean ± std), or only where a policy's choice varied (its range). */
  spread: 'always' | 'where-varied';
  domain?: [number, number];
  zero?: boolean;
  tickValues?: number[];
  extraLayers?: unknown[];
  widthPx: number;
  heightPx: number;
  columns: number;
}) {
  const { policies } = options;
  const panels = panelsOf(policies);
  const x = fpsAxis(options.levels);
  const y = {
    field: 'value',
    type: 'quantitative',
    title: options.yTitle,
    scale: options.domain ? { domain: options.domain } : { zero: options.zero ?? true },
    axis: { format: options.format, ...(options.tickValues !== undefined ? { values: options.tickValues } : {}) },
  };
  const isOracle = `datum.policy === '${ORACLE_POLICY}'`;
  const policyOnly = panels.includes(ORACLE_POLICY) ? 'true' : `!(${isOracle})`;
  const spreadFilter = options.spread === 'always' ? policyOnly : `${policyOnly} && datum.varies`;
  const pointFilter = options.spread === 'always' ? policyOnly : `${policyOnly} && !datum.varies`;
  const layers: unknown[] = [
    {
      transform: [{ filter: spreadFilter }],
      mark: { type: 'errorbar', ticks: { size: 7 }, thickness: 2 },
      encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' }, color: policyColor(policies), description: { field: 'label' } },
    },
    {
      transform: [{ filter: pointFilter }],
      mark: { type: 'line', strokeWidth: 2 },
      encoding: { x, y, color: policyColor(policies) },
    },
    {
      transform: [{ filter: pointFilter }],
      mark: { type: 'point', filled: true, size: 70, opacity: 1 },
      encoding: { x, y, color: policyColor(policies), shape: policyShape(policies), description: { field: 'label' } },
    },
  ];
  if (!panels.includes(ORACLE_POLICY)) {
    layers.push(
      { transform: [{ filter: isOracle }], mark: { type: 'line', color: ORACLE_COLOR, strokeDash: DASHED, strokeWidth: 1.5 }, encoding: { x, y } },
      {
        transform: [{ filter: isOracle }],
        mark: { type: 'point', shape: 'circle', filled: false, size: 150, strokeWidth: 1.5, color: ORACLE_COLOR, opacity: 1 },
        encoding: { x, y, description: { field: 'label' } },
      },
    );
  }
  layers.push(...(options.extraLayers ?? []));
  return {
    data: { values: options.rows },
    columns: Math.min(options.columns, panels.length),
    spacing: { column: 14, row: 18 },
    facet: {
      field: 'panel',
      type: 'nominal',
      sort: panels,
      title: null,
      header: { labelFontSize: 12, labelFontWeight: 'bold', labelOrient: 'top', labelLimit: options.widthPx + 14 },
    },
    // An x axis under every panel, so a last row with fewer panels has no axis under an empty slot.
    resolve: { axis: { x: 'independent' } },
    spec: { width: options.widthPx, height: options.heightPx, layer: layers },
  };
}

/** Per-frame mean ± std against input rate, a panel per policy with the oracle on top, the SLO as a red rule. */
export async function perFrameVsFps(
  levels: readonly EvaluationLevel[],
  options: { sloPerFrameMs?: number | null } = {},
): Promise<string> {
  const policies = policyOrder(levels);
  const sloPerFrameMs = options.sloPerFrameMs ?? null;
  const rows = panelRows(levels, policies, (r) => ({
    value: r.per_frame_ms.mean,
    low: r.per_frame_ms.mean - r.per_frame_ms.std,
    high: r.per_frame_ms.mean + r.per_frame_ms.std,
    varies: false,
  }), (ms) => `${Number(ms.toFixed(1))} ms`);
  const extraLayers =
    sloPerFrameMs === null
      ? []
      : [
          { mark: { type: 'rule', color: '#c0392b', strokeDash: [2, 3], strokeWidth: 1.5 }, encoding: { y: { datum: sloPerFrameMs, type: 'quantitative' } } },
          {
            mark: { type: 'text', color: '#c0392b', align: 'right', baseline: 'bottom', dy: -3, fontSize: 11, text: `SLO ${formatMs(sloPerFrameMs)}` },
            encoding: { y: { datum: sloPerFrameMs, type: 'quantitative' }, x: { value: 'width' } },
          },
        ];
  return renderSvg({
    title: 'Per-frame processing time against input rate (dashed, open circles: the oracle)',
    ...policyPanels({ levels, policies, rows, yTitle: PER_FRAME_TITLE, format: ',d', spread: 'always', zero: false, extraLayers, widthPx: 215, heightPx: 170, columns: 4 }),
  });
}

/**
 * Executor cores, memory and instances each policy chose against input rate,
 * a row per setting. A policy whose choice changed over the measured
 * decisions (random rescales every decision) is drawn as the range it
 * covered, not as the configuration it happened to end in.
 */
export async function resourcesVsFps(levels: readonly EvaluationLevel[]): Promise<string> {
  const policies = policyOrder(levels);
  // Small whole-number axes get one tick per value: vega's own ticks repeat labels like '1, 1, 2'.
  const upTo = (pick: (p: PolicyLevelResult) => number) => {
    const max = Math.max(...levels.flatMap((level) => Object.values(level.policies).map(pick)));
    return Array.from({ length: Math.ceil(max) + 1 }, (_, i) => i);
  };
  const setting = (key: 'cores' | 'memory_mb' | 'instances', yTitle: string, format: string, tickValues?: number[]) =>
    policyPanels({
      levels,
      policies,
      rows: panelRows(levels, policies, (r) => chosen(r, key), (v) => `${v}${key === 'memory_mb' ? ' MB' : ''}`),
      yTitle,
      format,
      spread: 'where-varied',
      tickValues,
      // Wide and tall enough for the axis titles: a title longer than its panel pushes the panels apart.
      widthPx: 122,
      heightPx: 150,
      columns: 8,
    });
  return renderSvg({
    title: 'Resources chosen against input rate (dashed, open circles: the oracle; a bar: the range of a choice that kept changing)',
    vconcat: [
      setting('cores', 'executor cores (count)', 'd', upTo((p) => p.chosen_range?.cores.max ?? p.cores)),
      setting('memory_mb', 'executor memory (MB)', ',d'),
      setting('instances', 'executors (count)', 'd', upTo((p) => p.chosen_range?.instances.max ?? p.instances)),
    ],
  });
}

/** The value a policy chose for one setting, with the range its measured decisions covered. */
function chosen(r: PolicyLevelResult, key: 'cores' | 'memory_mb' | 'instances') {
  const range = r.chosen_range?.[key] ?? { min: r[key], max: r[key] };
  return { value: r[key], low: range.min, high: range.max, varies: range.min !== range.max };
}

/** CPU and memory utilisation each policy achieved against input rate, a row each. */
export async function utilisationVsFps(levels: readonly EvaluationLevel[]): Promise<string> {
  const policies = policyOrder(levels);
  const utilMax = Math.max(1, ...levels.flatMap((l) => Object.values(l.policies).flatMap((p) => [p.cpu_util, p.mem_util])));
  const util = (key: 'cpu_util' | 'mem_util', yTitle: string) =>
    policyPanels({
      levels,
      policies,
      rows: panelRows(levels, policies, (r) => ({ value: r[key], low: r[key], high: r[key], varies: false }), (f) => `${Number((100 * f).toFixed(1))} %`),
      yTitle,
      format: '.0%',
      spread: 'where-varied',
      domain: [0, utilMax],
      // Wide and tall enough for the axis titles: a title longer than its panel pushes the panels apart.
      widthPx: 122,
      heightPx: 150,
      columns: 8,
    });
  return renderSvg({
    title: 'Utilisation against input rate (dashed, open circles: the oracle)',
    vconcat: [util('cpu_util', 'CPU utilisation (%)'), util('mem_util', 'memory util. (%)')],
  });
}

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
    field: 'fps',
    type: 'quantitative',
    title: 'input rate (fps)',
    scale: { domain: [fps[0] - padFps, fps[fps.length - 1] + padFps], nice: false, zero: false },
    axis: { values: fps, format: '~r', grid: false, labelOverlap: true },
  };
}

/** Colour per policy, the same in every plot; no legend: each panel is headed by its policy. */
function policyColor(policies: readonly string[]) {
  return {
    field: 'policy',
    type: 'nominal',
    sort: policies,
    legend: null,
    scale: { domain: policies, range: policies.map((p, i) => (p === ORACLE_POLICY ? ORACLE_COLOR : POLICY_COLORS[i % POLICY_COLORS.length])) },
  };
}

/** A marker shape per policy as well as a colour, so no policy is told apart by colour alone. */
function policyShape(policies: readonly string[]) {
  return {
    field: 'policy',
    type: 'nominal',
    sort: policies,
    legend: null,
    scale: { domain: policies, range: policies.map((_, i) => POLICY_SHAPES[i % POLICY_SHAPES.length]) },
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
