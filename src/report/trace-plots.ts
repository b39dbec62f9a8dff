/**
 * The trace-mode plots: the load over time with the configuration each
 * policy chose, and what each policy achieved (SLO attainment, cost).
 */
import { ORACLE_COLOR, POLICY_COLORS, renderSvg } from './plots.js';
import type { TraceEvaluation } from './types.js';

/** Policies drawn as references (dark, dashed). */
const REFERENCE_POLICIES = new Set(['adaptive-oracle', 'redeploy-aware-oracle', 'best-fixed', 'oracle']);

function colors(policies: readonly string[]) {
  let next = 0;
  return {
    field: 'policy',
    type: 'nominal',
    title: 'policy',
    sort: policies,
    scale: {
      domain: policies,
      range: policies.map((p) => (p === 'adaptive-oracle' ? ORACLE_COLOR : POLICY_COLORS[next++ % POLICY_COLORS.length])),
    },
  };
}

function dashes(policies: readonly string[]) {
  return {
    field: 'policy',
    type: 'nominal',
    title: 'policy',
    sort: policies,
    scale: { domain: policies, range: policies.map((p) => (REFERENCE_POLICIES.has(p) ? [6, 4] : [1, 0])) },
  };
}

/**
 * Tick values for a count axis: every integer in the data's range, when that is
 * short. Vega's nice ticks over a small range fall on half steps, which the
 * integer format then prints twice (1, 2, 2, 3, 3); tickMinStep alone does not
 * stop that when the scale does not start at zero.
 */
function integerTicks(rows: readonly Record<string, unknown>[], field: string): { values?: number[] } {
  const seen = rows.map((r) => r[field]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (seen.length === 0) return {};
  const low = Math.floor(Math.min(...seen));
  const high = Math.ceil(Math.max(...seen));
  if (high - low > 12) return {};
  return { values: Array.from({ length: high - low + 1 }, (_, i) => low + i) };
}

const TIME_AXIS = { field: 't_s', type: 'quantitative', title: 'time since the trace started (s)' };

/**
 * Top: the trace's input rate over time. Below: cores, memory and executors
 * each policy had over time (a step per decision), one line per policy.
 */
export async function traceTimeline(result: TraceEvaluation): Promise<string> {
  const policies = Object.keys(result.policies);
  const endS = result.trace.duration_s;
  const rows = policies.flatMap((policy) => {
    const decisions = result.policies[policy].decisions;
    const points = decisions.map((d) => ({ policy, t_s: d.t_s, cores: d.cores, memory_mb: d.memory_mb, instances: d.instances, nodes: d.nodes, placement: d.placement }));
    // Carry the last configuration to the end of the trace so the step reaches it.
    const last = points[points.length - 1];
    if (last !== undefined && last.t_s < endS) points.push({ ...last, t_s: endS });
    return points;
  });
  const panel = (field: string, title: string, format: string, integer = false) => ({
    width: 760,
    height: 120,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.8 },
    encoding: {
      x: { ...TIME_AXIS, scale: { domain: [0, endS], nice: false } },
      y: { field, type: 'quantitative', title, scale: { zero: false }, axis: { format, tickMinStep: 1, ...(integer ? integerTicks(rows, field) : {}) } },
      color: colors(policies),
      strokeDash: dashes(policies),
    },
  });
  return renderSvg({
    title: 'Load over the trace and the configuration each policy chose',
    vconcat: [
      {
        width: 760,
        height: 140,
        data: { values: result.trace.fps },
        mark: { type: 'area', line: { color: '#4c78a8' }, color: '#c6dbef', interpolate: 'linear' },
        encoding: {
          x: { ...TIME_AXIS, scale: { domain: [0, endS], nice: false } },
          y: { field: 'fps', type: 'quantitative', title: 'input rate (fps)', scale: { zero: true } },
        },
      },
      panel('cores', 'executor cores (count)', 'd', true),
      panel('memory_mb', 'executor memory (MB)', ',d'),
      panel('instances', 'executors (count)', 'd', true),
      // The Cluster Autoscaler's and the Scheduler's decisions, where the scenario lets agents make them.
      ...(rows.some((r) => r.nodes !== undefined) ? [panel('nodes', 'nodes in the pool (count)', 'd', true)] : []),
      ...(rows.some((r) => r.placement !== undefined)
        ? [{ ...panel('placement', 'executor placement', ''), encoding: { ...panel('placement', 'executor placement', '').encoding, y: { field: 'placement', type: 'nominal', title: 'executor placement' } } }]
        : []),
    ],
    resolve: { scale: { color: 'shared', strokeDash: 'shared' } },
  });
}

/** Per policy: SLO attainment (%), request cost and node cost ($/hour), side by side. */
export async function traceOutcomes(result: TraceEvaluation): Promise<string> {
  const policies = Object.keys(result.policies);
  const values = policies.map((policy) => {
    const r = result.policies[policy];
    return { policy, attainment: r.slo_attainment, request: r.request_cost_per_hour, node: r.node_cost_per_hour };
  });
  const bar = (field: string, title: string, format: string) => ({
    width: 230,
    height: 22 * policies.length,
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'policy', type: 'nominal', title: 'policy', sort: policies },
      x: { field, type: 'quantitative', title, axis: { format } },
      color: { ...colors(policies), legend: null },
    },
  });
  return renderSvg({
    title: 'What each policy achieved over the trace',
    data: { values },
    hconcat: [
      bar('attainment', 'SLO attainment (% of frames)', '.0%'),
      bar('request', 'request cost ($/hour)', '.3f'),
      bar('node', 'node cost ($/hour)', '.3f'),
    ],
  });
}
