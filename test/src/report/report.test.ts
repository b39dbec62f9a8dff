import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.js';
import { bestPolicy, renderReport, writeReport } from '../../../src/report/html.js';
import { minMaxDownsample, runningMean, strideDownsample } from '../../../src/report/training-plot.js';
import { noise, result, syntheticInput } from './fixtures.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sspe-report-'));
}

describe('renderReport', () => {
  it('holds the four plots, one table row per policy and level, and marks the best', async () => {
    const html = await renderReport(syntheticInput());
    expect(html.match(/<svg\b/g)?.length).toBe(4);
    expect(html).toContain('paper-testbed');
    expect(html).toContain('fnv1a:9c0ffee1');
    expect(html).toContain('2025-01-02T03:04:05Z');
    expect(html).toContain('1, 2, 3');
    for (const fps of [10, 20, 30]) expect(html).toContain(`<h3>${fps} fps</h3>`);
    const rowHeads = [...html.matchAll(/<tr(?: class="([^"]*)")?><th scope="row">([^<]*)/g)]
      .filter((m) => !m[2].endsWith(' fps')) // the headline's rows
      .map((m) => `${m[2].trim()}:${m[1] ?? ''}`);
    expect(rowHeads).toEqual([
      'dqn:best', 'static:', 'oracle:oracle',
      'dqn:', 'static:best', 'oracle:oracle',
      'dqn:best', 'static:', 'oracle:oracle',
    ]);
    expect(html).toContain('<td>150.0 ± 12.0</td>');
    expect(html).toContain('+7.1 %');
  });

  it('makes no external requests: the only URLs are SVG namespaces', async () => {
    const html = await renderReport(syntheticInput());
    const urls = html.replace(/xmlns(:\w+)?="[^"]*"/g, '').match(/https?:\/\/\S*/g);
    expect(urls).toBeNull();
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/);
  });

  it('gives every element id in the page one owner, so the four inline SVGs do not clip each other', async () => {
    const html = await renderReport(syntheticInput());
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('escapes names that look like markup, in the tables and in the plots', async () => {
    const plain = await renderReport(syntheticInput());
    const input = syntheticInput({ policyName: '<b>' });
    input.scenario.name = 'a & "b"';
    const html = await renderReport(input);
    // The only <b> tags left are the page's own, as many as with a harmless name.
    expect(html.match(/<b>/g)?.length).toBe(plain.match(/<b>/g)?.length);
    expect(html).toContain('<th scope="row">&lt;b&gt;');
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.filter((svg) => svg.includes('&lt;b&gt;')).length).toBe(3); // the legends of the three policy plots
    expect(html).toContain('a &amp; &quot;b&quot;');
  });

  it('downsamples a 50,000-step training run so the page stays small', async () => {
    const html = await renderReport(syntheticInput({ steps: 50_000 }));
    expect(html.match(/<svg\b/g)?.length).toBe(4);
    expect(Buffer.byteLength(html)).toBeLessThan(2_000_000);
  });

  it('leaves the training plot out, and says so, when there are no curves', async () => {
    const html = await renderReport({ ...syntheticInput(), training: null });
    expect(html.match(/<svg\b/g)?.length).toBe(3);
    expect(html).toContain('No training curves in this input.');
  });

  it('refuses numbers it could only print as NaN, naming where they are', async () => {
    const input = syntheticInput();
    input.levels[1].policies.static.cpu_util = Number.NaN;
    await expect(renderReport(input)).rejects.toThrow('expected levels[1].policies["static"].cpu_util to be a finite number, got NaN');
  });

  it('refuses epsilons that do not match the episodes', async () => {
    const input = syntheticInput();
    input.training!.episodeEpsilons.pop();
    await expect(renderReport(input)).rejects.toThrow('expected one epsilon per episode (10 episode mean rewards), got 9 epsilons');
  });

  it('refuses an input with no levels', async () => {
    await expect(renderReport({ ...syntheticInput(), levels: [] })).rejects.toThrow('expected at least one fps level in the evaluation report, got 0');
  });
});

describe('bestPolicy', () => {
  it('ignores the oracle and breaks ties by cost', () => {
    expect(bestPolicy({ fps: 10, policies: { oracle: result(1), a: result(5, { cost_per_hour: 2 }), b: result(5, { cost_per_hour: 1 }) } })).toBe('b');
    expect(bestPolicy({ fps: 10, policies: { oracle: result(1) } })).toBeNull();
    // Equally fast: the cheaper requests win, even at the same node cost and against the name order.
    const fast = (requestCostPerHour: number) => result(418, { cost_per_hour: 0.5, request_cost_per_hour: requestCostPerHour });
    expect(bestPolicy({ fps: 10, policies: { dqn: fast(0.313), 'spark-da': fast(0.308), oracle: fast(0.308) } })).toBe('spark-da');
  });
});

describe('downsampling', () => {
  it('keeps short series whole', () => {
    expect(minMaxDownsample([3, 1, 2], 10)).toEqual([{ index: 0, value: 3 }, { index: 1, value: 1 }, { index: 2, value: 2 }]);
    expect(strideDownsample([3, 1, 2], 10).map((p) => p.index)).toEqual([0, 1, 2]);
  });

  it('keeps each bucket’s extremes in order, within the budget', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => noise(i));
    values[4321] = 50;
    values[8765] = -50;
    const points = minMaxDownsample(values, 200);
    expect(points.length).toBeLessThanOrEqual(200);
    expect(points).toContainEqual({ index: 4321, value: 50 });
    expect(points).toContainEqual({ index: 8765, value: -50 });
    expect(points.map((p) => p.index)).toEqual([...points.map((p) => p.index)].sort((a, b) => a - b));
  });

  it('strides evenly and ends on the last value', () => {
    const points = strideDownsample(Array.from({ length: 1001 }, (_, i) => i), 11);
    expect(points.length).toBeLessThanOrEqual(11);
    expect(points.at(-1)).toEqual({ index: 1000, value: 1000 });
  });

  it('rejects a budget too small to draw a line', () => {
    expect(() => minMaxDownsample([1, 2, 3], 2)).toThrow('expected maxPoints to be an integer of at least 4, got 2');
  });

  it('running mean averages the last window, fewer at the start', () => {
    expect(runningMean([2, 4, 6, 8], 2)).toEqual([2, 3, 5, 7]);
  });
});

describe('writeReport', () => {
  it('writes the page and leaves no temp file', async () => {
    const dir = tempDir();
    const path = join(dir, 'report.html');
    await writeReport(path, renderReport(syntheticInput()));
    expect(readFileSync(path, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(readdirSync(dir)).toEqual(['report.html']);
  });

  it('leaves the previous report untouched and no temp file when rendering throws', async () => {
    const dir = tempDir();
    const path = join(dir, 'report.html');
    writeFileSync(path, 'previous report');
    const input = syntheticInput();
    input.levels[0].policies.dqn.per_frame_ms.mean = Number.POSITIVE_INFINITY;
    await expect(writeReport(path, renderReport(input))).rejects.toThrow('per_frame_ms.mean to be a finite number');
    expect(readdirSync(dir)).toEqual(['report.html']);
    expect(readFileSync(path, 'utf8')).toBe('previous report');
  });

  it('creates nothing when rendering throws and there was no previous report', async () => {
    const dir = tempDir();
    await expect(writeReport(join(dir, 'report.html'), renderReport({ ...syntheticInput(), levels: [] }))).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes its temp file and names the path when the final rename fails', async () => {
    const dir = tempDir();
    const path = join(dir, 'report.html');
    mkdirSync(join(path, 'occupied'), { recursive: true }); // a non-empty folder where the file should go
    const error = await writeReport(path, '<!DOCTYPE html>').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as Error).message).toContain(`could not write report to ${path}: `);
    expect((error as Error).cause).toBeDefined();
    expect(readdirSync(dir)).toEqual(['report.html']);
  });
});
