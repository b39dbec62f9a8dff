/**
 * A baseline made of several autoscalers, each owning some knobs, as
 * operators run them side by side (an HPA, a VPA and the Cluster Autoscaler;
 * or the Flink operator's autoscaler with the same VPA and Cluster
 * Autoscaler). Each part recommends values for its own knobs; the stack
 * merges them over the configuration now and moves there with one allowed
 * action (all at once under the 'absolute' encoding, one grid step per knob
 * under 'delta'). Knobs a scenario does not declare are left alone.
 */
import type { KnobPoint } from '../../space/grid.js';
import type { DeclaredKnob } from '../../space/grid.js';
import type { KnobName, KnobValues } from '../../space/knobs.js';
import { actionToward, type DecisionContext, type Policy } from '../agent.js';

/** One autoscaler of a stack. */
export interface KnobRecommender {
  readonly name: string;
  /**
   * The values it wants for the knobs it owns after the last window, on the
   * scenario's grids; knobs it leaves out stay. `planned` is the point the
   * parts before it in the stack have chosen so far.
   */
  recommend(ctx: DecisionContext, planned: KnobPoint): KnobValues;
  /** Forgets everything at the start of an episode. */
  reset(): void;
}

export class AutoscalerStack implements Policy {
  constructor(
    readonly name: string,
    readonly parts: readonly KnobRecommender[],
  ) {}

  reset(): void {
    for (const part of this.parts) part.reset();
  }

  act(ctx: DecisionContext): number {
    return actionToward(ctx, this.target(ctx));
  }

  /** The point the parts recommend together, over the configuration now. */
  target(ctx: DecisionContext): KnobPoint {
    let planned = ctx.configuration.point(ctx.config);
    for (const part of this.parts) planned = { ...planned, ...onlyDeclared(ctx, part.recommend(ctx, planned)) };
    return planned;
  }
}

function onlyDeclared(ctx: DecisionContext, values: KnobValues): KnobValues {
  const declared = new Set(ctx.configuration.knobs.map((k) => k.name));
  return Object.fromEntries(Object.entries(values).filter(([name]) => declared.has(name as KnobName))) as KnobValues;
}

/** The scenario's grid of a knob, or undefined when it does not declare it. */
export function declaredKnob(ctx: DecisionContext, name: KnobName): DeclaredKnob | undefined {
  return ctx.configuration.knobs.find((k) => k.name === name);
}

/** The smallest value of a numeric knob's grid at or above `value` (the largest when none is). */
export function gridValueAtLeast(knob: DeclaredKnob, value: number): number {
  const values = numericValues(knob);
  return values.find((v) => v >= value - 1e-9) ?? values[values.length - 1];
}

/** The value of a numeric knob's grid nearest to `value` (ties: the larger). */
export function gridValueNearest(knob: DeclaredKnob, value: number): number {
  let best = Number.NaN;
  for (const v of numericValues(knob)) if (Number.isNaN(best) || Math.abs(v - value) <= Math.abs(best - value)) best = v;
  return best;
}

function numericValues(knob: DeclaredKnob): number[] {
  const values = knob.values.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  if (values.length === 0) throw new RangeError(`${knob.name}: expected a numeric grid, got ${knob.values.join(', ')}`);
  return values;
}
