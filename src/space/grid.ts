/**
 * A scenario's action space over the knob table: which knobs it lets agents
 * choose, each with its grid of values, and the configuration those values
 * make. Everything that walks or encodes the space (the Configuration
 * Manager's encodings, sweeps, the oracle, artifacts) goes through here.
 */
import type { PlacementPolicy, SparkConfig } from '../../sim/config.js';
import { executorMemoryOverheadMb } from '../../sim/spark/constants.js';
import {
  EXECUTOR_KNOBS,
  KNOB_NAMES,
  KNOB_TABLE,
  type ExecutorKnob,
  type KnobDeclaration,
  type KnobName,
  type KnobValue,
  type KnobValues,
} from './knobs.js';

/** An integer grid min + k × step. */
export interface KnobRange {
  min: number;
  max: number;
  step: number;
}

/** A listed set of values (placement, serializer, fractions). */
export interface KnobChoices {
  choices: KnobValue[];
}

export type KnobDomain = KnobRange | KnobChoices;

/**
 * The knobs a scenario lets agents choose. The three executor knobs are
 * always there (the paper's action space); every other knob of the table is
 * optional and, when left out, stays at its starting value.
 */
export type ActionSpace = { [K in ExecutorKnob]: KnobRange } & { [K in Exclude<KnobName, ExecutorKnob>]?: KnobDomain };

/** The three executor knobs of a configuration. */
export type ExecutorConfig = Pick<SparkConfig, ExecutorKnob>;

/** A point of the action space: the executor knobs and any other declared ones. */
export type KnobPoint = ExecutorConfig & KnobValues;

/** The cluster-level knobs a configuration may carry; absent means the scenario's cluster as declared. */
export interface ClusterKnobs {
  nodeCount?: number;
  placement?: PlacementPolicy;
}

/** Everything a trial runs with: the Spark configuration and the cluster knobs. */
export type Configuration = SparkConfig & ClusterKnobs;

export function isRange(domain: KnobDomain): domain is KnobRange {
  return !('choices' in domain);
}

/** Every value of a domain, in grid order. */
export function domainValues(domain: KnobDomain): KnobValue[] {
  if (!isRange(domain)) return [...domain.choices];
  const values: number[] = [];
  for (let value = domain.min; value <= domain.max; value += domain.step) values.push(value);
  return values;
}

/** Whether a value lies on a domain's grid. */
export function onDomain(domain: KnobDomain, value: unknown): boolean {
  if (isRange(domain)) {
    return typeof value === 'number' && Number.isInteger(value) && value >= domain.min && value <= domain.max && (value - domain.min) % domain.step === 0;
  }
  return domain.choices.some((choice) => choice === value);
}

/** What onDomain allows, for messages: "an integer in [500, 1000] in steps of 100 from 500" or "one of pack, spread". */
export function domainText(domain: KnobDomain): string {
  if (isRange(domain)) {
    const grid = domain.step === 1 ? '' : ` in steps of ${domain.step} from ${domain.min}`;
    return `an integer in [${domain.min}, ${domain.max}]${grid}`;
  }
  return `one of ${domain.choices.join(', ')}`;
}

/** One knob the scenario lets agents choose, with its grid. */
export interface DeclaredKnob {
  name: KnobName;
  declaration: KnobDeclaration;
  domain: KnobDomain;
  values: KnobValue[];
}

/** The knobs an action space declares, in table (= encoding) order. */
export function declaredKnobs(space: ActionSpace): DeclaredKnob[] {
  const out: DeclaredKnob[] = [];
  for (const name of KNOB_NAMES) {
    const domain = space[name];
    if (domain === undefined) continue;
    out.push({ name, declaration: KNOB_TABLE[name], domain, values: domainValues(domain) });
  }
  return out;
}

/** The number of points of the action space's grid. */
export function gridSize(space: ActionSpace): number {
  return declaredKnobs(space).reduce((product, k) => product * k.values.length, 1);
}

/** Every point of the grid: the first declared knob outermost, each knob's values in grid order. */
export function gridPoints(space: ActionSpace): KnobPoint[] {
  let points: Record<string, KnobValue>[] = [{}];
  for (const k of declaredKnobs(space)) {
    const next: Record<string, KnobValue>[] = [];
    for (const point of points) for (const value of k.values) next.push({ ...point, [k.name]: value });
    points = next;
  }
  return points as KnobPoint[];
}

/** The cluster's starting values of the cluster-level knobs. */
export interface ClusterDefaults {
  nodeCount: number;
  placement: PlacementPolicy;
}

/** A knob's value in a configuration (cluster knobs fall back to the cluster as declared). */
export function knobValue(config: Configuration, name: KnobName, cluster: ClusterDefaults): KnobValue {
  if (name === 'nodeCount') return config.nodeCount ?? cluster.nodeCount;
  if (name === 'placement') return config.placement ?? cluster.placement;
  // Unset, the overhead is what Spark derives from the heap.
  if (name === 'executorMemoryOverheadMb') return executorMemoryOverheadMb(config);
  const value = config[name];
  // framesPerPartition may be 'fps' (one second of video); as a knob it is a number of frames.
  return value;
}

/** The configuration with some knobs set. */
export function withKnobs(config: Configuration, values: KnobValues): Configuration {
  return { ...config, ...(values as Partial<Configuration>) };
}

/** Whether two points agree on every knob the action space declares. */
export function samePoint(space: ActionSpace, a: KnobValues, b: KnobValues): boolean {
  return declaredKnobs(space).every((k) => (a as Record<string, unknown>)[k.name] === (b as Record<string, unknown>)[k.name]);
}

/** `2 cores / 800 MB / 6 instances` and, for other declared knobs, `placement spread`. */
export function describePoint(space: ActionSpace, point: KnobValues): string {
  const values = point as Record<string, unknown>;
  const executor = `${values.executorCores} cores / ${values.executorMemoryMb} MB / ${values.executorInstances} instances`;
  const rest = declaredKnobs(space)
    .filter((k) => !(EXECUTOR_KNOBS as readonly string[]).includes(k.name))
    .map((k) => `${k.declaration.shortKey} ${String(values[k.name])}`);
  return [executor, ...rest].join(', ');
}

/** `1/800/6` (cores/memory/instances) and, for the other declared knobs, ` nodes=2 placement=pack`: a point as one short token list. */
export function pointKey(space: ActionSpace, point: KnobValues): string {
  const values = point as Record<string, unknown>;
  const executor = `${values.executorCores}/${values.executorMemoryMb}/${values.executorInstances}`;
  const rest = declaredKnobs(space)
    .filter((k) => !(EXECUTOR_KNOBS as readonly string[]).includes(k.name))
    .map((k) => `${k.declaration.shortKey}=${String(values[k.name])}`);
  return [executor, ...rest].join(' ');
}

/** A point for --json: `cores`, `memory_mb`, `instances` and every other declared knob under its run-log column name. */
export function pointJson(space: ActionSpace, point: KnobValues): Record<string, KnobValue> {
  const values = point as Record<string, KnobValue>;
  const out: Record<string, KnobValue> = { cores: values.executorCores, memory_mb: values.executorMemoryMb, instances: values.executorInstances };
  for (const k of declaredKnobs(space)) {
    if (!(EXECUTOR_KNOBS as readonly string[]).includes(k.name)) out[k.declaration.column] = values[k.name];
  }
  return out;
}

/**
 * The memory overheads (MB) executors of a scenario may have: the declared
 * knob's grid, else the one the spark section sets; [undefined] when neither
 * (Spark's own rule sizes it).
 */
export function overheadChoicesMb(space: Pick<ActionSpace, 'executorMemoryOverheadMb'>, spark: { executorMemoryOverheadMb?: number }): (number | undefined)[] {
  const domain = space.executorMemoryOverheadMb;
  return domain !== undefined ? (domainValues(domain) as number[]) : [spark.executorMemoryOverheadMb];
}
