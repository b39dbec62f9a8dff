import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { GlobalOptions } from '../options.js';

interface BenchOptions extends GlobalOptions {
  suite: string;
  quick: boolean;
}

export const benchCommand = {
  command: 'bench <suite>',
  describe: 'Run a benchmark and print measured figures against their targets',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .positional('suite', { choices: ['sim'] as const, demandOption: true, describe: 'sim: event engine (vs SimPy), full model, trials/s, peak memory' })
      .option('quick', { type: 'boolean', default: false, describe: 'tiny budget (a smoke run; figures are noisy)' })
      .example('$0 bench sim', 'the simulator benchmark as a table')
      .example('$0 bench sim --json', 'the same as one JSON object'),
  handler: async (args: ArgumentsCamelCase<BenchOptions>) => {
    // Loaded on demand: the benchmark code stays out of every other command's start-up.
    const { benchSim, formatBenchSimTable } = await import('../../../bench/sim.js');
    const result = await benchSim({
      quick: args.quick,
      onProgress: (stage: string) => {
        if (process.stderr.isTTY) process.stderr.write(`bench sim: ${stage}\n`);
      },
    });
    console.log(args.json ? JSON.stringify(result, null, 2) : formatBenchSimTable(result));
  },
};
