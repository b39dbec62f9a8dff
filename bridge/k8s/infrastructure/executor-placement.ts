/**
 * A placement policy as the executor pods carry it: the scheduler profile
 * (spec.schedulerName) and node affinity of an executor pod template, the
 * file spark-submit reads through spark.kubernetes.executor.podTemplateFile.
 *
 * - pack: the bin-packing profile the testbed's kube-scheduler has
 *   (NodeResourcesFit with MostAllocated scoring, bridge/k8s/testbed/up.ts).
 * - spread: the default profile (LeastAllocated scoring: the emptiest node).
 * - storage-affinity: the default profile with a preferred node affinity to
 *   the storage node; preferred, not required, so executors that no longer
 *   fit there still go elsewhere, as the simulator's policy does.
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { PLACEMENT_POLICIES } from '../../../sim/config.js';
import { PACK_SCHEDULER } from '../testbed/up.js';
import type { PlacementPolicy } from './infrastructure-manager.js';

/** Kubernetes' name of its default profile (what an empty spec.schedulerName means). */
export const DEFAULT_SCHEDULER = 'default-scheduler';

/** The most a preferred scheduling term may weigh (1–100). */
const PREFERRED_WEIGHT = 100;

export interface ExecutorPlacement {
  policy: PlacementPolicy;
  /** spec.schedulerName of each executor pod. */
  schedulerName: string;
  /** spec.affinity of each executor pod; absent for pack and spread. */
  affinity?: NodeAffinity;
}

/** The part of V1Affinity we set, as plain JSON (the client's model classes would put Dates and class instances in the YAML). */
export interface NodeAffinity {
  nodeAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: {
      weight: number;
      preference: { matchFields: { key: 'metadata.name'; operator: 'In'; values: string[] }[] };
    }[];
  };
}

export interface PlacementTargets {
  /** The node serving the shared store (storage-affinity's target). */
  storageNode: string;
  /** The bin-packing profile's schedulerName; default 'sspe-pack', the testbed scheduler's. */
  packScheduler?: string;
}

export function executorPlacement(policy: PlacementPolicy, targets: PlacementTargets): ExecutorPlacement {
  switch (policy) {
    case 'pack':
      return { policy, schedulerName: targets.packScheduler ?? PACK_SCHEDULER };
    case 'spread':
      return { policy, schedulerName: DEFAULT_SCHEDULER };
    case 'storage-affinity':
      return {
        policy,
        schedulerName: DEFAULT_SCHEDULER,
        // matchFields on metadata.name, not the kubernetes.io/hostname label: on cloud nodes the two can differ.
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: PREFERRED_WEIGHT, preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: [targets.storageNode] }] } },
            ],
          },
        },
      };
    default:
      throw new RangeError(`expected a placement policy (${PLACEMENT_POLICIES.join(', ')}), got '${String(policy)}'`);
  }
}

/**
 * The executor pod template for a placement, as a Pod manifest. Spark fills
 * in the rest (container, resources, labels); note that a
 * spark.kubernetes.scheduler.name given on the command line overrides the
 * template's schedulerName.
 */
export function executorPodTemplate(placement: ExecutorPlacement): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { labels: { 'sspe.dev/placement': placement.policy } },
    spec: {
      schedulerName: placement.schedulerName,
      ...(placement.affinity !== undefined ? { affinity: placement.affinity } : {}),
    },
  };
}

export function executorPodTemplateYaml(placement: ExecutorPlacement): string {
  return stringify(executorPodTemplate(placement));
}

/** Writes the template to `path` and returns the Spark conf that points the executors at it. */
export function writeExecutorPodTemplate(path: string, placement: ExecutorPlacement): { 'spark.kubernetes.executor.podTemplateFile': string } {
  try {
    writeFileSync(path, executorPodTemplateYaml(placement));
  } catch (error) {
    throw new Error(`expected to write the executor pod template for '${placement.policy}' to ${path}`, { cause: error });
  }
  return { 'spark.kubernetes.executor.podTemplateFile': path };
}
