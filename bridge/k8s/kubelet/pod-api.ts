/**
 * The kubelet's writes to the API server, behind a small interface (a real
 * implementation here; tests may record instead): pod status as a strategic
 * merge patch (conditions merge by type, containerStatuses by name, as the
 * real kubelet's status manager sends them), and the final delete.
 */
import { ApiException, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1PodStatus } from '@kubernetes/client-node';

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface PodApi {
  patchStatus(pod: PodRef, status: V1PodStatus): Promise<void>;
  /** Removes the pod object for good (grace 0): the kubelet's last word once its processes are gone. */
  deleteFinal(pod: PodRef): Promise<void>;
}

export class KubePodApi implements PodApi {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async patchStatus(pod: PodRef, status: V1PodStatus): Promise<void> {
    try {
      await this.core.patchNamespacedPodStatus(
        { name: pod.name, namespace: pod.namespace, body: { metadata: { uid: pod.uid }, status } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    } catch (error) {
      // Gone already (deleted by force): nothing left to report to.
      if (error instanceof ApiException && (error.code === 404 || error.code === 409)) return;
      throw new Error(`expected to update the status of pod ${pod.namespace}/${pod.name}, the API server refused`, { cause: error });
    }
  }

  async deleteFinal(pod: PodRef): Promise<void> {
    try {
      // Grace 0 in the body: sent only as the query parameter, it left the pod's earlier grace period in force (seen with client-node 1.4.0 and v1.34.2).
      await this.core.deleteNamespacedPod({ name: pod.name, namespace: pod.namespace, body: { gracePeriodSeconds: 0, preconditions: { uid: pod.uid } } });
    } catch (error) {
      if (error instanceof ApiException && (error.code === 404 || error.code === 409)) return;
      throw new Error(`expected to delete pod ${pod.namespace}/${pod.name}, the API server refused`, { cause: error });
    }
  }
}
