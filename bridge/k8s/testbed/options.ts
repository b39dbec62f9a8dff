/**
 * The knobs of `sspe testbed up`, declared once: type, default and the
 * one-line description that becomes the --help text. Checked here so a bad
 * flag is one line naming the flag, what was expected and what came.
 */
import { UserInputError } from '../../../src/errors.js';
import { QuantityError, parseCpuMillicores, parseMemoryMb } from '../quantity.js';

export interface TestbedOptions {
  /** Folder for the testbed's state: credentials, kubeconfig, etcd data, logs, pids. */
  stateDir: string;
  /** Number of nodes the process kubelet registers and keeps Ready. */
  nodes: number;
  /** CPU capacity of each node, a Kubernetes quantity ('4', '3500m'). */
  nodeCpu: string;
  /** Memory capacity of each node, a Kubernetes quantity ('8Gi'). */
  nodeMemory: string;
  /** CPU held back from pods on each node (capacity − this = allocatable, what the scheduler hands out). */
  reservedCpu: string;
  /** Memory held back from pods on each node. */
  reservedMemory: string;
  /** Namespace for Spark, with the service account and RBAC its driver needs. */
  namespace: string;
  /** Service account the Spark driver uses (spark.kubernetes.authenticate.driver.serviceAccountName). */
  serviceAccount: string;
}

export interface OptionDeclaration<K extends keyof TestbedOptions> {
  key: K;
  flag: string;
  type: TestbedOptions[K] extends number ? 'number' : 'string';
  default: TestbedOptions[K];
  describe: string;
}

export const TESTBED_OPTIONS = {
  stateDir: { flag: 'dir', type: 'string', default: '.k8s/testbed', describe: 'folder for the testbed state (credentials, kubeconfig, etcd data, logs, pids)' },
  nodes: { flag: 'nodes', type: 'number', default: 2, describe: 'nodes the process kubelet registers and keeps Ready, 1..50' },
  nodeCpu: { flag: 'node-cpu', type: 'string', default: '4', describe: "CPU capacity of each node, a Kubernetes quantity ('4', '3500m')" },
  nodeMemory: { flag: 'node-memory', type: 'string', default: '8Gi', describe: "memory capacity of each node, a Kubernetes quantity ('8Gi')" },
  reservedCpu: { flag: 'reserved-cpu', type: 'string', default: '100m', describe: 'CPU of each node held back from pods (allocatable = capacity - this)' },
  reservedMemory: { flag: 'reserved-memory', type: 'string', default: '256Mi', describe: 'memory of each node held back from pods' },
  namespace: { flag: 'namespace', type: 'string', default: 'spark', describe: 'namespace for Spark, with the service account and RBAC its driver needs' },
  serviceAccount: { flag: 'service-account', type: 'string', default: 'spark', describe: 'service account for the Spark driver' },
} as const satisfies { [K in keyof TestbedOptions]: Omit<OptionDeclaration<K>, 'key'> };

export const MAX_NODES = 50;

export function defaultTestbedOptions(): TestbedOptions {
  const out: Record<string, unknown> = {};
  for (const [key, decl] of Object.entries(TESTBED_OPTIONS)) out[key] = decl.default;
  return out as unknown as TestbedOptions;
}

/** Node shape in the units the kubelet and the API speak. */
export interface NodeShape {
  cpuMillicores: number;
  memoryBytes: number;
  allocatableCpuMillicores: number;
  allocatableMemoryBytes: number;
}

/** Checks the options; throws UserInputError naming the flag. */
export function checkTestbedOptions(partial: Partial<TestbedOptions>): TestbedOptions & { shape: NodeShape } {
  const o = { ...defaultTestbedOptions(), ...partial };
  if (!Number.isSafeInteger(o.nodes) || o.nodes < 1 || o.nodes > MAX_NODES) {
    throw new UserInputError(`--nodes: expected an integer in [1, ${MAX_NODES}], got ${String(o.nodes)}`);
  }
  const cpu = quantity('node-cpu', o.nodeCpu, parseCpuMillicores);
  const memMb = quantity('node-memory', o.nodeMemory, parseMemoryMb);
  const rCpu = quantity('reserved-cpu', o.reservedCpu, parseCpuMillicores, true);
  const rMemMb = quantity('reserved-memory', o.reservedMemory, parseMemoryMb, true);
  if (cpu < 10) throw new UserInputError(`--node-cpu: expected at least 10m, got '${o.nodeCpu}'`);
  if (memMb < 64) throw new UserInputError(`--node-memory: expected at least 64Mi, got '${o.nodeMemory}'`);
  if (rCpu >= cpu) throw new UserInputError(`--reserved-cpu: expected less than --node-cpu (${o.nodeCpu}), got '${o.reservedCpu}'`);
  if (rMemMb >= memMb) throw new UserInputError(`--reserved-memory: expected less than --node-memory (${o.nodeMemory}), got '${o.reservedMemory}'`);
  for (const key of ['namespace', 'serviceAccount'] as const) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o[key]) || o[key].length > 63) {
      throw new UserInputError(`--${TESTBED_OPTIONS[key].flag}: expected a DNS label (lower-case letters, digits, '-'), got '${o[key]}'`);
    }
  }
  if (typeof o.stateDir !== 'string' || o.stateDir.trim() === '') throw new UserInputError(`--dir: expected a folder path, got '${String(o.stateDir)}'`);
  const MB = 2 ** 20;
  return {
    ...o,
    shape: {
      cpuMillicores: Math.round(cpu),
      memoryBytes: Math.round(memMb * MB),
      allocatableCpuMillicores: Math.round(cpu - rCpu),
      allocatableMemoryBytes: Math.round((memMb - rMemMb) * MB),
    },
  };
}

function quantity(flag: string, text: string, parse: (t: string) => number, zeroOk = false): number {
  let value: number;
  try {
    value = parse(String(text));
  } catch (error) {
    if (error instanceof QuantityError) throw new UserInputError(`--${flag}: ${error.message}`, { cause: error });
    throw error;
  }
  if (!Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
    throw new UserInputError(`--${flag}: expected a ${zeroOk ? 'non-negative' : 'positive'} quantity, got '${text}'`);
  }
  return value;
}
