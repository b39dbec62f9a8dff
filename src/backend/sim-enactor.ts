/**
 * The simulator's enactors: how a new configuration reaches a running
 * simulated application. The Infrastructure Manager's part (node count,
 * placement) goes to the model's node pool and scheduler; the SPE
 * Deployment Manager's part (the Spark fields) to the application, which
 * redeploys or scales in place as Spark would. The real cluster's
 * counterparts live in bridge/.
 */
import type { SparkConfig } from '../../sim/config.js';
import type { SparkOnK8sModel } from '../../sim/model.js';
import type { Configuration } from '../space/grid.js';
import { KNOB_NAMES, KNOB_TABLE } from '../space/knobs.js';

/** Whether going from `previous` to `next` restarts the executors: a knob the table marks 'redeploy' changed. */
export function redeployNeeded(previous: Configuration | null, next: Configuration): boolean {
  if (previous === null) return true;
  return KNOB_NAMES.some((name) => {
    if (KNOB_TABLE[name].applies !== 'redeploy') return false;
    const before: unknown = previous[name];
    const after: unknown = next[name];
    // A cluster knob a configuration leaves out means "as the cluster is".
    return after !== undefined && before !== after;
  });
}

/** Applies `next` to a running model that runs `previous`. */
export function enact(model: SparkOnK8sModel, previous: Configuration, next: Configuration): void {
  const { nodeCount, placement, ...spark } = next;
  if (nodeCount !== undefined && nodeCount !== model.nodeCount) model.setNodeCount(nodeCount);
  const sparkRedeploys = redeployNeeded({ ...previous, placement: undefined }, { ...next, placement: undefined });
  // A placement change alone restarts the executors so that every pod is placed anew; with a Spark redeploy it rides along.
  if (placement !== undefined && placement !== model.placement) model.setPlacement(placement, { redeploy: !sparkRedeploys });
  model.reconfigure(spark as SparkConfig);
}
