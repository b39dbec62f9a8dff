/**
 * One pod on a process kubelet: its containers as process groups of this
 * host, each in its own cgroups (when usable) with the pod's limits; the
 * pod's phase and container states reported as the real kubelet reports
 * them (Running; terminated with exit code and reason Completed, Error or
 * OOMKilled; Succeeded or Failed by restartPolicy); deletion honoured with
 * the grace period: TERM to each container, KILL when it runs out, then the
 * final delete.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1ContainerState, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';
import { parseCpuMillicores, parseQuantity } from '../quantity.js';
import { ContainerCgroup, type ContainerResources } from './cgroups.js';
import { POD_IP, UnrunnableContainerError, containerProcess, type HostPaths } from './pod-command.js';
import type { PodApi, PodRef } from './pod-api.js';
import { processStartTicks } from '../testbed/processes.js';

export interface PodRunnerDeps {
  api: PodApi;
  host: HostPaths;
  /** The kubelet's folder: pods/<uid>/ for each pod's logs and scratch, pids/ for leftovers `down` may kill. */
  kubeletDir: string;
  /** cgroup fs root when usable, else null (no limits). */
  cgroupRoot: string | null;
  log: (line: string) => void;
  /** Longest wait before a restart of a failed container (Always / OnFailure). */
  maxBackoffMs?: number;
}

interface ContainerRun {
  spec: V1Container;
  restartCount: number;
  child: ChildProcess | null;
  pid: number | null;
  cgroup: ContainerCgroup | null;
  startedAt: string | null;
  state: V1ContainerState;
  lastState: V1ContainerState | undefined;
  restartTimer: NodeJS.Timeout | null;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

export function containerResources(c: V1Container): ContainerResources {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const cpuLimit = limits.cpu !== undefined ? parseCpuMillicores(String(limits.cpu)) : null;
  // As the API server defaults it: a request not given is the limit.
  const cpuRequest = requests.cpu !== undefined ? parseCpuMillicores(String(requests.cpu)) : cpuLimit;
  const memoryLimit = limits.memory !== undefined ? Math.floor(parseQuantity(String(limits.memory))) : null;
  return { cpuRequestMillicores: cpuRequest, cpuLimitMillicores: cpuLimit, memoryLimitBytes: memoryLimit };
}

export class PodRunner {
  readonly ref: PodRef;
  private pod: V1Pod;
  private readonly containers: ContainerRun[];
  private readonly podDir: string;
  private readonly startTime = new Date().toISOString();
  private terminating = false;
  private finished = false;
  private killTimer: NodeJS.Timeout | null = null;
  private reportChain: Promise<void> = Promise.resolve();
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly deletedPromise: Promise<void>;
  private resolveDeleted!: () => void;

  constructor(
    pod: V1Pod,
    private readonly deps: PodRunnerDeps,
  ) {
    this.pod = pod;
    this.ref = { namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
    this.podDir = join(deps.kubeletDir, 'pods', this.ref.uid);
    this.containers = (pod.spec?.containers ?? []).map((spec) => ({
      spec,
      restartCount: 0,
      child: null,
      pid: null,
      cgroup: null,
      startedAt: null,
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: undefined,
      restartTimer: null,
    }));
    this.done = new Promise((r) => (this.resolveDone = r));
    this.deletedPromise = new Promise((r) => (this.resolveDeleted = r));
  }

  /** Resolves once the pod is over here: terminal, or deleted and its processes gone. */
  get settled(): Promise<void> {
    return this.done;
  }

  get isTerminating(): boolean {
    return this.terminating;
  }

  start(): void {
    for (const sub of ['conf', 'local', 'logs']) mkdirSync(join(this.podDir, sub), { recursive: true });
    mkdirSync(join(this.deps.kubeletDir, 'pids'), { recursive: true });
    for (const c of this.containers) this.startContainer(c);
    this.report();
  }

  /** A newer version of the pod from the watch: deletion starts the graceful stop. */
  update(pod: V1Pod): void {
    this.pod = pod;
    if (pod.metadata?.deletionTimestamp === undefined) return;
    if (this.finished && !this.terminating) {
      // Deleted after it ended (Succeeded or Failed): nothing runs, the object can go now.
      this.terminating = true;
      void this.reportChain.then(async () => {
        await this.deps.api.deleteFinal(this.ref).catch((error: Error) => this.deps.log(`pod ${this.ref.namespace}/${this.ref.name}: ${error.message}`));
        rmSync(this.podDir, { recursive: true, force: true });
        this.resolveDeleted();
      });
      return;
    }
    if (!this.terminating) this.stop(pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
  }

  /** Resolves once the pod is deleted here (its folder removed), after a stop() or a deletion of a finished pod. */
  get deleted(): Promise<void> {
    return this.deletedPromise;
  }

  /** TERM to every container now, KILL after graceSeconds; then the final delete (unless the pod object is gone already). */
  stop(graceSeconds: number, options: { deleteAfter?: boolean } = {}): void {
    const deleteAfter = options.deleteAfter ?? true;
    if (this.terminating) {
      if (graceSeconds === 0) this.signalAll('SIGKILL');
      return;
    }
    this.terminating = true;
    this.deleteAfter = deleteAfter;
    this.deps.log(`pod ${this.ref.namespace}/${this.ref.name}: stopping (grace ${graceSeconds} s)`);
    for (const c of this.containers) {
      if (c.restartTimer !== null) clearTimeout(c.restartTimer);
      c.restartTimer = null;
    }
    if (graceSeconds <= 0) this.signalAll('SIGKILL');
    else {
      this.signalAll('SIGTERM');
      this.killTimer = setTimeout(() => this.signalAll('SIGKILL'), graceSeconds * 1000);
    }
    this.maybeFinish();
  }

  private deleteAfter = true;

  private startContainer(c: ContainerRun): void {
    const name = c.spec.name;
    let proc;
    try {
      proc = containerProcess(this.pod, c.spec, this.deps.host, this.podDir);
    } catch (error) {
      if (!(error instanceof UnrunnableContainerError)) throw error;
      const now = new Date().toISOString();
      c.state = { terminated: { exitCode: 128, reason: 'ContainerCannotRun', message: error.message, startedAt: now as unknown as Date, finishedAt: now as unknown as Date } };
      this.deps.log(`pod ${this.ref.namespace}/${this.ref.name}: ${error.message}`);
      return;
    }
    let wrapper = proc.command;
    if (this.deps.cgroupRoot !== null) {
      c.cgroup = new ContainerCgroup(this.deps.cgroupRoot, `${this.ref.uid}/${name}`);
      try {
        c.cgroup.create(containerResources(c.spec));
      } catch (error) {
        const now = new Date().toISOString();
        c.state = { terminated: { exitCode: 128, reason: 'ContainerCannotRun', message: `cgroups: ${(error as Error).message}`, startedAt: now as unknown as Date, finishedAt: now as unknown as Date } };
        return;
      }
      // The shell joins the cgroups before it execs the command, so nothing the container runs escapes its limits.
      const files = c.cgroup.procsFiles;
      wrapper = ['/bin/sh', '-c', 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 126; shift; n=$((n-1)); done; exec "$@"', 'sspe-container', String(files.length), ...files, ...proc.command];
    }
    const logPath = join(this.podDir, 'logs', `${name}.log`);
    const fd = openSync(logPath, 'a');
    const workingDir = c.spec.workingDir !== undefined && existsSync(c.spec.workingDir) && statSync(c.spec.workingDir).isDirectory() ? c.spec.workingDir : this.podDir;
    const child = spawn(wrapper[0], wrapper.slice(1), { detached: true, stdio: ['ignore', fd, fd], env: proc.env, cwd: workingDir });
    closeSync(fd);
    c.child = child;
    c.pid = child.pid ?? null;
    c.startedAt = new Date().toISOString();
    c.state = { running: { startedAt: c.startedAt as unknown as Date } };
    const pidFile = join(this.deps.kubeletDir, 'pids', `${this.ref.uid}-${name}.json`);
    if (c.pid !== null) writeFileSync(pidFile, JSON.stringify({ pid: c.pid, startTicks: processStartTicks(c.pid) }));
    this.deps.log(`pod ${this.ref.namespace}/${this.ref.name}: container ${name} started (${proc.kind}, pid ${c.pid}): ${proc.command.join(' ').slice(0, 300)}`);
    child.on('error', (error) => {
      this.deps.log(`pod ${this.ref.namespace}/${this.ref.name}: container ${name} failed to start: ${error.message}`);
    });
    child.on('exit', (code, signal) => this.onExit(c, code, signal, pidFile));
  }

  private onExit(c: ContainerRun, code: number | null, signal: NodeJS.Signals | null, pidFile: string): void {
    // Like a container's PID namespace: whatever the main process left behind (Python workers, say) goes with it.
    if (c.pid !== null) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        // No group left.
      }
    }
    const exitCode = code ?? 128 + (signal !== null ? (SIGNALS[signal] ?? 0) : 0);
    const oom = c.cgroup !== null && c.cgroup.oomKills() > 0;
    const reason = oom ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
    c.state = { terminated: { exitCode, reason, signal: signal !== null ? SIGNALS[signal] : undefined, startedAt: c.startedAt as unknown as Date, finishedAt: new Date().toISOString() as unknown as Date, containerID: `process://${c.pid}` } };
    c.child = null;
    rmSync(pidFile, { force: true });
    this.deps.log(`pod ${this.ref.namespace}/${this.ref.name}: container ${c.spec.name} exited ${exitCode} (${reason})`);
    this.removeCgroup(c);
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    if (!this.terminating && (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0))) {
      // The kubelet's crash-loop back-off: 10 s doubling to 5 min there; shorter here.
      const backoffMs = Math.min(this.deps.maxBackoffMs ?? 30_000, 1000 * 2 ** c.restartCount);
      c.lastState = c.state;
      c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${backoffMs} ms restarting container ${c.spec.name}` } };
      c.restartTimer = setTimeout(() => {
        c.restartTimer = null;
        if (this.terminating) return;
        c.restartCount++;
        this.startContainer(c);
        this.report();
      }, backoffMs);
    }
    this.report();
    this.maybeFinish();
  }

  private removeCgroup(c: ContainerRun): void {
    const cgroup = c.cgroup;
    if (cgroup === null) return;
    // The group was just killed; its processes leave the cgroup a moment later.
    const tryRemove = (attempt: number) => {
      for (const pid of cgroup.pids()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone.
        }
      }
      const problem = cgroup.remove();
      if (problem === null) return;
      if (attempt < 20) setTimeout(() => tryRemove(attempt + 1), 100);
      else this.deps.log(`pod ${this.ref.namespace}/${this.ref.name}: could not remove cgroup: ${problem}`);
    };
    tryRemove(0);
  }

  private signalAll(sig: NodeJS.Signals): void {
    for (const c of this.containers) {
      if (c.child === null || c.pid === null) continue;
      try {
        process.kill(-c.pid, sig);
      } catch {
        // Already gone.
      }
    }
  }

  private maybeFinish(): void {
    if (this.finished) return;
    const running = this.containers.some((c) => c.child !== null);
    const waiting = this.containers.some((c) => c.restartTimer !== null);
    if (running || (waiting && !this.terminating)) return;
    if (!this.terminating && this.containers.some((c) => c.state.terminated === undefined)) return;
    this.finished = true;
    if (this.killTimer !== null) clearTimeout(this.killTimer);
    const terminating = this.terminating;
    void this.reportChain.then(async () => {
      if (terminating && this.deleteAfter) {
        await this.deps.api.deleteFinal(this.ref).catch((error: Error) => this.deps.log(`pod ${this.ref.namespace}/${this.ref.name}: ${error.message}`));
      }
      if (terminating) {
        rmSync(this.podDir, { recursive: true, force: true });
        this.resolveDeleted();
      }
      this.resolveDone();
    });
  }

  /** The phase, as the kubelet's getPhase computes it from container states and restartPolicy. */
  phase(): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    const states = this.containers.map((c) => c.state);
    if (states.some((s) => s.running !== undefined)) return 'Running';
    if (states.every((s) => s.terminated !== undefined)) {
      if (policy === 'Always' && !this.terminating) return 'Running';
      if (policy === 'OnFailure' && !this.terminating && states.some((s) => s.terminated!.exitCode !== 0)) return 'Running';
      return states.every((s) => s.terminated!.exitCode === 0) ? 'Succeeded' : 'Failed';
    }
    return this.containers.some((c) => c.restartCount > 0) ? 'Running' : 'Pending';
  }

  status(): V1PodStatus {
    const phase = this.phase();
    const statuses: V1ContainerStatus[] = this.containers.map((c) => ({
      name: c.spec.name,
      image: c.spec.image ?? '',
      imageID: '',
      containerID: c.pid !== null ? `process://${c.pid}` : undefined,
      ready: c.state.running !== undefined && !this.terminating,
      started: c.state.running !== undefined,
      restartCount: c.restartCount,
      state: c.state,
      lastState: c.lastState ?? {},
    }));
    const allReady = statuses.every((s) => s.ready);
    const now = new Date().toISOString() as unknown as Date;
    const condition = (type: string, ok: boolean, reason?: string): V1PodCondition => ({ type, status: ok ? 'True' : 'False', lastTransitionTime: now, ...(reason && !ok ? { reason } : {}) });
    return {
      phase,
      hostIP: POD_IP,
      hostIPs: [{ ip: POD_IP }],
      podIP: POD_IP,
      podIPs: [{ ip: POD_IP }],
      startTime: this.startTime as unknown as Date,
      conditions: [
        condition('Initialized', true),
        condition('ContainersReady', allReady, phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady'),
        condition('Ready', allReady, phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady'),
      ],
      containerStatuses: statuses,
    };
  }

  /** Status reports go out one after another, each with the state of its moment. */
  private report(): void {
    const status = this.status();
    this.reportChain = this.reportChain.then(() =>
      this.deps.api.patchStatus(this.ref, status).catch((error: Error) => this.deps.log(`pod ${this.ref.namespace}/${this.ref.name}: ${error.message}${error.cause instanceof Error ? `: ${error.cause.message.slice(0, 300)}` : ''}`)),
    );
    if (this.phase() === 'Succeeded' || this.phase() === 'Failed') void this.reportChain.then(() => this.maybeFinish());
  }
}
