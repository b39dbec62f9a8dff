/**
 * Refits models/profiles/paper-testbed.json to the published case-study
 * figures (src/calibration/paper-fit.ts) and prints the before/after figures.
 *
 *   npm run build && node dist/scripts/fit-paper-profile.js [--iterations 400] [--write]
 *
 * Without --write it only reports what the fit would change.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fitPaperProfile, paperFigures, paperLoss, PAPER_TARGETS, PAPER_FIT_PARAMETERS } from '../src/calibration/paper-fit.js';
import { loadScenarioSync } from '../src/scenario/load.js';
import { actionSpaceConfigs, toRunSpec } from '../src/scenario/run-spec.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scenario = loadScenarioSync(`${root}scenarios/paper-testbed.yaml`);
const iterations = Number(process.argv[process.argv.indexOf('--iterations') + 1]) || 400;
const write = process.argv.includes('--write');

const context = {
  configs: actionSpaceConfigs(scenario).map((c) => ({ cores: c.executorCores, memoryMb: c.executorMemoryMb, instances: c.executorInstances })),
  specFor: (c: { cores: number; memoryMb: number; instances: number }, fps: number, profile: typeof scenario.profile) => ({
    ...toRunSpec(scenario, { fps, config: { executorCores: c.cores, executorMemoryMb: c.memoryMb, executorInstances: c.instances } }),
    profile,
  }),
};

const before = paperFigures(context, scenario.profile);
console.log('targets', PAPER_TARGETS);
console.log('before ', before, 'loss', paperLoss(before).toExponential(3));
const fit = fitPaperProfile(context, scenario.profile, {
  maxIterations: iterations,
  onIteration: (i, loss) => {
    if (i % 50 === 0) console.log(`iteration ${i}: loss ${loss.toExponential(3)}`);
  },
});
console.log('after  ', fit.figures, 'loss', fit.loss.toExponential(3), `(${fit.iterations} iterations)`);
for (const name of PAPER_FIT_PARAMETERS) {
  console.log(`  ${name}: ${scenario.profile.parameters[name]} -> ${fit.profile.parameters[name].toPrecision(5)}`);
}
if (write && fit.loss < paperLoss(before)) {
  const rounded = Object.fromEntries(Object.entries(fit.profile.parameters).map(([k, v]) => [k, Number(v.toPrecision(5))]));
  const path = `${root}models/profiles/paper-testbed.json`;
  writeFileSync(`${path}.tmp`, JSON.stringify({ ...fit.profile, parameters: rounded }, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
  console.log(`wrote ${path}`);
}
