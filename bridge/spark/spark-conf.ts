/**
 * The Spark settings a run of the job gets beyond the launcher's, from the
 * flags `sspe collect`, `finetune` and `deploy` share: the fast-start JVM
 * settings (bridge/spark/fast-start.ts) unless --no-fast-start, then each
 * --conf spark.key=value, which wins.
 */
import { FAST_START_CONF } from './fast-start.js';
import { UserInputError } from '../../src/errors.js';

export function sparkConfFrom(flags: { conf?: string[]; fastStart?: boolean }): Record<string, string> {
  const conf: Record<string, string> = { ...((flags.fastStart ?? true) ? FAST_START_CONF : {}) };
  for (const entry of flags.conf ?? []) {
    const at = entry.indexOf('=');
    if (at < 1 || !entry.startsWith('spark.')) throw new UserInputError(`--conf: expected spark.key=value, got '${entry}'`);
    conf[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return conf;
}
