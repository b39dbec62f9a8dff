/**
 * Picks and starts the TensorFlow.js backend. tfjs-node (native libtensorflow)
 * is fastest but its install downloads from outside the npm registry, so it is
 * optional: 'auto' uses it when it can be imported and falls back to the WASM
 * backend, which ships with @tensorflow/tfjs-backend-wasm. Models and saved
 * files are the same whichever runs.
 */
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';

/** The tf namespace, as `import * as tf from '@tensorflow/tfjs'` gives it. */
export type Tf = typeof tfTypes;
export type TfBackendChoice = 'auto' | 'wasm' | 'cpu' | 'node';

export interface TfHandle {
  /** The namespace in use: tfjs-node's own when it runs, else @tensorflow/tfjs. */
  tf: Tf;
  /** 'node', 'wasm' or 'cpu'. */
  backend: string;
}

const TFJS_NODE = '@tensorflow/tfjs-node';

let current: Promise<TfHandle> | null = null;
let currentChoice: TfBackendChoice | null = null;

/**
 * Starts TensorFlow.js once per process. Calling again with 'auto' or with the
 * backend already running returns the same handle; naming another backend
 * switches to it.
 */
export async function initTf(options: { backend?: TfBackendChoice } = {}): Promise<TfHandle> {
  const choice = options.backend ?? 'auto';
  if (current !== null && (choice === 'auto' || choice === currentChoice)) return current;
  const started = start(choice);
  current = started;
  try {
    const handle = await started;
    currentChoice = handle.backend as TfBackendChoice;
    return handle;
  } catch (error) {
    // A failed start must not poison later calls (say, 'node' refused, then 'wasm').
    current = null;
    currentChoice = null;
    throw error;
  }
}

async function start(choice: TfBackendChoice): Promise<TfHandle> {
  if (choice === 'node' || choice === 'auto') {
    const tfNode = await importTfNode();
    if (tfNode !== null) {
      await tfNode.setBackend('tensorflow');
      await tfNode.ready();
      return { tf: tfNode, backend: 'node' };
    }
    if (choice === 'node') {
      throw new Error(
        `backend 'node' needs ${TFJS_NODE}, which is not installed: run \`npm install ${TFJS_NODE}\` (its install downloads libtensorflow, so it needs internet access), or choose backend 'wasm'`,
      );
    }
  }
  const tf = await import('@tensorflow/tfjs');
  if (choice === 'cpu') {
    await setBackendOrThrow(tf, 'cpu');
    return { tf, backend: 'cpu' };
  }
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  // The .wasm binaries sit beside the package's main file; Node needs their absolute location.
  const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(`${dirname(main)}${sep}`);
  await setBackendOrThrow(tf, 'wasm');
  return { tf, backend: 'wasm' };
}

async function setBackendOrThrow(tf: Tf, name: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (cause) {
    throw new Error(`could not start the TensorFlow.js '${name}' backend`, { cause });
  }
  if (!ok) throw new Error(`could not start the TensorFlow.js '${name}' backend: setBackend returned false`);
  await tf.ready();
}

/** tfjs-node's namespace, or null when it is not installed (any other failure is rethrown). */
async function importTfNode(): Promise<Tf | null> {
  try {
    // A variable specifier: the package is optional, so TypeScript must not resolve it.
    const specifier: string = TFJS_NODE;
    return (await import(specifier)) as Tf;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return null;
    throw new Error(`${TFJS_NODE} is installed but failed to load`, { cause: error });
  }
}
