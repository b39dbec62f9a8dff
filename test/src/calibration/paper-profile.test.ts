/**
 * The shipped paper-testbed profile: it reproduces the published figures, its
 * measured parameters are the ones the measurement document holds, its
 * fitted ones lie inside their declared plausible ranges, and every
 * parameter says where its value comes from.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROFILE_PARAMETER_NAMES } from '../../../sim/profile.js';
import {
  MEASURED_PARAMETERS,
  PAPER_FIT_RANGES,
  PAPER_TARGETS,
  paperFigures,
  paperFitContext,
  withMeasuredParameters,
  type MeasurementDocument,
} from '../../../src/calibration/paper-fit.js';
import { loadScenarioSync } from '../../../src/scenario/load.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const scenario = loadScenarioSync(`${root}scenarios/paper-testbed.yaml`);
const measurements = JSON.parse(readFileSync(`${root}models/measurements/local-machine.json`, 'utf8')) as MeasurementDocument;
const context = paperFitContext(scenario);

describe('paper-testbed profile', () => {
  it('reproduces the four published per-frame figures within 10 %', () => {
    const figures = paperFigures(context, scenario.profile);
    for (const key of Object.keys(PAPER_TARGETS) as (keyof typeof PAPER_TARGETS)[]) {
      expect(Math.abs(figures[key] / PAPER_TARGETS[key] - 1), `${key}: ${figures[key].toFixed(0)} ms vs ${PAPER_TARGETS[key]} ms`).toBeLessThan(0.1);
    }
  });

  it('takes every measured parameter from the measurement document', () => {
    const measured = withMeasuredParameters(scenario.profile, measurements, 'models/measurements/local-machine.json');
    for (const name of Object.keys(MEASURED_PARAMETERS) as (keyof typeof MEASURED_PARAMETERS)[]) {
      expect(scenario.profile.parameters[name], name).toBeCloseTo(measured.parameters[name], 4);
      expect(scenario.profile.provenance?.[name]?.source, name).toBe('measured');
    }
  });

  it('keeps each fitted parameter inside its declared plausible range, and says so', () => {
    for (const [name, range] of Object.entries(PAPER_FIT_RANGES) as [keyof typeof PAPER_FIT_RANGES, { min: number; max: number }][]) {
      const value = scenario.profile.parameters[name];
      expect(value, name).toBeGreaterThanOrEqual(range.min);
      expect(value, name).toBeLessThanOrEqual(range.max);
      expect(scenario.profile.provenance?.[name]).toMatchObject({ source: 'fitted', range: [range.min, range.max] });
    }
  });

  it('gives every parameter a provenance', () => {
    const missing = PROFILE_PARAMETER_NAMES.filter((name) => scenario.profile.provenance?.[name] === undefined);
    expect(missing).toEqual([]);
  });

  it('is in no corner a real system cannot be in: decoded frames cost memory, frames cost CPU', () => {
    const p = scenario.profile.parameters;
    // A decoded BGR frame alone is 3 MB per megapixel, and it lives in the Python worker.
    expect(p.pythonFrameMbPerMegapixel).toBeGreaterThanOrEqual(3);
    // Decoding, converting and encoding a megapixel takes milliseconds of CPU, not microseconds.
    expect(p.frameCpuMsPerMegapixel * p.cpuSpeedFactor).toBeGreaterThan(2);
    expect(p.jvmBaseRssMb).toBeGreaterThan(100);
  });
});
