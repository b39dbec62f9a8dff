#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InterruptedError, UserInputError } from '../errors.js';
import { benchCommand } from './commands/bench.js';
import { runsCommand } from './commands/runs.js';
import { trainCommand } from './commands/train.js';
import { evaluateCommand } from './commands/evaluate.js';
import { exportCommand } from './commands/export.js';
import { decideCommand } from './commands/decide.js';
import { collectCommand } from './commands/collect.js';
import { calibrateCommand } from './commands/calibrate.js';
import { finetuneCommand } from './commands/finetune.js';
import { deployCommand } from './commands/deploy.js';
import { simulateCommand } from './commands/simulate.js';
import { startCommand } from './commands/start.js';
import { sweepCommand } from './commands/sweep.js';
import type { GlobalOptions } from './options.js';
import { checkNumberFlags } from './number-flags.js';
import { yargsMessage } from './yargs-message.js';

/**
 * The sspe command line. Bad input (flags, files) prints one line and exits
 * with code 2; anything else unexpected exits with 1 and a stack trace.
 */
export async function main(argv: string[]): Promise<void> {
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
    })
    .command<GlobalOptions>(startCommand as never)
    .command<GlobalOptions>(simulateCommand as never)
    .command<GlobalOptions>(sweepCommand as never)
    .command<GlobalOptions>(trainCommand as never)
    .command<GlobalOptions>(evaluateCommand as never)
    .command<GlobalOptions>(exportCommand as never)
    .command<GlobalOptions>(decideCommand as never)
    .command<GlobalOptions>(collectCommand as never)
    .command<GlobalOptions>(calibrateCommand as never)
    .command<GlobalOptions>(finetuneCommand as never)
    .command<GlobalOptions>(deployCommand as never)
    .command<GlobalOptions>(runsCommand as never)
    .command<GlobalOptions>(benchCommand as never)
    .command<GlobalOptions>((await import('./commands/testbed.js')).testbedCommand as never)
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

function reportAndExit(error: unknown): never {
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

main(hideBin(process.argv)).catch(reportAndExit);
