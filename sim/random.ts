import seedrandom from 'seedrandom';

/**
 * The one source of randomness. Every component takes its own stream with
 * split(name); a stream's seed depends only on the root seed and the path of
 * names, so adding a component never shifts another component's draws.
 */
export class Rng {
  private readonly next: () => number;

  constructor(
    readonly seed: string | number,
    readonly path = 'root',
  ) {
    this.next = seedrandom.alea(`${seed}/${path}`);
  }

  split(name: string): Rng {
    return new Rng(this.seed, `${this.path}/${name}`);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next();
  }

  between(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [low, high], inclusive. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('expected a non-empty list to pick from, got an empty one');
    return items[Math.floor(this.next() * items.length)];
  }

  exponential(meanMs: number): number {
    return -meanMs * Math.log(1 - this.next());
  }

  /** Standard normal by Box–Muller (one draw used, so the stream stays simple to reason about). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and log-space sigma. sigma 0 gives the median exactly. */
  lognormal(median: number, sigma: number): number {
    return sigma === 0 ? median : median * Math.exp(sigma * this.normal());
  }
}
