/**
 * From a scenario to the input of one simulation run, with the overrides a
 * command takes (--config, --fps, --duration, --seed), and the action-space
 * grid that sweeps and exhaustive search walk.
 */
import type { z } from 'zod';
import type { RunSpec, SparkConfig } from '../../sim/config.js';
import { UserInputError } from '../errors.js';
import {
  MAX_FPS,
  MAX_MS,
  fallbackError,
  formatPath,
  formatValue,
  intIn,
  numberIn,
  sparkFieldSchemas,
  toProblem,
  type Scenario,
} from './schema.js';
import { declaredKnobs, domainText, gridPoints, onDomain, type Configuration, type KnobPoint } from '../space/grid.js';
import { placementSchema } from './schema.js';
import { KNOB_NAMES, KNOB_TABLE, knobByKey } from '../space/knobs.js';

export type { ExecutorConfig } from '../space/grid.js';

export interface RunOverrides {
  /** Replaces fields of the scenario's starting configuration; knobs the action space declares must lie on its grid. */
  config?: Partial<Configuration>;
  /** Pins the load to a constant trace at this rate instead of the scenario's trace. */
  fps?: number;
  durationMs?: number;
  seed?: string | number;
  /** Record a hash of every processed event; default false. */
  traceHash?: boolean;
}


function check<T extends z.ZodType>(schema: T, value: unknown, field: string): z.output<T> {
  const parsed = schema.safeParse(value, { error: fallbackError });
  if (parsed.success) return parsed.data;
  const problem = toProblem(parsed.error.issues[0]);
  throw new UserInputError(`${formatPath([field, ...problem.path])}: ${problem.message}`);
}

/** Validates a --config override against the field ranges and, for the knobs the action space declares, their grids. */
function checkConfig(scenario: Scenario, config: Partial<Configuration>): Partial<Configuration> {
  const out: Record<string, unknown> = {};
  const declared = new Map(declaredKnobs(scenario.actionSpace).map((k) => [k.name as string, k]));
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const knob = declared.get(key);
    if (knob !== undefined) {
      if (!onDomain(knob.domain, value)) {
        throw new UserInputError(`config.${key}: expected ${domainText(knob.domain)} (actionSpace), got ${formatValue(value)}`);
      }
      out[key] = value;
    } else if (key === 'nodeCount') {
      out[key] = check(intIn(1, scenario.cluster.maxNodes), value, `config.${key}`);
    } else if (key === 'placement') {
      out[key] = check(placementSchema, value, `config.${key}`);
    } else if (!(key in sparkFieldSchemas)) {
      throw new UserInputError(`config.${key}: unknown field '${key}'; allowed: ${CONFIGURATION_FIELDS.join(', ')}`);
    } else if (key === 'dynamicAllocation') {
      // Fields left out keep the scenario's values.
      out[key] = check(sparkFieldSchemas.dynamicAllocation, { ...scenario.spark.dynamicAllocation, ...(value as object) }, `config.${key}`);
    } else {
      out[key] = check(sparkFieldSchemas[key as keyof SparkConfig], value, `config.${key}`);
    }
  }
  const da = (out.dynamicAllocation as SparkConfig['dynamicAllocation'] | undefined) ?? scenario.spark.dynamicAllocation;
  if (da.minExecutors > da.maxExecutors) {
    throw new UserInputError(
      `config.dynamicAllocation.minExecutors: expected at most maxExecutors (${da.maxExecutors}), got ${da.minExecutors}`,
    );
  }
  return out as Partial<Configuration>;
}

/** Every field a configuration has: the Spark fields and the cluster knobs. */
const CONFIGURATION_FIELDS = [...Object.keys(sparkFieldSchemas), 'nodeCount', 'placement'];

/** The cluster a configuration runs on: its node count (the declared nodes first, then template nodes) and placement. */
function clusterFor(scenario: Scenario, config: Partial<Configuration>): RunSpec['cluster'] {
  const { pricing: _pricing, ...cluster } = scenario.cluster;
  const nodeCount = config.nodeCount ?? cluster.nodes.length;
  const nodes = cluster.nodes.slice(0, nodeCount);
  // Named as the simulator's node pool names the nodes it adds.
  for (let i = nodes.length; i < nodeCount; i++) nodes.push({ ...cluster.nodeTemplate, name: uniqueNodeName('node', nodes) });
  return { ...cluster, nodes, placement: config.placement ?? cluster.placement };
}

function uniqueNodeName(prefix: string, nodes: { name: string }[]): string {
  for (let k = nodes.length + 1; ; k++) {
    const name = `${prefix}-${k}`;
    if (!nodes.some((n) => n.name === name)) return name;
  }
}

/** The input of one simulation run: the scenario with overrides applied; shares nothing mutable with the scenario. */
export function toRunSpec(scenario: Scenario, overrides: RunOverrides = {}): RunSpec {
  const config = checkConfig(scenario, overrides.config ?? {});
  const fps = overrides.fps === undefined ? undefined : check(numberIn(0, MAX_FPS), overrides.fps, 'fps');
  const durationMs =
    overrides.durationMs === undefined ? scenario.run.durationMs : check(intIn(1, MAX_MS), overrides.durationMs, 'durationMs');
  if (durationMs <= scenario.run.warmupMs) {
    throw new UserInputError(`durationMs: expected more than the scenario's run.warmupMs (${scenario.run.warmupMs}), got ${durationMs}`);
  }
  const seed = overrides.seed ?? scenario.seed;
  if (typeof seed === 'string' ? seed === '' : !Number.isSafeInteger(seed)) {
    throw new UserInputError(`seed: expected an integer or a non-empty text, got ${formatValue(seed)}`);
  }
  const { sources, trace, arrival, minFramesPerPartition, maxFramesPerPartition } = scenario.workload;
  const { nodeCount: _nodeCount, placement: _placement, ...sparkOverrides } = config;
  return structuredClone({
    cluster: clusterFor(scenario, config),
    spark: { ...scenario.spark, ...sparkOverrides },
    workload: {
      sources,
      trace: fps === undefined ? trace : { kind: 'constant', fps },
      arrival,
      minFramesPerPartition,
      maxFramesPerPartition,
    },
    profile: scenario.profile,
    durationMs,
    warmupMs: scenario.run.warmupMs,
    warmStart: scenario.run.warmStart,
    sloPerFrameMs: scenario.slo.perFrameMs,
    seed,
    traceHash: overrides.traceHash ?? false,
  } satisfies RunSpec);
}

/** Every point of the action space grid: the first declared knob outermost (cores, then memory, then instances for the paper's), each ascending. */
export function actionSpaceConfigs(scenario: Pick<Scenario, 'actionSpace'>): KnobPoint[] {
  return gridPoints(scenario.actionSpace);
}

/** Keys --config accepts: every knob's short name (cores, memory, instances, nodes, placement, ...), then every flat configuration field. */
export const CONFIG_FLAG_KEYS = [
  ...new Set([...KNOB_NAMES.map((name) => KNOB_TABLE[name].shortKey), ...CONFIGURATION_FIELDS.filter((key) => key !== 'dynamicAllocation')]),
];

/** The configuration field a --config key names. */
function fieldOf(key: string): string {
  return knobByKey(key) ?? key;
}

/** Fields whose --config value is a text, not a number. */
const TEXT_FIELDS = new Set(['serializer', 'placement']);

/**
 * Parses a --config value such as `cores=2,memory=800,instances=6` (also the
 * long names: `executorCores=2,serializer=java`, `nodes=4,placement=pack`).
 * Checks types and the general ranges; toRunSpec checks the action space.
 */
export function parseConfigFlag(text: string): Partial<Configuration> {
  const out: Record<string, unknown> = {};
  const givenAs: Record<string, string> = {};
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new UserInputError(`--config: expected key=value pairs separated by commas (e.g. cores=2,memory=800), got '${item}'`);
    }
    const key = item.slice(0, eq).trim();
    const raw = item.slice(eq + 1).trim();
    if (!CONFIG_FLAG_KEYS.includes(key)) {
      throw new UserInputError(`--config: unknown key '${key}'; allowed: ${CONFIG_FLAG_KEYS.join(', ')}`);
    }
    const field = fieldOf(key);
    if (field in givenAs) {
      throw new UserInputError(`--config: ${key}: given twice (also as ${givenAs[field]})`);
    }
    givenAs[field] = key;
    let value: unknown = raw;
    if (!TEXT_FIELDS.has(field) && !(field === 'framesPerPartition' && raw === 'fps')) {
      value = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(value)) {
        throw new UserInputError(
          `--config: ${key}: expected a number${field === 'framesPerPartition' ? " or 'fps'" : ''}, got ${formatValue(raw)}`,
        );
      }
    }
    const schema = field === 'nodeCount' ? intIn(1, 1000) : field === 'placement' ? placementSchema : sparkFieldSchemas[field as keyof SparkConfig];
    const parsed = schema.safeParse(value, { error: fallbackError });
    if (!parsed.success) {
      throw new UserInputError(`--config: ${key}: ${toProblem(parsed.error.issues[0]).message}`);
    }
    out[field] = parsed.data;
  }
  return out as Partial<Configuration>;
}
