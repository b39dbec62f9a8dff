/**
 * Refits models/profiles/paper-testbed.json: takes every measured parameter
 * from models/measurements/local-machine.json (npm run measure:frames), fits
 * the rest to the published case-study figures inside their plausible
 * ranges (src/calibration/paper-fit.ts), and prints the before/after figures.
 *
 *   npm run fit:paper [-- --iterations 120] [-- --write]
 *
 * Without --write it only reports what the fit would change.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  fitPaperProfile,
  fittedProvenance,
  OTHER_PROVENANCE,
  paperFigures,
  paperFitContext,
  paperLoss,
  PAPER_TARGETS,
  withMeasuredParameters,
  type MeasurementDocument,
} from '../src/calibration/paper-fit.js';
import { loadScenarioSync } from '../src/scenario/load.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scenario = loadScenarioSync(`${root}scenarios/paper-testbed.yaml`);
const iterationsAt = process.argv.indexOf('--iterations');
const iterations = iterationsAt >= 0 ? Number(process.argv[iterationsAt + 1]) : 120;
if (!Number.isInteger(iterations) || iterations < 1) {
  console.error(`fit-paper-profile: --iterations: expected a positive integer, got ${process.argv[iterationsAt + 1]}`);
  process.exit(2);
}
const write = process.argv.includes('--write');
const measurementsPath = 'models/measurements/local-machine.json';
const measurements = JSON.parse(readFileSync(`${root}${measurementsPath}`, 'utf8')) as MeasurementDocument;

const context = paperFitContext(scenario);

const before = paperFigures(context, scenario.profile);
const start = withMeasuredParameters(scenario.profile, measurements, measurementsPath);
console.log('targets', PAPER_TARGETS);
console.log('before ', before, 'loss', paperLoss(before).toExponential(3));
const fit = fitPaperProfile(context, start, {
  maxIterations: iterations,
  onIteration: (i, loss) => {
    if (i % 20 === 0) console.log(`iteration ${i}: loss ${loss.toExponential(3)}`);
  },
});
console.log('after  ', fit.figures, 'loss', fit.loss.toExponential(3), `(${fit.iterations} iterations)`);
for (const f of fit.fitted) {
  const bound = f.atBound === null ? '' : `  AT ITS ${f.atBound.toUpperCase()} BOUND`;
  console.log(`  ${f.name}: ${scenario.profile.parameters[f.name]} -> ${f.value.toPrecision(5)} in [${f.range.min}, ${f.range.max}]${bound}`);
}
if (write) {
  const rounded = Object.fromEntries(Object.entries(fit.profile.parameters).map(([k, v]) => [k, Number(v.toPrecision(5))]));
  const provenance = { ...OTHER_PROVENANCE, ...fit.profile.provenance, ...fittedProvenance(fit.fitted) };
  const path = `${root}models/profiles/paper-testbed.json`;
  writeFileSync(`${path}.tmp`, JSON.stringify({ ...fit.profile, parameters: rounded, provenance }, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
  console.log(`wrote ${path}`);
}
