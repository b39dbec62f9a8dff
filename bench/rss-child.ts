/**
 * Child process of `sspe bench sim`: simulates the peak-memory run and prints
 * its own peak RSS as one JSON line. It runs alone in its process so that the
 * figure is the simulator's, not the benchmark's other runs'.
 *
 * Usage (after `npx tsc -p tsconfig.json`): node dist/bench/rss-child.js [--duration-ms N]
 */
import { simulateRun } from '../sim/model.js';
import { RSS_RUN_MS, loadPaperTestbed, rssRunSpec } from './sim-workloads.js';

export interface RssChildReport {
  /** process.resourceUsage().maxRSS / 1024: peak resident set, MB. */
  peak_rss_mb: number;
  events: number;
  simulated_s: number;
  wall_s: number;
}

function parseDurationMs(argv: string[]): number {
  const at = argv.indexOf('--duration-ms');
  if (at < 0) return RSS_RUN_MS;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`expected a positive integer after --duration-ms, got ${JSON.stringify(argv[at + 1])}`);
  }
  return value;
}

const durationMs = parseDurationMs(process.argv.slice(2));
const startNs = process.hrtime.bigint();
const result = simulateRun(rssRunSpec(loadPaperTestbed(), durationMs));
const report: RssChildReport = {
  peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  events: result.events,
  simulated_s: result.simulatedMs / 1000,
  wall_s: Number(process.hrtime.bigint() - startNs) / 1e9,
};
console.log(JSON.stringify(report));
