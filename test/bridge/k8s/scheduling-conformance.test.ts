/**
 * Conformance of the simulator's Kubernetes scheduling (sim/k8s/placement.ts)
 * with the real kube-scheduler v1.34.2 on the testbed: for node shapes and
 * executor configurations (the paper testbed's among them), the same pods
 * bind and the same stay Pending ("Insufficient cpu/memory"), and they land
 * alike: spread with the default profile, pack with the testbed's
 * MostAllocated profile. Nodes are registered without a kubelet (pods never
 * run here; binding is what is compared). Under CI=true this never skips.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { NodeState, PodState } from '../../../sim/k8s/cluster.js';
import { chooseNode } from '../../../sim/k8s/placement.js';
import { executorPodMemoryMb } from '../../../sim/spark/constants.js';
import { NodeHeartbeat } from '../../../bridge/k8s/kubelet/node-heartbeat.js';
import { binariesPresent } from '../../../bridge/k8s/testbed/binaries.js';
import { nodeObject } from '../../../bridge/k8s/testbed/bootstrap.js';
import { testbedDown } from '../../../bridge/k8s/testbed/down.js';
import { loadKubeconfig } from '../../../bridge/k8s/testbed/kubeconfig.js';
import { PACK_SCHEDULER, testbedUp } from '../../../bridge/k8s/testbed/up.js';

const inCi = process.env.CI === 'true';
const skip = !inCi && !binariesPresent();
const NS = 'spark';
const MB = 2 ** 20;

interface NodeShape {
  vcpu: number;
  memoryMb: number;
}

interface ConformanceCase {
  name: string;
  nodes: NodeShape[];
  reservedCpu: number;
  reservedMemoryMb: number;
  executorCores: number;
  executorMemoryMb: number;
  executorInstances: number;
  placement: 'spread' | 'pack';
}

const PAPER = { nodes: [1, 2, 3].map(() => ({ vcpu: 4, memoryMb: 8192 })), reservedCpu: 0.1, reservedMemoryMb: 512 };
const MIXED = { nodes: [{ vcpu: 2, memoryMb: 4096 }, { vcpu: 4, memoryMb: 8192 }, { vcpu: 8, memoryMb: 16384 }], reservedCpu: 0.1, reservedMemoryMb: 512 };

const CASES: ConformanceCase[] = [
  { name: 'paper testbed, start configuration 1 x 800 MB x 6, spread', ...PAPER, executorCores: 1, executorMemoryMb: 800, executorInstances: 6, placement: 'spread' },
  { name: 'paper testbed, 3 x 1000 MB x 8 (one per node fits)', ...PAPER, executorCores: 3, executorMemoryMb: 1000, executorInstances: 8, placement: 'spread' },
  { name: 'paper testbed, 2 x 1000 MB x 8 (2 + 2 > 3.9)', ...PAPER, executorCores: 2, executorMemoryMb: 1000, executorInstances: 8, placement: 'spread' },
  { name: 'paper testbed, 1 x 800 MB x 6, pack', ...PAPER, executorCores: 1, executorMemoryMb: 800, executorInstances: 6, placement: 'pack' },
  { name: 'mixed nodes, 1 x 1000 MB x 12, spread', ...MIXED, executorCores: 1, executorMemoryMb: 1000, executorInstances: 12, placement: 'spread' },
  { name: 'mixed nodes, 1 x 1000 MB x 12, pack', ...MIXED, executorCores: 1, executorMemoryMb: 1000, executorInstances: 12, placement: 'pack' },
  { name: 'mixed nodes, memory-bound 1 x 4000 MB x 5', ...MIXED, executorCores: 1, executorMemoryMb: 4000, executorInstances: 5, placement: 'spread' },
];

/** Where the simulator's scheduler puts each pod, in creation order: node index, or null (Pending). */
function simulatedPlacement(c: ConformanceCase): (number | null)[] {
  const nodes = c.nodes.map((shape, index) => ({
    index,
    name: `node-${index + 1}`,
    vcpu: shape.vcpu,
    memoryMb: shape.memoryMb,
    allocatableCpu: shape.vcpu - c.reservedCpu,
    allocatableMemoryMb: shape.memoryMb - c.reservedMemoryMb,
    requestedCpu: 0,
    requestedMemoryMb: 0,
    ready: true,
    cordoned: false,
    leased: true,
    provisioning: false,
  })) as unknown as NodeState[];
  const out: (number | null)[] = [];
  for (let id = 0; id < c.executorInstances; id++) {
    const pod = { id, cpu: c.executorCores, memoryMb: executorPodMemoryMb(c.executorMemoryMb), phase: 'Pending', node: -1, createdMs: 0, placement: c.placement } as PodState;
    const index = chooseNode(nodes, pod, '');
    if (index >= 0) {
      nodes[index].requestedCpu += pod.cpu;
      nodes[index].requestedMemoryMb += pod.memoryMb;
    }
    out.push(index >= 0 ? index : null);
  }
  return out;
}

describe.skipIf(skip)('scheduling conformance: the simulator against kube-scheduler', () => {
  let stateDir: string;
  let kc: KubeConfig;
  let core: CoreV1Api;

  beforeAll(async () => {
    stateDir = join(mkdtempSync(join(tmpdir(), 'sspe-conformance-')), 'state');
    // One registered node, left cordoned: every case brings its own.
    const { state } = await testbedUp({ stateDir, nodes: 1, kubelet: 'none' });
    kc = loadKubeconfig(state.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    await core.deleteNode({ name: 'sspe-node-1' });
  });

  afterAll(async () => {
    if (stateDir !== undefined) await testbedDown(stateDir);
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, caseIndex) => {
    const prefix = `case${caseIndex}-node-`;
    const names = c.nodes.map((_, i) => `${prefix}${i + 1}`);
    for (const [i, shape] of c.nodes.entries()) {
      const allocCpuM = Math.round((shape.vcpu - c.reservedCpu) * 1000);
      const allocMemMb = shape.memoryMb - c.reservedMemoryMb;
      await core.createNode({ body: nodeObject(names[i], { cpuMillicores: shape.vcpu * 1000, memoryBytes: shape.memoryMb * MB, allocatableCpuMillicores: allocCpuM, allocatableMemoryBytes: allocMemMb * MB }) });
    }
    // Ready and untainted, once, as a kubelet's first heartbeat would make them.
    const heartbeat = new NodeHeartbeat(kc, names, { log: () => {} });
    await heartbeat.start();
    heartbeat.stop();

    const real: (number | null)[] = [];
    const messages: string[] = [];
    try {
      for (let id = 0; id < c.executorInstances; id++) {
        const name = `case${caseIndex}-exec-${id + 1}`;
        const memMi = executorPodMemoryMb(c.executorMemoryMb);
        await core.createNamespacedPod({ namespace: NS, body: executorPod(name, c.executorCores, memMi, c.placement) });
        const pod = await waitForScheduling(name);
        real.push(pod.spec?.nodeName !== undefined ? names.indexOf(pod.spec.nodeName) : null);
        if (pod.spec?.nodeName === undefined) messages.push(pod.status?.conditions?.find((x) => x.type === 'PodScheduled')?.message ?? '');
      }
    } finally {
      await core.deleteCollectionNamespacedPod({ namespace: NS, body: { gracePeriodSeconds: 0 } });
      for (const n of names) await core.deleteNode({ name: n });
    }
    const simulated = simulatedPlacement(c);
    console.log(`${c.name}: sim ${JSON.stringify(simulated)} real ${JSON.stringify(real)} ${messages[0] ?? ''}`);
    // The same pods bind and the same stay Pending, in order.
    expect(real.map((n) => n !== null)).toEqual(simulated.map((n) => n !== null));
    // They land alike: as many pods on each node (ties between equal nodes are random in kube-scheduler, lowest index in the simulator).
    const perNode = (placement: (number | null)[]) => c.nodes.map((shape, i) => ({ shape: `${shape.vcpu}/${shape.memoryMb}`, pods: placement.filter((n) => n === i).length }));
    const sortedCounts = (placement: (number | null)[]) => perNode(placement).map((x) => `${x.shape}:${x.pods}`).sort();
    expect(sortedCounts(real)).toEqual(sortedCounts(simulated));
    for (const m of messages) expect(m).toMatch(/Insufficient (cpu|memory)/);
  }, 120_000);

  function executorPod(name: string, cores: number, memoryMb: number, placement: 'spread' | 'pack'): V1Pod {
    return {
      metadata: { name, labels: { 'spark-role': 'executor' } },
      spec: {
        schedulerName: placement === 'pack' ? PACK_SCHEDULER : 'default-scheduler',
        restartPolicy: 'Never',
        containers: [{ name: 'executor', image: 'none', args: ['executor'], resources: { requests: { cpu: `${cores * 1000}m`, memory: `${memoryMb}Mi` }, limits: { memory: `${memoryMb}Mi` } } }],
      },
    };
  }

  async function waitForScheduling(name: string): Promise<V1Pod> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const pod = await core.readNamespacedPod({ name, namespace: NS });
      if (pod.spec?.nodeName !== undefined) return pod;
      if (pod.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'False')) return pod;
      if (Date.now() > deadline) throw new Error(`expected pod ${name} to be bound or found unschedulable within 30 s, it is neither`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});
