/**
 * The sspe command line without its commands: the global flags (--json,
 * --seed), the number-flag checks, the one-line errors and the exit codes.
 * The composition root (bridge/cli/main.ts) gives it every command, so src/
 * never needs to know bridge/ exists.
 */
import yargs, { type CommandModule } from 'yargs';
import { InterruptedError, UserInputError } from '../errors.js';
import type { GlobalOptions } from './options.js';
import { checkNumberFlags } from './number-flags.js';
import { yargsMessage } from './yargs-message.js';

/**
 * Runs `sspe` with these commands, in --help order. Bad input (flags, files)
 * prints one line and exits with code 2 (see reportAndExit); anything else
 * unexpected exits with 1 and a stack trace.
 */
export async function runProgram(argv: string[], commands: readonly CommandModule<GlobalOptions>[]): Promise<void> {
  const cli = yargs(argv);
  cli
    .scriptName('sspe')
    .usage('$0 <command> [options]\n\nA simulated Spark-on-Kubernetes cluster where agents learn to configure a streaming Spark application.')
    .option('json', { type: 'boolean', default: false, global: true, describe: 'print one JSON object on stdout instead of tables' })
    .option('seed', { type: 'number', global: true, describe: 'seed for every random choice, an integer >= 0 (default: the scenario seed)' })
    // getOptions() is in yargs 18 but not in its @types (17): the flags parsed as numbers, the running command's included.
    .middleware((args) => checkNumberFlags(args, (cli as unknown as { getOptions(): { number: string[] } }).getOptions().number, argv))
    .check((args) => {
      const seed = args.seed;
      if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) {
        throw new UserInputError(`--seed: expected an integer in [0, ${Number.MAX_SAFE_INTEGER}], got ${String(seed)}`);
      }
      return true;
    });
  // The commands are typed on the global flags; the yargs instance only knows them once parsed.
  for (const command of commands) cli.command(command as CommandModule);
  cli
    .demandCommand(1, 'expected a command; see sspe --help')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    // The terminal's own width; piped (no width), nothing is wrapped, so every example stays one pasteable line.
    .wrap(process.stdout.isTTY ? cli.terminalWidth() : null)
    .epilogue('Every command takes --json and --seed. Docs: README.md.')
    .fail((message, error) => {
      if (error) throw error;
      throw new UserInputError(yargsMessage(message, argv));
    });
  await cli.parseAsync();
}

/** Prints how `runProgram` failed and exits: 130 interrupted, 2 bad input, 1 anything else. */
export function reportAndExit(error: unknown): never {
  if (error instanceof InterruptedError) {
    process.stderr.write(`sspe: ${error.message}\n`);
    process.exit(130);
  }
  if (error instanceof UserInputError) {
    // One line, even for messages yargs spreads over several.
    process.stderr.write(`sspe: ${error.message.trim().replace(/\s*\n\s*/g, ' ')}\n`);
    process.exit(2);
  }
  process.stderr.write(`sspe: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

