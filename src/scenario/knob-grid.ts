/**
 * The one rule for a value of an action-space knob (cores, memory, instances):
 * an integer in [min, max] on the grid min + k × step. `simulate --config`,
 * `decide` and policy artifacts all check with it, and say the same thing.
 */
import type { KnobRange } from './schema.js';

export function onKnobGrid(range: KnobRange, value: number): boolean {
  return Number.isInteger(value) && value >= range.min && value <= range.max && (value - range.min) % range.step === 0;
}

/** What onKnobGrid allows, for messages: "an integer in [500, 1000] in steps of 100 from 500". */
export function knobAllowed(range: KnobRange): string {
  const grid = range.step === 1 ? '' : ` in steps of ${range.step} from ${range.min}`;
  return `an integer in [${range.min}, ${range.max}]${grid}`;
}
