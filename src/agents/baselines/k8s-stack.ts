/**
 * The Kubernetes autoscaling stack as operators run it on a Spark
 * application: the HorizontalPodAutoscaler on the executor count (CPU), the
 * Vertical Pod Autoscaler's recommender on each executor's cores and memory,
 * and the Cluster Autoscaler on the node count, each with its documented
 * defaults (hpa.ts, vpa.ts, cluster-autoscaler.ts link them).
 *
 * The HPA's CPU target is 80 %, the one kube-controller-manager applies when
 * an HPA names none (defaultTargetCPUUtilizationPercentage) and the one the
 * kubectl autoscale reference example uses; the HPA walkthrough uses 50 %,
 * and the hpa baseline alone keeps its own 60 %.
 * https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 * https://kubectl.docs.kubernetes.io/references/kubectl/autoscale/
 */
import type { Scenario } from '../../scenario/schema.js';
import { ClusterAutoscaler, type ClusterAutoscalerOptions } from './cluster-autoscaler.js';
import { HpaPolicy, type HpaOptions } from './hpa.js';
import { AutoscalerStack } from './stack.js';
import { VpaRecommender, type VpaOptions } from './vpa.js';

/** The HPA's CPU target in k8s-stack when none is given. */
export const K8S_STACK_HPA_TARGET_CPU_UTIL = 0.8;

export interface K8sStackOptions {
  hpa?: Partial<HpaOptions>;
  vpa?: Partial<VpaOptions>;
  clusterAutoscaler?: Partial<ClusterAutoscalerOptions>;
}

export function k8sStack(scenario: Scenario, options: K8sStackOptions = {}): AutoscalerStack {
  return new AutoscalerStack('k8s-stack', [
    new HpaPolicy({ targetCpuUtil: K8S_STACK_HPA_TARGET_CPU_UTIL, ...options.hpa }),
    new VpaRecommender(options.vpa),
    new ClusterAutoscaler(scenario, options.clusterAutoscaler),
  ]);
}
