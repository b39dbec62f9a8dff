/**
 * How much the runs themselves scatter, the yardstick for any model error:
 *
 * - the noise floor: over every configuration measured more than once, each
 *   run's |run − configuration mean| / configuration mean, and the median of
 *   those, in %. A model that knew every configuration's true mean would
 *   still score about this MAPE on single runs, so a held-out MAPE near it is
 *   as good as these runs can show.
 * - the probe spread: the same for the CPU probe's wall time before each run
 *   (cpu-probe.ts), around the collection's median, and the slowest ÷ the
 *   fastest probe: how far the machine's speed drifted while it collected.
 */
import type { RealRun } from './real-run.js';
import { settingKey } from './split.js';

export interface NoiseFloor {
  /** Median |run − its configuration's mean| / that mean, %; null when no configuration was measured twice. */
  pct: number | null;
  /** Configurations with two or more runs, and the runs they hold. */
  repeatedConfigs: number;
  repeatedRuns: number;
}

export function median(values: readonly number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The noise floor of `runs`, each measured as `measuredMs(run)`. */
export function noiseFloor(runs: readonly RealRun[], measuredMs: (run: RealRun) => number): NoiseFloor {
  const groups = new Map<string, number[]>();
  for (const run of runs) {
    const key = settingKey(run);
    groups.set(key, [...(groups.get(key) ?? []), measuredMs(run)]);
  }
  const deviations: number[] = [];
  let repeatedConfigs = 0;
  for (const values of groups.values()) {
    if (values.length < 2) continue;
    repeatedConfigs++;
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    for (const v of values) deviations.push(Math.abs(v - mean) / mean);
  }
  return { pct: deviations.length === 0 ? null : 100 * median(deviations), repeatedConfigs, repeatedRuns: deviations.length };
}

export interface ProbeSpread {
  /** Runs with a probe. */
  runs: number;
  /** Median probe wall time, ms. */
  medianWallMs: number;
  /** Median |probe − median| / median, %. */
  spreadPct: number;
  /** Slowest probe ÷ fastest. */
  slowestToFastest: number;
  /** Median wall ÷ CPU time of the probes (1: the probe had a core to itself). */
  medianWallToCpu: number;
}

/** The spread of the runs' CPU probes; null when no run has one. */
export function probeSpread(runs: readonly RealRun[]): ProbeSpread | null {
  const probes = runs.flatMap((run) => (run.cpuProbe ? [run.cpuProbe] : []));
  if (probes.length === 0) return null;
  const walls = probes.map((p) => p.wallMs);
  const mid = median(walls);
  return {
    runs: probes.length,
    medianWallMs: mid,
    spreadPct: 100 * median(walls.map((w) => Math.abs(w - mid) / mid)),
    slowestToFastest: Math.max(...walls) / Math.min(...walls),
    medianWallToCpu: median(probes.map((p) => (p.cpuMs > 0 ? p.wallMs / p.cpuMs : Number.POSITIVE_INFINITY))),
  };
}
