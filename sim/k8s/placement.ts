import type { NodeState, PodState } from './cluster.js';

/**
 * The scheduler's choice of node for a Pending pod, by the pod's placement
 * policy: `pack` the fullest node that fits, `spread` the emptiest (free CPU
 * and memory, each relative to the node's size), `storage-affinity` the
 * storage node when the pod fits there, else as spread. Returns −1 when no
 * node fits; ties go to the lowest index.
 */
export function chooseNode(nodes: readonly NodeState[], pod: PodState, storageNode: string): number {
  if (pod.placement === 'storage-affinity') {
    const storage = nodes.find((node) => node.name === storageNode && node.leased);
    if (storage !== undefined && fits(storage, pod)) return storage.index;
  }
  const spread = pod.placement !== 'pack';
  let best = -1;
  let bestFree = 0;
  for (const node of nodes) {
    if (!fits(node, pod)) continue;
    const score = (node.allocatableCpu - node.requestedCpu) / node.allocatableCpu + (node.allocatableMemoryMb - node.requestedMemoryMb) / node.allocatableMemoryMb;
    if (best < 0 || (spread ? score > bestFree : score < bestFree)) {
      best = node.index;
      bestFree = score;
    }
  }
  return best;
}

/** The node takes pods (Ready, not cordoned) and has the pod's CPU and memory free. */
export function fits(node: NodeState, pod: PodState): boolean {
  if (!node.ready || node.cordoned) return false;
  // A small epsilon keeps fractional CPU requests (e.g. 0.5 × 3 cores) from failing on rounding.
  return node.allocatableCpu - node.requestedCpu + 1e-9 >= pod.cpu && node.allocatableMemoryMb - node.requestedMemoryMb >= pod.memoryMb;
}
