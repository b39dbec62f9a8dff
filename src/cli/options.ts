import type { TfBackendChoice } from '../agents/tf.js';
import { UserInputError } from '../errors.js';
import { MAX_FPS } from '../scenario/schema.js';

/** Options every command takes. */
export interface GlobalOptions {
  json: boolean;
  seed?: number;
}

/** --fps: a load in (0, MAX_FPS], the scenario schema's bound. */
export function checkFps(fps: number | undefined): number | undefined {
  if (fps === undefined) return undefined;
  if (!Number.isFinite(fps) || fps <= 0 || fps > MAX_FPS) {
    throw new UserInputError(`--fps: expected a number in (0, ${MAX_FPS}], got ${String(fps)}`);
  }
  return fps;
}

const TF_BACKENDS = ['auto', 'wasm', 'cpu', 'node'] as const satisfies readonly TfBackendChoice[];

/** --backend, declared once for every command that trains or runs a policy. */
export const TF_BACKEND_OPTION = {
  choices: TF_BACKENDS,
  default: 'auto' as TfBackendChoice,
  describe: 'TensorFlow.js backend (auto: tfjs-node when installed, else WASM)',
} as const;
