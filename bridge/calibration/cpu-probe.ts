/**
 * How fast this machine is right now: a short, fixed, pure-CPU loop timed in
 * wall and CPU time, run by `sspe collect` just before each real run and
 * stored with it (runs.csv columns probeWallMs, probeCpuMs). The work is the
 * same on every call, so on one machine the wall time moves only with what
 * else runs there (other processes on the same cores, frequency scaling),
 * and wall ÷ CPU above 1 says the probe waited for a core. Calibration can
 * then show the drift over a collection and, as an option, correct for it.
 */
import { performance } from 'node:perf_hooks';

/** What one probe measured. */
export interface CpuProbe {
  /** Wall time of the fixed loop, ms. */
  wallMs: number;
  /** CPU time this process spent on it (user + system), ms. */
  cpuMs: number;
}

/** Iterations of the loop: about 150 ms on one idle core of the 2-vCPU machines this project runs on. */
export const CPU_PROBE_ITERATIONS = 90_000_000;

export interface CpuProbeOptions {
  iterations?: number;
  /** Clocks, injectable for tests. */
  wallNowMs?: () => number;
  cpuNowMs?: () => number;
}

/** Runs the fixed loop once and times it. */
export function runCpuProbe(options: CpuProbeOptions = {}): CpuProbe {
  const iterations = options.iterations ?? CPU_PROBE_ITERATIONS;
  const wallNow = options.wallNowMs ?? (() => performance.now());
  const cpuNow = options.cpuNowMs ?? (() => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  });
  const wall0 = wallNow();
  const cpu0 = cpuNow();
  // xorshift32: integer work the JIT cannot fold away; the result is used so the loop is not dead code.
  let x = 2463534242;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  const wallMs = wallNow() - wall0;
  const cpuMs = cpuNow() - cpu0;
  if (x === 0) throw new Error('cpu probe: xorshift reached 0, which it never does'); // keeps x live
  return { wallMs, cpuMs };
}
