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
import { knobAllowed, onKnobGrid } from './knob-grid.js';

/** The three knobs of the action space. */
export interface ExecutorConfig {
  executorCores: number;
  executorMemoryMb: number;
  executorInstances: number;
}

export interface RunOverrides {
  /** Replaces fields of the scenario's starting Spark configuration; executor knobs must lie in the action space. */
  config?: Partial<SparkConfig>;
  /** Pins the load to a constant trace at this rate instead of the scenario's trace. */
  fps?: number;
  durationMs?: number;
  seed?: string | number;
  /** Record a hash of every processed event; default false. */
  traceHash?: boolean;
}

const ACTION_KNOBS = ['executorCores', 'executorMemoryMb', 'executorInstances'] as const;

function check<T extends z.ZodType>(schema: T, value: unknown, field: string): z.output<T> {
  const parsed = schema.safeParse(value, { error: fallbackError });
  if (parsed.success) return parsed.data;
  const problem = toProblem(parsed.error.issues[0]);
  throw new UserInputError(`${formatPath([field, ...problem.path])}: ${problem.message}`);
}

/** Validates a --config override against the field ranges and, for the executor knobs, the action space. */
function checkConfig(scenario: Scenario, config: Partial<SparkConfig>): Partial<SparkConfig> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (!(key in sparkFieldSchemas)) {
      throw new UserInputError(`config.${key}: unknown field '${key}'; allowed: ${Object.keys(sparkFieldSchemas).join(', ')}`);
    }
    const name = key as keyof SparkConfig;
    if ((ACTION_KNOBS as readonly string[]).includes(name)) {
      const range = scenario.actionSpace[name as (typeof ACTION_KNOBS)[number]];
      if (typeof value !== 'number' || !onKnobGrid(range, value)) {
        throw new UserInputError(`config.${key}: expected ${knobAllowed(range)} (actionSpace), got ${formatValue(value)}`);
      }
      out[key] = value;
    } else if (name === 'dynamicAllocation') {
      // Fields left out keep the scenario's values.
      out[key] = check(sparkFieldSchemas.dynamicAllocation, { ...scenario.spark.dynamicAllocation, ...(value as object) }, `config.${key}`);
    } else {
      out[key] = check(sparkFieldSchemas[name], value, `config.${key}`);
    }
  }
  const da = (out.dynamicAllocation as SparkConfig['dynamicAllocation'] | undefined) ?? scenario.spark.dynamicAllocation;
  if (da.minExecutors > da.maxExecutors) {
    throw new UserInputError(
      `config.dynamicAllocation.minExecutors: expected at most maxExecutors (${da.maxExecutors}), got ${da.minExecutors}`,
    );
  }
  return out as Partial<SparkConfig>;
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
  return structuredClone({
    cluster: scenario.cluster,
    spark: { ...scenario.spark, ...config },
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

function gridValues(range: { min: number; max: number; step: number }): number[] {
  const values: number[] = [];
  for (let value = range.min; value <= range.max; value += range.step) values.push(value);
  return values;
}

/** Every configuration of the action space grid: cores outermost, then memory, then instances, each ascending. */
export function actionSpaceConfigs(scenario: Pick<Scenario, 'actionSpace'>): ExecutorConfig[] {
  const { executorCores, executorMemoryMb, executorInstances } = scenario.actionSpace;
  const configs: ExecutorConfig[] = [];
  for (const cores of gridValues(executorCores)) {
    for (const memoryMb of gridValues(executorMemoryMb)) {
      for (const instances of gridValues(executorInstances)) {
        configs.push({ executorCores: cores, executorMemoryMb: memoryMb, executorInstances: instances });
      }
    }
  }
  return configs;
}

const SHORT_KEYS: Record<string, keyof SparkConfig> = {
  cores: 'executorCores',
  memory: 'executorMemoryMb',
  instances: 'executorInstances',
};

/** Keys --config accepts: the short names, then every flat SparkConfig field. */
export const CONFIG_FLAG_KEYS = [
  ...Object.keys(SHORT_KEYS),
  ...Object.keys(sparkFieldSchemas).filter((key) => key !== 'dynamicAllocation'),
];

/**
 * Parses a --config value such as `cores=2,memory=800,instances=6` (also the
 * long SparkConfig names: `executorCores=2,serializer=java`). Checks types and
 * the general ranges; toRunSpec checks the action space.
 */
export function parseConfigFlag(text: string): Partial<SparkConfig> {
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
    const field = SHORT_KEYS[key] ?? (key as keyof SparkConfig);
    if (field in givenAs) {
      throw new UserInputError(`--config: ${key}: given twice (also as ${givenAs[field]})`);
    }
    givenAs[field] = key;
    let value: unknown = raw;
    if (field !== 'serializer' && !(field === 'framesPerPartition' && raw === 'fps')) {
      value = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(value)) {
        throw new UserInputError(
          `--config: ${key}: expected a number${field === 'framesPerPartition' ? " or 'fps'" : ''}, got ${formatValue(raw)}`,
        );
      }
    }
    const parsed = sparkFieldSchemas[field].safeParse(value, { error: fallbackError });
    if (!parsed.success) {
      throw new UserInputError(`--config: ${key}: ${toProblem(parsed.error.issues[0]).message}`);
    }
    out[field] = parsed.data;
  }
  return out as Partial<SparkConfig>;
}
