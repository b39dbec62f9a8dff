import { readFileSync } from 'node:fs';
import { parseScenario } from '../../../../src/scenario/load.js';
import type { Scenario } from '../../../../src/scenario/schema.js';
import { edit } from '../../scenario/fixtures.js';

const PAPER = 'scenarios/paper-testbed.yaml';

/**
 * The paper testbed with a node pool (1 to 6 nodes of 4 vCPU / 8 GB, 3 at the
 * start) and, optionally, wider executor and partition grids: the knobs the
 * Cluster Autoscaler and the Parallelism Autoscaler own beside the paper's.
 */
export function nodePoolScenario(options: { instances?: { min: number; max: number }; partitions?: boolean } = {}): Scenario {
  let text = readFileSync(PAPER, 'utf8');
  text = edit(text, '  storageNode: node-1', '  maxNodes: 6\n  storageNode: node-1');
  const instances = options.instances ?? { min: 5, max: 8 };
  const extra = [
    '  nodeCount: { min: 1, max: 6 }',
    ...(options.partitions === true ? ['  partitions: { min: 4, max: 24, step: 4 }'] : []),
  ].join('\n');
  text = edit(text, '  executorInstances: { min: 5, max: 8, step: 1 }\n', `  executorInstances: { min: ${instances.min}, max: ${instances.max}, step: 1 }\n${extra}\n`);
  // Parsed as if it sat beside the paper testbed, so that its profile path resolves the same.
  return parseScenario(text, { file: PAPER.replace('paper-testbed', 'paper-testbed-node-pool') });
}
