/**
 * The real cluster as `sspe finetune` and `sspe deploy` reach it: a
 * RealBackend over a SparkLauncher, built from the flags both commands share
 * (declared once here).
 */
import { join, resolve } from 'node:path';
import type { Scenario } from '../../src/scenario/schema.js';
import { SparkLauncher, type SparkMaster, type SparkSubmitter } from '../spark/launcher.js';
import { RealBackend } from './real.js';

export interface RealClusterOptions {
  master: SparkMaster;
  /** framesPerPartition bounds, the SLO, and the nodes whose price is the cluster's cost. */
  scenario: Pick<Scenario, 'workload' | 'slo' | 'cluster'>;
  /** The video store, as the driver and the executors see it. */
  inputDir: string;
  /** Where the job writes its frames (deleted after each run unless keepOutput). */
  outputDir: string;
  /** Batches measured per run, after the warm-up ones. */
  batches: number;
  warmupBatches: number;
  /** Kill a run after this long, ms. */
  timeoutMs: number;
  /** One folder per run (spark-submit output, metrics) and the event logs go here. */
  runsDir: string;
  extraConf?: Record<string, string>;
  keepOutput?: boolean;
  /** First part of the run ids ('finetune', 'deploy'). */
  runIdPrefix: string;
  /** Default: a SparkLauncher writing under runsDir. */
  submitter?: SparkSubmitter;
}

/** A RealBackend for the scenario's cluster; its cost is the scenario's node prices. */
export function makeRealBackend(options: RealClusterOptions): RealBackend {
  const runsDir = resolve(options.runsDir);
  const submitter =
    options.submitter ?? new SparkLauncher({ runsDir: join(runsDir, 'spark-runs'), eventLogDir: join(runsDir, 'event-logs'), defaultTimeoutMs: options.timeoutMs });
  return new RealBackend({
    submitter,
    master: options.master,
    job: {
      inputDir: resolve(options.inputDir),
      outputDir: resolve(options.outputDir),
      batches: options.batches,
      warmupBatches: options.warmupBatches,
      keepOutput: options.keepOutput ?? false,
    },
    scenario: options.scenario,
    timeoutMs: options.timeoutMs,
    extraConf: options.extraConf ?? {},
    costPerHour: options.scenario.cluster.nodes.reduce((sum, node) => sum + node.costPerHour, 0),
    runIdPrefix: options.runIdPrefix,
  });
}
