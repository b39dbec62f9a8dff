import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.js';
import { checkReportPath, renderReport } from '../../../src/report/html.js';
import { traceTimeline } from '../../../src/report/trace-plots.js';
import { syntheticInput, traceInput } from './fixtures.js';

describe('trace-mode report', () => {
  it('plots the load and the configurations over time and what each policy achieved, every axis titled with its unit', async () => {
    const html = await renderReport(traceInput());
    expect(html.match(/<svg\b/g)?.length).toBe(2);
    for (const title of [
      'time since the trace started (s)',
      'input rate (fps)',
      'executor cores (count)',
      'executor memory (MB)',
      'executors (count)',
      'SLO attainment (% of frames)',
      'request cost ($/hour)',
      'node cost ($/hour)',
    ]) {
      expect(html).toContain(title);
    }
    expect(html).toContain('Trace mode: spike trace, 360 s');
    expect(html).toContain('best of 72 fixed configurations');
    const rows = [...html.matchAll(/<tr(?: class="([^"]*)")?><th scope="row">([^<]*)/g)].map((m) => `${m[2].trim()}:${m[1] ?? ''}`);
    expect(rows).toEqual(['hpa:', 'best-fixed:', 'adaptive-oracle:best']);
    expect(html).toContain('(1 / 800 / 8)');
  });

  it('explains only what the report shows: the trace first, no per-level plots or training plot it does not have', async () => {
    const how = (html: string) => /<section class="how">([\s\S]*?)<\/section>/.exec(html)![1];
    const trace = how(await renderReport(traceInput()));
    const bullets = [...trace.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]);
    expect(bullets[0]).toMatch(/^In <b>trace mode<\/b>/);
    expect(trace).not.toContain('plot against input rate');
    expect(trace).not.toContain('Gap to oracle');
    expect(trace).not.toContain('In the training plot');
    // A level report keeps its own bullets.
    const levels = how(await renderReport(syntheticInput()));
    expect(levels).toContain('Each plot against input rate has one panel per policy');
    expect(levels).not.toContain('trace mode');
  });

  it('refuses a trace with a number it could only show as NaN', async () => {
    const input = traceInput();
    input.trace!.policies.hpa.request_cost_per_hour = NaN;
    await expect(renderReport(input)).rejects.toThrow(/trace\.policies\["hpa"\]\.request_cost_per_hour to be a finite number, got NaN/);
  });
});

describe('trace timeline axes', () => {
  /** The tick labels drawn just before an axis title, in the SVG's text order. */
  function ticksBefore(svg: string, title: string): string[] {
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    const at = texts.indexOf(title);
    expect(at, `axis '${title}' drawn`).toBeGreaterThan(0);
    const ticks: string[] = [];
    for (let i = at - 1; i >= 0 && /^[\d,.]+$/.test(texts[i]); i--) ticks.unshift(texts[i]);
    return ticks;
  }

  it('labels a count axis once per whole number: nodes 1, 2, 3, never 1, 2, 2, 3, 3', async () => {
    const input = traceInput();
    const trace = input.trace!;
    const decisions = trace.policies.hpa.decisions.map((d, i) => ({ ...d, nodes: 1 + (i % 3), instances: 5 + (i % 4) }));
    trace.policies = { hpa: { ...trace.policies.hpa, decisions } };
    const svg = await traceTimeline(trace);
    const nodes = ticksBefore(svg, 'nodes in the pool (count)');
    const executors = ticksBefore(svg, 'executors (count)');
    expect(nodes.slice(-3)).toEqual(['1', '2', '3']);
    expect(new Set(nodes).size).toBe(nodes.length);
    expect(executors.slice(-4)).toEqual(['5', '6', '7', '8']);
  });
});

describe('checkReportPath', () => {
  it('accepts a new file in an existing folder and refuses a missing folder, a file as folder, or a folder as file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sspe-report-path-'));
    expect(() => checkReportPath(join(dir, 'r.html'))).not.toThrow();
    expect(() => checkReportPath(join(dir, 'missing', 'r.html'))).toThrow(UserInputError);
    expect(() => checkReportPath(join(dir, 'missing', 'r.html'))).toThrow(/does not exist/);
    writeFileSync(join(dir, 'file'), '');
    expect(() => checkReportPath(join(dir, 'file', 'r.html'))).toThrow(/is not a folder/);
    expect(() => checkReportPath(dir)).toThrow(/is a folder/);
  });
});
