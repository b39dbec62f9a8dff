/**
 * Non-negative least squares: minimise ‖A x − b‖₂ subject to x ≥ 0, by the
 * active-set method of Lawson and Hanson ("Solving Least Squares Problems",
 * 1974, ch. 23), the algorithm behind scipy.optimize.nnls. Small and dense:
 * Ernest's model has four features and a calibration a few dozen runs.
 */

export interface NnlsOptions {
  /** Outer iterations before giving up; default 3 × columns (Lawson–Hanson's bound). */
  maxIterations?: number;
}

export interface NnlsResult {
  x: number[];
  /** ‖A x − b‖₂ at the solution. */
  residualNorm: number;
  iterations: number;
}

/** Solves min ‖A x − b‖ over x ≥ 0. `a` is row-major (one row per observation). */
export function nnls(a: readonly (readonly number[])[], b: readonly number[], options: NnlsOptions = {}): NnlsResult {
  const m = a.length;
  if (m === 0) throw new RangeError('nnls: expected at least one row, got none');
  const n = a[0].length;
  if (n === 0) throw new RangeError('nnls: expected at least one column, got none');
  if (b.length !== m) throw new RangeError(`nnls: expected b of length ${m} (one per row), got ${b.length}`);
  for (const [i, row] of a.entries()) {
    if (row.length !== n) throw new RangeError(`nnls: expected every row to have ${n} columns, row ${i} has ${row.length}`);
    if (!row.every(Number.isFinite) || !Number.isFinite(b[i])) throw new RangeError(`nnls: expected finite numbers, row ${i} has one that is not`);
  }

  // Scaling each column to unit norm leaves the non-negative solutions the same
  // (up to the scale) and keeps the normal-equation gradient well conditioned.
  const scale = new Array<number>(n).fill(0);
  for (const row of a) for (let j = 0; j < n; j++) scale[j] += row[j] * row[j];
  for (let j = 0; j < n; j++) scale[j] = scale[j] > 0 ? Math.sqrt(scale[j]) : 1;
  const as = a.map((row) => row.map((v, j) => v / scale[j]));

  const maxIterations = options.maxIterations ?? 3 * n;
  const tolerance = 10 * Number.EPSILON * Math.max(m, n) * Math.max(1, ...as.map((row) => row.reduce((s, v) => s + Math.abs(v), 0)));
  const passive = new Array<boolean>(n).fill(false);
  let x = new Array<number>(n).fill(0);
  let iterations = 0;

  for (;;) {
    const w = gradient(as, b, x);
    let t = -1;
    for (let j = 0; j < n; j++) if (!passive[j] && w[j] > tolerance && (t < 0 || w[j] > w[t])) t = j;
    if (t < 0) break;
    if (iterations >= maxIterations) break;
    iterations++;
    passive[t] = true;
    // Inner loop: step toward the unconstrained solution on the passive set until it is feasible.
    for (;;) {
      const s = solvePassive(as, b, passive);
      if (passive.every((p, j) => !p || s[j] > tolerance)) {
        x = s;
        break;
      }
      // Step from x toward s until the first passive coefficient reaches 0; that one (at least) leaves.
      let alpha = Infinity;
      let blocking = -1;
      for (let j = 0; j < n; j++) {
        if (!passive[j] || s[j] > tolerance) continue;
        const gap = x[j] - s[j];
        const step = gap > 0 ? x[j] / gap : 0;
        if (step < alpha) {
          alpha = step;
          blocking = j;
        }
      }
      x = x.map((xj, j) => xj + alpha * (s[j] - xj));
      x[blocking] = 0;
      for (let j = 0; j < n; j++) {
        if (passive[j] && x[j] <= tolerance) {
          passive[j] = false;
          x[j] = 0;
        }
      }
    }
  }
  const solution = x.map((xj, j) => xj / scale[j]);
  return { x: solution, residualNorm: Math.sqrt(sumSquares(residual(a, b, solution))), iterations };
}

function residual(a: readonly (readonly number[])[], b: readonly number[], x: readonly number[]): number[] {
  return a.map((row, i) => b[i] - row.reduce((s, v, j) => s + v * x[j], 0));
}

function sumSquares(v: readonly number[]): number {
  return v.reduce((s, e) => s + e * e, 0);
}

/** w = Aᵀ (b − A x): the negative gradient of ½‖A x − b‖². */
function gradient(a: readonly (readonly number[])[], b: readonly number[], x: readonly number[]): number[] {
  const r = residual(a, b, x);
  const w = new Array<number>(x.length).fill(0);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < x.length; j++) w[j] += a[i][j] * r[i];
  return w;
}

/** Unconstrained least squares on the passive columns (the others held at 0). */
function solvePassive(a: readonly (readonly number[])[], b: readonly number[], passive: readonly boolean[]): number[] {
  const columns = passive.flatMap((p, j) => (p ? [j] : []));
  const sub = a.map((row) => columns.map((j) => row[j]));
  const z = leastSquares(sub, b);
  const s = new Array<number>(passive.length).fill(0);
  columns.forEach((j, k) => (s[j] = z[k]));
  return s;
}

/**
 * min ‖A z − b‖ by Householder QR. A column that is (numerically) a
 * combination of earlier ones gets coefficient 0: a basic solution.
 */
export function leastSquares(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const m = a.length;
  const n = a[0]?.length ?? 0;
  const r = a.map((row) => row.slice());
  const y = b.slice();
  const k = Math.min(m, n);
  const norms = new Array<number>(n).fill(0);
  for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) norms[j] = Math.max(norms[j], Math.abs(a[i][j]));
  for (let j = 0; j < k; j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm += r[i][j] * r[i][j];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = r[j][j] > 0 ? -norm : norm;
    const v = new Array<number>(m).fill(0);
    for (let i = j; i < m; i++) v[i] = r[i][j];
    v[j] -= alpha;
    const vv = v.reduce((s, e) => s + e * e, 0);
    if (vv === 0) continue;
    for (let c = j; c < n; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += v[i] * r[i][c];
      const f = (2 * dot) / vv;
      for (let i = j; i < m; i++) r[i][c] -= f * v[i];
    }
    let dot = 0;
    for (let i = j; i < m; i++) dot += v[i] * y[i];
    const f = (2 * dot) / vv;
    for (let i = j; i < m; i++) y[i] -= f * v[i];
  }
  const z = new Array<number>(n).fill(0);
  for (let j = k - 1; j >= 0; j--) {
    if (Math.abs(r[j][j]) <= 1e-12 * Math.max(norms[j], 1e-300) * Math.max(m, n)) continue;
    let s = y[j];
    for (let c = j + 1; c < n; c++) s -= r[j][c] * z[c];
    z[j] = s / r[j][j];
  }
  return z;
}
