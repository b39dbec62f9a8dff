/**
 * Engine throughput: the M/M/c queue (ρ = 0.8, c = 4) on our Simulation
 * engine, against the same model in SimPy (bench/simpy_mmc.py) run by the
 * project virtualenv's Python. Both count two events per customer (arrival
 * and departure), so the events-per-second figures compare like with like.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { simulateMmc } from '../sim/models/mmc.js';
import { Rng } from '../sim/random.js';
import { repoRoot } from '../src/paths.js';

export interface BenchEngineOptions {
  /** Customers per timed engine run (two events each). */
  customers: number;
  /** Customers for the SimPy run; default min(customers, 200,000), as SimPy is ~50x slower and its rate flat in this. */
  simpyCustomers?: number;
  /** Python interpreter with simpy installed: a path (relative to the repo root) or a name on PATH; default .venv/bin/python. */
  python?: string;
}

export interface BenchEngineResult {
  engine_events_per_s: number;
  engine_events: number;
  /** Wall time of the best of the timed engine runs, seconds. */
  engine_wall_s: number;
  simpy_events_per_s: number | null;
  /** engine_events_per_s / simpy_events_per_s. */
  simpy_ratio: number | null;
  /** Why the SimPy figures are null, and how to fix it. */
  simpy_error?: string;
}

const MODEL = { arrivalRatePerMs: 0.8, serviceRatePerMs: 0.25, servers: 4 } as const; // ρ = λ / (cμ) = 0.8
const TIMED_RUNS = 3;
const DEFAULT_SIMPY_CUSTOMERS_CAP = 200_000;
const SIMPY_TIMEOUT_MS = 600_000;
const SETUP_HINT = 'run scripts/setup-python.sh to create .venv with the pinned simpy';

const execFileAsync = promisify(execFile);


function timeEngineRun(customers: number): { events: number; wallS: number } {
  const startNs = process.hrtime.bigint();
  const result = simulateMmc({ ...MODEL, customers, rng: new Rng('bench-engine') });
  const wallS = Number(process.hrtime.bigint() - startNs) / 1e9;
  return { events: result.events, wallS };
}

type SimpyOutcome = { eventsPerS: number } | { error: string };

async function runSimpy(python: string, script: string, customers: number): Promise<SimpyOutcome> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(
      python,
      [script, '--customers', String(customers), ...modelArgs()],
      { timeout: SIMPY_TIMEOUT_MS },
    ));
  } catch (error) {
    const { code, stderr } = error as { code?: unknown; stderr?: string };
    const reason =
      code === 'ENOENT'
        ? `no Python at ${python}`
        : /No module named '?simpy'?/.test(stderr ?? '')
          ? `simpy is not installed for ${python}`
          : `${python} ${script} failed: ${String(error)}`;
    return { error: `SimPy baseline skipped: ${reason}; ${SETUP_HINT}` };
  }
  let parsed: { events?: unknown; wall_s?: unknown };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch (error) {
    return { error: `SimPy baseline skipped: expected one JSON object from ${script}, got ${JSON.stringify(stdout.slice(0, 200))} (${String(error)})` };
  }
  const { events, wall_s: wallS } = parsed;
  if (typeof events !== 'number' || typeof wallS !== 'number' || !(events > 0) || !(wallS > 0)) {
    return { error: `SimPy baseline skipped: expected positive numbers events and wall_s from ${script}, got ${stdout.trim()}` };
  }
  return { eventsPerS: events / wallS };
}

function modelArgs(): string[] {
  return [
    '--arrival-rate-per-ms', String(MODEL.arrivalRatePerMs),
    '--service-rate-per-ms', String(MODEL.serviceRatePerMs),
    '--servers', String(MODEL.servers),
  ];
}

export async function benchEngine(options: BenchEngineOptions): Promise<BenchEngineResult> {
  const { customers } = options;
  if (!Number.isInteger(customers) || customers < 1) {
    throw new RangeError(`expected a positive integer customers, got ${customers}`);
  }
  const simpyCustomers = options.simpyCustomers ?? Math.min(customers, DEFAULT_SIMPY_CUSTOMERS_CAP);
  if (!Number.isInteger(simpyCustomers) || simpyCustomers < 1) {
    throw new RangeError(`expected a positive integer simpyCustomers, got ${simpyCustomers}`);
  }
  const root = repoRoot();
  const pythonOption = options.python ?? join('.venv', 'bin', 'python');
  const python = pythonOption.includes('/') ? resolve(root, pythonOption) : pythonOption;

  timeEngineRun(customers); // warm-up: lets the JIT optimise the handlers and the heap before timing
  let best = timeEngineRun(customers);
  for (let run = 1; run < TIMED_RUNS; run++) {
    const timed = timeEngineRun(customers);
    if (timed.wallS < best.wallS) best = timed;
  }
  const engineEventsPerS = best.events / best.wallS;

  const simpy = await runSimpy(python, join(root, 'bench', 'simpy_mmc.py'), simpyCustomers);
  const result: BenchEngineResult = {
    engine_events_per_s: engineEventsPerS,
    engine_events: best.events,
    engine_wall_s: best.wallS,
    simpy_events_per_s: null,
    simpy_ratio: null,
  };
  if ('error' in simpy) {
    result.simpy_error = simpy.error;
  } else {
    result.simpy_events_per_s = simpy.eventsPerS;
    result.simpy_ratio = engineEventsPerS / simpy.eventsPerS;
  }
  return result;
}
