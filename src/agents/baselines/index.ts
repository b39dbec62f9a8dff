/**
 * The baselines the learned agents are compared with, by name (the values of
 * --baselines). Each lives in its own file with its options and the system it
 * imitates.
 */
import { UserInputError } from '../../errors.js';
import type { Scenario } from '../../scenario/schema.js';
import type { Policy } from '../agent.js';
import { Ds2Policy, type Ds2Options } from './ds2.js';
import { flinkAutoscalerStack, type FlinkAutoscalerStackOptions } from './flink-autoscaler.js';
import { HpaPolicy, type HpaOptions } from './hpa.js';
import { k8sStack, type K8sStackOptions } from './k8s-stack.js';
import { OraclePolicy, type OraclePolicyOptions } from './oracle.js';
import { RandomPolicy } from './random.js';
import { SparkDynamicAllocationPolicy, type SparkDaOptions } from './spark-dynamic-allocation.js';
import { SparkStreamingDynamicAllocationPolicy, type SparkStreamingDaOptions } from './spark-streaming-da.js';
import { StaticPolicy } from './static.js';

export const BASELINE_NAMES = ['random', 'static', 'oracle', 'hpa', 'spark-da', 'spark-streaming-da', 'ds2', 'k8s-stack', 'flink-autoscaler'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

export interface MakeBaselineOptions {
  scenario: Scenario;
  /** Seed of the random baseline's actions; default the scenario's seed. The oracle's table does not depend on it. */
  seed?: number | string;
  oracle?: OraclePolicyOptions;
  hpa?: Partial<HpaOptions>;
  sparkDa?: Partial<SparkDaOptions>;
  sparkStreamingDa?: Partial<SparkStreamingDaOptions>;
  ds2?: Partial<Ds2Options>;
  k8sStack?: K8sStackOptions;
  flinkAutoscaler?: FlinkAutoscalerStackOptions;
}

export function isBaselineName(name: string): name is BaselineName {
  return (BASELINE_NAMES as readonly string[]).includes(name);
}

function unknownBaseline(name: string): UserInputError {
  return new UserInputError(`--baselines: unknown baseline '${name}'; allowed: ${[...BASELINE_NAMES, 'all'].join(', ')}`);
}

/** Parses a --baselines value: names separated by commas, 'all' for every baseline; duplicates kept once, in order. */
export function parseBaselineNames(text: string): BaselineName[] {
  const names: BaselineName[] = [];
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    const expanded = item === 'all' ? BASELINE_NAMES : [item];
    for (const name of expanded) {
      if (!isBaselineName(name)) throw unknownBaseline(name);
      if (!names.includes(name)) names.push(name);
    }
  }
  if (names.length === 0) {
    throw new UserInputError(`--baselines: expected baseline names separated by commas (${[...BASELINE_NAMES, 'all'].join(', ')}), got '${text}'`);
  }
  return names;
}

/**
 * Sweeping the grid is the oracle's whole cost and its table depends only on
 * the scenario and its options, so one oracle per scenario object serves every
 * episode (it keeps no other state).
 */
const oracles = new WeakMap<Scenario, Map<string, OraclePolicy>>();

function sharedOracle(scenario: Scenario, options: OraclePolicyOptions): OraclePolicy {
  let byOptions = oracles.get(scenario);
  if (byOptions === undefined) {
    byOptions = new Map();
    oracles.set(scenario, byOptions);
  }
  const key = JSON.stringify([options.seed ?? null, options.windowBatches ?? null]);
  let oracle = byOptions.get(key);
  if (oracle === undefined) {
    oracle = OraclePolicy.forScenario(scenario, options);
    byOptions.set(key, oracle);
  }
  return oracle;
}

/** A fresh baseline policy by name (the oracle is shared per scenario: see above). */
export function makeBaseline(name: string, options: MakeBaselineOptions): Policy {
  if (name === 'all') throw new RangeError("makeBaseline: 'all' stands for every baseline; expand it with parseBaselineNames first");
  if (!isBaselineName(name)) throw unknownBaseline(name);
  const { scenario } = options;
  switch (name) {
    case 'random':
      return new RandomPolicy({ seed: options.seed ?? scenario.seed });
    case 'static':
      return StaticPolicy.forScenario(scenario);
    case 'oracle':
      return sharedOracle(scenario, options.oracle ?? {});
    case 'hpa':
      return new HpaPolicy(options.hpa);
    case 'spark-da':
      return new SparkDynamicAllocationPolicy(scenario, options.sparkDa);
    case 'spark-streaming-da':
      return new SparkStreamingDynamicAllocationPolicy(scenario, options.sparkStreamingDa);
    case 'ds2':
      return new Ds2Policy(options.ds2);
    case 'k8s-stack':
      return k8sStack(scenario, options.k8sStack);
    case 'flink-autoscaler':
      return flinkAutoscalerStack(scenario, options.flinkAutoscaler);
  }
}
