import type { Argv, ArgumentsCamelCase } from 'yargs';
import { simulateRun } from '../../../sim/model.js';
import { configJson, runResultJson } from '../../report/run-json.js';
import { loadScenario } from '../../scenario/load.js';
import { parseConfigFlag, toRunSpec } from '../../scenario/run-spec.js';
import { parseDurationMs } from '../duration.js';
import { formatNumber, formatTable, plural } from '../table.js';
import type { GlobalOptions } from '../options.js';
import { checkFps } from '../options.js';

interface SimulateOptions extends GlobalOptions {
  scenario: string;
  config?: string;
  fps?: number;
  duration?: string;
  traceHash: boolean;
}

export const simulateCommand = {
  command: 'simulate <scenario>',
  describe: 'Simulate one configuration of a scenario and print its metrics',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML file, e.g. scenarios/paper-testbed.yaml' })
      .option('config', {
        type: 'string',
        describe: "configuration to run instead of the scenario's starting one: cores=2,memory=800,instances=6 (also partitions, framesPerPartition, serializer, …)",
      })
      .option('fps', { type: 'number', describe: "pin the load to this many frames per second (default: follow the scenario's trace)" })
      .option('duration', { type: 'string', describe: 'simulated time with a unit: 500ms, 90s, 10m, 1h (default: the scenario run.durationMs)' })
      .option('trace-hash', { type: 'boolean', default: false, describe: 'print a hash of every simulated event (same seed, same hash)' })
      .example('$0 simulate scenarios/paper-testbed.yaml', "the scenario's starting configuration on its own load trace")
      .example('$0 simulate scenarios/paper-testbed.yaml --config cores=3,memory=1000,instances=5 --fps 60 --json', 'one configuration at 60 fps, as JSON'),
  handler: async (args: ArgumentsCamelCase<SimulateOptions>) => {
    const scenario = await loadScenario(args.scenario);
    const spec = toRunSpec(scenario, {
      config: args.config === undefined ? undefined : parseConfigFlag(args.config),
      fps: checkFps(args.fps),
      durationMs: args.duration === undefined ? undefined : parseDurationMs(args.duration, '--duration'),
      seed: args.seed ?? scenario.seed,
      traceHash: args.traceHash,
    });
    const result = simulateRun(spec);
    const json = {
      scenario: scenario.name,
      seed: spec.seed,
      fps: args.fps ?? null,
      config: configJson(spec.spark),
      slo_per_frame_ms: spec.sloPerFrameMs,
      ...runResultJson(result),
    };
    if (args.json) {
      console.log(JSON.stringify(json, null, 2));
      return;
    }
    const c = spec.spark;
    const q = (x: { mean: number; p50: number; p95: number; p99: number }) =>
      `mean ${formatNumber(x.mean)}  p50 ${formatNumber(x.p50)}  p95 ${formatNumber(x.p95)}  p99 ${formatNumber(x.p99)}`;
    console.log(
      `${scenario.name}: ${plural(c.executorCores, 'core')} × ${c.executorMemoryMb} MB × ${plural(c.executorInstances, 'executor')}, ` +
        `${args.fps !== undefined ? `${args.fps} fps` : `trace ${spec.workload.trace.kind}`}, ${formatNumber(result.simulatedMs / 1000)} s simulated, seed ${spec.seed}`,
    );
    console.log(
      formatTable(
        ['metric', 'value'],
        [
          ['per-frame processing time (ms)', q(result.perFrameMs)],
          ['end-to-end latency (ms)', q(result.endToEndMs)],
          ['throughput (fps)', formatNumber(result.throughputFps)],
          ['frames arrived / processed / dropped', `${result.framesArrived} / ${result.framesProcessed} / ${result.framesDropped}`],
          ['backlog at end (frames)', String(result.backlogFrames)],
          ['CPU used / requested (executor pods)', `${formatNumber(100 * result.cpuUtil)} %`],
          ['working set / memory limit (executor pods)', `${formatNumber(100 * result.memUtil)} %`],
          ['busy task slots / slots (Spark)', `${formatNumber(100 * result.slotUtil)} %`],
          [`executors registered (all over the run, replacements included; ${c.executorInstances} requested)`, String(result.executors.length)],
          ['pending pods at end / mean', `${result.pendingPods} / ${formatNumber(result.pendingPodsMean)}`],
          [
            'failures (tasks, JVM OOM, pods OOMKilled, executors lost, nodes, jobs aborted)',
            `${result.failures.taskFailures}, ${result.failures.oomKills}, ${result.failures.podOomKills}, ${result.failures.executorLosses}, ${result.failures.nodeFailures}, ${result.failures.jobsAborted}`,
          ],
          [`SLO violations (> ${spec.sloPerFrameMs} ms)`, `${result.sloViolations.frames} frames (${formatNumber(100 * result.sloViolations.fraction)} %)`],
          ['cost ($)', formatNumber(result.cost)],
          ['events simulated', String(result.events)],
          ...(result.traceHash !== null ? [['trace hash', result.traceHash]] : []),
        ],
      ),
    );
    if (result.nodes.length > 0) {
      console.log('\n' + formatTable(
        ['node', 'CPU %', 'memory requested %', 'peak requested MB', 'allocatable MB'],
        result.nodes.map((n) => [n.name, 100 * n.cpuUtil, 100 * n.memUtil, n.peakMemoryRequestedMb, n.allocatableMemoryMb]),
      ));
    }
  },
};
