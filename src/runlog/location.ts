/**
 * Where the run log lives: `--run-log <path>`, else $SSPE_RUN_LOG, else
 * runs/sspe.sqlite under the working directory.
 */
import { resolve } from 'node:path';

/** Environment variable that moves the run log; `--run-log` overrides it. */
export const RUN_LOG_ENV = 'SSPE_RUN_LOG';
/** Where the run log lives when neither the flag nor the environment says, relative to the working directory. */
export const DEFAULT_RUN_LOG_PATH = 'runs/sspe.sqlite';

/** The `--run-log` flag, declared once for every command that reads or writes the log. */
export const runLogOption = {
  type: 'string',
  describe: `SQLite run log (default: $${RUN_LOG_ENV}, else ${DEFAULT_RUN_LOG_PATH})`,
} as const;

/** The run log's absolute path: the flag, else $SSPE_RUN_LOG, else runs/sspe.sqlite, resolved against `cwd`. */
export function runLogPath(options: { flag?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  const env = options.env ?? process.env;
  const chosen = [options.flag, env[RUN_LOG_ENV]].find((p) => p !== undefined && p !== '') ?? DEFAULT_RUN_LOG_PATH;
  return resolve(options.cwd ?? process.cwd(), chosen);
}
