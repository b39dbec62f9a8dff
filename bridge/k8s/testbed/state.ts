/**
 * What `up` started, written to <stateDir>/testbed.json as it goes, so `down`
 * can stop exactly that (even after an `up` that failed half-way) and
 * `status` can report it without changing anything.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonRecord } from './processes.js';

export interface TestbedState {
  version: 1;
  createdAtMs: number;
  /** https://127.0.0.1:<port> */
  server: string;
  kubeconfigPath: string;
  namespace: string;
  serviceAccount: string;
  nodes: string[];
  ports: { etcdClient: number; etcdPeer: number; apiserver: number; scheduler: number };
  /** In start order; `down` stops them in reverse. */
  daemons: DaemonRecord[];
  /** Where the process kubelet keeps its pods' folders (and leftover pids). */
  kubeletDir: string;
}

export function statePath(stateDir: string): string {
  return join(stateDir, 'testbed.json');
}

export function readState(stateDir: string): TestbedState | null {
  const path = statePath(stateDir);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as TestbedState;
  } catch (error) {
    throw new Error(`expected ${path} to be the testbed's JSON state, could not read it`, { cause: error });
  }
}

export function writeState(stateDir: string, state: TestbedState): void {
  const path = statePath(stateDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
