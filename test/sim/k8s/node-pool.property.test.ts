import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlacementPolicy } from '../../../sim/config.js';
import { SparkOnK8sModel } from '../../../sim/model.js';
import { caseArb } from '../model/arbitraries.js';
import { runObserved } from '../model/drive.js';

/** Between-window actions of a Cluster Autoscaler and a Scheduler agent: at a share of the run, a node count and maybe a placement. */
const actionsArb = fc.array(
  fc.record({
    atShare: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
    nodeCount: fc.integer({ min: 1, max: 6 }),
    placement: fc.option(fc.constantFrom<PlacementPolicy>('pack', 'spread', 'storage-affinity'), { nil: undefined }),
    redeploy: fc.boolean(),
  }),
  { minLength: 1, maxLength: 4 },
);

describe('node pool over random configurations and scaling actions', () => {
  it('stays within bounds, never gives a decommissioning executor new work, conserves frames, and replays bit for bit', () => {
    fc.assert(
      fc.property(caseArb, actionsArb, ({ spec }, actions) => {
        const times = actions.map((a) => Math.round(a.atShare * spec.durationMs)).sort((a, b) => a - b);
        const run = (check: boolean) => {
          const model = new SparkOnK8sModel({ ...spec, cluster: { ...spec.cluster, nodeProvisioningMs: 5_000 }, traceHash: !check });
          const running = new Map<number, number>();
          const after = () => {
            const leased = model.cluster.nodes.filter((n) => n.leased).length;
            if (leased > spec.cluster.maxNodes) throw new Error(`${leased} nodes leased, maxNodes ${spec.cluster.maxNodes}`);
            for (const e of model.app.executors) {
              if (e.decommissioning && e.runningTasks.size > (running.get(e.id) ?? Infinity)) {
                throw new Error(`decommissioning executor ${e.id} was given a task at ${model.sim.nowMs}`);
              }
              running.set(e.id, e.decommissioning ? e.runningTasks.size : Infinity);
            }
            const t = model.totals();
            if (t.arrived !== t.processed + t.dropped + t.inFlight + t.open) throw new Error(`frames not conserved at ${model.sim.nowMs}: ${JSON.stringify(t)}`);
          };
          actions.forEach((action, i) => {
            if (check) runObserved(model, times[i], after);
            else model.runUntil(times[i]);
            model.setNodeCount(action.nodeCount);
            expect(model.nodeCount).toBe(action.nodeCount);
            if (action.placement !== undefined) model.setPlacement(action.placement, { redeploy: action.redeploy });
          });
          if (check) runObserved(model, spec.durationMs, after);
          else model.runUntil(spec.durationMs);
          const result = model.result();
          model.destroy();
          return result;
        };
        run(true);
        const first = run(false);
        expect(run(false)).toEqual(first);
        expect(first.nodeHours).toBeGreaterThan(0);
      }),
      { numRuns: 40, seed: 7 },
    );
  });
});
