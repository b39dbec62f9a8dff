/**
 * Nelder–Mead simplex minimisation (Lagarias et al. 1998 coefficients). Small
 * and derivative-free: the objective here is a whole simulator sweep. No npm
 * package for it is maintained (fmin was last published in 2017).
 */
export interface NelderMeadOptions {
  /** Initial step per coordinate. */
  steps: number[];
  maxIterations: number;
  /** Stop when the simplex's objective values differ by less than this. */
  tolerance: number;
  onIteration?: (iteration: number, best: number[], value: number) => void;
}

export interface NelderMeadResult {
  x: number[];
  value: number;
  iterations: number;
}

export function nelderMead(objective: (x: number[]) => number, start: number[], options: NelderMeadOptions): NelderMeadResult {
  const n = start.length;
  if (options.steps.length !== n) throw new RangeError(`expected ${n} steps, got ${options.steps.length}`);
  let simplex = [start.slice()];
  for (let i = 0; i < n; i++) {
    const x = start.slice();
    x[i] += options.steps[i];
    simplex.push(x);
  }
  let values = simplex.map(objective);
  let iteration = 0;
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i] - ai));
  for (; iteration < options.maxIterations; iteration++) {
    const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
    simplex = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);
    options.onIteration?.(iteration, simplex[0], values[0]);
    if (Math.abs(values[n] - values[0]) < options.tolerance) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n;
    const worst = simplex[n];
    const reflected = combine(centroid, worst, -1);
    const fr = objective(reflected);
    if (fr < values[0]) {
      const expanded = combine(centroid, worst, -2);
      const fe = objective(expanded);
      [simplex[n], values[n]] = fe < fr ? [expanded, fe] : [reflected, fr];
    } else if (fr < values[n - 1]) {
      simplex[n] = reflected;
      values[n] = fr;
    } else {
      const outside = fr < values[n];
      const contracted = outside ? combine(centroid, worst, -0.5) : combine(centroid, worst, 0.5);
      const fc = objective(contracted);
      if (fc < (outside ? fr : values[n])) {
        simplex[n] = contracted;
        values[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = combine(simplex[0], simplex[i], 0.5);
          values[i] = objective(simplex[i]);
        }
      }
    }
  }
  const best = values.indexOf(Math.min(...values));
  return { x: simplex[best], value: values[best], iterations: iteration };
}
