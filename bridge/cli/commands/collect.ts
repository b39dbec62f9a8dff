/**
 * `sspe collect`: the flags, and the summary printed as a table or JSON. The
 * collection itself (plan, resume, test videos, the run in flight) is
 * bridge/collect/collect.ts.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { DEFAULT_SLO_PER_FRAME_MS, runCollect, type CollectOptions, type CollectSummary } from '../../collect/collect.js';
import { GRID } from '../../collect/plan.js';
import { FAST_START_DESCRIPTION } from '../../spark/fast-start.js';
import type { GlobalOptions } from '../../../src/cli/options.js';
import { formatTable } from '../../../src/cli/table.js';
import { sparkDefaults } from '../../../src/scenario/schema.js';
import { realClusterFlagsFor } from '../real-cluster-flags.js';
import { runLogOption } from '../../../src/runlog/location.js';

function summaryJson(summary: CollectSummary) {
  return {
    out: summary.out,
    runs_csv: summary.runsCsv,
    master: summary.master,
    skipped: summary.skipped,
    interrupted: summary.interrupted,
    runs: summary.runs.map(({ run, repeat, ran }) => ({
      run_id: run.runId,
      cores: run.cores,
      memory_mb: run.memoryMb,
      instances: run.instances,
      partitions: run.partitions,
      frames_per_partition: run.framesPerPartition,
      fps: run.fps,
      repeat,
      ran,
      batches: run.batches,
      megapixels_per_frame: Number.isNaN(run.megapixelsPerFrame) ? null : run.megapixelsPerFrame,
      per_frame_ms: run.perFrameMs,
      executors_running: run.executorsRunning,
      wall_s: run.wallMs / 1000,
      event_log: run.eventLogPath,
      failure: run.failure,
      probe_wall_ms: run.cpuProbe?.wallMs ?? null,
      probe_cpu_ms: run.cpuProbe?.cpuMs ?? null,
    })),
  };
}

/** Failures longer than this go under the table, whole, with a number in the table pointing at them. */
const TABLE_FAILURE_CHARS = 100;

/** The summary as the table a user reads: a short failure in its cell, a long one in full under the table. */
export function collectTableText(summary: CollectSummary): string {
  const notes: string[] = [];
  const rows = summary.runs.map(({ run, repeat, ran }) => {
    let failure = run.failure ?? '';
    if (failure.length > TABLE_FAILURE_CHARS) {
      notes.push(`[${notes.length + 1}] ${run.runId}: ${failure}`);
      failure = `failed, see [${notes.length}] below`;
    }
    return [
      `${run.cores}/${run.memoryMb}/${run.instances}`,
      `${run.partitions}x${run.framesPerPartition}`,
      Number.isNaN(run.megapixelsPerFrame) ? '-' : run.megapixelsPerFrame.toFixed(4),
      repeat,
      run.perFrameMs?.mean ?? Number.NaN,
      run.perFrameMs?.p95 ?? Number.NaN,
      run.wallMs / 1000,
      run.cpuProbe ? Math.round(run.cpuProbe.wallMs) : '-',
      ran ? 'ran' : 'resumed',
      failure,
    ];
  });
  return [
    `${summary.master}: ${summary.runs.length} runs (${summary.skipped} already in ${summary.runsCsv})`,
    formatTable(['config (cores/MB/instances)', 'workload', 'MP/frame', 'repeat', 'per-frame mean ms', 'p95 ms', 'wall s', 'probe ms', 'this time', 'failure'], rows),
    ...notes,
    ...(summary.interrupted ? ['interrupted: run the same command again to finish the collection'] : []),
  ].join('\n');
}

export const collectCommand = {
  command: 'collect',
  describe: 'Run the video job on a real Spark cluster over a grid of executor configurations and record every run (runs.csv, event logs, run log)',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .option('master', {
        type: 'string',
        demandOption: true,
        describe: 'local-cluster[workers,cores,memoryMb] (real executor JVMs on this machine), spark://host:port, or k8s://https://host:port',
      })
      .option('configs', {
        type: 'string',
        default: 'grid',
        describe:
          `'grid' = cores {${GRID.cores.join(',')}} x memory MB {${GRID.memoryMb.join(',')}} x instances {${GRID.instances.join(',')}}, ` +
          'less what does not fit a local-cluster (a worker launches only executors that fit it whole: local-cluster[2,2,2048] takes all 8, ' +
          'local-cluster[2,1,1024] the 4 with 1 core); or a list cores/memoryMb/instances,… e.g. 1/512/1,2/1024/2',
      })
      .option('repeat', { type: 'number', default: 1, describe: 'runs of each configuration (interleaved: all configurations once, then again…)' })
      .option('out', { type: 'string', demandOption: true, describe: 'folder for runs.csv, eventlogs/, spark-runs/; run again with the same folder to resume' })
      .option('fps', { type: 'number', default: 10, describe: 'load: arrival rate of the stream, frames per second' })
      .options(
        realClusterFlagsFor(['batches', 'warmupBatches'], {
          batches: 'measured batches per run (a batch adds a fraction of a second to a run that spends ~10 s starting JVMs, and more of them cut the run-to-run noise a calibration sees)',
          warmupBatches: 'batches run first and left out of the measurement (Python worker start-up)',
        }),
      )
      .option('partitions', { type: 'number', default: 2, describe: 'partitions (tasks) per batch' })
      .option('frames-per-partition', { type: 'number', default: 10, describe: 'frames each partition collects' })
      .option('workloads', {
        type: 'string',
        describe: 'several workload shapes, partitions x frames per partition, e.g. 2x10,4x10,2x20: every one for every configuration, interleaved (overrides --partitions, --frames-per-partition)',
      })
      .option('frame-scales', {
        type: 'string',
        describe:
          'test videos at several frame sizes, make_test_videos.py --scale of the camera source (1280x720), e.g. 0.125,0.5: one store each under <out>/videos-s<scale>, ' +
          'every one for every configuration, interleaved; calibration then tells per-frame CPU from per-task cost (not with --input-dir)',
      })
      .option('serializer', { type: 'string', default: sparkDefaults().serializer, describe: 'spark.serializer: java or kryo' })
      .options(realClusterFlagsFor(['timeout'], { timeout: 'kill a run after this long, e.g. 90s, 5m' }))
      .option('input-dir', { type: 'string', describe: 'video store (as driver and executors see it); default: test videos made under <out>/videos' })
      .option('output-dir', { type: 'string', describe: "where the job writes its frames; default <out>/frames (deleted after each run unless --keep-output)" })
      .options(realClusterFlagsFor(['namespace', 'image', 'serviceAccount', 'driverHost', 'pvc']))
      .option('slo', { type: 'string', describe: `per_frame_ms=<ms>: the per-frame objective each run's SLO-violation fraction (run log) counts against; default per_frame_ms=${DEFAULT_SLO_PER_FRAME_MS}, the scenarios' default` })
      .options(realClusterFlagsFor(['conf', 'fastStart'], { fastStart: FAST_START_DESCRIPTION }))
      .option('keep-output', { type: 'boolean', default: false, describe: "keep each run's grayscale frames" })
      .option('run-log', runLogOption)
      .example('$0 collect --master "local-cluster[2,1,1024]" --out runs/collect', 'the default grid on real executor JVMs here, once each')
      .example('$0 collect --master "local-cluster[2,2,2048]" --configs 1/512/1,2/1024/2 --repeat 3 --out runs/collect-2 --json', 'two configurations, three times each, as JSON')
      .example('$0 collect --master "local-cluster[2,2,2048]" --workloads 2x10,4x10 --frame-scales 0.125,0.5 --repeat 2 --out runs/calib', 'the grid x 2 workloads x 2 frame sizes, twice, interleaved: a calibration set'),
  handler: async (args: ArgumentsCamelCase<CollectOptions>) => {
    const summary = await runCollect(args);
    if (args.json) console.log(JSON.stringify(summaryJson(summary), null, 2));
    else console.log(collectTableText(summary));
    if (summary.interrupted) process.exitCode = 130;
    const ran = summary.runs.filter((r) => r.ran);
    if (!summary.interrupted && ran.length > 0 && ran.every((r) => r.run.failure !== null)) {
      process.stderr.write(`sspe collect: every run failed; the first: ${ran[0].run.failure}\n`);
      process.exitCode = 1;
    }
  },
};
