/**
 * The spark-submit in flight, so that a signal can stop it with everything it
 * started: the launcher spawns it detached, as the leader of its own process
 * group (bridge/spark/launcher.ts), and the group is killed as a whole.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { SpawnFn } from './launcher.js';

export interface TrackedSpawn {
  /** Spawns like child_process.spawn and remembers the child until it exits. */
  spawnFn: SpawnFn;
  /** SIGTERM to the process group of the child in flight; nothing when none is. */
  killInFlight(): void;
}

export function trackedSpawn(spawnImpl: SpawnFn = spawn): TrackedSpawn {
  let child: ChildProcess | null = null;
  return {
    spawnFn: (command, argv, options) => {
      const spawned = spawnImpl(command, argv, options);
      child = spawned;
      spawned.once('exit', () => (child = null));
      return spawned;
    },
    killInFlight: () => {
      const pid = child?.pid;
      if (pid === undefined) return;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // The group is already gone.
      }
    },
  };
}
