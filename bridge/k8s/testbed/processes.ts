/**
 * The testbed's daemons: started detached (own process group, output to a log
 * file) so they outlive `sspe testbed up`, recorded by pid and start time so
 * `down` stops exactly those and never a process that later reused a pid.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface DaemonRecord {
  name: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot): with the pid, names one process for good. */
  startTicks: number | null;
  logPath: string;
  command: string[];
}

export function startDaemon(name: string, command: string[], options: { logPath: string; env?: NodeJS.ProcessEnv; cwd?: string }): DaemonRecord {
  const fd = openSync(options.logPath, 'a');
  try {
    const child = spawn(command[0], command.slice(1), {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    if (child.pid === undefined) throw new Error(`expected '${command[0]}' to start (${name}), it did not; see ${options.logPath}`);
    child.unref();
    return { name, pid: child.pid, startTicks: processStartTicks(child.pid), logPath: options.logPath, command };
  } finally {
    closeSync(fd);
  }
}

export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/** The recorded process is still the one we started (and not a zombie). */
export function isAlive(record: Pick<DaemonRecord, 'pid' | 'startTicks'>): boolean {
  try {
    const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    return false;
  }
  return record.startTicks === null || processStartTicks(record.pid) === record.startTicks;
}

/** TERM, then KILL after graceMs; waits until it is gone. Returns how it ended. */
export async function stopDaemon(record: DaemonRecord, graceMs = 10_000): Promise<'not-running' | 'terminated' | 'killed'> {
  if (!isAlive(record)) return 'not-running';
  signal(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(record)) return 'terminated';
    await sleep(100);
  }
  signal(record.pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(record); i++) await sleep(100);
  if (isAlive(record)) throw new Error(`expected ${record.name} (pid ${record.pid}) to end after SIGKILL, it is still there`);
  return 'killed';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls check() until it returns true; on timeout, an Error with what the last try said and the log's tail. */
export async function waitFor(what: string, check: () => Promise<boolean | string>, options: { timeoutMs: number; logPath?: string; record?: DaemonRecord }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    try {
      const ok = await check();
      if (ok === true) return;
      last = typeof ok === 'string' ? ok : 'not yet';
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (options.record !== undefined && !isAlive(options.record)) {
      throw new Error(`expected ${what}, but ${options.record.name} (pid ${options.record.pid}) exited; last lines of ${options.record.logPath}:\n${tail(options.record.logPath)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`expected ${what} within ${options.timeoutMs} ms, last answer: ${last}${options.logPath ? `; last lines of ${options.logPath}:\n${tail(options.logPath)}` : ''}`);
    }
    await sleep(200);
  }
}

export function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
