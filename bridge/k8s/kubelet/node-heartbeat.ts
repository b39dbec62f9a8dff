/**
 * Keeps the kubelet's nodes alive in the API's eyes, as the real kubelet's
 * node status and lease loops do: the Ready condition (and no memory, disk
 * or PID pressure) patched every statusIntervalMs, a Lease in
 * kube-node-lease renewed every leaseIntervalMs, and the
 * node.kubernetes.io/not-ready taint the TaintNodesByCondition admission
 * plugin put on at registration taken off (kube-controller-manager's node
 * lifecycle controller would, and it does not run here).
 */
import { ApiException, CoordinationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1NodeCondition } from '@kubernetes/client-node';

export const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_S = 40;
const STARTUP_TAINTS = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'node.cloudprovider.kubernetes.io/uninitialized']);

export interface NodeHeartbeatOptions {
  statusIntervalMs?: number;
  leaseIntervalMs?: number;
  log: (line: string) => void;
}

export class NodeHeartbeat {
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private timers: NodeJS.Timeout[] = [];
  private readonly readySince = new Date().toISOString();

  constructor(
    kc: KubeConfig,
    private readonly nodes: string[],
    private readonly options: NodeHeartbeatOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
  }

  /** One round now (errors thrown: the first must work), then on timers (errors logged). */
  async start(): Promise<void> {
    await this.beatAll();
    const logErrors = (p: Promise<void>) => p.catch((error: Error) => this.options.log(`heartbeat: ${error.message}`));
    this.timers.push(setInterval(() => void logErrors(this.statusAll()), this.options.statusIntervalMs ?? 10_000));
    this.timers.push(setInterval(() => void logErrors(this.leasesAll()), this.options.leaseIntervalMs ?? 10_000));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private async beatAll(): Promise<void> {
    await this.statusAll();
    await this.leasesAll();
  }

  private async statusAll(): Promise<void> {
    for (const node of this.nodes) await this.status(node);
  }

  private async leasesAll(): Promise<void> {
    for (const node of this.nodes) await this.lease(node);
  }

  private async status(name: string): Promise<void> {
    const now = new Date().toISOString() as unknown as Date;
    const since = this.readySince as unknown as Date;
    const condition = (type: string, status: 'True' | 'False', reason: string, message: string): V1NodeCondition => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: since });
    const conditions = [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'process kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'process kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'process kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'process kubelet is posting ready status'),
    ];
    await this.core.patchNodeStatus({ name, body: { status: { conditions } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    const node = await this.core.readNode({ name });
    const taints = node.spec?.taints ?? [];
    const kept = taints.filter((t) => !STARTUP_TAINTS.has(t.key));
    if (kept.length !== taints.length) {
      await this.core.patchNode({ name, body: { spec: { taints: kept.length > 0 ? kept : null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      this.options.log(`node ${name}: Ready, startup taints removed`);
    }
  }

  private async lease(name: string): Promise<void> {
    // renewTime is a MicroTime (six fraction digits); client-node serialises a Date with three, which the API refuses, so it goes as a string in a merge patch.
    const body = { spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_S, renewTime: microTime(new Date()) } };
    const patch = () => this.coordination.patchNamespacedLease({ name, namespace: LEASE_NAMESPACE, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    try {
      await patch();
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
      await this.coordination.createNamespacedLease({ namespace: LEASE_NAMESPACE, body: { metadata: { name }, spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_S } } });
      await patch();
    }
  }

}

/** '2026-12-02T01:53:40.299000Z': RFC 3339 with microseconds, as metav1.MicroTime wants. */
export function microTime(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
