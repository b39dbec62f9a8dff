/**
 * Where the control-plane binaries are: .k8s/bin/ of the repository (links
 * made by scripts/setup-k8s.sh into its build cache), or $SSPE_K8S_BIN.
 * A missing one is one line that says to run the setup script.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserInputError } from '../../../src/errors.js';

export const K8S_VERSION = 'v1.34.2';

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeScheduler: string;
}

/** The repository root, from this file's place (bridge/k8s/testbed/ in the sources, dist/bridge/k8s/testbed/ compiled). */
export function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const up = here.includes('/dist/bridge/') ? '../../../../' : '../../../';
  return fileURLToPath(new URL(up, import.meta.url));
}

export function defaultBinDir(): string {
  return process.env.SSPE_K8S_BIN ?? join(repoRoot(), '.k8s', 'bin');
}

/** The binaries in binDir, or a UserInputError naming the missing ones and the fix. */
export function findBinaries(binDir = defaultBinDir()): ControlPlaneBinaries {
  const paths = { etcd: join(binDir, 'etcd'), kubeApiserver: join(binDir, 'kube-apiserver'), kubeScheduler: join(binDir, 'kube-scheduler') };
  const missing = Object.values(paths).filter((p) => !isExecutable(p));
  if (missing.length > 0) {
    throw new UserInputError(
      `expected the control-plane binaries (etcd, kube-apiserver and kube-scheduler ${K8S_VERSION}) in ${binDir}, missing: ${missing.map((p) => p.slice(binDir.length + 1)).join(', ')}; run 'bash scripts/setup-k8s.sh' first`,
    );
  }
  return paths;
}

/** True when all three binaries are there (for tests that may skip outside CI). */
export function binariesPresent(binDir = defaultBinDir()): boolean {
  try {
    findBinaries(binDir);
    return true;
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
