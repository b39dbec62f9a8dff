/**
 * `sspe testbed up`: etcd, kube-apiserver and kube-scheduler on loopback,
 * credentials and a kubeconfig, the nodes and Spark's namespace, service
 * account and RBAC, and the process kubelet that keeps the nodes Ready and
 * runs their pods. Each daemon is recorded in the state file the moment it
 * starts, so `down` can clean up after an `up` that failed half-way.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { UserInputError } from '../../../src/errors.js';
import { findBinaries, repoRoot, type ControlPlaneBinaries } from './binaries.js';
import { bootstrapObjects, nodeNames } from './bootstrap.js';
import { makeCredentials, readCaData } from './credentials.js';
import { loadKubeconfig, writeKubeconfig } from './kubeconfig.js';
import { checkTestbedOptions, type TestbedOptions } from './options.js';
import { freePort } from './ports.js';
import { startDaemon, stopDaemon, waitFor, type DaemonRecord } from './processes.js';
import { readState, writeState, type TestbedState } from './state.js';
import { isTestbedRunning } from './status.js';

export interface TestbedUpOptions extends Partial<TestbedOptions> {
  /** Where etcd, kube-apiserver and kube-scheduler are; default: found by findBinaries(). */
  binaries?: ControlPlaneBinaries;
  /**
   * How the process kubelet runs: 'daemon' (default) starts dist/bridge/k8s/kubelet/main.js
   * detached, beside the control plane; 'none' leaves it to the caller (tests run it in-process).
   */
  kubelet?: 'daemon' | 'none';
  /** Limit for each daemon to become ready. */
  readyTimeoutMs?: number;
  onProgress?: (line: string) => void;
}

export interface TestbedUpResult {
  state: TestbedState;
  /** Wall time of the whole `up`. */
  elapsedMs: number;
}

export async function testbedUp(options: TestbedUpOptions = {}): Promise<TestbedUpResult> {
  const t0 = Date.now();
  const o = checkTestbedOptions(options);
  const say = options.onProgress ?? (() => {});
  const bins = options.binaries ?? findBinaries();
  const stateDir = resolve(o.stateDir);
  const previous = readState(stateDir);
  if (previous !== null) {
    if (isTestbedRunning(previous)) throw new UserInputError(`a testbed is already up in ${stateDir} (${previous.server}); run 'sspe testbed down${dirFlag(o.stateDir)}' first`);
    throw new UserInputError(`${stateDir} holds the state of a testbed that is no longer running; run 'sspe testbed down${dirFlag(o.stateDir)}' to clear it`);
  }
  if (existsSync(stateDir) && readdirSync(stateDir).length > 0) {
    throw new UserInputError(`--dir: expected an empty or new folder for the testbed state, ${stateDir} holds other files`);
  }
  const dirs = { certs: join(stateDir, 'pki'), etcd: join(stateDir, 'etcd'), logs: join(stateDir, 'logs'), kubelet: join(stateDir, 'kubelet') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });

  const creds = makeCredentials(dirs.certs);
  const ports = { etcdClient: await freePort(), etcdPeer: await freePort(), apiserver: await freePort(), scheduler: await freePort() };
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const kubeconfigPath = join(stateDir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, { server, caData: readCaData(creds), token: creds.adminToken, namespace: o.namespace });
  const state: TestbedState = {
    version: 1,
    createdAtMs: Date.now(),
    server,
    kubeconfigPath,
    namespace: o.namespace,
    serviceAccount: o.serviceAccount,
    nodes: nodeNames(o.nodes),
    ports,
    daemons: [],
    kubeletDir: dirs.kubelet,
  };
  writeState(stateDir, state);
  const started = (record: DaemonRecord): DaemonRecord => {
    state.daemons.push(record);
    writeState(stateDir, state);
    return record;
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;

  try {
    const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
    const etcd = started(
      startDaemon('etcd', [bins.etcd, '--name', 'sspe', '--data-dir', dirs.etcd, '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
        '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `sspe=${peerUrl}`, '--log-level', 'warn'],
      { logPath: join(dirs.logs, 'etcd.log'), env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch } }),
    );
    await waitFor('etcd to answer /health', async () => (await fetch(`${etcdUrl}/health`)).ok, { timeoutMs: readyTimeoutMs, record: etcd });
    say(`etcd up on ${etcdUrl}`);

    const apiserver = started(
      startDaemon('kube-apiserver', [bins.kubeApiserver,
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${ports.apiserver}`,
        `--tls-cert-file=${creds.servingCertPath}`, `--tls-private-key-file=${creds.servingKeyPath}`, `--cert-dir=${dirs.certs}`,
        `--token-auth-file=${creds.tokenFilePath}`,
        `--service-account-key-file=${creds.serviceAccountPubPath}`, `--service-account-signing-key-file=${creds.serviceAccountKeyPath}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.96.0.0/16', '--authorization-mode=RBAC', '--allow-privileged=true',
        '--enable-priority-and-fairness=false', '--profiling=false', '--endpoint-reconciler-type=none', '--v=1'],
      { logPath: join(dirs.logs, 'kube-apiserver.log') }),
    );
    const kc = loadKubeconfig(kubeconfigPath);
    await waitFor('kube-apiserver to answer /readyz', () => readyz(kc, `${server}/readyz`), { timeoutMs: readyTimeoutMs, record: apiserver });
    say(`kube-apiserver up on ${server}`);

    const schedulerConfigPath = join(stateDir, 'kube-scheduler.yaml');
    writeFileSync(schedulerConfigPath, schedulerConfig(kubeconfigPath));
    const scheduler = started(
      startDaemon('kube-scheduler', [bins.kubeScheduler, `--config=${schedulerConfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`,
        '--bind-address=127.0.0.1', `--secure-port=${ports.scheduler}`, '--v=1'],
      { logPath: join(dirs.logs, 'kube-scheduler.log') }),
    );
    await waitFor('kube-scheduler to answer /healthz', () => insecureOk(`https://127.0.0.1:${ports.scheduler}/healthz`), { timeoutMs: readyTimeoutMs, record: scheduler });
    say(`kube-scheduler up (health on :${ports.scheduler})`);

    await bootstrapObjects(kc, { nodes: state.nodes, shape: o.shape, namespace: o.namespace, serviceAccount: o.serviceAccount });
    say(`${state.nodes.length} node(s), namespace '${o.namespace}', service account '${o.serviceAccount}' (edit)`);

    if ((options.kubelet ?? 'daemon') === 'daemon') {
      const kubelet = started(
        startDaemon('process-kubelet', [process.execPath, kubeletEntry(), '--kubeconfig', kubeconfigPath, '--dir', dirs.kubelet, '--nodes', state.nodes.join(',')],
          { logPath: join(dirs.logs, 'kubelet.log') }),
      );
      await waitFor('the process kubelet to report every node Ready', () => allNodesReady(kc, state.nodes), { timeoutMs: readyTimeoutMs, record: kubelet, logPath: kubelet.logPath });
      say(`process kubelet up: ${state.nodes.join(', ')} Ready`);
    }
  } catch (error) {
    // Nothing half-up is left running; the folder stays for its logs.
    for (const record of [...state.daemons].reverse()) await stopDaemon(record).catch(() => {});
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`testbed up failed, stopped what it had started (logs in ${dirs.logs}; 'sspe testbed down${dirFlag(o.stateDir)}' removes the folder): ${message}`, { cause: error });
  }
  return { state, elapsedMs: Date.now() - t0 };
}

/** Profile of kube-scheduler that bin-packs (NodeResourcesFit, MostAllocated): pods choose it with spec.schedulerName. */
export const PACK_SCHEDULER = 'sspe-pack';

/**
 * The scheduler's configuration: the default profile untouched (the real
 * default, LeastAllocated scoring: spread), and a bin-packing profile, as
 * Kubernetes' docs configure one (scheduling/resource-bin-packing).
 */
export function schedulerConfig(kubeconfigPath: string): string {
  return [
    'apiVersion: kubescheduler.config.k8s.io/v1',
    'kind: KubeSchedulerConfiguration',
    'clientConnection:',
    `  kubeconfig: ${kubeconfigPath}`,
    'leaderElection:',
    '  leaderElect: false',
    'profiles:',
    '- schedulerName: default-scheduler',
    `- schedulerName: ${PACK_SCHEDULER}`,
    '  pluginConfig:',
    '  - name: NodeResourcesFit',
    '    args:',
    '      scoringStrategy:',
    '        type: MostAllocated',
    '        resources:',
    '        - { name: cpu, weight: 1 }',
    '        - { name: memory, weight: 1 }',
    '',
  ].join('\n');
}

/** The compiled kubelet entry (the testbed runs it with this Node, detached). */
export function kubeletEntry(): string {
  const beside = fileURLToPath(new URL('../kubelet/main.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const compiled = join(repoRoot(), 'dist', 'bridge', 'k8s', 'kubelet', 'main.js');
  if (existsSync(compiled)) return compiled;
  throw new UserInputError(`expected the compiled process kubelet at ${compiled}; run 'npm run build' first`);
}

export async function allNodesReady(kc: KubeConfig, nodes: string[]): Promise<boolean | string> {
  const core = kc.makeApiClient(CoreV1Api);
  const list = await core.listNode();
  const notReady = nodes.filter((name) => {
    const node = list.items.find((n) => n.metadata?.name === name);
    return node?.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True';
  });
  return notReady.length === 0 ? true : `not Ready: ${notReady.join(', ')}`;
}

async function readyz(kc: KubeConfig, url: string): Promise<boolean | string> {
  const { default: https } = await import('node:https');
  const opts: import('node:https').RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolveReady) => {
    const req = https.get(url, { ...opts, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolveReady(res.statusCode === 200 ? true : `HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
    });
    req.on('error', (e) => resolveReady(e.message));
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function insecureOk(url: string): Promise<boolean | string> {
  const { default: https } = await import('node:https');
  return new Promise((resolveOk) => {
    const req = https.get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolveOk(res.statusCode === 200 ? true : `HTTP ${res.statusCode}`);
    });
    req.on('error', (e) => resolveOk(e.message));
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

function dirFlag(stateDir: string): string {
  return stateDir === '.k8s/testbed' ? '' : ` --dir ${stateDir}`;
}
