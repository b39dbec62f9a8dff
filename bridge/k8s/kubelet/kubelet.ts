/**
 * The process kubelet: for a set of nodes, keeps them Ready (NodeHeartbeat),
 * watches the pods bound to them (an informer over all pods, filtered by
 * spec.nodeName) and runs each as local processes (PodRunner). No images, no
 * network namespaces: every pod is processes of this host on 127.0.0.1;
 * resources are enforced with cgroups v1 when the cgroup fs is writable.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, makeInformer, type Informer, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { findSparkHome } from '../../spark/launcher.js';
import { repoRoot } from '../testbed/binaries.js';
import { probeCgroups, type CgroupProbe } from './cgroups.js';
import { NodeHeartbeat } from './node-heartbeat.js';
import { KubePodApi, type PodApi } from './pod-api.js';
import type { HostPaths } from './pod-command.js';
import { PodRunner } from './pod-runner.js';

export interface KubeletOptions {
  kubeConfig: KubeConfig;
  nodes: string[];
  /** Pods' folders (logs, scratch) and pid files. */
  dir: string;
  /** Default: the repository's venv (SPARK_HOME = its pyspark package, its python for PySpark workers). */
  host?: Partial<HostPaths>;
  /** Default /sys/fs/cgroup; null: run without limits even if cgroups are usable. */
  cgroupRoot?: string | null;
  /** Default: the API server (tests may record instead). */
  podApi?: PodApi;
  statusIntervalMs?: number;
  log?: (line: string) => void;
}

export function defaultHostPaths(): HostPaths {
  const venv = join(repoRoot(), '.venv');
  const python = join(venv, 'bin', 'python');
  return {
    sparkHome: process.env.SPARK_HOME ?? findSparkHome(join(venv, 'bin', 'spark-submit')) ?? null,
    pythonPath: existsSync(python) ? python : null,
    javaPath: process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java',
  };
}

export class Kubelet {
  readonly cgroups: CgroupProbe;
  private readonly runners = new Map<string, PodRunner>();
  private readonly nodes: Set<string>;
  private readonly heartbeat: NodeHeartbeat;
  private informer: Informer<V1Pod> | null = null;
  private readonly log: (line: string) => void;
  private readonly podApi: PodApi;
  private readonly host: HostPaths;
  private stopped = false;

  constructor(private readonly options: KubeletOptions) {
    this.nodes = new Set(options.nodes);
    this.log = options.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} kubelet: ${line}\n`));
    const root = options.cgroupRoot === undefined ? '/sys/fs/cgroup' : options.cgroupRoot;
    this.cgroups = root === null ? { usable: false, reason: 'switched off (cgroupRoot: null)' } : probeCgroups(root);
    this.podApi = options.podApi ?? new KubePodApi(options.kubeConfig);
    this.host = { ...defaultHostPaths(), ...options.host };
    this.heartbeat = new NodeHeartbeat(options.kubeConfig, options.nodes, { log: this.log, statusIntervalMs: options.statusIntervalMs });
  }

  /** The pods this kubelet runs now, by uid. */
  get pods(): ReadonlyMap<string, PodRunner> {
    return this.runners;
  }

  async start(): Promise<void> {
    mkdirSync(join(this.options.dir, 'pods'), { recursive: true });
    this.log(this.cgroups.usable ? 'cgroups v1 usable: memory limits, CFS quota and shares are enforced' : `cgroups NOT usable, pods run without resource limits: ${this.cgroups.reason}`);
    await this.heartbeat.start();
    const core = this.options.kubeConfig.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1Pod>(this.options.kubeConfig, '/api/v1/pods', () => core.listPodForAllNamespaces());
    informer.on('add', (pod) => this.onPod(pod));
    informer.on('update', (pod) => this.onPod(pod));
    informer.on('delete', (pod) => this.onDeleted(pod));
    informer.on('error', (error: unknown) => {
      if (this.stopped) return;
      this.log(`pod watch ended (${error instanceof Error ? error.message : String(error)}); restarting in 1 s`);
      setTimeout(() => void informer.start().catch(() => {}), 1000);
    });
    this.informer = informer;
    await informer.start();
    this.log(`running pods for ${[...this.nodes].join(', ')}`);
  }

  /** Stops every pod (TERM, then KILL after graceSeconds) and the loops. Pods are deleted from the API. */
  async stop(graceSeconds = 5): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
    const pending = [...this.runners.values()].map((r) => {
      r.stop(graceSeconds, { deleteAfter: true });
      return r.settled;
    });
    await Promise.all(pending);
    this.heartbeat.stop();
  }

  private onPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    const node = pod.spec?.nodeName;
    if (uid === undefined || node === undefined || !this.nodes.has(node) || this.stopped) return;
    const runner = this.runners.get(uid);
    if (runner !== undefined) {
      runner.update(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (pod.status?.containerStatuses?.some((c) => c.containerID?.startsWith('process://')) === true) {
      // Started by an earlier run of a process kubelet that is gone: its processes went with it (or are killed by `down`).
      // Running it again would start a second executor under the same id, so it ends Failed, as after a node reboot.
      this.failOrphan(pod);
      return;
    }
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // Deleted before it ever ran here.
      void this.podApi.deleteFinal({ namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid }).catch((e: Error) => this.log(e.message));
      return;
    }
    const created = new PodRunner(pod, { api: this.podApi, host: this.host, kubeletDir: this.options.dir, cgroupRoot: this.cgroups.usable ? (this.options.cgroupRoot ?? '/sys/fs/cgroup') : null, log: this.log });
    this.runners.set(uid, created);
    void created.deleted.then(() => this.runners.delete(uid));
    this.log(`pod ${pod.metadata?.namespace}/${pod.metadata?.name} bound to ${node}: starting`);
    created.start();
  }

  private failOrphan(pod: V1Pod): void {
    const ref = { namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
    if (pod.metadata?.deletionTimestamp !== undefined) {
      void this.podApi.deleteFinal(ref).catch((e: Error) => this.log(e.message));
      return;
    }
    const now = new Date().toISOString() as unknown as Date;
    const containerStatuses = (pod.status?.containerStatuses ?? []).map((c) => ({
      ...c,
      ready: false,
      started: false,
      state: c.state?.terminated !== undefined ? c.state : { terminated: { exitCode: 137, reason: 'Error', message: 'the process kubelet that ran it stopped', finishedAt: now, containerID: c.containerID } },
    }));
    this.log(`pod ${ref.namespace}/${ref.name}: left by an earlier kubelet run, marked Failed`);
    void this.podApi.patchStatus(ref, { phase: 'Failed', reason: 'NodeRestarted', message: 'the process kubelet that ran this pod stopped', containerStatuses }).catch((e: Error) => this.log(e.message));
  }

  private onDeleted(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (uid === undefined) return;
    const runner = this.runners.get(uid);
    if (runner === undefined) return;
    // Gone from the API (a forced delete): stop at once, nothing to report to.
    runner.stop(0, { deleteAfter: false });
    void runner.settled.then(() => this.runners.delete(uid));
  }
}
