/**
 * The process kubelet as a daemon, as `sspe testbed up` starts it:
 *   node dist/bridge/k8s/kubelet/main.js --kubeconfig K --dir D --nodes a,b
 * On SIGTERM or SIGINT it stops its pods (TERM, then KILL after 5 s) and exits.
 */
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { Kubelet } from './kubelet.js';

async function run(): Promise<void> {
  const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, dir: { type: 'string' }, nodes: { type: 'string' } } });
  if (!values.kubeconfig || !values.dir || !values.nodes) {
    process.stderr.write('kubelet: expected --kubeconfig FILE --dir FOLDER --nodes NAME[,NAME...]\n');
    process.exit(2);
  }
  const kc = new KubeConfig();
  kc.loadFromFile(values.kubeconfig);
  const kubelet = new Kubelet({ kubeConfig: kc, nodes: values.nodes.split(','), dir: values.dir });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${new Date().toISOString()} kubelet: ${signal}: stopping pods\n`);
    kubelet.stop(5).then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`kubelet: stop failed: ${error.stack ?? error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await kubelet.start();
}

run().catch((error: Error) => {
  process.stderr.write(`kubelet: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
