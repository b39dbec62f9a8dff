import type { Argv, ArgumentsCamelCase } from 'yargs';
import { loadScenario } from '../../scenario/load.js';
import { formatTable } from '../table.js';
import type { GlobalOptions } from '../options.js';
import { sweepScenario } from './sweep.js';

interface StartOptions extends GlobalOptions {
  scenario: string;
}

/**
 * The main job on the simulated cluster: for every load level of the
 * scenario, the exhaustive oracle against a random configuration.
 */
export const startCommand = {
  command: 'start',
  describe: 'The main job: the simulated paper testbed, best vs random configuration at every load level',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .option('scenario', { type: 'string', default: 'scenarios/paper-testbed.yaml', describe: 'scenario YAML file' })
      .example('$0 start', 'what `npm start` runs'),
  handler: async (args: ArgumentsCamelCase<StartOptions>) => {
    const scenario = await loadScenario(args.scenario);
    const levels = [];
    for (const fps of scenario.workload.fpsLevels) {
      const result = sweepScenario(scenario, { fps, seed: args.seed, label: `${fps} fps` });
      const best = result.results[0];
      levels.push({
        fps,
        best: { cores: best.cores, memory_mb: best.memory_mb, instances: best.instances, per_frame_ms: best.per_frame_ms.mean },
        worst_per_frame_ms: result.results[result.results.length - 1].per_frame_ms.mean,
        random_mean_per_frame_ms: result.random_mean_per_frame_ms,
        best_below_random_pct: 100 * (1 - best.per_frame_ms.mean / result.random_mean_per_frame_ms),
      });
    }
    if (args.json) {
      console.log(JSON.stringify({ scenario: scenario.name, levels }, null, 2));
      return;
    }
    console.log(`${scenario.name}: every configuration simulated at every load level (mean per-frame processing time)\n`);
    console.log(
      formatTable(
        ['fps', 'best config (cores/MB/instances)', 'best ms', 'random ms', 'worst ms', 'best below random %'],
        levels.map((l) => [
          l.fps,
          `${l.best.cores} / ${l.best.memory_mb} / ${l.best.instances}`,
          l.best.per_frame_ms,
          l.random_mean_per_frame_ms,
          l.worst_per_frame_ms,
          l.best_below_random_pct,
        ]),
      ),
    );
    console.log('\nNext: `sspe sweep scenarios/paper-testbed.yaml --fps 60` ranks every configuration; `sspe --help` lists all commands.');
  },
};
