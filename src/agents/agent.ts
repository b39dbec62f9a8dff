import type { TrialOutcome } from '../backend/backend.js';
import type { ConfigurationManager } from '../managers/configuration.js';
import { KNOBS } from '../managers/configuration.js';
import type { Configuration, ExecutorConfig, KnobPoint } from '../space/grid.js';
import type { KnobValue } from '../space/knobs.js';

/** Everything a policy may look at when it decides. */
export interface DecisionContext {
  /** The State Manager's observation (all a learned policy uses). */
  observation: Float32Array;
  /** 1 where an action is allowed. */
  mask: Uint8Array;
  /** The load the action will face, fps. */
  fps: number;
  /** The configuration now (the Spark fields and the cluster knobs). */
  config: Configuration;
  /** The last trial's outcome, null at the start of an episode. */
  last: TrialOutcome | null;
  /** Translates configurations to actions (and back) in the environment's encoding. */
  configuration: ConfigurationManager;
}

/** Anything that picks actions: learned agents and baselines alike. */
export interface Policy {
  readonly name: string;
  /** The action to take (greedy for learned agents). Must be allowed by ctx.mask. */
  act(ctx: DecisionContext): number;
  /** Called at the start of every episode (baselines with memory reset here). */
  reset?(): void;
}

/**
 * The allowed action that moves the configuration toward `target`: the
 * absolute action for it, or, with per-knob deltas, one grid step per knob in
 * its direction (falling back to staying put when that move is masked).
 */
export function actionToward(ctx: DecisionContext, target: ExecutorConfig | KnobPoint): number {
  const configuration = ctx.configuration;
  if (configuration.encoding === 'absolute') {
    const exact = configuration.actionTo(target);
    if (exact >= 0 && ctx.mask[exact] === 1) return exact;
    return firstAllowed(ctx.mask, configuration.actionTo(ctx.config));
  }
  // One grid step per knob toward the target; knobs the target leaves out stay.
  const now = configuration.point(ctx.config) as Record<string, KnobValue>;
  const wanted = target as Record<string, KnobValue | undefined>;
  const direction = configuration.knobs.map((k) => {
    const to = wanted[k.name];
    if (to === undefined || to === now[k.name]) return 0;
    if (typeof to === 'number' && typeof now[k.name] === 'number') return Math.sign(to - (now[k.name] as number));
    return Math.sign(k.values.indexOf(to) - k.values.indexOf(now[k.name]));
  });
  const action = configuration.deltaAction(direction);
  if (ctx.mask[action] === 1) return action;
  // Try moving fewer knobs at once before giving up.
  for (let k = 0; k < direction.length; k++) {
    const a = configuration.deltaAction(direction.map((d, i) => (i === k ? 0 : d)));
    if (ctx.mask[a] === 1) return a;
  }
  return firstAllowed(ctx.mask, configuration.stayAction);
}

function firstAllowed(mask: Uint8Array, preferred: number): number {
  if (preferred >= 0 && mask[preferred] === 1) return preferred;
  const index = mask.indexOf(1);
  if (index < 0) throw new RangeError('every action is masked: the current configuration cannot run on this cluster');
  return index;
}

/** Snap a wanted value onto the knob's grid and into its range. */
export function snapToGrid(configuration: ConfigurationManager, knob: (typeof KNOBS)[number], value: number): number {
  const range = configuration.actionSpace[knob];
  const steps = Math.round((value - range.min) / range.step);
  return Math.min(range.max, Math.max(range.min, range.min + steps * range.step));
}
