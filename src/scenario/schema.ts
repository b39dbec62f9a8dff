/**
 * The scenario YAML schema: every field declared once with its allowed range,
 * default and a one-line description (--help and the docs are built from the
 * descriptions). Field names are the TypeScript names of sim/config.ts.
 *
 * Every issue message is complete ("expected an integer in [1, 64], got 0"),
 * so a loader only has to prefix the file and the field path.
 */
import { z } from 'zod';
import type {
  ClusterSpec,
  DynamicAllocationSpec,
  FailureSpec,
  LoadTrace,
  NodeSpec,
  SparkConfig,
  WorkloadSpec,
} from '../../sim/config.js';
import type { LatencyProfile } from '../../sim/profile.js';
import { executorMemoryOverheadMb, executorPodCpu, executorPodMemoryMb } from '../../sim/spark/constants.js';
import { DQN_OPTIONS, ENV_OPTIONS, REWARD_OPTIONS, type LearningConfig } from '../config/learning.js';
import { zodOf } from '../config/options.js';
import { escapeText } from '../input/excerpt.js';
import type { RequestPricing } from './pricing.js';
import { declaredKnobs, domainText, domainValues, onDomain, overheadChoicesMb, type ActionSpace } from '../space/grid.js';
import { EXECUTOR_KNOBS, KNOB_NAMES, KNOB_TABLE, PLACEMENTS, type KnobDeclaration, type KnobName } from '../space/knobs.js';

// ---------------------------------------------------------------- the typed result

export type { KnobRange, KnobChoices, KnobDomain, ActionSpace } from '../space/grid.js';

export interface Scenario {
  name: string;
  description: string;
  seed: number | string;
  /** Absolute path of the scenario file (filled by the loader). */
  file: string;
  profile: LatencyProfile;
  /** The cluster; `pricing` only when the file declares it (see requestPricing). */
  cluster: ClusterSpec & { pricing?: RequestPricing };
  /** The starting configuration. */
  spark: SparkConfig;
  actionSpace: ActionSpace;
  workload: WorkloadSpec & { fpsLevels: number[] };
  run: { durationMs: number; warmupMs: number; warmStart: boolean };
  slo: { perFrameMs: number };
  /** Episodes, action encoding, reward and the DQN's hyper-parameters. */
  learning: LearningConfig;
}

/** A replay trace whose points are still in a CSV file (path relative to the scenario file). */
export interface ReplayFileTrace {
  kind: 'replay';
  file: string;
}

/** What the schema produces: a Scenario before the loader reads the files it references. */
export interface ScenarioDocument extends Omit<Scenario, 'name' | 'file' | 'profile' | 'workload'> {
  /** Defaults to the scenario file's base name. */
  name?: string;
  /** Path of the profile JSON, relative to the scenario file. */
  profile: string;
  workload: Omit<Scenario['workload'], 'trace'> & { trace: LoadTrace | ReplayFileTrace };
}

// ---------------------------------------------------------------- limits and defaults

export const MAX_MS = 31_536_000_000; // one year of simulated time
export const MAX_FPS = 100_000;
export const DEFAULT_PROFILE_PATH = '../models/profiles/paper-testbed.json';
const DEFAULT_FPS_LEVELS = [10, 20, 30, 40, 50, 60];

// ---------------------------------------------------------------- messages

/**
 * Quotes a value the way error messages show it: 'text', 12, an empty value, [1,2].
 * At most about 60 characters, control characters escaped, and never a walk
 * of the whole value: a deeply nested or huge input is shown by its first bytes.
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is required)';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    // Cut after escaping: binary text escapes to six characters a byte.
    const text = escapeText(value.slice(0, 60));
    return `'${text.length > 60 || value.length > 60 ? `${text.slice(0, 57)}...` : text}'`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const json = shortJson(value, 60);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** JSON of a value, stopping once `limit` characters are out (iterative: no recursion on deep input). */
function shortJson(value: unknown, limit: number): string {
  let out = '';
  // A stack of pending output: values still to print, or literal text (closing brackets, commas).
  const stack: ({ text: string } | { value: unknown })[] = [{ value }];
  while (stack.length > 0 && out.length <= limit) {
    const next = stack.pop() as { text: string } | { value: unknown };
    if ('text' in next) {
      out += next.text;
      continue;
    }
    const v = next.value;
    if (Array.isArray(v)) {
      out += '[';
      stack.push({ text: ']' });
      for (let i = Math.min(v.length, limit) - 1; i >= 0; i--) {
        stack.push({ value: v[i] });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (typeof v === 'object' && v !== null) {
      out += '{';
      stack.push({ text: '}' });
      const keys = Object.keys(v).slice(0, limit);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ value: (v as Record<string, unknown>)[keys[i]] });
        stack.push({ text: `${escapeText(JSON.stringify(keys[i].slice(0, limit)))}:` });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (typeof v === 'string') {
      out += escapeText(JSON.stringify(v.slice(0, limit)));
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      out += String(v);
    } else {
      out += v === null ? 'null' : typeof v === 'bigint' ? `${String(v)}n` : typeof v;
    }
  }
  return out;
}

type RawIssue = z.core.$ZodRawIssue;

/** An error map that says what is allowed and what was found. */
function expected(what: string): (issue: RawIssue) => string {
  return (issue) => `expected ${what}, got ${formatValue(issue.input)}`;
}

function interval(min: number, max: number, minExclusive: boolean, maxExclusive: boolean): string {
  return `${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
}

// ---------------------------------------------------------------- field builders

/** An integer in [min, max]. */
export function intIn(min: number, max: number) {
  return z
    .number({ error: expected(`an integer in [${min}, ${max}]`) })
    .int()
    .min(min)
    .max(max);
}

/** A finite number in a range; either end may be exclusive. */
export function numberIn(min: number, max: number, options: { minExclusive?: boolean; maxExclusive?: boolean } = {}) {
  const minExclusive = options.minExclusive ?? false;
  const maxExclusive = options.maxExclusive ?? false;
  const schema = z.number({ error: expected(`a number in ${interval(min, max, minExclusive, maxExclusive)}`) });
  return (minExclusive ? schema.gt(min) : schema.gte(min)).check(maxExclusive ? z.lt(max) : z.lte(max));
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: expected(`one of ${values.join(', ')}`) });
}

function text() {
  return z.string({ error: expected('a text') });
}

function nonEmptyText() {
  return z.string({ error: expected('a non-empty text') }).min(1);
}

function flag() {
  return z.boolean({ error: expected('true or false') });
}

/** Kubernetes node names: lowercase letters, digits and '-'. */
function nodeName() {
  return z
    .string({ error: expected("a node name (lowercase letters, digits and '-', e.g. node-1)") })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .max(63);
}

/** A mapping with exactly these keys; unknown keys are an error that lists the allowed ones. */
function section<S extends z.ZodRawShape>(shape: S, what: string) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `${unknownKeys(issue.keys)}; allowed: ${allowed}`;
      }
      return `expected ${what}, got ${formatValue(issue.input)}`;
    },
  });
}

/** "unknown field 'x'" or "unknown fields 'x', 'y', 'z' and 4,997 more": the list stays short however many there are. */
export function unknownKeys(keys: readonly string[]): string {
  const shownKeys = keys.slice(0, 3).map((key) => formatValue(key)).join(', ');
  const more = keys.length > 3 ? ` and ${(keys.length - 3).toLocaleString('en-US')} more` : '';
  return `unknown field${keys.length > 1 ? 's' : ''} ${shownKeys}${more}`;
}

function listOf<T extends z.ZodType>(item: T, what: string, minItems = 0) {
  return z.array(item, { error: expected(`a list of ${what}${minItems > 0 ? ` (at least ${minItems})` : ''}`) }).min(minItems);
}

// ---------------------------------------------------------------- cluster

/** Where executor pods go (the Scheduler agent's knob). */
export const placementSchema = oneOf(PLACEMENTS);


const vcpuField = intIn(1, 1024).describe('virtual CPUs of the node');
const nodeMemoryField = intIn(256, 16_777_216).describe('memory of the node, MB');
const costField = numberIn(0, 1000).describe('price of the node, per hour (e.g. USD of an on-demand VM)');

const nodeSchema = section(
  {
    name: nodeName().describe('Kubernetes node name'),
    vcpu: vcpuField,
    memoryMb: nodeMemoryField,
    costPerHour: costField,
  },
  'a node {name, vcpu, memoryMb, costPerHour}',
).describe('one node (VM) of the cluster');

const nodeCountSchema = section(
  {
    count: intIn(1, 1000).describe('number of identical nodes'),
    vcpu: vcpuField,
    memoryMb: nodeMemoryField,
    costPerHour: costField,
    namePrefix: nodeName().default('node').describe("nodes are named <namePrefix>-1 .. <namePrefix>-<count>"),
  },
  'a node group {count, vcpu, memoryMb, costPerHour}',
).describe('identical nodes, given once with a count');

const nodeTemplateSchema = section(
  { vcpu: vcpuField, memoryMb: nodeMemoryField, costPerHour: costField },
  'a node shape {vcpu, memoryMb, costPerHour}',
);

const scheduledFaultSchema = section(
  {
    atMs: intIn(0, MAX_MS).describe('simulated time of the fault, ms'),
    kind: oneOf(['node-down', 'node-up', 'pod-kill']).describe('what happens'),
    target: z
      .preprocess(
        (value) => (typeof value === 'number' ? String(value) : value),
        nonEmptyText(),
      )
      .describe('node name for node faults; for pod-kill, the index (0-based) among Running pods in creation order'),
  },
  'a fault {atMs, kind, target}',
);

const failuresSchema = section(
  {
    nodeMtbfMs: intIn(0, MAX_MS).default(0).describe('mean time between failures of each node, ms; 0 disables random node failures'),
    nodeRepairMs: intIn(0, MAX_MS).default(60_000).describe('how long a failed node stays down before it rejoins, ms'),
    podMtbfMs: intIn(0, MAX_MS).default(0).describe('mean time between random kills of each executor pod, ms; 0 disables'),
    scheduled: listOf(scheduledFaultSchema, 'faults').default([]).describe('faults at fixed times, on top of the random ones'),
  },
  'a mapping of failure settings',
);

const clusterSchema = section(
  {
    nodes: z
      .union([listOf(nodeSchema, 'nodes', 1), nodeCountSchema], {
        error: expected('a list of nodes {name, vcpu, memoryMb, costPerHour} or a node group {count, vcpu, memoryMb, costPerHour}'),
      })
      .describe('the nodes at the start: a list, or {count, vcpu, memoryMb, costPerHour, namePrefix?}'),
    placement: placementSchema.default('spread').describe('where executor pods go: pack fills one node first, spread balances, storage-affinity prefers the storage node'),
    systemReservedCpu: numberIn(0, 64).default(0.1).describe('CPU the kubelet and system pods keep on every node, vCPU'),
    systemReservedMemoryMb: intIn(0, 1_048_576).default(512).describe('memory the kubelet and system pods keep on every node, MB'),
    storageNode: nodeName().optional().describe('node serving the shared (NFS) video store; default: the first node'),
    nodeTemplate: nodeTemplateSchema.optional().describe("shape of nodes the cluster autoscaler adds; default: the first node's"),
    maxNodes: intIn(1, 1000).optional().describe('upper bound on the number of nodes; default: the starting node count'),
    minNodes: intIn(1, 1000).optional().describe("lower bound the node pool scales in to; default: actionSpace.nodeCount's min, else 1"),
    nodeProvisioningMs: intIn(0, MAX_MS).optional().describe("boot time of a requested node until it takes pods, ms; default: drawn from the profile's node provisioning parameters"),
    failures: failuresSchema.prefault({}).describe('random and scheduled faults; default: none'),
    pricing: section(
      {
        vcpuHour: numberIn(0, 1000).describe('price of one vCPU an executor pod requests, per hour'),
        gbHour: numberIn(0, 1000).describe('price of one GB (1024 MB) of memory an executor pod requests, per hour'),
      },
      'a price mapping {vcpuHour, gbHour}',
    )
      .optional()
      .describe("what the application's requests cost (serverless-style, per pod while bound); default: the node price split between vCPU and memory (src/scenario/pricing.ts)"),
  },
  'a mapping of cluster settings',
);

// ---------------------------------------------------------------- spark

const executorCoresField = intIn(1, 64);
const executorMemoryField = intIn(256, 1_048_576);
const executorInstancesField = intIn(1, 10_000);
const overheadLimits = KNOB_TABLE.executorMemoryOverheadMb.limits;
const executorMemoryOverheadField = intIn(overheadLimits.min, overheadLimits.max);

const dynamicAllocationShape = {
  enabled: flag().default(false).describe('spark.dynamicAllocation.enabled'),
  minExecutors: intIn(0, 10_000).default(1).describe('spark.dynamicAllocation.minExecutors'),
  maxExecutors: intIn(1, 10_000)
    .optional()
    .describe('spark.dynamicAllocation.maxExecutors; default: the action space maximum of executorInstances'),
  schedulerBacklogTimeoutMs: intIn(0, MAX_MS).default(1000).describe('spark.dynamicAllocation.schedulerBacklogTimeout, ms'),
  sustainedBacklogTimeoutMs: intIn(0, MAX_MS)
    .default(1000)
    .describe('spark.dynamicAllocation.sustainedSchedulerBacklogTimeout, ms'),
  executorIdleTimeoutMs: intIn(0, MAX_MS).default(60_000).describe('spark.dynamicAllocation.executorIdleTimeout, ms'),
};

/**
 * One schema per SparkConfig field, with its range and description: the
 * scenario's `spark` section and the --config overrides share them.
 */
export const sparkFieldSchemas = {
  executorCores: executorCoresField.describe('spark.executor.cores: task slots per executor; default: the action space minimum'),
  executorMemoryMb: executorMemoryField.describe('spark.executor.memory, MB of heap (the pod adds overhead); default: the action space minimum'),
  executorMemoryOverheadMb: executorMemoryOverheadField.describe(
    "spark.executor.memoryOverhead, MB of the executor pod beyond the heap; default: the action space's first value when actionSpace declares it, else Spark's max(384 MB, 10% of heap)",
  ),
  executorInstances: executorInstancesField.describe('spark.executor.instances; default: the action space minimum'),
  partitions: intIn(1, 100_000).describe('partitions (tasks) per micro-batch'),
  framesPerPartition: z
    .union([intIn(1, 100_000), z.literal('fps')], { error: expected("an integer in [1, 100000] or 'fps'") })
    .describe("frames each partition collects before the batch goes to Spark; 'fps' = one second of video at the current load"),
  batchIntervalMs: intIn(0, MAX_MS).describe('micro-batch interval, ms: a batch is cut when full or this long after its first frame; 0 = only when full'),
  memoryFraction: numberIn(0, 1, { minExclusive: true, maxExclusive: true }).describe('spark.memory.fraction: share of (heap - reserved) for execution and storage'),
  concurrentJobs: intIn(1, 64).describe('micro-batch jobs that may run at once (the job\'s --concurrent-jobs)'),
  taskMaxFailures: intIn(1, 100).describe("spark.task.maxFailures: attempts per task before its partition's frames are dropped"),
  serializer: oneOf(['java', 'kryo']).describe('spark.serializer'),
  cpuRequestRatio: numberIn(0, 1, { minExclusive: true }).describe('CPU each executor pod requests, as a fraction of executorCores'),
  cpuLimitRatio: numberIn(0, 16).describe('CPU limit of each executor pod as a multiple of executorCores (spark.kubernetes.executor.limit.cores); 0 = no limit'),
  dynamicAllocation: section(
    { ...dynamicAllocationShape, maxExecutors: intIn(1, 10_000).describe('spark.dynamicAllocation.maxExecutors') },
    'a mapping of dynamic allocation settings',
  ).describe('Spark dynamic allocation'),
} satisfies Record<keyof SparkConfig, z.ZodType>;

const sparkSchema = section(
  {
    executorCores: sparkFieldSchemas.executorCores.optional(),
    executorMemoryMb: sparkFieldSchemas.executorMemoryMb.optional(),
    executorMemoryOverheadMb: sparkFieldSchemas.executorMemoryOverheadMb.optional(),
    executorInstances: sparkFieldSchemas.executorInstances.optional(),
    partitions: sparkFieldSchemas.partitions.default(8),
    framesPerPartition: sparkFieldSchemas.framesPerPartition.default('fps'),
    batchIntervalMs: sparkFieldSchemas.batchIntervalMs.default(0),
    memoryFraction: sparkFieldSchemas.memoryFraction.default(0.6),
    concurrentJobs: sparkFieldSchemas.concurrentJobs.default(1),
    taskMaxFailures: sparkFieldSchemas.taskMaxFailures.default(4),
    serializer: sparkFieldSchemas.serializer.default('kryo'),
    cpuRequestRatio: sparkFieldSchemas.cpuRequestRatio.default(1),
    cpuLimitRatio: sparkFieldSchemas.cpuLimitRatio.default(0),
    dynamicAllocation: section(dynamicAllocationShape, 'a mapping of dynamic allocation settings')
      .prefault({})
      .describe('Spark dynamic allocation; default: disabled'),
  },
  'a mapping of Spark settings',
);

// ---------------------------------------------------------------- action space

function knobRange(min: number, max: number, defaultStep: number, unit: string) {
  return section(
    {
      min: intIn(min, max).describe(`smallest value${unit}`),
      max: intIn(min, max).describe(`largest value${unit}`),
      step: intIn(1, max).default(defaultStep).describe(`distance between neighbouring values${unit}`),
    },
    'a range {min, max, step}',
  );
}

/** The values a choice knob may list (before a scenario narrows them). */
function choiceValue(declaration: Extract<KnobDeclaration, { domain: 'choices' }>) {
  const allowed = declaration.allowed;
  if (allowed.kind === 'text') return oneOf(allowed.values as unknown as readonly [string, ...string[]]);
  return numberIn(allowed.min, allowed.max, { minExclusive: allowed.minExclusive, maxExclusive: allowed.maxExclusive });
}

/** The schema of one knob's grid in `actionSpace`, from the knob table. */
function knobDomainSchema(name: KnobName) {
  const declaration: KnobDeclaration = KNOB_TABLE[name];
  const what = `${declaration.description}, the agents may choose`;
  if (declaration.domain === 'range') {
    const unit = declaration.unit === '' ? '' : `, ${declaration.unit}`;
    return knobRange(declaration.limits.min, declaration.limits.max, declaration.defaultStep, unit).describe(what);
  }
  return section(
    { choices: listOf(choiceValue(declaration), 'values', 1).describe('the values, in the order delta actions step through them') },
    'a mapping {choices: [...]}',
  ).describe(what);
}

const actionSpaceShape = Object.fromEntries(
  KNOB_NAMES.map((name) => {
    const schema = knobDomainSchema(name);
    return [name, (EXECUTOR_KNOBS as readonly string[]).includes(name) ? schema : schema.optional()];
  }),
) as unknown as Record<KnobName, z.ZodType>;

const actionSpaceSchema = section(
  actionSpaceShape,
  `a mapping {${EXECUTOR_KNOBS.join(', ')}, ...} of ranges`,
) as unknown as z.ZodType<ActionSpace>;

// ---------------------------------------------------------------- workload

const fpsField = numberIn(0, MAX_FPS);
const fpsPoint = section(
  { atMs: intIn(0, MAX_MS).describe('time the rate starts, ms'), fps: fpsField.describe('frames per second from then on') },
  'a point {atMs, fps}',
);

const sourceSchema = section(
  {
    name: nonEmptyText().describe('name of the video source'),
    kind: oneOf(['camera', 'cctv', 'drone']).describe('kind of source'),
    weight: numberIn(0, 1e6, { minExclusive: true }).default(1).describe('share of the total frame rate (shares are normalised)'),
    widthPx: intIn(1, 100_000).describe('frame width, pixels'),
    heightPx: intIn(1, 100_000).describe('frame height, pixels'),
  },
  'a source {name, kind, weight, widthPx, heightPx}',
);

const TRACE_KINDS = ['constant', 'step', 'ramp', 'diurnal', 'spike', 'replay'] as const;

const replaySchema = section(
  {
    kind: z.literal('replay'),
    points: listOf(fpsPoint, 'points {atMs, fps}', 1).optional().describe('the (time, fps) points, sorted by time; the rate is 0 before the first'),
    file: nonEmptyText().optional().describe('CSV with header time_s,fps, relative to the scenario file'),
  },
  'a replay trace {kind: replay, points} or {kind: replay, file}',
).transform((trace, ctx): LoadTrace | ReplayFileTrace => {
  if ((trace.points === undefined) === (trace.file === undefined)) {
    ctx.issues.push({
      code: 'custom',
      path: [],
      input: trace,
      message: `expected exactly one of 'points' or 'file', got ${trace.points === undefined ? 'neither' : 'both'}`,
    });
    return z.NEVER;
  }
  return trace.file !== undefined ? { kind: 'replay', file: trace.file } : { kind: 'replay', points: trace.points! };
});

const traceSchema = z
  .discriminatedUnion(
    'kind',
    [
      section({ kind: z.literal('constant'), fps: fpsField.describe('frames per second') }, 'a constant trace {kind, fps}'),
      section(
        { kind: z.literal('step'), steps: listOf(fpsPoint, 'steps {atMs, fps}', 1).describe('rate changes, sorted by time; the rate is 0 before the first') },
        'a step trace {kind, steps}',
      ),
      section(
        {
          kind: z.literal('ramp'),
          fromFps: fpsField.describe('frames per second at the start'),
          toFps: fpsField.describe('frames per second at the end of the ramp'),
          durationMs: intIn(1, MAX_MS).describe('length of the ramp, ms'),
        },
        'a ramp trace {kind, fromFps, toFps, durationMs}',
      ),
      section(
        {
          kind: z.literal('diurnal'),
          minFps: fpsField.describe('frames per second at the quietest time'),
          maxFps: fpsField.describe('frames per second at the peak'),
          periodMs: intIn(1, MAX_MS).describe('length of one (compressed) day, ms'),
          phaseMs: intIn(0, MAX_MS).default(0).describe('time of the quietest point, ms (the peak is half a period later)'),
        },
        'a diurnal trace {kind, minFps, maxFps, periodMs, phaseMs}',
      ),
      section(
        {
          kind: z.literal('spike'),
          baseFps: fpsField.describe('frames per second outside the spike'),
          spikeFps: fpsField.describe('frames per second during the spike'),
          atMs: intIn(0, MAX_MS).describe('start of the spike, ms'),
          durationMs: intIn(1, MAX_MS).describe('length of the spike, ms'),
        },
        'a spike trace {kind, baseFps, spikeFps, atMs, durationMs}',
      ),
      replaySchema,
    ],
    {
      error: (issue) => {
        const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
        if (issue.code === 'invalid_union') return `expected kind one of ${TRACE_KINDS.join(', ')}, got ${formatValue(kind)}`;
        return `expected a trace {kind: ${TRACE_KINDS.join('|')}, ...}, got ${formatValue(issue.input)}`;
      },
    },
  )
  .describe('frame rate over time, summed over all sources');

const workloadSchema = section(
  {
    sources: listOf(sourceSchema, 'sources', 1).describe('the video sources'),
    trace: traceSchema,
    arrival: oneOf(['live', 'stored'])
      .default('live')
      .describe("how frames reach Spark: 'live' = at the trace's rate, a batch cut when full; 'stored' = a video on the shared store, the next batch cut as soon as a job slot frees (the trace's fps is the video's frame rate)"),
    minFramesPerPartition: intIn(1, 100_000).default(10).describe("smallest framesPerPartition when it is 'fps'"),
    maxFramesPerPartition: intIn(1, 100_000).default(60).describe("largest framesPerPartition when it is 'fps'"),
    fpsLevels: listOf(numberIn(0, MAX_FPS, { minExclusive: true }), 'frame rates', 1)
      .default(DEFAULT_FPS_LEVELS)
      .describe('load levels (fps) used by sweeps and evaluation, increasing'),
  },
  'a mapping of workload settings',
);

// ---------------------------------------------------------------- run, slo, top level

const runSchema = section(
  {
    durationMs: intIn(1, MAX_MS).default(120_000).describe('simulated duration of one run, ms'),
    warmupMs: intIn(0, MAX_MS).default(0).describe('frames whose batch reaches Spark before this time are not counted, ms'),
    warmStart: flag().default(true).describe('executors are already running at t=0 (steady state)'),
  },
  'a mapping of run settings',
);

const sloSchema = section(
  { perFrameMs: numberIn(0, MAX_MS, { minExclusive: true }).default(500).describe('SLO on per-frame processing time, ms') },
  'a mapping of SLO settings',
);

/**
 * The `spark` section a scenario without one gets, for a command that runs
 * Spark without a scenario (`sspe collect`): its defaults stay declared once,
 * above. The executor shape and maxExecutors come from the action space, so
 * they are absent here.
 */
export function sparkDefaults() {
  return sparkSchema.parse({});
}

/** The SLO a scenario without one gets. */
export function sloDefaults(): Scenario['slo'] {
  return sloSchema.parse({});
}

const documentShape = {
  name: nonEmptyText().optional().describe("name of the scenario; default: the file's base name"),
  description: text().default('').describe('what the scenario models, one paragraph'),
  seed: z
    .union([intIn(0, Number.MAX_SAFE_INTEGER), nonEmptyText()], {
      error: expected(`an integer in [0, ${Number.MAX_SAFE_INTEGER}] or a non-empty text`),
    })
    .default(1)
    .describe('root seed of every random stream'),
  profile: nonEmptyText().default(DEFAULT_PROFILE_PATH).describe('latency profile JSON, relative to the scenario file'),
  cluster: clusterSchema.describe('the Kubernetes cluster'),
  spark: sparkSchema.prefault({}).describe('the starting Spark configuration'),
  actionSpace: actionSpaceSchema.describe('the executor configurations the agents choose from'),
  workload: workloadSchema.describe('video sources and load'),
  run: runSchema.prefault({}).describe('length and start of a run'),
  slo: sloSchema.prefault({}).describe('service-level objective'),
  learning: section(
    {
      env: zodOf(ENV_OPTIONS).prefault({}).describe('episodes and action encoding'),
      reward: zodOf(REWARD_OPTIONS).prefault({}).describe('how a trial is scored'),
      dqn: zodOf(DQN_OPTIONS).prefault({}).describe("the DQN agent's hyper-parameters (defaults: the paper's)"),
    },
    'a learning mapping (env, reward, dqn)',
  )
    .prefault({})
    .describe('how agents learn on this scenario'),
};

type RawDocument = z.output<ReturnType<typeof section<typeof documentShape>>>;

/** Fills the defaults that depend on other fields. */
function normalise(raw: RawDocument): ScenarioDocument {
  const { cluster, spark, actionSpace } = raw;
  const group = cluster.nodes;
  const nodes: NodeSpec[] = Array.isArray(group)
    ? group
    : Array.from({ length: group.count }, (_, i) => ({
        name: `${group.namePrefix}-${i + 1}`,
        vcpu: group.vcpu,
        memoryMb: group.memoryMb,
        costPerHour: group.costPerHour,
      }));
  const first = nodes[0];
  const failures: FailureSpec = cluster.failures;
  const dynamicAllocation: DynamicAllocationSpec = {
    ...spark.dynamicAllocation,
    maxExecutors: spark.dynamicAllocation.maxExecutors ?? actionSpace.executorInstances.max,
  };
  // Only when set or declared: a scenario without it keeps Spark's rule and its exact shape (and its policies' scenario hash).
  const { executorMemoryOverheadMb: overheadMb, ...sparkRest } = spark;
  const overheadDomain = actionSpace.executorMemoryOverheadMb;
  const startingOverheadMb = overheadMb ?? (overheadDomain !== undefined ? (domainValues(overheadDomain)[0] as number) : undefined);
  return {
    ...(raw.name !== undefined ? { name: raw.name } : {}),
    description: raw.description,
    seed: raw.seed,
    profile: raw.profile,
    cluster: {
      nodes,
      placement: cluster.placement,
      systemReservedCpu: cluster.systemReservedCpu,
      systemReservedMemoryMb: cluster.systemReservedMemoryMb,
      storageNode: cluster.storageNode ?? first.name,
      nodeTemplate: cluster.nodeTemplate ?? { vcpu: first.vcpu, memoryMb: first.memoryMb, costPerHour: first.costPerHour },
      maxNodes: cluster.maxNodes ?? nodes.length,
      // Only when there is a pool to bound: a scenario without one keeps its exact shape (and its policies' scenario hash).
      ...(cluster.minNodes !== undefined
        ? { minNodes: cluster.minNodes }
        : actionSpace.nodeCount !== undefined && !('choices' in actionSpace.nodeCount)
          ? { minNodes: actionSpace.nodeCount.min }
          : {}),
      ...(cluster.nodeProvisioningMs !== undefined ? { nodeProvisioningMs: cluster.nodeProvisioningMs } : {}),
      failures,
      ...(cluster.pricing !== undefined ? { pricing: cluster.pricing } : {}),
    },
    spark: {
      ...sparkRest,
      executorCores: spark.executorCores ?? actionSpace.executorCores.min,
      executorMemoryMb: spark.executorMemoryMb ?? actionSpace.executorMemoryMb.min,
      ...(startingOverheadMb !== undefined ? { executorMemoryOverheadMb: startingOverheadMb } : {}),
      executorInstances: spark.executorInstances ?? actionSpace.executorInstances.min,
      dynamicAllocation,
    },
    actionSpace,
    workload: raw.workload,
    run: raw.run,
    slo: raw.slo,
    learning: raw.learning as LearningConfig,
  };
}

type Issue = { path: (string | number)[]; message: string };

function checkActionSpace(doc: ScenarioDocument, report: (issue: Issue) => void): boolean {
  let ok = true;
  for (const knob of KNOB_NAMES) {
    const domain = doc.actionSpace[knob];
    if (domain === undefined) continue;
    if ('choices' in domain) {
      const seen = new Set<unknown>();
      domain.choices.forEach((choice, i) => {
        if (seen.has(choice)) {
          report({ path: ['actionSpace', knob, 'choices', i], message: `expected each value once, got ${formatValue(choice)} twice` });
          ok = false;
        }
        seen.add(choice);
      });
      continue;
    }
    const { min, max, step } = domain;
    if (min > max) {
      report({ path: ['actionSpace', knob, 'max'], message: `expected at least min (${min}), got ${max}` });
      ok = false;
    } else if ((max - min) % step !== 0) {
      report({
        path: ['actionSpace', knob, 'max'],
        message: `expected min + k * step (${min} + k * ${step}) so the grid ends at max, got ${max}`,
      });
      ok = false;
    }
  }
  const nodes = doc.actionSpace.nodeCount;
  if (nodes !== undefined && !('choices' in nodes) && nodes.max > doc.cluster.maxNodes) {
    report({ path: ['actionSpace', 'nodeCount', 'max'], message: `expected at most cluster.maxNodes (${doc.cluster.maxNodes}), got ${nodes.max}` });
    ok = false;
  }
  return ok;
}

function checkStartingConfig(doc: ScenarioDocument, report: (issue: Issue) => void): void {
  for (const knob of EXECUTOR_KNOBS) {
    const { min, max } = doc.actionSpace[knob];
    const value = doc.spark[knob];
    if (value < min || value > max) {
      report({ path: ['spark', knob], message: `expected an integer in [${min}, ${max}] (actionSpace), got ${value}` });
    }
  }
  // Every other knob the agents choose starts on its grid.
  for (const k of declaredKnobs(doc.actionSpace)) {
    if ((EXECUTOR_KNOBS as readonly string[]).includes(k.name)) continue;
    const home = k.declaration.home === 'cluster';
    const value = k.name === 'nodeCount' ? doc.cluster.nodes.length : k.name === 'placement' ? doc.cluster.placement : doc.spark[k.name as keyof typeof doc.spark];
    if (!onDomain(k.domain, value)) {
      const path = k.name === 'nodeCount' ? ['cluster', 'nodes'] : home ? ['cluster', k.name] : ['spark', k.name];
      const what = k.name === 'nodeCount' ? `a starting node count that is ${domainText(k.domain)} (actionSpace.nodeCount)` : `${domainText(k.domain)} (actionSpace.${k.name})`;
      report({ path, message: `expected ${what}, got ${formatValue(value)}` });
    }
  }
  const da = doc.spark.dynamicAllocation;
  if (da.minExecutors > da.maxExecutors) {
    report({
      path: ['spark', 'dynamicAllocation', 'minExecutors'],
      message: `expected at most maxExecutors (${da.maxExecutors}), got ${da.minExecutors}`,
    });
  }
}

/** Every node (and the autoscaler's template) must hold one executor of the smallest configuration. */
function checkNodesFitExecutor(doc: ScenarioDocument, report: (issue: Issue) => void): void {
  const { cluster, actionSpace, spark } = doc;
  const heapMb = actionSpace.executorMemoryMb.min;
  // The smallest pod: the least heap with the least overhead the agents may choose (or the one it starts with).
  const overheadMb = Math.min(...overheadChoicesMb(actionSpace, spark).map((mb) => executorMemoryOverheadMb({ executorMemoryMb: heapMb, executorMemoryOverheadMb: mb })));
  const podMemoryMb = executorPodMemoryMb({ executorMemoryMb: heapMb, executorMemoryOverheadMb: overheadMb });
  const podCpu = executorPodCpu(actionSpace.executorCores.min, spark.cpuRequestRatio);
  const shapes: { path: (string | number)[]; label: string; vcpu: number; memoryMb: number }[] = [
    ...cluster.nodes.map((node, i) => ({ path: ['cluster', 'nodes', i], label: `node '${node.name}'`, ...node })),
    { path: ['cluster', 'nodeTemplate'], label: 'the node template', ...cluster.nodeTemplate },
  ];
  for (const shape of shapes) {
    const allocatableCpu = shape.vcpu - cluster.systemReservedCpu;
    const allocatableMemoryMb = shape.memoryMb - cluster.systemReservedMemoryMb;
    if (allocatableCpu < podCpu) {
      report({
        path: [...shape.path, 'vcpu'],
        message:
          `${shape.label} (allocatable ${round(allocatableCpu)} vCPU = ${shape.vcpu} - ${cluster.systemReservedCpu} system reserved) ` +
          `is smaller than one executor (${round(podCpu)} vCPU = ${actionSpace.executorCores.min} cores x cpuRequestRatio ${spark.cpuRequestRatio})`,
      });
    }
    if (allocatableMemoryMb < podMemoryMb) {
      report({
        path: [...shape.path, 'memoryMb'],
        message:
          `${shape.label} (allocatable ${allocatableMemoryMb} MB = ${shape.memoryMb} MB - ${cluster.systemReservedMemoryMb} MB system reserved) ` +
          `is smaller than one executor (${podMemoryMb} MB = ${heapMb} MB heap + ${overheadMb} MB overhead)`,
      });
    }
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function checkCluster(doc: ScenarioDocument, report: (issue: Issue) => void): void {
  const { cluster } = doc;
  const names = cluster.nodes.map((node) => node.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) {
      report({ path: ['cluster', 'nodes', i, 'name'], message: `expected a name no other node has, got '${name}' (also nodes[${names.indexOf(name)}])` });
    }
  });
  if (!names.includes(cluster.storageNode)) {
    report({ path: ['cluster', 'storageNode'], message: `expected one of the node names (${names.join(', ')}), got '${cluster.storageNode}'` });
  }
  if (cluster.maxNodes < cluster.nodes.length) {
    report({ path: ['cluster', 'maxNodes'], message: `expected at least the number of nodes (${cluster.nodes.length}), got ${cluster.maxNodes}` });
  }
  if (cluster.minNodes !== undefined && cluster.minNodes > cluster.nodes.length) {
    report({ path: ['cluster', 'minNodes'], message: `expected at most the starting number of nodes (${cluster.nodes.length}), got ${cluster.minNodes}` });
  }
  cluster.failures.scheduled.forEach((fault, i) => {
    const path = ['cluster', 'failures', 'scheduled', i, 'target'];
    if (fault.kind === 'pod-kill') {
      if (!/^(0|[1-9][0-9]*)$/.test(fault.target)) {
        report({ path, message: `expected a pod index (0, 1, ...) for pod-kill, got '${fault.target}'` });
      }
    } else if (!names.includes(fault.target)) {
      report({ path, message: `expected one of the node names (${names.join(', ')}) for ${fault.kind}, got '${fault.target}'` });
    }
  });
}

function checkIncreasing(points: { atMs: number }[], path: (string | number)[], report: (issue: Issue) => void): void {
  for (let i = 1; i < points.length; i++) {
    if (points[i].atMs <= points[i - 1].atMs) {
      report({
        path: [...path, i, 'atMs'],
        message: `expected a time after the previous point (${points[i - 1].atMs}), got ${points[i].atMs}`,
      });
      return;
    }
  }
}

function checkWorkload(doc: ScenarioDocument, report: (issue: Issue) => void): void {
  const { workload, run } = doc;
  if (workload.minFramesPerPartition > workload.maxFramesPerPartition) {
    report({
      path: ['workload', 'maxFramesPerPartition'],
      message: `expected at least minFramesPerPartition (${workload.minFramesPerPartition}), got ${workload.maxFramesPerPartition}`,
    });
  }
  const sourceNames = workload.sources.map((source) => source.name);
  sourceNames.forEach((name, i) => {
    if (sourceNames.indexOf(name) !== i) {
      report({ path: ['workload', 'sources', i, 'name'], message: `expected a name no other source has, got '${name}'` });
    }
  });
  for (let i = 1; i < workload.fpsLevels.length; i++) {
    if (workload.fpsLevels[i] <= workload.fpsLevels[i - 1]) {
      report({
        path: ['workload', 'fpsLevels', i],
        message: `expected a level above the previous one (${workload.fpsLevels[i - 1]}), got ${workload.fpsLevels[i]}`,
      });
      break;
    }
  }
  const trace = workload.trace;
  if (trace.kind === 'step') checkIncreasing(trace.steps, ['workload', 'trace', 'steps'], report);
  if (trace.kind === 'replay' && 'points' in trace) checkIncreasing(trace.points, ['workload', 'trace', 'points'], report);
  if (trace.kind === 'diurnal' && trace.minFps > trace.maxFps) {
    report({ path: ['workload', 'trace', 'maxFps'], message: `expected at least minFps (${trace.minFps}), got ${trace.maxFps}` });
  }
  if (run.warmupMs >= run.durationMs) {
    report({ path: ['run', 'warmupMs'], message: `expected less than durationMs (${run.durationMs}), got ${run.warmupMs}` });
  }
}

/**
 * The whole scenario file. Parses to a ScenarioDocument; src/scenario/load.ts
 * then reads the profile and any replay CSV it names.
 */
export const scenarioSchema = section(documentShape, 'a scenario mapping (name, cluster, spark, actionSpace, workload, ...)')
  .transform(normalise)
  .superRefine((doc, ctx) => {
    const report = (issue: Issue): void => {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: undefined });
    };
    const spaceOk = checkActionSpace(doc, report);
    if (spaceOk) checkStartingConfig(doc, report);
    checkCluster(doc, report);
    if (spaceOk) checkNodesFitExecutor(doc, report);
    checkWorkload(doc, report);
  });

// ---------------------------------------------------------------- issues to lines

export type FieldPath = readonly (string | number | symbol)[];

/** One problem: where (a path into the document) and what (a complete message). */
export interface FieldProblem {
  path: (string | number)[];
  message: string;
}

/** `cluster.nodes[2].vcpu` */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/**
 * Turns a zod issue into one problem. For a union that failed every branch,
 * follows the branch that got furthest into the value (the one the user most
 * likely meant); if none got past the top, the union's own message stands.
 */
export function toProblem(issue: z.core.$ZodIssue, base: (string | number)[] = []): FieldProblem {
  const path = [...base, ...issue.path.filter((s): s is string | number => typeof s !== 'symbol')];
  if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) {
    return { path: [...path, issue.keys[0]], message: issue.message };
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    let best: z.core.$ZodIssue | undefined;
    for (const branch of issue.errors) {
      const first = branch[0];
      if (first !== undefined && first.path.length > 0 && (best === undefined || first.path.length > best.path.length)) best = first;
    }
    if (best !== undefined) return toProblem(best, path);
  }
  return { path, message: issue.message };
}

/** Fallback for any issue a schema above did not word itself. */
export function fallbackError(issue: RawIssue): string {
  const what = 'expected' in issue && typeof issue.expected === 'string' ? issue.expected : 'a valid value';
  return `expected ${what}, got ${formatValue(issue.input)}`;
}
