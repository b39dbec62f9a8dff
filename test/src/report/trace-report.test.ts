import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.js';
import { checkReportPath, renderReport } from '../../../src/report/html.js';
import type { EvaluationReportInput, TraceEvaluation, TracePolicyResult } from '../../../src/report/types.js';

function policy(objective: number, instances: (t: number) => number, overrides: Partial<TracePolicyResult> = {}): TracePolicyResult {
  return {
    objective,
    slo_attainment: 0.9,
    request_cost_per_hour: 0.12,
    node_cost_per_hour: 0.5,
    reconfigurations: 2,
    reconfigurations_per_hour: 20,
    dropped_frames: 0,
    unfinished_frames: 3,
    per_frame_ms: 640,
    seeds: 2,
    config: null,
    decisions: Array.from({ length: 8 }, (_, i) => ({ t_s: i * 45, fps: i === 3 ? 60 : 15, cores: 1, memory_mb: 800, instances: instances(i), per_frame_ms: 600, reward: 0.5 })),
    ...overrides,
  };
}

function traceInput(): EvaluationReportInput {
  const trace: TraceEvaluation = {
    trace: {
      scenario: 'spike',
      kind: 'spike',
      duration_s: 360,
      interval_s: 45,
      interval_source: 'given',
      decisions: 8,
      seeds: [1, 2],
      objective: 'slo-cost',
      slo_per_frame_ms: 500,
      pricing: { vcpu_hour: 0.0341, gb_hour: 0.0037, source: 'node price' },
      fps: Array.from({ length: 13 }, (_, i) => ({ t_s: i * 30, fps: i >= 4 && i < 8 ? 60 : 15 })),
      fixed_configs_searched: 72,
    },
    policies: {
      hpa: policy(0.2, () => 5),
      'best-fixed': policy(0.3, () => 8, { config: { cores: 1, memory_mb: 800, instances: 8 }, reconfigurations: 0, reconfigurations_per_hour: 0 }),
      'adaptive-oracle': policy(0.45, (i) => (i === 3 ? 8 : 5)),
    },
  };
  return { scenario: { name: 'spike', hash: 'abc', sloPerFrameMs: 500 }, createdAt: '2026-12-01T00:00:00Z', seeds: [1, 2], levels: [], trace };
}

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
