/**
 * A CherryPick-style Bayesian optimisation baseline (Alipourfard et al.,
 * "CherryPick: Adaptively Unearthing the Best Cloud Configurations for Big
 * Data Analytics", NSDI'17): the yardstick for how many real runs fine-tuning
 * saves. It knows nothing of the simulator: a Gaussian process over the
 * normalised knobs models the cost of every configuration from the runs so
 * far, and the next run goes to the candidate of highest expected
 * improvement.
 *
 * - kernel: Matérn 5/2 (CherryPick's choice: smoother than the exponential,
 *   rougher than the squared exponential) with one length-scale, plus a noise
 *   term; the signal variance is profiled out in closed form and the
 *   length-scale and noise ratio are picked from a small grid by marginal
 *   likelihood, refitted after every run;
 * - start: a few quasi-random points (a seeded scrambled Halton sequence
 *   snapped to the nearest unused candidate);
 * - a failed run (evaluate gives null) is never tried again and enters the
 *   model as worse than anything that ran;
 * - minimises: pass costs (per-frame ms), not rewards.
 */
import { Rng } from '../../sim/random.js';

// ---------------------------------------------------------------- Gaussian process

export type Kernel = 'matern52' | 'squared-exponential';

export interface GpHyperparameters {
  lengthScale: number;
  /** Noise variance ÷ signal variance. */
  noiseRatio: number;
}

export interface GpOptions {
  kernel?: Kernel;
  /** Grid the length-scale is chosen from (inputs are in [0, 1] per dimension). */
  lengthScales?: readonly number[];
  noiseRatios?: readonly number[];
}

const DEFAULT_LENGTH_SCALES = [0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2, 4];
const DEFAULT_NOISE_RATIOS = [1e-6, 1e-4, 1e-3, 1e-2, 0.05, 0.2];

export interface GaussianProcess {
  hyperparameters: GpHyperparameters;
  /** Log marginal likelihood of the standardised observations under the chosen hyper-parameters. */
  logMarginalLikelihood: number;
  /** Posterior mean and variance of the latent function at x, in the units of y. */
  predict(x: readonly number[]): { mean: number; variance: number };
}

function kernelValue(kernel: Kernel, a: readonly number[], b: readonly number[], lengthScale: number): number {
  let squared = 0;
  for (let i = 0; i < a.length; i++) squared += (a[i] - b[i]) ** 2;
  const r = Math.sqrt(squared) / lengthScale;
  if (kernel === 'squared-exponential') return Math.exp(-0.5 * r * r);
  const s = Math.sqrt(5) * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/** Lower-triangular L with L Lᵀ = A (A symmetric positive definite, row-major n × n); null when it is not. */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) return null;
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  return l;
}

/** Solves L x = b (forward substitution). */
function solveLower(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}

/** Solves Lᵀ x = b (back substitution). */
function solveUpper(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}

/**
 * Fits a zero-mean GP to standardised y and returns its posterior. With one
 * point (or identical values) the variance of y is taken as 1.
 */
export function fitGp(xs: readonly (readonly number[])[], ys: readonly number[], options: GpOptions = {}): GaussianProcess {
  const n = xs.length;
  if (n === 0 || ys.length !== n) throw new RangeError(`expected as many observations as points (at least one), got ${n} points and ${ys.length} values`);
  const kernel = options.kernel ?? 'matern52';
  const yMean = ys.reduce((a, b) => a + b, 0) / n;
  const yStd = Math.sqrt(ys.reduce((a, b) => a + (b - yMean) ** 2, 0) / n) || 1;
  const y = Float64Array.from(ys, (v) => (v - yMean) / yStd);

  let best: { h: GpHyperparameters; l: Float64Array; alpha: Float64Array; signal: number; lml: number } | null = null;
  for (const lengthScale of options.lengthScales ?? DEFAULT_LENGTH_SCALES) {
    for (const noiseRatio of options.noiseRatios ?? DEFAULT_NOISE_RATIOS) {
      const k = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          const v = kernelValue(kernel, xs[i], xs[j], lengthScale) + (i === j ? noiseRatio : 0);
          k[i * n + j] = v;
          k[j * n + i] = v;
        }
      }
      const l = cholesky(k, n);
      if (l === null) continue;
      const alpha = solveUpper(l, n, solveLower(l, n, y));
      // Profile likelihood: the signal variance that maximises it for this shape is yᵀK⁻¹y / n.
      let quad = 0;
      for (let i = 0; i < n; i++) quad += y[i] * alpha[i];
      const signal = Math.max(quad / n, 1e-12);
      let logDet = 0;
      for (let i = 0; i < n; i++) logDet += Math.log(l[i * n + i]);
      const lml = -0.5 * n * (1 + Math.log(2 * Math.PI * signal)) - logDet;
      if (best === null || lml > best.lml) best = { h: { lengthScale, noiseRatio }, l, alpha, signal, lml };
    }
  }
  if (best === null) throw new RangeError('no length-scale and noise of the grid gives a positive definite kernel matrix (duplicate points with no noise?)');
  const chosen = best;
  return {
    hyperparameters: chosen.h,
    logMarginalLikelihood: chosen.lml,
    predict(x) {
      const ks = Float64Array.from(xs, (xi) => kernelValue(kernel, x, xi, chosen.h.lengthScale));
      let mean = 0;
      for (let i = 0; i < n; i++) mean += ks[i] * chosen.alpha[i];
      const v = solveLower(chosen.l, n, ks);
      let explained = 0;
      for (let i = 0; i < n; i++) explained += v[i] * v[i];
      const variance = Math.max(0, 1 - explained) * chosen.signal;
      return { mean: yMean + yStd * mean, variance: variance * yStd * yStd };
    },
  };
}

// ---------------------------------------------------------------- acquisition

function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; error below 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Expected improvement below `best` (minimisation) of a normal posterior; `xi` asks for a margin. */
export function expectedImprovement(mean: number, std: number, best: number, xi = 0): number {
  const gain = best - mean - xi;
  if (!(std > 0)) return Math.max(0, gain);
  const z = gain / std;
  return gain * normalCdf(z) + std * normalPdf(z);
}

// ---------------------------------------------------------------- the optimiser

export interface BayesOptStep<T> {
  /** 0-based evaluation index. */
  index: number;
  candidateIndex: number;
  candidate: T;
  /** The cost evaluate gave; null for a failed run. */
  value: number | null;
  phase: 'initial' | 'expected-improvement';
  /** Expected improvement of the chosen candidate (null for initial points). */
  expectedImprovement: number | null;
  /** Lowest cost seen so far (after this evaluation), and where. */
  bestValue: number | null;
  bestCandidateIndex: number | null;
}

export interface BayesOptOptions<T> {
  candidates: readonly T[];
  /** Runs a candidate; lower is better; null: the run failed. */
  evaluate: (candidate: T, index: number) => Promise<number | null>;
  /** Evaluations in all (at most the number of candidates). */
  budget: number;
  seed: number | string;
  /** Quasi-random points before the model takes over; default 3 (CherryPick's). */
  initialPoints?: number;
  /** Each candidate as numbers; default its numeric fields, each scaled to [0, 1] over the candidates. */
  features?: (candidate: T) => number[];
  gp?: GpOptions;
  /** Exploration margin of expected improvement, as a fraction of the standard deviation of the costs seen. */
  xi?: number;
}

/** Every numeric field of each candidate, scaled to [0, 1] over the candidate set (a constant field scales to 0). */
export function normalisedFeatures<T extends object>(candidates: readonly T[]): (candidate: T) => number[] {
  if (candidates.length === 0) return () => [];
  const keys = Object.keys(candidates[0]).filter((k) => typeof (candidates[0] as Record<string, unknown>)[k] === 'number');
  const value = (c: T, k: string) => (c as Record<string, number>)[k];
  const ranges = keys.map((k) => {
    const values = candidates.map((c) => value(c, k));
    return { min: Math.min(...values), max: Math.max(...values) };
  });
  return (c) => keys.map((k, i) => (ranges[i].max > ranges[i].min ? (value(c, k) - ranges[i].min) / (ranges[i].max - ranges[i].min) : 0));
}

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

function radicalInverse(index: number, base: number): number {
  let result = 0;
  let f = 1 / base;
  for (let i = index; i > 0; i = Math.floor(i / base)) {
    result += f * (i % base);
    f /= base;
  }
  return result;
}

/** Minimises a cost over a discrete set of candidates; returns every evaluation in order. */
export async function bayesOpt<T extends object>(options: BayesOptOptions<T>): Promise<BayesOptStep<T>[]> {
  const { candidates } = options;
  if (candidates.length === 0) throw new RangeError('expected at least one candidate, got none');
  if (!Number.isInteger(options.budget) || options.budget < 0) throw new RangeError(`expected a non-negative integer budget, got ${options.budget}`);
  const budget = Math.min(options.budget, candidates.length);
  const initialPoints = Math.max(1, options.initialPoints ?? 3);
  const features = options.features ?? normalisedFeatures(candidates);
  const xs = candidates.map(features);
  const dims = xs[0].length;
  const rng = new Rng(options.seed, 'bayes-opt');
  // Cranley–Patterson rotation: a random shift per dimension scrambles the Halton sequence by seed.
  const shift = Array.from({ length: dims }, () => rng.uniform());
  const used = new Set<number>();
  const history: BayesOptStep<T>[] = [];
  let bestValue: number | null = null;
  let bestIndex: number | null = null;

  const record = async (candidateIndex: number, phase: BayesOptStep<T>['phase'], ei: number | null) => {
    used.add(candidateIndex);
    const value = await options.evaluate(candidates[candidateIndex], history.length);
    if (value !== null && !Number.isFinite(value)) throw new RangeError(`evaluate: expected a finite cost or null (failed run), got ${value}`);
    if (value !== null && (bestValue === null || value < bestValue)) {
      bestValue = value;
      bestIndex = candidateIndex;
    }
    history.push({ index: history.length, candidateIndex, candidate: candidates[candidateIndex], value, phase, expectedImprovement: ei, bestValue, bestCandidateIndex: bestIndex });
  };

  for (let i = 0; history.length < Math.min(initialPoints, budget); i++) {
    const point = Array.from({ length: dims }, (_, d) => (radicalInverse(i + 1, PRIMES[d % PRIMES.length]) + shift[d]) % 1);
    await record(nearestUnused(xs, point, used), 'initial', null);
  }
  while (history.length < budget) {
    const ok = history.filter((h) => h.value !== null);
    if (ok.length === 0) {
      // Nothing ran yet: no model to fit; keep sampling quasi-randomly.
      const point = Array.from({ length: dims }, (_, d) => (radicalInverse(history.length + 1, PRIMES[d % PRIMES.length]) + shift[d]) % 1);
      await record(nearestUnused(xs, point, used), 'initial', null);
      continue;
    }
    const values = ok.map((h) => h.value as number);
    const worst = Math.max(...values);
    const spread = worst - Math.min(...values);
    // A failed configuration counts as clearly worse than the worst that ran, so the model steers away from its neighbourhood.
    const failedCost = worst + Math.max(spread, Math.abs(worst) * 0.25, 1e-9);
    const gp = fitGp(
      history.map((h) => xs[h.candidateIndex]),
      history.map((h) => h.value ?? failedCost),
      options.gp,
    );
    const std = Math.sqrt(values.reduce((a, v) => a + (v - values.reduce((s, w) => s + w, 0) / values.length) ** 2, 0) / values.length);
    const xi = (options.xi ?? 0.01) * std;
    let chosen = -1;
    let chosenEi = -Infinity;
    for (let c = 0; c < candidates.length; c++) {
      if (used.has(c)) continue;
      const { mean, variance } = gp.predict(xs[c]);
      const ei = expectedImprovement(mean, Math.sqrt(variance), bestValue!, xi);
      if (ei > chosenEi) {
        chosen = c;
        chosenEi = ei;
      }
    }
    await record(chosen, 'expected-improvement', chosenEi);
  }
  return history;
}

/** The unused candidate nearest to a point of the unit cube (ties: the lowest index). */
function nearestUnused(xs: readonly number[][], point: readonly number[], used: ReadonlySet<number>): number {
  let best = -1;
  let bestDistance = Infinity;
  for (let c = 0; c < xs.length; c++) {
    if (used.has(c)) continue;
    let d = 0;
    for (let i = 0; i < point.length; i++) d += (xs[c][i] - point[i]) ** 2;
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
