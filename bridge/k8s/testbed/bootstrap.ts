/**
 * The objects a bare API server lacks for Spark: the nodes (registered as a
 * kubelet would, capacity and allocatable in status), the namespace, the
 * `default` service accounts that kube-controller-manager would have made
 * (we do not run it; the ServiceAccount admission plugin refuses pods without
 * one), and the driver's service account bound to the built-in `edit` role,
 * as Spark's docs recommend (running-on-kubernetes.html#rbac).
 */
import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type V1Node } from '@kubernetes/client-node';
import type { NodeShape } from './options.js';

export const NODE_NAME_PREFIX = 'sspe-node-';

export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${NODE_NAME_PREFIX}${i + 1}`);
}

export function nodeObject(name: string, shape: NodeShape): V1Node {
  const quantities = (cpuMillicores: number, memoryBytes: number) => ({
    cpu: `${cpuMillicores}m`,
    memory: `${Math.floor(memoryBytes / 1024)}Ki`,
    pods: '110',
    'ephemeral-storage': '100Gi',
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
        'sspe.dev/process-kubelet': 'true',
      },
    },
    spec: {},
    status: {
      capacity: quantities(shape.cpuMillicores, shape.memoryBytes),
      allocatable: quantities(shape.allocatableCpuMillicores, shape.allocatableMemoryBytes),
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
        operatingSystem: 'linux',
        kubeletVersion: 'sspe-process-kubelet',
        kubeProxyVersion: '',
        containerRuntimeVersion: 'process://local',
        kernelVersion: '',
        osImage: 'processes on the host',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}

export async function bootstrapObjects(kc: KubeConfig, options: { nodes: string[]; shape: NodeShape; namespace: string; serviceAccount: string }): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  for (const name of options.nodes) await createOnce(() => core.createNode({ body: nodeObject(name, options.shape) }));
  await createOnce(() => core.createNamespace({ body: { metadata: { name: options.namespace } } }));
  for (const namespace of new Set(['default', options.namespace])) {
    await createOnce(() => core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } }));
  }
  await createOnce(() => core.createNamespacedServiceAccount({ namespace: options.namespace, body: { metadata: { name: options.serviceAccount } } }));
  await createOnce(() =>
    rbac.createNamespacedRoleBinding({
      namespace: options.namespace,
      body: {
        metadata: { name: `${options.serviceAccount}-edit` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'ServiceAccount', name: options.serviceAccount, namespace: options.namespace }],
      },
    }),
  );
  await bindHostClaim(core, options.namespace);
}

/**
 * A claim executors can mount (--pvc store:sspe-host:/path): pods here are
 * processes that see the host's files, so a hostPath volume of '/' bound to a
 * claim is the honest "shared store". Bound by hand, as the PV controller of
 * kube-controller-manager (not run here) would: claimRef and volumeName, the
 * bind-completed annotation the scheduler's VolumeBinding plugin checks, and
 * phase Bound in both statuses.
 */
export const HOST_CLAIM = 'sspe-host';

async function bindHostClaim(core: CoreV1Api, namespace: string): Promise<void> {
  const pvName = `${HOST_CLAIM}-${namespace}`;
  await createOnce(() =>
    core.createPersistentVolume({
      body: {
        metadata: { name: pvName, annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' } },
        spec: {
          capacity: { storage: '100Gi' },
          accessModes: ['ReadWriteMany'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: '',
          hostPath: { path: '/', type: 'Directory' },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name: HOST_CLAIM },
        },
      },
    }),
  );
  await createOnce(() =>
    core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: HOST_CLAIM, annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' } },
        spec: { accessModes: ['ReadWriteMany'], storageClassName: '', volumeName: pvName, resources: { requests: { storage: '100Gi' } } },
      },
    }),
  );
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  await core.patchPersistentVolumeStatus({ name: pvName, body: { status: { phase: 'Bound' } } }, merge);
  await core.patchNamespacedPersistentVolumeClaimStatus({ name: HOST_CLAIM, namespace, body: { status: { phase: 'Bound', accessModes: ['ReadWriteMany'], capacity: { storage: '100Gi' } } } }, merge);
}

/** Creates; an AlreadyExists (409) is fine (a re-run), anything else is thrown. */
async function createOnce(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (error instanceof ApiException && error.code === 409) return;
    throw error;
  }
}
