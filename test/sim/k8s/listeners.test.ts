import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../sim/config.js';
import { Simulation } from '../../../sim/engine/simulation.js';
import { Cluster, type ClusterListener } from '../../../sim/k8s/cluster.js';
import { Rng } from '../../../sim/random.js';
import { paperProfile } from '../fixtures.js';

function clusterSpec(): ClusterSpec {
  const node = (name: string) => ({ name, vcpu: 4, memoryMb: 8192, costPerHour: 0.1 });
  return {
    nodes: [node('node-1'), node('node-2')],
    placement: 'spread',
    systemReservedCpu: 0.1,
    systemReservedMemoryMb: 512,
    storageNode: 'node-1',
    nodeTemplate: { vcpu: 4, memoryMb: 8192, costPerHour: 0.1 },
    maxNodes: 4,
    failures: { nodeMtbfMs: 0, nodeRepairMs: 1000, podMtbfMs: 0, scheduled: [] },
  };
}

/** A listener that writes every notification, tagged with its name, to a shared log. */
function recorder(name: string, log: string[]): ClusterListener {
  return {
    onPodRunning: (pod) => log.push(`${name} running ${pod}`),
    onPodEnded: (pod, reason) => log.push(`${name} ended ${pod} ${reason}`),
    onNodeReady: (node) => log.push(`${name} ready ${node}`),
    onNodeFailed: (node) => log.push(`${name} failed ${node}`),
    onNodeRemoved: (node) => log.push(`${name} removed ${node}`),
  };
}

describe('Cluster.subscribe', () => {
  it('two listeners both see every notification, in subscription order', () => {
    const sim = new Simulation();
    const cluster = new Cluster(sim, clusterSpec(), paperProfile().parameters, new Rng(1));
    const log: string[] = [];
    cluster.subscribe(recorder('a', log));
    cluster.subscribe(recorder('b', log));
    cluster.createPod({ cpu: 1, memoryMb: 1000, warm: true }); // pod 0 on node-1
    cluster.createPod({ cpu: 1, memoryMb: 1000, warm: true }); // pod 1 on node-2
    cluster.failNode(1);
    cluster.repairNode(1);
    const added = cluster.addNode();
    sim.run();
    cluster.removeNode('node-1');
    expect(log).toEqual([
      'a running 0', 'b running 0',
      'a running 1', 'b running 1',
      'a ended 1 node-failure', 'b ended 1 node-failure',
      'a failed 1', 'b failed 1',
      'a ready 1', 'b ready 1',
      `a ready ${added}`, `b ready ${added}`,
      'a ended 0 node-removed', 'b ended 0 node-removed',
      'a removed 0', 'b removed 0',
    ]);
  });

  it('a notification raised inside a callback reaches every listener after the one being delivered', () => {
    const sim = new Simulation();
    const cluster = new Cluster(sim, clusterSpec(), paperProfile().parameters, new Rng(1));
    const log: string[] = [];
    // The first listener deletes each pod as soon as it runs (as Spark removes an unwanted executor).
    cluster.subscribe({ onPodRunning: (pod) => cluster.deletePod(pod) });
    cluster.subscribe(recorder('a', log));
    cluster.subscribe(recorder('b', log));
    cluster.createPod({ cpu: 1, memoryMb: 1000, warm: true });
    expect(log).toEqual(['a running 0', 'b running 0', 'a ended 0 deleted', 'b ended 0 deleted']);
  });

  it('an unsubscribed listener hears nothing more; the others still do', () => {
    const sim = new Simulation();
    const cluster = new Cluster(sim, clusterSpec(), paperProfile().parameters, new Rng(1));
    const log: string[] = [];
    const unsubscribe = cluster.subscribe(recorder('a', log));
    cluster.subscribe(recorder('b', log));
    cluster.createPod({ cpu: 1, memoryMb: 1000, warm: true });
    unsubscribe();
    unsubscribe(); // a second call is harmless
    cluster.deletePod(0);
    expect(log).toEqual(['a running 0', 'b running 0', 'b ended 0 deleted']);
  });
});
