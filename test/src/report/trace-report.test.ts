import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.js';
import { checkReportPath, renderReport } from '../../../src/report/html.js';
import { traceInput } from './fixtures.js';

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

  it('refuses a trace with a number it could only show as NaN', async () => {
    const input = traceInput();
    input.trace!.policies.hpa.request_cost_per_hour = NaN;
    await expect(renderReport(input)).rejects.toThrow(/trace\.policies\["hpa"\]\.request_cost_per_hour to be a finite number, got NaN/);
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
