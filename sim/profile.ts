/**
 * The latency model's parameters: each declared once with its unit, allowed
 * range and meaning. A profile (models/profiles/*.json) gives every one a value;
 * `sspe calibrate` produces profiles, the simulator consumes them.
 */

export interface ParameterSpec {
  unit: string;
  min: number;
  max: number;
  description: string;
  /** For a parameter added after profiles were written: the value a profile without it gets (one that changes nothing). */
  default?: number;
}

export const PROFILE_PARAMETERS = {
  frameCpuMsPerMegapixel: { unit: 'ms/MP', min: 0, max: 1e5, description: 'CPU time on one core of the measuring machine to decode, convert and encode one frame, per megapixel' },
  cpuSpeedFactor: {
    unit: '1',
    min: 0.05,
    max: 20,
    default: 1,
    description: 'CPU time on this cluster ÷ CPU time on the machine where the CPU parameters were measured (2 = cores half as fast); multiplies frameCpuMsPerMegapixel and taskCpuMs',
  },
  taskCpuMs: {
    unit: 'ms',
    min: 0,
    max: 1e6,
    default: 0,
    description: "CPU part of a task's fixed cost on the measuring machine (Python worker: unpickling, opening the capture and the writer); counts as CPU used and is slowed by contention, unlike taskOverheadMs",
  },
  frameInputMbPerMegapixel: { unit: 'MB/MP', min: 0, max: 100, description: 'encoded size of an input frame read from the shared store, per megapixel' },
  frameOutputMbPerMegapixel: { unit: 'MB/MP', min: 0, max: 100, description: 'encoded size of an output frame written to the shared store, per megapixel' },
  frameMemoryMbPerMegapixel: { unit: 'MB/MP', min: 0, max: 100, description: 'heap a task holds per frame of its partition, per megapixel' },
  taskMemoryBaseMb: { unit: 'MB', min: 0, max: 1e5, description: 'JVM heap a task holds whatever its partition: deserialised closures, result buffers' },
  pythonFrameMbPerMegapixel: {
    unit: 'MB/MP',
    min: 0,
    max: 100,
    default: 0,
    description: "Python-worker memory a task holds per frame of its partition, per megapixel (decoded BGR + grayscale frames): outside the JVM heap, inside the pod's memory limit",
  },
  pythonWorkerBaseMb: {
    unit: 'MB',
    min: 0,
    max: 1e5,
    default: 0,
    description: 'resident memory of one idle PySpark Python worker (interpreter, numpy, OpenCV); an executor keeps one per core once warm',
  },
  jvmBaseRssMb: {
    unit: 'MB',
    min: 0,
    max: 1e5,
    default: 0,
    description: "resident memory of an executor JVM beyond its heap (metaspace, code cache, threads, direct buffers), in the pod's working set",
  },
  jvmHeapResidentFraction: {
    unit: '1',
    min: 0,
    max: 1,
    default: 0,
    description: 'share of spark.executor.memory (-Xmx) the executor JVM keeps resident (committed and touched heap); with jvmBaseRssMb, the JVM part of the working set',
  },
  taskOverheadMs: { unit: 'ms', min: 0, max: 1e6, description: 'fixed cost of one task: launch, deserialisation, result' },
  jobOverheadMs: { unit: 'ms', min: 0, max: 1e6, description: 'fixed cost of one micro-batch job at the driver: DAG and task-set scheduling' },
  taskJitterSigma: { unit: '1', min: 0, max: 2, description: 'log-space sigma of the multiplicative noise on a task duration' },
  reservedMemoryMb: { unit: 'MB', min: 0, max: 4096, description: 'heap Spark reserves before spark.memory.fraction applies' },
  gcOnsetPressure: { unit: '1', min: 0, max: 10, description: 'memory pressure (need / usable per task) above which GC starts to slow a task' },
  gcSlowdownPerPressure: { unit: '1', min: 0, max: 100, description: 'extra slowdown factor per unit of pressure above the onset' },
  spillMsPerMb: { unit: 'ms/MB', min: 0, max: 1e4, description: 'cost of spilling each MB of need beyond the usable memory' },
  oomPressure: { unit: '1', min: 1, max: 100, description: 'pressure at and above which the task fails with OutOfMemoryError' },
  nfsBandwidthMbPerS: { unit: 'MB/s', min: 0.001, max: 1e6, description: 'bandwidth of the shared video store, split among concurrent transfers' },
  networkMbPerS: { unit: 'MB/s', min: 0.001, max: 1e6, description: 'bandwidth of one transfer between nodes (executor not on the storage node)' },
  cpuContentionExponent: { unit: '1', min: 0, max: 4, description: 'slowdown = (node load / vCPU) ^ exponent when above 1; load = busy slots + executors × executorBackgroundCpu' },
  executorBackgroundCpu: {
    unit: 'vCPU',
    min: 0,
    max: 4,
    default: 0,
    description: "CPU each executor takes on its node beyond its tasks' while it runs any (JVM GC/JIT and the PySpark pipe threads, the Python worker daemon); counts toward the node's load",
  },
  javaSerializerFactor: { unit: '1', min: 0.1, max: 10, description: 'per-frame cost multiplier with spark.serializer=java (Kryo = 1)' },
  podSchedulingMs: { unit: 'ms', min: 0, max: 1e6, description: 'Kubernetes scheduler delay to bind a pod to a node' },
  imagePullMedianMs: { unit: 'ms', min: 0, max: 1e7, description: 'median image pull time of an executor pod (first pod on a node; later pods hit the cache)' },
  containerStartMedianMs: { unit: 'ms', min: 0, max: 1e6, description: 'median container start time' },
  jvmStartMedianMs: { unit: 'ms', min: 0, max: 1e6, description: 'median executor JVM start and registration with the driver' },
  startupSigma: { unit: '1', min: 0, max: 2, description: 'log-space sigma of each start-up phase' },
  nodeProvisionMedianMs: { unit: 'ms', min: 0, max: 1e8, description: 'median time to provision a new VM and join it to the cluster' },
  nodeProvisionSigma: { unit: '1', min: 0, max: 2, description: 'log-space sigma of node provisioning' },
  redeployMs: { unit: 'ms', min: 0, max: 1e7, description: 'stopping and resubmitting the application when cores or memory change' },
} as const satisfies Record<string, ParameterSpec>;

export type ProfileParameterName = keyof typeof PROFILE_PARAMETERS;
export type ProfileParameters = Record<ProfileParameterName, number>;

/** Where a parameter's value comes from. */
export const PARAMETER_SOURCES = ['measured', 'published', 'fitted', 'rule', 'assumed'] as const;
export type ParameterSource = (typeof PARAMETER_SOURCES)[number];

/**
 * How one parameter of a profile was obtained: measured on a machine (and
 * the command that measured it), a published figure, fitted (inside a
 * declared plausible range), a rule of Spark or Kubernetes, or assumed.
 */
export interface ParameterProvenance {
  source: ParameterSource;
  /** The command, publication or reasoning behind the value. */
  note: string;
  /** For a fitted parameter: the plausible range the fit stayed in. */
  range?: [number, number];
  /** For a fitted parameter that ended at a bound of its range. */
  atBound?: 'min' | 'max';
}

export interface LatencyProfile {
  name: string;
  description: string;
  parameters: ProfileParameters;
  /** Per parameter, where its value comes from (profiles written before it have none). */
  provenance?: Partial<Record<ProfileParameterName, ParameterProvenance>>;
}

export const PROFILE_PARAMETER_NAMES = Object.keys(PROFILE_PARAMETERS) as ProfileParameterName[];

/**
 * Throws a RangeError naming the first parameter that is missing or out of
 * range; returns a copy with every parameter, defaults filled in.
 */
export function checkProfileParameters(input: Record<string, unknown>, where = 'profile'): ProfileParameters {
  const parameters: Record<string, unknown> = { ...input };
  for (const key of Object.keys(parameters)) {
    if (!(key in PROFILE_PARAMETERS)) {
      throw new RangeError(`${where}: parameters.${key}: unknown parameter; allowed: ${PROFILE_PARAMETER_NAMES.join(', ')}`);
    }
  }
  for (const name of PROFILE_PARAMETER_NAMES) {
    const spec: ParameterSpec = PROFILE_PARAMETERS[name];
    if (parameters[name] === undefined && spec.default !== undefined) parameters[name] = spec.default;
    const value = parameters[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) {
      throw new RangeError(
        `${where}: parameters.${name}: expected a number in [${spec.min}, ${spec.max}] ${spec.unit}, got ${JSON.stringify(value)}`,
      );
    }
  }
  return parameters as ProfileParameters;
}
