import type { Argv, ArgumentsCamelCase } from 'yargs';
import { join } from 'node:path';
import { DQN_OPTIONS } from '../../config/learning.js';
import { yargsOf } from '../../config/options.js';
import { checkOutputDir } from '../../output-dir.js';
import { repoRoot } from '../../paths.js';
import { loadScenarioSync } from '../../scenario/load.js';
import type { GlobalOptions } from '../options.js';
import { plural } from '../table.js';
import { printTrainSummary, runTrain } from './train.js';
import { printLevels, runEvaluate } from './evaluate.js';

interface StartOptions extends GlobalOptions {
  scenario: string;
  outDir: string;
  seeds: number;
}

const DEFAULT_SCENARIO = 'scenarios/paper-testbed.yaml';

/** The DQN settings of the default scenario, so --help shows what a plain `sspe start` uses (batch 128, not the paper's 32). */
function paperTestbedDefaults(): { values: Record<string, unknown>; source: string } | null {
  try {
    return { values: { ...loadScenarioSync(join(repoRoot(), DEFAULT_SCENARIO)).learning.dqn }, source: DEFAULT_SCENARIO };
  } catch {
    // The help must show even when the scenario does not load; start itself then reports why.
    return null;
  }
}

/**
 * The main job on the simulated cluster: train a DQN on the paper testbed,
 * then compare it with every baseline and the exhaustive oracle at every load
 * level, as a table and an HTML report.
 */
export const startCommand = {
  command: 'start',
  describe: 'The main job: train a DQN on the simulated paper testbed, then compare it with the baselines per load level',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .option('scenario', { type: 'string', default: DEFAULT_SCENARIO, describe: 'scenario YAML file' })
      .option('out-dir', { type: 'string', default: 'out/start', describe: 'where the trained policy and the report go' })
      .option('seeds', { type: 'number', default: 5, describe: 'evaluation seeds per policy and load level' })
      .options(yargsOf(DQN_OPTIONS, 'DQN (defaults from the scenario, then the paper):', paperTestbedDefaults()))
      .example('$0 start', 'what `npm start` runs (about two minutes)')
      .example('$0 start --episodes 16 --seeds 1', 'a smoke run in seconds'),
  handler: async (args: ArgumentsCamelCase<StartOptions>) => {
    checkOutputDir(args.outDir, '--out-dir');
    const policy = join(args.outDir, 'policy');
    const report = join(args.outDir, 'report.html');
    if (!args.json) console.log(`1/2 training a DQN on ${args.scenario} -> ${policy}`);
    const training = await runTrain({ ...args, out: policy, force: true, backend: 'auto', method: 'dqn', agents: 'all' });
    if (!args.json) {
      printTrainSummary(training, args.scenario);
      console.log(`\n2/2 evaluating it against the baselines and the oracle (${plural(args.seeds, 'seed')} per level)`);
    }
    const evaluation = await runEvaluate({ ...args, policy, baselines: 'all', seeds: args.seeds, report, backend: 'auto' });
    if (args.json) {
      console.log(JSON.stringify({ training, ...evaluation }, null, 2));
      return;
    }
    printLevels(evaluation.levels);
    console.log(`\nreport: ${report}`);
  },
};
