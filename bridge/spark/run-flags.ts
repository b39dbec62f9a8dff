/**
 * The flags of a real run that `sspe collect`, `finetune` and `deploy` share
 * (bridge/cli/real-cluster-flags.ts declares them), checked in one place so
 * that the three commands accept the same values and say the same thing.
 */
import { parseDurationMs } from '../../src/cli/duration.js';
import { UserInputError } from '../../src/errors.js';
import { sparkConfFrom } from './spark-conf.js';

export interface RunFlags {
  batches: number;
  warmupBatches: number;
  timeout: string;
  conf?: string[];
  fastStart?: boolean;
}

export interface CheckedRunFlags {
  batches: number;
  warmupBatches: number;
  timeoutMs: number;
  /** The fast-start settings unless --no-fast-start, then every --conf. */
  extraConf: Record<string, string>;
}

function integerFrom(value: number, flag: string, min: 0 | 1): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UserInputError(`${flag}: expected ${min === 1 ? 'a positive integer' : 'an integer >= 0'}, got ${String(value)}`);
  }
  return value;
}

export function checkRunFlags(flags: RunFlags): CheckedRunFlags {
  return {
    batches: integerFrom(flags.batches, '--batches', 1),
    warmupBatches: integerFrom(flags.warmupBatches, '--warmup-batches', 0),
    timeoutMs: parseDurationMs(flags.timeout, '--timeout'),
    extraConf: sparkConfFrom(flags),
  };
}
