import type { Argv, ArgumentsCamelCase } from 'yargs';
import { TESTBED_OPTIONS, type TestbedOptions } from '../../../bridge/k8s/testbed/options.js';
import { formatTable } from '../../../src/cli/table.js';
import type { GlobalOptions } from '../../../src/cli/options.js';

interface TestbedCommandOptions extends GlobalOptions, Omit<TestbedOptions, 'stateDir'> {
  action: 'up' | 'down' | 'status';
  dir: string;
}

export const testbedCommand = {
  command: 'testbed <action>',
  describe: 'A real Kubernetes control plane on this machine (etcd, kube-apiserver, kube-scheduler on loopback) with a process kubelet whose pods are local processes',
  builder: (yargs: Argv<GlobalOptions>) => {
    let y = yargs.positional('action', {
      choices: ['up', 'down', 'status'] as const,
      demandOption: true,
      describe: 'up: start it and print the kubeconfig; down: stop exactly what up started and remove its state; status: what runs (read-only)',
    });
    for (const decl of Object.values(TESTBED_OPTIONS)) {
      y = y.option(decl.flag, { type: decl.type, default: decl.default, describe: decl.describe }) as typeof y;
    }
    return y
      .example('$0 testbed up --nodes 2 --node-cpu 4 --node-memory 8Gi', 'two 4-core nodes (3900m allocatable each); then KUBECONFIG=.k8s/testbed/kubeconfig kubectl get nodes')
      .example('$0 testbed status --json', 'daemons, nodes and pods as one JSON object')
      .example('$0 testbed down', 'stop it all');
  },
  handler: async (args: ArgumentsCamelCase<TestbedCommandOptions>) => {
    if (args.action === 'up') {
      const { testbedUp } = await import('../../../bridge/k8s/testbed/up.js');
      const { state, elapsedMs } = await testbedUp({
        stateDir: args.dir,
        nodes: args.nodes,
        nodeCpu: String(args.nodeCpu),
        nodeMemory: String(args.nodeMemory),
        reservedCpu: String(args.reservedCpu),
        reservedMemory: String(args.reservedMemory),
        namespace: args.namespace,
        serviceAccount: args.serviceAccount,
        onProgress: args.json ? undefined : (line) => process.stderr.write(`testbed: ${line}\n`),
      });
      if (args.json) {
        console.log(JSON.stringify({ ...state, elapsedMs }, null, 2));
        return;
      }
      console.log(`testbed up in ${(elapsedMs / 1000).toFixed(1)} s: ${state.server}, ${state.nodes.length} node(s), namespace ${state.namespace}`);
      console.log(`export KUBECONFIG=${state.kubeconfigPath}`);
      console.log(`spark-submit --master k8s://${state.server} --conf spark.kubernetes.namespace=${state.namespace} --conf spark.kubernetes.authenticate.driver.serviceAccountName=${state.serviceAccount} ...`);
      return;
    }
    if (args.action === 'down') {
      const { testbedDown } = await import('../../../bridge/k8s/testbed/down.js');
      const result = await testbedDown(args.dir);
      if (args.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      if (!result.found) {
        console.log(`no testbed in ${result.stateDir}: nothing to stop`);
        return;
      }
      console.log(formatTable(['daemon', 'pid', 'stopped'], result.stopped.map((s) => [s.name, String(s.pid), s.how])));
      console.log(`testbed down: ${result.stateDir} removed${result.leftoverPods > 0 ? `, ${result.leftoverPods} leftover pod process group(s) killed` : ''}`);
      return;
    }
    const { testbedStatus } = await import('../../../bridge/k8s/testbed/status.js');
    const status = await testbedStatus(args.dir);
    if (args.json) {
      console.log(JSON.stringify(status, null, 2));
      return;
    }
    if (status.state === 'down') {
      console.log(`testbed: down (no state in ${status.stateDir})`);
      return;
    }
    console.log(`testbed: ${status.state}, ${status.server}, KUBECONFIG=${status.kubeconfigPath}`);
    console.log(formatTable(['daemon', 'pid', 'alive', 'log'], status.daemons.map((d) => [d.name, String(d.pid), d.alive ? 'yes' : 'NO', d.logPath])));
    if (status.apiError !== null) console.log(`API: ${status.apiError}`);
    if (status.nodes.length > 0) console.log(formatTable(['node', 'ready', 'cpu', 'memory', 'cordoned'], status.nodes.map((n) => [n.name, n.ready ? 'yes' : 'no', n.allocatableCpu, n.allocatableMemory, n.unschedulable ? 'yes' : 'no'])));
    if (status.pods.length > 0) console.log(formatTable(['pod', 'phase', 'node'], status.pods.map((p) => [`${p.namespace}/${p.name}`, p.phase, p.nodeName ?? '-'])));
  },
};
