import type { Argv, ArgumentsCamelCase } from 'yargs';
import { loadScenario } from '../../scenario/load.js';
import { actionSpaceConfigs, toRunSpec } from '../../scenario/run-spec.js';
import { sweep, type ConfigPoint } from '../../sweep.js';
import type { Scenario } from '../../scenario/schema.js';
import { parseDurationMs } from '../duration.js';
import { progressBar } from '../progress.js';
import { formatNumber, formatTable } from '../table.js';
import { checkFps, type GlobalOptions } from '../options.js';
import { checkPositiveInteger } from '../number-flags.js';

interface SweepOptions extends GlobalOptions {
  scenario: string;
  fps?: number;
  duration?: string;
  top?: number;
}

/** Every configuration of the action space at one load, ranked: the exhaustive oracle. */
export function sweepScenario(
  scenario: Scenario,
  options: { fps?: number; durationMs?: number; seed?: number | string; label?: string },
) {
  const configs: ConfigPoint[] = actionSpaceConfigs(scenario).map((c) => ({
    cores: c.executorCores,
    memoryMb: c.executorMemoryMb,
    instances: c.executorInstances,
  }));
  const bar = progressBar(options.label ?? 'sweep', configs.length);
  try {
    return sweep({
      configs,
      specFor: (c) =>
        toRunSpec(scenario, {
          config: { executorCores: c.cores, executorMemoryMb: c.memoryMb, executorInstances: c.instances },
          fps: options.fps,
          durationMs: options.durationMs,
          seed: options.seed ?? scenario.seed,
        }),
      onProgress: (done) => bar.update(done),
    });
  } finally {
    bar.stop();
  }
}

export const sweepCommand = {
  command: 'sweep <scenario>',
  describe: 'Simulate every configuration of the action space and rank them (the exhaustive oracle)',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
      .option('fps', { type: 'number', describe: "pin the load to this many frames per second (default: follow the scenario's trace)" })
      .option('duration', { type: 'string', describe: 'simulated time per configuration with a unit: 500ms, 90s, 10m (default: the scenario run.durationMs)' })
      .option('top', { type: 'number', describe: 'print only the best N rows in the table (JSON always has all)' })
      .example('$0 sweep scenarios/paper-testbed.yaml --fps 10', 'rank all 72 paper configurations at 10 fps')
      .example('$0 sweep scenarios/paper-testbed.yaml --fps 60 --json > oracle-60.json', 'the oracle at 60 fps, for scripts'),
  handler: async (args: ArgumentsCamelCase<SweepOptions>) => {
    const scenario = await loadScenario(args.scenario);
    const fps = checkFps(args.fps);
    const top = checkPositiveInteger(args.top, '--top');
    const durationMs = args.duration === undefined ? undefined : parseDurationMs(args.duration, '--duration');
    const result = sweepScenario(scenario, { fps, durationMs, seed: args.seed });
    if (args.json) {
      console.log(JSON.stringify({ scenario: scenario.name, fps: fps ?? null, ...result }, null, 2));
      return;
    }
    const rows = result.results.slice(0, top ?? result.results.length);
    console.log(
      `${scenario.name}: ${result.results.length} configurations at ${fps !== undefined ? `${fps} fps` : `the scenario's ${scenario.workload.trace.kind} trace`}, best first`,
    );
    console.log(
      formatTable(
        ['rank', 'cores', 'memory MB', 'instances', 'running', 'per-frame mean ms', 'p95 ms', 'p99 ms', 'CPU %', 'mem %', 'dropped'],
        rows.map((r, i) => [
          i + 1,
          r.cores,
          r.memory_mb,
          r.instances,
          r.executors_running,
          r.per_frame_ms.mean,
          r.per_frame_ms.p95,
          r.per_frame_ms.p99,
          100 * r.cpu_util,
          100 * r.mem_util,
          r.dropped_frames,
        ]),
      ),
    );
    const best = result.results[0].per_frame_ms.mean;
    console.log(
      `\nrandom configuration: ${formatNumber(result.random_mean_per_frame_ms)} ms per frame on average; ` +
        `the best is ${formatNumber(100 * (1 - best / result.random_mean_per_frame_ms))} % below it`,
    );
  },
};
