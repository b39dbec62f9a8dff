import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserInputError } from '../errors.js';
import { ORACLE_POLICY, perFrameVsFps, policyOrder, resourcesVsFps, utilisationVsFps } from './plots.js';
import { traceOutcomes, traceTimeline } from './trace-plots.js';
import { rewardUnit, runningMeanWindow, trainingCurves } from './training-plot.js';
import type { EvaluationLevel, EvaluationReportInput, PolicyLevelResult, TraceEvaluation } from './types.js';
import { fixedConfigLabel } from './fixed-config-label.js';
import { DEFAULT_MIN_REDEPLOY_SAVING } from '../agents/baselines/redeploy-aware-oracle.js';

/**
 * The evaluation report as one self-contained HTML page: inline CSS, inline
 * SVG plots, nothing fetched. Throws on input the page could only show as
 * NaN or leave out without saying so.
 */
export async function renderReport(input: EvaluationReportInput): Promise<string> {
  checkReportInput(input);
  const { scenario } = input;
  const trace = input.trace ?? null;
  const hasLevels = input.levels.length > 0;
  const [levelsHtml, traceHtml, trainingSvg] = await Promise.all([
    hasLevels ? levelsSections(input) : Promise.resolve(''),
    trace !== null ? traceSection(trace) : Promise.resolve(''),
    input.training ? trainingCurves(input.training, { referenceByFps: oracleRewardByFps(input.levels) }) : Promise.resolve(null),
  ]);
  const policies = hasLevels ? policyOrder(input.levels) : Object.keys(trace?.policies ?? {});
  const title = `sspe evaluation — ${scenario.name}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<dl class="meta">
<dt>Scenario</dt><dd>${escapeHtml(scenario.name)} <code>${escapeHtml(scenario.hash)}</code></dd>
<dt>Per-frame SLO</dt><dd>${formatNumber(scenario.sloPerFrameMs)} ms</dd>
<dt>Seeds</dt><dd>${escapeHtml(input.seeds.join(', '))} (${input.seeds.length})</dd>
<dt>Policies</dt><dd>${policies.map(escapeHtml).join(', ')}</dd>
<dt>Date</dt><dd>${escapeHtml(input.createdAt)}</dd>
</dl>
</header>
<main>
${levelsHtml}
${traceHtml}
<section>
<h2>Training</h2>
${
  trainingSvg === null
    ? '<p class="absent">No training curves in this input.</p>'
    : figure(trainingSvg, trainingCaption(input.training!))
}
</section>
${notesSection(input.notes ?? [])}
<section class="how">
<h2>How to read this</h2>
<ul>
${trace !== null ? traceHow(trace.trace.cost_basis) : ''}${hasLevels ? levelsHow() : ''}${trainingSvg !== null ? TRAINING_HOW : ''}
</ul>
</section>
</main>
<footer>sspe · scenario ${escapeHtml(scenario.hash)} · ${escapeHtml(input.createdAt)}</footer>
</body>
</html>
`;
}

/** The per-level part: best per rate, the plots against input rate and a table per rate. */
async function levelsSections(input: EvaluationReportInput): Promise<string> {
  const [perFrameSvg, resourcesSvg, utilisationSvg] = await Promise.all([
    perFrameVsFps(input.levels, { sloPerFrameMs: input.scenario.sloPerFrameMs }),
    resourcesVsFps(input.levels),
    utilisationVsFps(input.levels),
  ]);
  const policies = policyOrder(input.levels);
  return `${bestSummary(input.levels, input.scenario.sloPerFrameMs)}
<section>
<h2>Plots</h2>
${figure(perFrameSvg, 'Lower is better. One panel per policy: its mean ± one standard deviation over seeds; dark dashed line and open circles: the oracle; red dotted line: the per-frame SLO.')}
${figure(resourcesSvg, 'What each policy asked for: executor cores, executor memory and executor count, the configuration most seeds ended in; a bar where the policy kept changing it: the range its measured decisions covered.')}
${figure(utilisationSvg, 'How much of what it asked for each policy used; dark dashed line and open circles: the oracle.')}
</section>
<section>
<h2>Summary by input rate</h2>
${input.levels.map((level) => levelTable(level, policies)).join('\n')}
</section>`;
}

/** Trace mode: the load and the configurations over time, what each policy achieved, and the table. */
async function traceSection(result: TraceEvaluation): Promise<string> {
  const [timelineSvg, outcomesSvg] = await Promise.all([traceTimeline(result), traceOutcomes(result)]);
  const t = result.trace;
  const best = Object.entries(result.policies).reduce((a, b) => (b[1].objective > a[1].objective ? b : a));
  const rows = Object.entries(result.policies).map(([name, r]) => {
    const label = r.config === null ? escapeHtml(name) : `${escapeHtml(name)} <small>(${escapeHtml(fixedConfigLabel(r.config))})</small>`;
    const mark = name === best[0] ? ' <span class="best-mark">★ best</span>' : '';
    const cells = [
      r.objective.toFixed(3),
      formatPercent(r.slo_attainment),
      r.request_cost_per_hour.toFixed(3),
      r.node_cost_per_hour.toFixed(3),
      `${formatNumber(r.reconfigurations)} (${formatNumber(r.reconfigurations_per_hour)} /h)`,
      formatNumber(r.dropped_frames, 0),
      formatNumber(r.unfinished_frames, 0),
      Number.isFinite(r.per_frame_ms) ? r.per_frame_ms.toFixed(1) : '—',
    ];
    return `<tr${name === best[0] ? ' class="best"' : ''}><th scope="row">${label}${mark}</th>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  const headers: [string, string][] = [
    ['slo-cost score', 'mean per decision interval: 1 − request cost ÷ dearest configuration when p95 is within the SLO, −1 or less when not'],
    ['SLO attainment', 'share of the trace’s frames processed within the per-frame SLO'],
    ['request $/h', 'requested CPU and memory, $ per hour'],
    ['node $/h', 'nodes leased, $ per hour'],
    ['reconfigurations', 'decisions that changed the configuration (per hour of trace)'],
    ['dropped', 'frames dropped'],
    ['unfinished', 'frames not processed when the drain after the trace stopped'],
    ['per-frame ms', 'mean per-frame processing time'],
  ];
  return `<section class="trace">
<h2>Trace mode: ${escapeHtml(t.kind)} trace, ${formatNumber(t.duration_s)} s</h2>
<p>One long-running application per policy and seed (seeds ${escapeHtml(t.seeds.join(', '))}), a decision every ${formatNumber(t.interval_s)} s (${t.decisions} decisions; ${escapeHtml(t.interval_source)}).
Requests cost $${t.pricing.vcpu_hour.toFixed(4)} per vCPU-hour and $${t.pricing.gb_hour.toFixed(4)} per GB-hour (${escapeHtml(t.pricing.source)}).
${t.fixed_configs_searched > 0 ? `<b>best-fixed</b> is the best of ${t.fixed_configs_searched} fixed configurations, each run through the whole trace.` : ''}</p>
${figure(timelineSvg, 'Top: the load the trace sends. Below: the configuration each policy had, changing at its decisions (first seed). Dashed: the references (the adaptive oracles, best fixed).')}
${figure(outcomesSvg, 'Share of frames within the SLO (higher is better) and the mean cost of requests and of nodes (lower is better), means over seeds.')}
<div class="table-wrap"><table>
<thead><tr><th scope="col">policy</th>${headers.map(([h, hint]) => `<th scope="col" title="${escapeHtml(hint)}">${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>
</section>`;
}

/** The training plot's part of "How to read this". */
const TRAINING_HOW = `<li>In the training plot, each episode runs at one load level, and the reward a level allows differs more between levels than within one; so each episode is plotted as its <b>regret</b>: the best mean reward known at its level minus its own (0 is as good as the best known). Regret falling to 0 as epsilon falls means the agent learned; falling only as fast as epsilon means it mostly explores less. Long runs are downsampled.</li>`;

/** The per-level part of "How to read this": the plots against input rate and the tables per rate. */
function levelsHow(): string {
  return `<li>Each plot against input rate has one panel per policy, in the policy’s own colour and marker, the same in every plot. The dark dashed line with open circles in every panel is the <b>${escapeHtml(ORACLE_POLICY)}</b>, the reference the “gap to oracle” column is measured against, drawn on top: where a policy does what the oracle does, its markers fill the circles.</li>
<li>A vertical bar in the resources plot is the range a policy’s choice covered over the measured decisions of every seed; a policy that keeps rescaling (random does at every decision) has no single configuration, and its table cells say “varies” with the range.</li>
<li><b>Per-frame</b> is the time from a frame’s batch reaching Spark to its output written, mean ± standard deviation over seeds. Lower is better; above the SLO line frames miss their deadline.</li>
<li><b>Gap to oracle</b> is how much slower than the oracle a policy is, in % of the oracle’s per-frame mean; negative means faster.</li>
<li>The <span class="best-mark">★ best</span> row of each table has the lowest per-frame mean among the non-oracle policies (ties go to the one with the cheaper requests).</li>
<li><b>CPU util</b> and <b>memory util</b> are the utilisation of what the executors requested; low utilisation at a good per-frame time means the policy is paying for idle resources.</li>
<li><b>Rescales / h</b> counts configuration changes per simulated hour; each one restarts executors.</li>
`;
}

/** The trace part of "How to read this"; the slo-cost score bills what the scenario bills (its node pool, else the requests). */
function traceHow(costBasis: 'nodes' | 'requests'): string {
  const cheaper = costBasis === 'nodes' ? 'fewer nodes leased score higher' : 'cheaper requests score higher';
  const saving = costBasis === 'nodes' ? 'the node bill' : 'the request cost';
  const share = `${Math.round(100 * DEFAULT_MIN_REDEPLOY_SAVING)} %`;
  return `<li>In <b>trace mode</b> each policy runs one application through the whole load trace: a redeploy stops the executors for its time, and frames that arrive meanwhile wait. The <b>slo-cost score</b> puts the SLO first: an interval within the SLO scores between 0 and 1 (${cheaper}), one outside scores −1 or less. The <b>adaptive oracle</b> picks, at each decision, the cheapest configuration that met the SLO at the current load in a sweep made beforehand; it never sees the load ahead. The <b>redeploy-aware oracle</b> uses the same sweep but changes cores or memory (a redeploy) only when the SLO needs it or the saving is at least ${share} of ${saving} (by default); changing the executor count alone scales in place.</li>
`;
}

/**
 * Fails before any work when `path` cannot take the report: its folder
 * missing or not a folder, or the path itself a folder.
 */
export function checkReportPath(path: string): void {
  const folder = dirname(path);
  let folderIsDir = false;
  try {
    folderIsDir = statSync(folder).isDirectory();
  } catch (error) {
    throw new UserInputError(`--report: the folder ${folder} does not exist (create it first), for ${path}`, { cause: error });
  }
  if (!folderIsDir) throw new UserInputError(`--report: ${folder} is not a folder, for ${path}`);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // Not there yet: the usual case.
  }
  if (isDir) throw new UserInputError(`--report: ${path} is a folder; expected a file name such as ${join(path, 'report.html')}`);
}

/**
 * Writes the page to `path` through a temp file in the same folder and a
 * rename, so a crash or a failed render leaves either the old file or the new
 * one, never half of one. Accepts the render's promise so that a render that
 * throws does so before any file is created.
 */
export async function writeReport(path: string, html: string | Promise<string>): Promise<void> {
  const content = await html;
  const tempPath = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(tempPath, 'wx');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, path);
  } catch (error) {
    await rm(tempPath, { force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserInputError(`could not write report to ${path}: ${reason}`, { cause: error });
  }
}

/**
 * The policy with the lowest per-frame mean at this level, the oracle
 * excluded; ties go to the cheaper requests (policies that pick the same
 * executor count often differ only in memory), then the cheaper nodes, then
 * by name.
 */
export function bestPolicy(level: EvaluationLevel): string | null {
  let best: [string, PolicyLevelResult] | null = null;
  for (const entry of Object.entries(level.policies)) {
    if (entry[0] === ORACLE_POLICY) continue;
    if (best === null || compareForBest(entry, best) < 0) best = entry;
  }
  return best?.[0] ?? null;
}

function compareForBest([nameA, a]: [string, PolicyLevelResult], [nameB, b]: [string, PolicyLevelResult]): number {
  const requestCost = a.request_cost_per_hour !== undefined && b.request_cost_per_hour !== undefined ? a.request_cost_per_hour - b.request_cost_per_hour : 0;
  return a.per_frame_ms.mean - b.per_frame_ms.mean || requestCost || a.cost_per_hour - b.cost_per_hour || (nameA < nameB ? -1 : nameA > nameB ? 1 : 0);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function checkReportInput(input: EvaluationReportInput): void {
  if (input.levels.length === 0 && !input.trace) throw new Error('expected at least one fps level in the evaluation report, got 0');
  if (input.trace) checkTraceInput(input.trace);
  checkFinite('scenario.sloPerFrameMs', input.scenario.sloPerFrameMs);
  input.levels.forEach((level, i) => {
    checkFinite(`levels[${i}].fps`, level.fps);
    if (Object.keys(level.policies).length === 0) throw new Error(`expected at least one policy at levels[${i}] (${level.fps} fps), got none`);
    for (const [name, r] of Object.entries(level.policies)) {
      const at = `levels[${i}].policies[${JSON.stringify(name)}]`;
      const numbers: Record<string, number | null> = {
        'per_frame_ms.mean': r.per_frame_ms.mean,
        'per_frame_ms.std': r.per_frame_ms.std,
        'per_frame_ms.p95': r.per_frame_ms.p95,
        cores: r.cores,
        memory_mb: r.memory_mb,
        instances: r.instances,
        cpu_util: r.cpu_util,
        mem_util: r.mem_util,
        cost_per_hour: r.cost_per_hour,
        ...(r.request_cost_per_hour !== undefined ? { request_cost_per_hour: r.request_cost_per_hour } : {}),
        slo_violation_fraction: r.slo_violation_fraction,
        rescales_per_hour: r.rescales_per_hour,
        ...(r.reward_per_step !== undefined ? { reward_per_step: r.reward_per_step } : {}),
        ...Object.fromEntries(
          Object.entries(r.chosen_range ?? {}).flatMap(([key, range]) => [
            [`chosen_range.${key}.min`, range.min],
            [`chosen_range.${key}.max`, range.max],
          ]),
        ),
        gap_to_oracle_pct: r.gap_to_oracle_pct,
        seeds: r.seeds,
      };
      for (const [field, value] of Object.entries(numbers)) {
        if (field === 'gap_to_oracle_pct' && value === null) continue;
        checkFinite(`${at}.${field}`, value);
      }
    }
  });
  const training = input.training;
  if (training) {
    for (const key of ['stepRewards', 'episodeMeanRewards', 'episodeEpsilons'] as const) {
      const bad = training[key].findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new Error(`expected finite numbers in training.${key}, got ${training[key][bad]} at index ${bad}`);
    }
    const badFps = (training.episodeFps ?? []).findIndex((v) => v !== null && !Number.isFinite(v));
    if (badFps >= 0) throw new Error(`expected finite numbers or null in training.episodeFps, got ${training.episodeFps![badFps]} at index ${badFps}`);
    const kept = training.keptEpisode;
    if (kept !== undefined && kept !== null && !(Number.isInteger(kept) && kept >= 1 && kept <= training.episodeMeanRewards.length)) {
      throw new Error(`expected training.keptEpisode to be null or an episode in [1, ${training.episodeMeanRewards.length}], got ${kept}`);
    }
  }
}

function checkTraceInput(trace: TraceEvaluation): void {
  if (Object.keys(trace.policies).length === 0) throw new Error('expected at least one policy in the trace evaluation, got none');
  for (const [name, r] of Object.entries(trace.policies)) {
    const at = `trace.policies[${JSON.stringify(name)}]`;
    for (const field of ['objective', 'slo_attainment', 'request_cost_per_hour', 'node_cost_per_hour', 'reconfigurations', 'reconfigurations_per_hour', 'dropped_frames'] as const) {
      checkFinite(`${at}.${field}`, r[field]);
    }
    if (r.decisions.length === 0) throw new Error(`expected at least one decision in ${at}.decisions, got none`);
  }
}

function checkFinite(path: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const found = typeof value === 'number' || value === undefined ? String(value) : JSON.stringify(value);
    throw new Error(`expected ${path} to be a finite number, got ${found}`);
  }
}

/** The headline: per input rate, the best policy's per-frame time beside its SLO attainment, request cost and gap to the oracle. */
function bestSummary(levels: readonly EvaluationLevel[], sloPerFrameMs: number): string {
  const missed: string[] = [];
  const rows = levels.map((level) => {
    const best = bestPolicy(level);
    const fps = `${formatNumber(level.fps)} fps`;
    if (best === null) return `<tr><th scope="row">${fps}</th><td class="name" colspan="5">only the oracle was evaluated</td></tr>`;
    const r = level.policies[best];
    const attainment = 1 - r.slo_violation_fraction;
    if (attainment < 0.5) missed.push(fps);
    const cells = [
      `${formatMeanStd(r)} ms`,
      formatPercent(attainment),
      r.request_cost_per_hour === undefined ? '—' : `$${r.request_cost_per_hour.toFixed(3)}`,
      r.gap_to_oracle_pct === null ? '—' : formatGap(r.gap_to_oracle_pct),
    ];
    // Others exactly as fast (ranked lower on cost or name) are named, so a tie does not read as a loss.
    const asFast = Object.keys(level.policies).filter((name) => name !== best && name !== ORACLE_POLICY && level.policies[name].per_frame_ms.mean === r.per_frame_ms.mean);
    const tie = asFast.length > 0 ? ` <small class="tie">as fast: ${asFast.map(escapeHtml).join(', ')}</small>` : '';
    return `<tr><th scope="row">${fps}</th><td class="name"><span class="best-mark">★ ${escapeHtml(best)}</span>${tie}</td>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  const slo = `${formatNumber(sloPerFrameMs)} ms`;
  const verdict =
    missed.length === 0
      ? `The best policy meets the ${slo} per-frame SLO on at least half the frames at every input rate.`
      : `Even the best policy meets the ${slo} per-frame SLO on fewer than half the frames at ${missed.join(', ')}.`;
  const headers: [string, string][] = [
    ['input rate', 'frames per second sent to the application'],
    ['best policy', 'lowest per-frame mean, the oracle excluded; ties go to the cheaper requests'],
    ['per-frame ms', 'mean ± std over seeds'],
    ['within SLO', `share of frames processed within the ${slo} per-frame SLO`],
    ['request $/h', 'cost of the CPU and memory the executor pods requested, per simulated hour'],
    ['gap to oracle', 'per-frame mean vs the oracle, %'],
  ];
  return `<section class="glance"><h2>Best policy per input rate</h2>
<p>${escapeHtml(verdict)}</p>
<div class="table-wrap"><table>
<thead><tr>${headers.map(([h, hint]) => `<th scope="col" title="${escapeHtml(hint)}">${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div></section>`;
}

const COLUMNS: { header: string; hint: string; cell: (r: PolicyLevelResult) => string }[] = [
  { header: 'per-frame ms', hint: 'mean ± std over seeds', cell: formatMeanStd },
  { header: 'p95 ms', hint: '95th percentile of per-frame time', cell: (r) => r.per_frame_ms.p95.toFixed(1) },
  { header: 'cores', hint: 'cores per executor (“varies”: the range over the measured decisions)', cell: (r) => chosenCell(r, 'cores') },
  { header: 'memory MB', hint: 'memory per executor, MB (“varies”: the range over the measured decisions)', cell: (r) => chosenCell(r, 'memory_mb') },
  { header: 'instances', hint: 'executor instances (“varies”: the range over the measured decisions)', cell: (r) => chosenCell(r, 'instances') },
  { header: 'CPU util', hint: 'CPU utilisation', cell: (r) => formatPercent(r.cpu_util) },
  { header: 'memory util', hint: 'memory utilisation', cell: (r) => formatPercent(r.mem_util) },
  { header: 'cost $/h', hint: 'node cost per simulated hour', cell: (r) => r.cost_per_hour.toFixed(2) },
  { header: 'request $/h', hint: 'cost of the CPU and memory the executor pods requested, per simulated hour', cell: (r) => (r.request_cost_per_hour === undefined ? '—' : r.request_cost_per_hour.toFixed(3)) },
  { header: 'SLO violations', hint: 'fraction of frames over the per-frame SLO', cell: (r) => formatPercent(r.slo_violation_fraction) },
  { header: 'rescales /h', hint: 'configuration changes per simulated hour', cell: (r) => formatNumber(r.rescales_per_hour) },
  { header: 'gap to oracle', hint: 'per-frame mean vs the oracle, %', cell: (r) => (r.gap_to_oracle_pct === null ? '—' : formatGap(r.gap_to_oracle_pct)) },
  { header: 'seeds', hint: 'runs aggregated', cell: (r) => String(r.seeds) },
];

/** The setting a policy chose, or “varies” and the range when its measured decisions did not agree. */
function chosenCell(r: PolicyLevelResult, key: 'cores' | 'memory_mb' | 'instances'): string {
  const range = r.chosen_range?.[key];
  if (range === undefined || range.min === range.max) return formatNumber(r[key], 0);
  return `<span class="varies">varies<br>${formatNumber(range.min, 0)}–${formatNumber(range.max, 0)}</span>`;
}

/** The oracle's mean reward per step at each level, when the evaluation recorded it: the training plot's best known. */
function oracleRewardByFps(levels: readonly EvaluationLevel[]): Map<number, number> {
  const byFps = new Map<number, number>();
  for (const level of levels) {
    const reward = level.policies[ORACLE_POLICY]?.reward_per_step;
    if (reward !== undefined) byFps.set(level.fps, reward);
  }
  return byFps;
}

function trainingCaption(curves: NonNullable<EvaluationReportInput['training']>): string {
  const { explanation } = rewardUnit(curves.reward);
  const episodes = curves.episodeMeanRewards.length;
  const kept =
    curves.keptEpisode === undefined
      ? ''
      : curves.keptEpisode === null
        ? ' Training kept the last weights (no greedy evaluation chose others).'
        : ` Green line: episode ${curves.keptEpisode}, whose weights were saved (the best greedy evaluation at every load level).`;
  const top =
    curves.episodeFps === undefined
      ? `Top: mean reward per step of each of the ${episodes} episodes (this policy’s curves.json predates per-episode load levels, so episodes cannot be compared with the best at their level; retrain to see the regret), epsilon dashed on the right axis.`
      : `Top: regret of each of the ${episodes} episodes, coloured by its load level: the best mean reward per step known at that level (the best training episode there, or the oracle's evaluation episode when higher) minus the episode's own; lower is better, 0 is as good as the best known. Dark line: running mean over ${runningMeanWindow(episodes)} episodes; dashed grey: epsilon, right axis.`;
  return `${top}${kept} Bottom: reward per vector step (mean over the parallel environments) and its running mean. ${explanation}`;
}

function levelTable(level: EvaluationLevel, policies: readonly string[]): string {
  const best = bestPolicy(level);
  const rows = policies
    .filter((name) => level.policies[name] !== undefined)
    .map((name) => {
      const r = level.policies[name];
      const classes = [name === best ? 'best' : '', name === ORACLE_POLICY ? 'oracle' : ''].filter(Boolean).join(' ');
      const mark = name === best ? ' <span class="best-mark">★ best</span>' : '';
      const cells = COLUMNS.map((c) => `<td>${c.cell(r)}</td>`).join('');
      return `<tr${classes ? ` class="${classes}"` : ''}><th scope="row">${escapeHtml(name)}${mark}</th>${cells}</tr>`;
    });
  const headers = COLUMNS.map((c) => `<th scope="col" title="${escapeHtml(c.hint)}">${escapeHtml(c.header)}</th>`).join('');
  return `<h3>${formatNumber(level.fps)} fps</h3>
<div class="table-wrap"><table>
<thead><tr><th scope="col">policy</th>${headers}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>`;
}

function notesSection(notes: readonly string[]): string {
  if (notes.length === 0) return '';
  return `<section class="notes"><h2>Notes</h2><ul>${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>`;
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

function formatMeanStd(r: PolicyLevelResult): string {
  return `${r.per_frame_ms.mean.toFixed(1)} ± ${r.per_frame_ms.std.toFixed(1)}`;
}

/** Integers as they are, other numbers to `digits` decimals; thousands separated. */
function formatNumber(value: number, digits = 1): string {
  const rounded = Number.isInteger(value) ? value : Number(value.toFixed(digits));
  return rounded.toLocaleString('en-US', { maximumFractionDigits: digits });
}

function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

function formatGap(pct: number): string {
  return `${pct > 0 ? '+' : pct < 0 ? '−' : ''}${Math.abs(pct).toFixed(1)} %`;
}

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --rule: #d8dee4; --best: #fff4cc; --best-ink: #7a5200; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: #f6f8fa; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 12px; }
h2 { font-size: 20px; margin: 32px 0 12px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; color: var(--muted); }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; color: var(--ink); }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eaeef2; padding: 1px 5px; border-radius: 4px; }
figure { margin: 0 0 20px; padding: 12px; background: white; border: 1px solid var(--rule); border-radius: 8px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
.table-wrap { overflow-x: auto; background: white; border: 1px solid var(--rule); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--rule); white-space: nowrap; }
thead th { text-align: right; vertical-align: bottom; white-space: normal; background: #f0f3f6; font-weight: 600; cursor: help; }
thead th:first-child, tbody th { text-align: left; }
td { text-align: right; }
tbody tr:last-child th, tbody tr:last-child td { border-bottom: none; }
tr.oracle th, tr.oracle td { color: var(--muted); font-style: italic; }
tr.best th, tr.best td { background: var(--best); font-weight: 600; }
.best-mark { display: inline-block; font-size: 11px; font-weight: 700; font-style: normal; color: var(--best-ink); background: var(--best); border: 1px solid #e6c25a; border-radius: 10px; padding: 0 6px; margin-left: 4px; }
.glance table { font-size: 14px; }
.glance td.name, .glance th { text-align: left; }
.varies, .tie { font-style: italic; color: var(--muted); }
.absent { color: var(--muted); font-style: italic; }
.how ul, .notes ul { padding-left: 20px; }
.how li { margin-bottom: 4px; }
footer { color: var(--muted); font-size: 12px; padding-top: 16px; padding-bottom: 32px; }
`;
