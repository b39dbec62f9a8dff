/**
 * What the application's requests cost (serverless-style pricing, as GKE
 * Autopilot and AWS Fargate bill pods): each executor pod pays for the CPU and
 * memory it *requests*, per hour, while it is bound to a node (Starting or
 * Running). Unlike the node cost, it depends on the configuration.
 *
 * A scenario may declare the prices (`cluster.pricing: {vcpuHour, gbHour}`);
 * by default they are derived from the node price: the node's $/hour is split
 * between its vCPUs and its memory in the ratio cloud providers price them.
 * AWS Fargate (us-east-1, Linux/x86) charges $0.04048 per vCPU-hour and
 * $0.004445 per GB-hour, so one vCPU costs as much as 9.1 GB; GKE Autopilot's
 * general-purpose pods ($0.0445 / $0.0049225) give 9.0. With that ratio a
 * 4 vCPU / 8 GB node puts 82 % of its price on CPU.
 * https://aws.amazon.com/fargate/pricing/ · https://cloud.google.com/kubernetes-engine/pricing
 *
 * GB here is the GiB that pod memory is sized in: memoryMb / 1024.
 */
import type { NodeSpec, SparkConfig } from '../../sim/config.js';
import { executorPodCpu, executorPodMemoryMb } from '../../sim/spark/constants.js';
import { overheadChoicesMb, type KnobDomain } from '../space/grid.js';

export interface RequestPricing {
  /** $ per vCPU requested, per hour. */
  vcpuHour: number;
  /** $ per GB (GiB) of memory requested, per hour. */
  gbHour: number;
}

/** Price of one requested vCPU ÷ price of one requested GB (Fargate: 0.04048 / 0.004445). */
export const VCPU_TO_GB_PRICE_RATIO = 0.04048 / 0.004445;

/** Scenario fields the prices depend on. */
export interface PricedScenario {
  cluster: { nodes: readonly NodeSpec[]; pricing?: RequestPricing };
}

/**
 * The node price split into per-vCPU and per-GB prices at VCPU_TO_GB_PRICE_RATIO,
 * over all starting nodes together: exact for identical nodes, a
 * capacity-weighted average for mixed ones.
 */
export function pricingFromNodes(nodes: readonly NodeSpec[]): RequestPricing {
  if (nodes.length === 0) throw new RangeError('pricingFromNodes: expected at least one node, got none');
  let dollars = 0;
  let vcpu = 0;
  let gb = 0;
  for (const node of nodes) {
    dollars += node.costPerHour;
    vcpu += node.vcpu;
    gb += node.memoryMb / 1024;
  }
  const gbHour = dollars / (VCPU_TO_GB_PRICE_RATIO * vcpu + gb);
  return { vcpuHour: VCPU_TO_GB_PRICE_RATIO * gbHour, gbHour };
}

/** The scenario's declared prices, or the split of its node price. */
export function requestPricing(scenario: PricedScenario): RequestPricing {
  return scenario.cluster.pricing ?? pricingFromNodes(scenario.cluster.nodes);
}

/** $/hour of `cpu` vCPU and `memoryMb` MB requested. */
export function requestCostPerHour(pricing: RequestPricing, request: { cpu: number; memoryMb: number }): number {
  return request.cpu * pricing.vcpuHour + (request.memoryMb / 1024) * pricing.gbHour;
}

/** $/hour of one executor pod of `config` (its CPU request and heap + overhead). */
export function executorPodCostPerHour(
  pricing: RequestPricing,
  config: Pick<SparkConfig, 'executorCores' | 'executorMemoryMb' | 'executorMemoryOverheadMb' | 'cpuRequestRatio'>,
): number {
  return requestCostPerHour(pricing, {
    cpu: executorPodCpu(config.executorCores, config.cpuRequestRatio),
    memoryMb: executorPodMemoryMb(config),
  });
}

/** $/hour the configuration asks for with every executor pod bound (what it costs when all fit). */
export function configRequestCostPerHour(
  pricing: RequestPricing,
  config: Pick<SparkConfig, 'executorCores' | 'executorMemoryMb' | 'executorMemoryOverheadMb' | 'executorInstances' | 'cpuRequestRatio'>,
): number {
  return config.executorInstances * executorPodCostPerHour(pricing, config);
}

/** The scenario's most expensive configuration (every knob at its maximum), $/hour: the slo-cost reward's scale. */
export function maxRequestCostPerHour(
  scenario: PricedScenario & {
    actionSpace: { executorCores: { max: number }; executorMemoryMb: { max: number }; executorInstances: { max: number }; executorMemoryOverheadMb?: KnobDomain };
    spark: { cpuRequestRatio: number; executorMemoryOverheadMb?: number };
  },
): number {
  const { actionSpace, spark } = scenario;
  const overheads = overheadChoicesMb(actionSpace, spark);
  const executorMemoryOverheadMb = overheads[0] === undefined ? undefined : Math.max(...(overheads as number[]));
  return configRequestCostPerHour(requestPricing(scenario), {
    executorCores: actionSpace.executorCores.max,
    executorMemoryMb: actionSpace.executorMemoryMb.max,
    executorInstances: actionSpace.executorInstances.max,
    cpuRequestRatio: spark.cpuRequestRatio,
    ...(executorMemoryOverheadMb !== undefined ? { executorMemoryOverheadMb } : {}),
  });
}

/**
 * What the slo-cost objective counts as cost, and its scale. With a node pool
 * (the scenario lets the Cluster Autoscaler choose nodeCount) the bill is the
 * nodes leased, from the request on, scaled by the largest pool; otherwise it
 * is the executor pods' requests (serverless-style), scaled by the dearest
 * configuration's.
 */
export function sloCostScale(scenario: Parameters<typeof maxRequestCostPerHour>[0] & {
  actionSpace: { nodeCount?: { max: number } | { choices: unknown[] } };
  cluster: { nodeTemplate: { costPerHour: number }; maxNodes: number };
}): { costBasis: 'nodes' | 'requests'; requestCostScalePerHour: number; nodeCostScalePerHour: number } {
  const pool = scenario.actionSpace.nodeCount !== undefined;
  const dearestNode = Math.max(scenario.cluster.nodeTemplate.costPerHour, ...scenario.cluster.nodes.map((n) => n.costPerHour));
  return {
    costBasis: pool ? 'nodes' : 'requests',
    requestCostScalePerHour: maxRequestCostPerHour(scenario),
    nodeCostScalePerHour: dearestNode * scenario.cluster.maxNodes,
  };
}
