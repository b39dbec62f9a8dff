/**
 * Per load level, the cheapest configuration of a scenario's action space
 * that meets its SLO (p95 within slo.perFrameMs and keeping up), by request
 * cost: the table the adaptive oracles of `sspe evaluate --trace` decide from.
 *
 *   npm run build && node dist/scripts/slo-cost-table.js scenarios/diurnal.yaml
 */
import { sloCostSweep } from '../src/agents/baselines/slo-cost-oracle.js';
import { loadScenarioSync } from '../src/scenario/load.js';

const path = process.argv[2];
if (path === undefined) {
  console.error('slo-cost-table: expected a scenario path, e.g. scenarios/diurnal.yaml');
  process.exit(2);
}
const scenario = loadScenarioSync(path);
console.log(`${scenario.name}: SLO p95 <= ${scenario.slo.perFrameMs} ms`);
console.log('fps  cheapest within the SLO (cores/MB/instances)  p95 ms  request $/h  configurations within the SLO');
for (const level of sloCostSweep(scenario)) {
  const meeting = level.rows.filter((row) => row.meetsSlo);
  const best = level.rows[0];
  const c = best.config;
  const label = meeting.length > 0 ? `${c.executorCores} / ${c.executorMemoryMb} / ${c.executorInstances}` : `none (fastest: ${c.executorCores} / ${c.executorMemoryMb} / ${c.executorInstances})`;
  console.log(`${String(level.fps).padStart(3)}  ${label.padEnd(45)}  ${best.p95Ms.toFixed(0).padStart(6)}  ${best.requestCostPerHour.toFixed(3).padStart(11)}  ${meeting.length}`);
}
