/**
 * `sspe testbed down`: stops what `up` recorded, newest first (the kubelet
 * first, so it can end its pods), by pid and start time; then any pod process
 * the kubelet left (its pid files), then removes the state folder.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAlive, processStartTicks, sleep, stopDaemon } from './processes.js';
import { readState } from './state.js';

export interface TestbedDownResult {
  stateDir: string;
  /** false: there was no testbed state there (nothing done). */
  found: boolean;
  stopped: { name: string; pid: number; how: 'not-running' | 'terminated' | 'killed' }[];
  /** Pod process groups the kubelet had not ended, killed here. */
  leftoverPods: number;
}

export async function testbedDown(stateDirOption: string): Promise<TestbedDownResult> {
  const stateDir = resolve(stateDirOption);
  const state = readState(stateDir);
  if (state === null) return { stateDir, found: false, stopped: [], leftoverPods: 0 };
  const stopped: TestbedDownResult['stopped'] = [];
  for (const record of [...state.daemons].reverse()) {
    stopped.push({ name: record.name, pid: record.pid, how: await stopDaemon(record, record.name === 'process-kubelet' ? 40_000 : 10_000) });
  }
  const leftoverPods = await killLeftoverPods(state.kubeletDir);
  rmSync(stateDir, { recursive: true, force: true });
  return { stateDir, found: true, stopped, leftoverPods };
}

/** <kubeletDir>/pids/<uid>.json: {pid, startTicks} of each container's process group, written by the kubelet and removed when it ends. */
async function killLeftoverPods(kubeletDir: string): Promise<number> {
  const dir = join(kubeletDir, 'pids');
  if (!existsSync(dir)) return 0;
  let killed = 0;
  for (const file of readdirSync(dir)) {
    let record: { pid: number; startTicks: number | null };
    try {
      record = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch {
      continue;
    }
    if (!isAlive(record) || processStartTicks(record.pid) !== record.startTicks) continue;
    try {
      process.kill(-record.pid, 'SIGKILL');
      killed++;
    } catch {
      // Already gone between the check and the kill.
    }
  }
  if (killed > 0) await sleep(200);
  return killed;
}
