/**
 * `sspe testbed status`: read-only. Which recorded daemons are alive, and,
 * when the API server answers, the nodes (Ready, allocatable) and the pods
 * by phase. Changes nothing, not even the state file.
 */
import { resolve } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { loadKubeconfig } from './kubeconfig.js';
import { isAlive } from './processes.js';
import { readState, type TestbedState } from './state.js';

export interface TestbedStatus {
  stateDir: string;
  /** 'down': no state; 'up': every daemon alive; 'degraded': some recorded daemon is gone. */
  state: 'down' | 'up' | 'degraded';
  server: string | null;
  kubeconfigPath: string | null;
  daemons: { name: string; pid: number; alive: boolean; logPath: string }[];
  nodes: { name: string; ready: boolean; allocatableCpu: string; allocatableMemory: string; unschedulable: boolean }[];
  pods: { namespace: string; name: string; phase: string; nodeName: string | null }[];
  /** Why nodes and pods are empty although daemons run (the API did not answer). */
  apiError: string | null;
}

export function isTestbedRunning(state: TestbedState): boolean {
  return state.daemons.length > 0 && state.daemons.every(isAlive);
}

export async function testbedStatus(stateDirOption: string): Promise<TestbedStatus> {
  const stateDir = resolve(stateDirOption);
  const state = readState(stateDir);
  if (state === null) return { stateDir, state: 'down', server: null, kubeconfigPath: null, daemons: [], nodes: [], pods: [], apiError: null };
  const daemons = state.daemons.map((d) => ({ name: d.name, pid: d.pid, alive: isAlive(d), logPath: d.logPath }));
  const out: TestbedStatus = {
    stateDir,
    state: daemons.length > 0 && daemons.every((d) => d.alive) ? 'up' : 'degraded',
    server: state.server,
    kubeconfigPath: state.kubeconfigPath,
    daemons,
    nodes: [],
    pods: [],
    apiError: null,
  };
  if (!daemons.some((d) => d.name === 'kube-apiserver' && d.alive)) return out;
  try {
    const core = loadKubeconfig(state.kubeconfigPath).makeApiClient(CoreV1Api);
    const [nodes, pods] = await Promise.all([core.listNode({ timeoutSeconds: 5 }), core.listPodForAllNamespaces({ timeoutSeconds: 5 })]);
    out.nodes = nodes.items.map((n) => ({
      name: n.metadata?.name ?? '?',
      ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
      allocatableCpu: n.status?.allocatable?.cpu ?? '?',
      allocatableMemory: n.status?.allocatable?.memory ?? '?',
      unschedulable: n.spec?.unschedulable === true,
    }));
    out.pods = pods.items.map((p) => ({ namespace: p.metadata?.namespace ?? '?', name: p.metadata?.name ?? '?', phase: p.status?.phase ?? 'Unknown', nodeName: p.spec?.nodeName ?? null }));
  } catch (error) {
    out.apiError = error instanceof Error ? error.message.split('\n')[0] : String(error);
  }
  return out;
}
