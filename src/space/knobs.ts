/**
 * The declared action space: every knob an agent may turn, declared once.
 *
 * Each entry says what the knob is (unit, the values it may ever take), which
 * of the five agents owns it, how a decision reaches the world (a Spark conf
 * key, a Kubernetes field or a scheduler policy; whether it needs a redeploy)
 * and how it shows up in observations and in the run log. The scenario
 * schema's `actionSpace`, `--config`'s keys, the delta and absolute
 * encodings, the action masks, `decide`, the policy artifact's metadata and
 * the run log's columns are derived from this table (style.md, habit 11).
 *
 * A scenario declares the grid of each knob it lets agents choose
 * (`actionSpace.<knob>`); a knob it leaves out stays at its starting value.
 * Table order is encoding order: the first declared knob is the most
 * significant digit of an action, as cores were in the paper's 27 deltas.
 */

/** The five agents of the reference design (mission.md, "The architecture to realise"). */
export const AGENTS = ['cluster', 'parallelism', 'scheduler', 'resources', 'tuner'] as const;
export type AgentName = (typeof AGENTS)[number];

export const AGENT_TITLES: Record<AgentName, string> = {
  cluster: 'Cluster Autoscaler',
  parallelism: 'Parallelism Autoscaler',
  scheduler: 'Scheduler',
  resources: 'Resource Allocator',
  tuner: 'System Parameter Tuner',
};

/** How a decision on a knob reaches the cluster. */
export type Enactment =
  /** A Spark configuration key passed to spark-submit (`--conf key=value`). */
  | { kind: 'spark-conf'; key: string }
  /** An argument of the streaming application itself (how it cuts micro-batches). */
  | { kind: 'app-arg'; key: string }
  /** A Kubernetes object the Infrastructure Manager changes (nodes by cordon/uncordon and drain). */
  | { kind: 'kubernetes'; field: string }
  /** Executor pod placement, enacted through an executor pod template's affinity. */
  | { kind: 'scheduler'; field: string }
  /** Modelled by the simulator, with no real enactor yet (the reason is given). */
  | { kind: 'simulated-only'; why: string };

/** Where the value lives in a configuration: a SparkConfig field, or the cluster's. */
export type KnobHome = 'spark' | 'cluster';

interface KnobCommon {
  /** Short name `--config` and `decide` accept (`cores=2`). */
  shortKey: string;
  description: string;
  agent: AgentName;
  home: KnobHome;
  enact: Enactment;
  /** 'redeploy': changing it restarts the executors; 'in-place': the running application picks it up. */
  applies: 'redeploy' | 'in-place';
  /** The observation feature that shows the knob's current value (scaled to [0, 1] over the scenario's grid). */
  observation: string;
  /** Column of the run log's trials table. */
  column: string;
}

/** A knob whose values are integers min + k × step. */
export interface RangeKnob extends KnobCommon {
  domain: 'range';
  /** Unit for messages ('' for counts). */
  unit: string;
  /** The widest range any scenario may declare. */
  limits: { min: number; max: number };
  /** Step when a scenario's range leaves it out. */
  defaultStep: number;
}

/** A knob whose values a scenario lists (`choices`): texts, or numbers inside `limits`. */
export interface ChoiceKnob extends KnobCommon {
  domain: 'choices';
  unit: string;
  /** Every value allowed for a text knob; for a numeric one, the open/closed bounds. */
  allowed: { kind: 'text'; values: readonly string[] } | { kind: 'number'; min: number; max: number; minExclusive: boolean; maxExclusive: boolean };
}

export type KnobDeclaration = RangeKnob | ChoiceKnob;

/** Placement policies the Scheduler chooses from. */
export const PLACEMENTS = ['pack', 'spread', 'storage-affinity'] as const;

export const KNOB_TABLE = {
  nodeCount: {
    shortKey: 'nodes',
    description: 'nodes (VMs) in the cluster, within the node pool',
    agent: 'cluster',
    home: 'cluster',
    enact: { kind: 'kubernetes', field: 'node pool size (cordon/uncordon and drain of the pool\'s nodes)' },
    applies: 'in-place',
    observation: 'nodes',
    column: 'node_count',
    domain: 'range',
    unit: '',
    limits: { min: 1, max: 1000 },
    defaultStep: 1,
  },
  executorCores: {
    shortKey: 'cores',
    description: 'spark.executor.cores: task slots per executor',
    agent: 'resources',
    home: 'spark',
    enact: { kind: 'spark-conf', key: 'spark.executor.cores' },
    applies: 'redeploy',
    observation: 'cores',
    column: 'cores',
    domain: 'range',
    unit: '',
    limits: { min: 1, max: 64 },
    defaultStep: 1,
  },
  executorMemoryMb: {
    shortKey: 'memory',
    description: 'spark.executor.memory: heap per executor (the pod adds overhead)',
    agent: 'resources',
    home: 'spark',
    enact: { kind: 'spark-conf', key: 'spark.executor.memory' },
    applies: 'redeploy',
    observation: 'memory_mb',
    column: 'memory_mb',
    domain: 'range',
    unit: 'MB',
    limits: { min: 256, max: 1_048_576 },
    defaultStep: 100,
  },
  executorMemoryOverheadMb: {
    shortKey: 'overhead',
    description: "spark.executor.memoryOverhead: the executor pod's memory beyond the heap (Python workers' frames live here); unset = Spark's max(384 MB, 10% of heap)",
    agent: 'resources',
    home: 'spark',
    enact: { kind: 'spark-conf', key: 'spark.executor.memoryOverhead' },
    applies: 'redeploy',
    observation: 'memory_overhead_mb',
    column: 'memory_overhead_mb',
    domain: 'range',
    unit: 'MB',
    limits: { min: 0, max: 1_048_576 },
    defaultStep: 128,
  },
  executorInstances: {
    shortKey: 'instances',
    description: 'spark.executor.instances: executors of the application',
    agent: 'parallelism',
    home: 'spark',
    enact: { kind: 'spark-conf', key: 'spark.executor.instances' },
    // Spark scales the executor count of a running application (requestTotalExecutors).
    applies: 'in-place',
    observation: 'instances',
    column: 'instances',
    domain: 'range',
    unit: '',
    limits: { min: 1, max: 10_000 },
    defaultStep: 1,
  },
  partitions: {
    shortKey: 'partitions',
    description: 'partitions (tasks) of each micro-batch',
    agent: 'parallelism',
    home: 'spark',
    enact: { kind: 'app-arg', key: '--partitions' },
    applies: 'in-place',
    observation: 'partitions',
    column: 'partitions',
    domain: 'range',
    unit: '',
    limits: { min: 1, max: 100_000 },
    defaultStep: 1,
  },
  placement: {
    shortKey: 'placement',
    description: 'where executor pods go: pack, spread, or affinity to the storage node',
    agent: 'scheduler',
    home: 'cluster',
    enact: { kind: 'scheduler', field: 'executor pod template affinity' },
    applies: 'redeploy',
    observation: 'placement',
    column: 'placement',
    domain: 'choices',
    unit: '',
    allowed: { kind: 'text', values: PLACEMENTS },
  },
  cpuRequestRatio: {
    shortKey: 'cpu-request',
    description: 'CPU each executor pod requests, as a fraction of its cores (spark.kubernetes.executor.request.cores)',
    agent: 'resources',
    home: 'spark',
    enact: { kind: 'spark-conf', key: 'spark.kubernetes.executor.request.cores' },
    applies: 'redeploy',
    observation: 'cpu_request_ratio',
    column: 'cpu_request_ratio',
    domain: 'choices',
    unit: '',
    allowed: { kind: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: false },
  },
  batchIntervalMs: {
    shortKey: 'batch-interval',
    description: 'micro-batch interval: a batch is cut when full or this long after its first frame; 0 = only when full',
    agent: 'tuner',
    home: 'spark',
    enact: { kind: 'simulated-only', why: 'the demonstrator (bridge/jobs/video_grayscale.py) cuts a batch only when it is full' },
    applies: 'in-place',
    observation: 'batch_interval',
    column: 'batch_interval_ms',
    domain: 'range',
    unit: 'ms',
    limits: { min: 0, max: 86_400_000 },
    defaultStep: 500,
  },
  framesPerPartition: {
    shortKey: 'frames',
    description: 'frames each partition collects before the batch goes to Spark',
    agent: 'tuner',
    home: 'spark',
    enact: { kind: 'app-arg', key: '--frames-per-partition' },
    applies: 'in-place',
    observation: 'frames_per_partition',
    column: 'frames_per_partition',
    domain: 'range',
    unit: '',
    limits: { min: 1, max: 100_000 },
    defaultStep: 10,
  },
  memoryFraction: {
    shortKey: 'memory-fraction',
    description: 'spark.memory.fraction: share of (heap - reserved) for execution and storage',
    agent: 'tuner',
    home: 'spark',
    enact: { kind: 'spark-conf', key: 'spark.memory.fraction' },
    applies: 'redeploy',
    observation: 'memory_fraction',
    column: 'memory_fraction',
    domain: 'choices',
    unit: '',
    allowed: { kind: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  },
  serializer: {
    shortKey: 'serializer',
    description: 'spark.serializer: java or kryo',
    agent: 'tuner',
    home: 'spark',
    enact: { kind: 'spark-conf', key: 'spark.serializer' },
    applies: 'redeploy',
    observation: 'serializer',
    column: 'serializer',
    domain: 'choices',
    unit: '',
    allowed: { kind: 'text', values: ['java', 'kryo'] },
  },
  concurrentJobs: {
    shortKey: 'concurrent-jobs',
    description: 'micro-batch jobs the driver keeps in Spark at once (spark.streaming.concurrentJobs in DStreams terms)',
    agent: 'tuner',
    home: 'spark',
    // The demonstrator is not a DStreams application, so spark.streaming.concurrentJobs would do nothing there: it submits up to this many batch jobs from driver threads of its own.
    enact: { kind: 'app-arg', key: '--concurrent-jobs' },
    applies: 'redeploy',
    observation: 'concurrent_jobs',
    column: 'concurrent_jobs',
    domain: 'range',
    unit: '',
    limits: { min: 1, max: 64 },
    defaultStep: 1,
  },
} as const satisfies Record<string, KnobDeclaration>;

export type KnobName = keyof typeof KNOB_TABLE;

/** Every knob, in encoding order. */
export const KNOB_NAMES = Object.keys(KNOB_TABLE) as KnobName[];

/** The knobs whose value is a text (a choice among names). */
export type TextKnobName = { [K in KnobName]: (typeof KNOB_TABLE)[K] extends { allowed: { kind: 'text' } } ? K : never }[KnobName];
/** The knobs whose value is a number. */
export type NumberKnobName = Exclude<KnobName, TextKnobName>;

/** A knob's value: a number, or one of a text knob's names. */
export type KnobValue = number | string;

/** Values of some knobs, keyed by knob name. */
export type KnobValues = { [K in NumberKnobName]?: number } & {
  [K in TextKnobName]?: (typeof KNOB_TABLE)[K] extends { allowed: { kind: 'text'; values: readonly (infer V)[] } } ? V : never;
};

/** The three executor knobs every scenario declares (the paper's action space). */
export const EXECUTOR_KNOBS = ['executorCores', 'executorMemoryMb', 'executorInstances'] as const satisfies readonly KnobName[];
export type ExecutorKnob = (typeof EXECUTOR_KNOBS)[number];

export function knob(name: KnobName): KnobDeclaration {
  return KNOB_TABLE[name];
}

export function isKnobName(name: string): name is KnobName {
  return Object.hasOwn(KNOB_TABLE, name);
}

/** The knobs an agent owns, in encoding order. */
export function knobsOf(agent: AgentName): KnobName[] {
  return KNOB_NAMES.filter((name) => KNOB_TABLE[name].agent === agent);
}

/** The knob a short key (`cores`) or a full name (`executorCores`) names, or undefined. */
export function knobByKey(key: string): KnobName | undefined {
  if (isKnobName(key)) return key;
  return KNOB_NAMES.find((name) => KNOB_TABLE[name].shortKey === key);
}

/** Whether a value is one a knob may ever take (before any scenario narrows it to a grid). */
export function withinLimits(name: KnobName, value: unknown): boolean {
  const declaration: KnobDeclaration = KNOB_TABLE[name];
  if (declaration.domain === 'range') {
    return typeof value === 'number' && Number.isInteger(value) && value >= declaration.limits.min && value <= declaration.limits.max;
  }
  const allowed = declaration.allowed;
  if (allowed.kind === 'text') return typeof value === 'string' && allowed.values.includes(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  const aboveMin = allowed.minExclusive ? value > allowed.min : value >= allowed.min;
  const belowMax = allowed.maxExclusive ? value < allowed.max : value <= allowed.max;
  return aboveMin && belowMax;
}

/** What withinLimits allows, for messages. */
export function limitsText(name: KnobName): string {
  const declaration: KnobDeclaration = KNOB_TABLE[name];
  const unit = declaration.unit === '' ? '' : ` ${declaration.unit}`;
  if (declaration.domain === 'range') return `an integer in [${declaration.limits.min}, ${declaration.limits.max}]${unit}`;
  const allowed = declaration.allowed;
  if (allowed.kind === 'text') return `one of ${allowed.values.join(', ')}`;
  return `a number in ${allowed.minExclusive ? '(' : '['}${allowed.min}, ${allowed.max}${allowed.maxExclusive ? ')' : ']'}${unit}`;
}
