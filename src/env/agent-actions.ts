/**
 * One agent's actions over the knobs it owns: the same two encodings as the
 * Configuration Manager's, restricted to the agent's knobs. 'absolute' picks
 * a point of the agent's sub-grid (one decision can jump); 'delta' moves each
 * of its knobs −1/0/+1 grid steps (3^k actions, the middle one stays).
 */
import type { ActionEncoding, ConfigurationManager } from '../managers/configuration.js';
import { stayAction } from '../managers/configuration.js';
import type { DeclaredKnob, KnobPoint } from '../space/grid.js';
import type { AgentName, KnobValue, KnobValues } from '../space/knobs.js';

export class AgentActions {
  readonly knobs: readonly DeclaredKnob[];
  readonly actionCount: number;
  /** The agent's sub-grid (absolute encoding), the first knob outermost. */
  private readonly points: KnobValues[];

  constructor(
    readonly agent: AgentName,
    private readonly configuration: ConfigurationManager,
    readonly encoding: ActionEncoding,
  ) {
    this.knobs = configuration.knobs.filter((k) => k.declaration.agent === agent);
    if (this.knobs.length === 0) throw new RangeError(`agent '${agent}' owns no knob the scenario declares`);
    let points: Record<string, KnobValue>[] = [{}];
    for (const k of this.knobs) points = points.flatMap((p) => k.values.map((v) => ({ ...p, [k.name]: v })));
    this.points = points as KnobValues[];
    this.actionCount = encoding === 'delta' ? 3 ** this.knobs.length : this.points.length;
  }

  /** The action that keeps the agent's knobs (−1 under the absolute encoding, where it depends on the point). */
  get stayAction(): number {
    return this.encoding === 'delta' ? stayAction(this.knobs.length) : -1;
  }

  /** The agent's knob values an action leads to from the current configuration (off-grid when a delta leaves the grid). */
  target(action: number): KnobValues {
    if (!Number.isInteger(action) || action < 0 || action >= this.actionCount) {
      throw new RangeError(`agent '${this.agent}': expected an action in [0, ${this.actionCount - 1}], got ${action}`);
    }
    if (this.encoding === 'absolute') return this.points[action];
    const now = this.configuration.point() as Record<string, KnobValue>;
    const out: Record<string, KnobValue> = {};
    let rest = action;
    for (let i = this.knobs.length - 1; i >= 0; i--) {
      const k = this.knobs[i];
      const delta = (rest % 3) - 1;
      rest = Math.floor(rest / 3);
      const index = k.values.indexOf(now[k.name]) + delta;
      out[k.name] = delta === 0 ? now[k.name] : index >= 0 && index < k.values.length ? k.values[index] : Number.NaN;
    }
    return out as KnobValues;
  }

  /** The action leading to the agent's knobs of `point` (−1 when none does: off the grid, or more than one step under 'delta'). */
  actionTo(point: KnobValues): number {
    const wanted = point as Record<string, KnobValue | undefined>;
    for (let a = 0; a < this.actionCount; a++) {
      const t = this.target(a) as Record<string, KnobValue>;
      if (this.knobs.every((k) => (wanted[k.name] ?? (this.configuration.point() as Record<string, KnobValue>)[k.name]) === t[k.name])) return a;
    }
    return -1;
  }

  /** 1 where the action is allowed, the other agents' knobs as they are now. */
  mask(): Uint8Array {
    const mask = new Uint8Array(this.actionCount);
    const now = this.configuration.point();
    for (let a = 0; a < this.actionCount; a++) {
      const point = { ...now, ...this.target(a) } as KnobPoint;
      mask[a] = this.configuration.inSpace(point) && this.configuration.fitsOneExecutor(point) ? 1 : 0;
    }
    return mask;
  }
}
