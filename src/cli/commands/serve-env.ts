import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UserInputError } from '../../errors.js';
import { EnvServer } from '../../serve/env-server.js';
import { serveStdio } from '../../serve/stdio-transport.js';
import { guardStdout } from '../../serve/stdout-guard.js';
import { serveTcp } from '../../serve/tcp-transport.js';
import { ENV_SPEC_FLAGS, envSpecFrom, type EnvSpecArgs } from '../env-spec-flags.js';
import type { GlobalOptions } from '../options.js';

interface ServeEnvOptions extends GlobalOptions, EnvSpecArgs {
  port?: number;
}

export const serveEnvCommand = {
  command: 'serve-env <scenario>',
  describe: "Serve the scenario's environments to another process (Python's sspe_gym): JSON lines over stdio, or loopback TCP (python/PROTOCOL.md)",
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML file, e.g. scenarios/paper-testbed.yaml' })
      .options(ENV_SPEC_FLAGS)
      .option('port', { type: 'number', describe: 'serve on 127.0.0.1:PORT instead of stdio (0 picks a free port; the first stdout line says which) until SIGINT or SIGTERM' })
      .example(
        `printf '{"id":1,"op":"hello","protocol":1}\\n{"id":2,"op":"spaces"}\\n' | $0 serve-env scenarios/paper-testbed.yaml`,
        'the handshake and the spaces, one JSON line each; the server exits when its input ends',
      )
      .example(
        `printf '{"id":1,"op":"make","count":2}\\n{"id":2,"op":"reset","envs":[0,1],"seeds":[7,8]}\\n{"id":3,"op":"step","envs":[0,1],"actions":[13,13]}\\n' | $0 serve-env scenarios/paper-testbed.yaml`,
        'two environments reset with seeds 7 and 8, then one batched step that keeps both configurations (delta action 13)',
      )
      .example(
        `printf '{"id":1,"op":"spaces"}\\n' | $0 serve-env scenarios/diurnal-pool.yaml --agents all`,
        "the multi-agent environment's agents and spaces",
      ),
  handler: async (args: ArgumentsCamelCase<ServeEnvOptions>) => {
    const port = checkPort(args.port);
    // Every check before the first protocol line: bad input is one line on stderr and exit 2.
    const server = new EnvServer(await envSpecFrom(args));
    const stdout = guardStdout();
    try {
      if (port === undefined) {
        await serveStdio(server, { input: process.stdin, output: process.stdout, write: stdout.write });
        return;
      }
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await serveTcp(server, {
          port,
          stop: stop.signal,
          onListening: (address) => stdout.write(`${JSON.stringify({ event: 'listening', ...address })}\n`),
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    } finally {
      stdout.release();
    }
  },
};

/** --port: an integer in [0, 65535]; 0 lets the system pick. */
function checkPort(port: number | undefined): number | undefined {
  if (port === undefined) return undefined;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserInputError(`--port: expected an integer in [0, 65535] (0 picks a free port), got ${String(port)}`);
  return port;
}
