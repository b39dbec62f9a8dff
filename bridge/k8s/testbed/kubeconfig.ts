import { writeFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

/** A kubeconfig for the testbed's admin token; also what Spark's fabric8 client reads (KUBECONFIG). */
export function kubeconfigText(options: { server: string; caData: string; token: string; namespace: string }): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: sspe-testbed',
    '  cluster:',
    `    server: ${options.server}`,
    `    certificate-authority-data: ${options.caData}`,
    'users:',
    '- name: sspe-admin',
    '  user:',
    `    token: ${options.token}`,
    'contexts:',
    '- name: sspe-testbed',
    '  context:',
    '    cluster: sspe-testbed',
    '    user: sspe-admin',
    `    namespace: ${options.namespace}`,
    'current-context: sspe-testbed',
    '',
  ].join('\n');
}

export function writeKubeconfig(path: string, options: Parameters<typeof kubeconfigText>[0]): void {
  writeFileSync(path, kubeconfigText(options), { mode: 0o600 });
}

export function loadKubeconfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}
