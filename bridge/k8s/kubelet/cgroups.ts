/**
 * A container's resources, enforced with cgroups v1 as the kubelet's
 * cgroupfs driver does: memory limit → memory.limit_in_bytes (the kernel
 * OOM-kills the process, counted in memory.oom_control's oom_kill); CPU limit →
 * CFS quota over a 100 ms period; CPU request → cpu.shares (1024 per core,
 * at least 2). One folder per container under <root>/<hierarchy>/sspe-kubelet/.
 *
 * Whether the cgroup fs is writable is checked once (probeCgroups); where it
 * is not, pods still run, without limits, and the kubelet says so.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CFS_PERIOD_US = 100_000;
export const CGROUP_PARENT = 'sspe-kubelet';
const HIERARCHIES = ['memory', 'cpu'] as const;

export interface ContainerResources {
  cpuRequestMillicores: number | null;
  cpuLimitMillicores: number | null;
  memoryLimitBytes: number | null;
}

export interface CgroupProbe {
  usable: boolean;
  /** Why not, when not (e.g. 'cgroups v2 only', 'read-only'). */
  reason: string | null;
}

export function probeCgroups(root = '/sys/fs/cgroup'): CgroupProbe {
  for (const h of HIERARCHIES) {
    if (!existsSync(join(root, h, 'tasks'))) return { usable: false, reason: `no cgroups v1 '${h}' hierarchy at ${join(root, h)}` };
  }
  const probe = join(root, 'memory', CGROUP_PARENT, `probe-${process.pid}`);
  try {
    mkdirSync(probe, { recursive: true });
    writeFileSync(join(probe, 'memory.limit_in_bytes'), String(64 * 2 ** 20));
    rmdirSync(probe);
    return { usable: true, reason: null };
  } catch (error) {
    return { usable: false, reason: `cannot make and limit a cgroup under ${join(root, 'memory')}: ${(error as Error).message}` };
  }
}

export function cpuShares(requestMillicores: number | null): number {
  // The kubelet's MilliCPUToShares: a pod with no request gets the minimum, 2.
  if (requestMillicores === null || requestMillicores <= 0) return 2;
  return Math.max(2, Math.floor((requestMillicores * 1024) / 1000));
}

export function cfsQuotaUs(limitMillicores: number): number {
  return Math.max(1000, Math.floor((limitMillicores * CFS_PERIOD_US) / 1000));
}

export class ContainerCgroup {
  private readonly dirs: string[];

  constructor(
    readonly root: string,
    readonly name: string,
  ) {
    this.dirs = HIERARCHIES.map((h) => join(root, h, CGROUP_PARENT, name));
  }

  /** Folders whose cgroup.procs the container's first process writes itself into before it execs. */
  get procsFiles(): string[] {
    return this.dirs.map((d) => join(d, 'cgroup.procs'));
  }

  create(resources: ContainerResources): void {
    for (const d of this.dirs) mkdirSync(d, { recursive: true });
    const [memory, cpu] = this.dirs;
    if (resources.memoryLimitBytes !== null) {
      // No swap behind the limit, so reaching it is an OOM kill, not slow paging.
      writeFileSync(join(memory, 'memory.limit_in_bytes'), String(resources.memoryLimitBytes));
      tryWrite(join(memory, 'memory.memsw.limit_in_bytes'), String(resources.memoryLimitBytes));
      tryWrite(join(memory, 'memory.swappiness'), '0');
    }
    writeFileSync(join(cpu, 'cpu.shares'), String(cpuShares(resources.cpuRequestMillicores)));
    writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
    writeFileSync(join(cpu, 'cpu.cfs_quota_us'), resources.cpuLimitMillicores === null ? '-1' : String(cfsQuotaUs(resources.cpuLimitMillicores)));
  }

  /** Times the kernel's OOM killer killed a process in this cgroup (memory.oom_control, Linux ≥ 4.13). */
  oomKills(): number {
    try {
      const text = readFileSync(join(this.dirs[0], 'memory.oom_control'), 'utf8');
      const match = /^oom_kill (\d+)$/m.exec(text);
      if (match) return Number(match[1]);
      // Older kernels: no counter; the limit was hit (failcnt) and the process died of SIGKILL.
      return Number(readFileSync(join(this.dirs[0], 'memory.failcnt'), 'utf8').trim()) > 0 ? 1 : 0;
    } catch {
      return 0;
    }
  }

  /** CPU throttling so far (cpu.stat): periods throttled and total throttled time. */
  throttling(): { nrThrottled: number; throttledTimeNs: number } | null {
    try {
      const text = readFileSync(join(this.dirs[1], 'cpu.stat'), 'utf8');
      const field = (k: string) => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      return { nrThrottled: field('nr_throttled'), throttledTimeNs: field('throttled_time') };
    } catch {
      return null;
    }
  }

  pids(): number[] {
    const out = new Set<number>();
    for (const f of this.procsFiles) {
      try {
        for (const line of readFileSync(f, 'utf8').split('\n')) if (line.trim() !== '') out.add(Number(line));
      } catch {
        // Folder already gone.
      }
    }
    return [...out];
  }

  /** Removes the folders; a cgroup with processes left cannot be removed (EBUSY), which is reported. */
  remove(): string | null {
    const problems: string[] = [];
    for (const d of this.dirs) {
      if (!existsSync(d)) continue;
      try {
        rmdirSync(d);
      } catch (error) {
        problems.push(`${d}: ${(error as Error).message}`);
      }
    }
    for (const h of HIERARCHIES) {
      // The pod's folder (the parent of the container's), once empty.
      const podDir = join(this.root, h, CGROUP_PARENT, this.name.split('/')[0]);
      if (this.name.includes('/') && existsSync(podDir)) {
        try {
          rmdirSync(podDir);
        } catch {
          // Another container of the pod still there.
        }
      }
    }
    return problems.length > 0 ? problems.join('; ') : null;
  }
}

function tryWrite(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch {
    // memsw exists only with swap accounting on; swappiness may be refused in the root's children.
  }
}
