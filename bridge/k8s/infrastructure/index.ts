/** The Infrastructure Manager: interface, placement templates, the recording and the Kubernetes implementations. */
export { checkNodeCount, type InfrastructureManager, type NodeCountChange, type PlacementPolicy } from './infrastructure-manager.js';
export {
  DEFAULT_SCHEDULER,
  executorPlacement,
  executorPodTemplate,
  executorPodTemplateYaml,
  writeExecutorPodTemplate,
  type ExecutorPlacement,
  type NodeAffinity,
  type PlacementTargets,
} from './executor-placement.js';
export { RecordingInfrastructureManager, type InfrastructureCall, type RecordingInfrastructureManagerOptions } from './recording-infrastructure-manager.js';
export { DEFAULT_DRAIN_TIMEOUT_MS, KubernetesInfrastructureManager, type KubernetesInfrastructureManagerOptions } from './kubernetes-infrastructure-manager.js';
