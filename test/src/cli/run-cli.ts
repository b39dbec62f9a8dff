import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliPath = `${repoRoot}dist/bridge/cli/main.js`;

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI (built by `npm test`'s tsc step) in the repository root. */
/** `input` is written to the command's standard input. */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {}): CliRun {
  if (!existsSync(cliPath)) {
    throw new Error(`expected the compiled CLI at ${cliPath}; run 'npx tsc -p tsconfig.json' (npm test does) first`);
  }
  const run = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    timeout: 120_000,
    input: options.input,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
