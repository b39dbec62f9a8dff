/**
 * The M/M/c queue (Poisson arrivals, exponential service, c servers, FIFO) on
 * our Simulation engine, with its Erlang-C theory beside it. It is the
 * engine's correctness check (simulated mean wait against the closed form) and
 * its benchmark workload, so the hot path allocates nothing per customer:
 * handlers are registered once and the waiting line is a typed-array ring
 * buffer of arrival times.
 */
import { Simulation } from '../engine/simulation.js';
import type { Rng } from '../random.js';

export interface MmcOptions {
  /** Poisson arrival rate λ, customers per simulated millisecond. */
  arrivalRatePerMs: number;
  /** Service rate μ of one server, customers per simulated millisecond. */
  serviceRatePerMs: number;
  /** Number of identical servers c. */
  servers: number;
  /** Customers to generate; the run ends when the last one has departed. */
  customers: number;
  /** Random source; the model draws from its 'arrivals' and 'services' splits. */
  rng: Rng;
  /** Consecutive batches (by arrival order) whose mean waits form batchMeans; default 20. */
  batches?: number;
}

export interface MmcResult {
  /** Mean time in the waiting line (before service starts), ms. */
  meanWaitMs: number;
  /** Mean time in the system (wait plus service), ms. */
  meanSystemMs: number;
  customersServed: number;
  /** Events the engine processed: one arrival and one departure per customer. */
  events: number;
  /** Mean wait of each consecutive batch of customers, for a batch-means confidence interval. */
  batchMeans: number[];
}

const DEFAULT_BATCHES = 20;
const INITIAL_LINE_CAPACITY = 1024; // a power of two, so ring indices wrap with a mask

function requirePositive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`expected a finite positive ${name}, got ${value}`);
  }
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`expected a positive integer ${name}, got ${value}`);
  }
}

export function simulateMmc(options: MmcOptions): MmcResult {
  const { arrivalRatePerMs, serviceRatePerMs, servers, customers, rng } = options;
  const batches = options.batches ?? DEFAULT_BATCHES;
  requirePositive('arrivalRatePerMs', arrivalRatePerMs);
  requirePositive('serviceRatePerMs', serviceRatePerMs);
  requirePositiveInteger('servers', servers);
  requirePositiveInteger('customers', customers);
  requirePositiveInteger('batches', batches);
  if (batches > customers) {
    throw new RangeError(`expected batches <= customers (${customers}), got ${batches}`);
  }

  const arrivalRng = rng.split('arrivals');
  const serviceRng = rng.split('services');
  const meanInterarrivalMs = 1 / arrivalRatePerMs;
  const meanServiceMs = 1 / serviceRatePerMs;
  const sim = new Simulation({ initialCapacity: servers + 2 });

  // FIFO waiting line: arrival times in a ring buffer that doubles when full.
  let line = new Float64Array(INITIAL_LINE_CAPACITY);
  let lineMask = INITIAL_LINE_CAPACITY - 1;
  let lineHead = 0;
  let lineLength = 0;

  let busyServers = 0;
  let arrived = 0;
  let started = 0; // customers whose service has begun; FIFO makes this their arrival ordinal
  let served = 0;
  let waitSumMs = 0;
  let systemSumMs = 0;
  const batchWaitSumsMs = new Float64Array(batches);
  const batchCounts = new Float64Array(batches);

  function startService(waitMs: number): void {
    const serviceMs = serviceRng.exponential(meanServiceMs);
    // Integer arithmetic on the ordinal keeps batch sizes within one of each other.
    const batch = Math.floor((started * batches) / customers);
    started++;
    waitSumMs += waitMs;
    systemSumMs += waitMs + serviceMs;
    batchWaitSumsMs[batch] += waitMs;
    batchCounts[batch]++;
    sim.schedule(serviceMs, departure);
  }

  function growLine(): void {
    const grown = new Float64Array(line.length * 2);
    for (let i = 0; i < lineLength; i++) grown[i] = line[(lineHead + i) & lineMask];
    line = grown;
    lineMask = grown.length - 1;
    lineHead = 0;
  }

  const arrival = sim.register('arrival', () => {
    arrived++;
    if (arrived < customers) sim.schedule(arrivalRng.exponential(meanInterarrivalMs), arrival);
    if (busyServers < servers) {
      busyServers++;
      startService(0);
      return;
    }
    if (lineLength === line.length) growLine();
    line[(lineHead + lineLength) & lineMask] = sim.nowMs;
    lineLength++;
  });

  const departure = sim.register('departure', () => {
    served++;
    if (lineLength === 0) {
      busyServers--;
      return;
    }
    const arrivalMs = line[lineHead];
    lineHead = (lineHead + 1) & lineMask;
    lineLength--;
    startService(sim.nowMs - arrivalMs);
  });

  sim.schedule(arrivalRng.exponential(meanInterarrivalMs), arrival);
  sim.run();

  const batchMeans: number[] = [];
  for (let b = 0; b < batches; b++) batchMeans.push(batchWaitSumsMs[b] / batchCounts[b]);
  return {
    meanWaitMs: waitSumMs / served,
    meanSystemMs: systemSumMs / served,
    customersServed: served,
    events: sim.eventsProcessed,
    batchMeans,
  };
}

/**
 * Erlang's C formula: the probability that an arriving customer has to wait
 * in an M/M/c queue with `servers` servers and offered load a = λ/μ (< servers).
 * Computed through the Erlang-B recursion, which neither overflows nor loses
 * precision for large c the way the factorial form does.
 */
export function erlangC(servers: number, offeredLoad: number): number {
  requirePositiveInteger('servers', servers);
  if (!(offeredLoad >= 0) || !(offeredLoad < servers)) {
    throw new RangeError(`expected an offeredLoad in [0, servers = ${servers}) for a stable queue, got ${offeredLoad}`);
  }
  let erlangB = 1;
  for (let k = 1; k <= servers; k++) erlangB = (offeredLoad * erlangB) / (k + offeredLoad * erlangB);
  return (servers * erlangB) / (servers - offeredLoad * (1 - erlangB));
}

/** Theoretical mean waiting time (before service) of an M/M/c queue, ms: C(c, λ/μ) / (cμ − λ). */
export function mmcMeanWaitMs(options: { arrivalRatePerMs: number; serviceRatePerMs: number; servers: number }): number {
  const { arrivalRatePerMs, serviceRatePerMs, servers } = options;
  requirePositive('arrivalRatePerMs', arrivalRatePerMs);
  requirePositive('serviceRatePerMs', serviceRatePerMs);
  const offeredLoad = arrivalRatePerMs / serviceRatePerMs;
  return erlangC(servers, offeredLoad) / (servers * serviceRatePerMs - arrivalRatePerMs);
}
