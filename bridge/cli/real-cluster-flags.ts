/**
 * The flags that point a command at a real Spark cluster (`sspe finetune`,
 * `sspe deploy`, and `sspe collect` for those it shares), declared once, and
 * the backend they build.
 */
import { join } from 'node:path';
import { checkEnactable, checkExtraConf, makeRealBackend, realInfrastructureFor } from '../backend/factory.js';
import type { Backend } from '../../src/backend/backend.js';
import { UserInputError } from '../../src/errors.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { parseMaster } from '../spark/parse-master.js';
import { checkRunFlags, REAL_CLUSTER_OPTIONS, type RealClusterOptionName } from '../spark/real-cluster-options.js';
import { yargsFlagsOf, type OptionTable } from '../../src/config/options.js';

export interface RealClusterFlags {
  master: string;
  inputDir: string;
  outputDir?: string;
  batches: number;
  warmupBatches: number;
  timeout: string;
  sparkRuns?: string;
  namespace: string;
  image?: string;
  serviceAccount: string;
  driverHost?: string;
  pvc?: string[];
  conf?: string[];
  /** JVM settings for short runs (bridge/spark/fast-start.ts); default true, as `sspe collect`. */
  fastStart?: boolean;
}

/** Every real-cluster flag, under 'Real cluster:' in --help. */
export const REAL_CLUSTER_FLAGS = yargsFlagsOf(REAL_CLUSTER_OPTIONS, 'Real cluster:');

/**
 * Some of the real-cluster flags for a command that lists them among its own
 * (`sspe collect`: no group), with its own words where a flag means more
 * there; type, default, range and repeatability stay the declaration's.
 */
export function realClusterFlagsFor(names: readonly RealClusterOptionName[], describe: Partial<Record<RealClusterOptionName, string>> = {}) {
  const picked = Object.fromEntries(names.map((name) => [name, { ...REAL_CLUSTER_OPTIONS[name], description: describe[name] ?? REAL_CLUSTER_OPTIONS[name].description }]));
  return yargsFlagsOf(picked as OptionTable);
}

/** Checks every real-cluster flag and returns a function that builds the backend (nothing runs before it is called). */
export function realBackendFrom(flags: RealClusterFlags, scenario: Scenario, command: string): () => Backend {
  const master = parseMaster(flags.master, flags);
  const { batches, warmupBatches, timeoutMs, extraConf } = checkRunFlags(flags);
  if (flags.inputDir.trim() === '') throw new UserInputError('--input-dir: expected the video store folder, got an empty value');
  const runsDir = flags.sparkRuns ?? join('runs', command);
  // Before anything runs: knobs no real cluster enacts, cluster knobs on a master without a Kubernetes API.
  checkEnactable(scenario);
  checkExtraConf(scenario, extraConf);
  realInfrastructureFor(master, scenario, runsDir);
  return () =>
    makeRealBackend({
      master,
      scenario,
      inputDir: flags.inputDir,
      outputDir: flags.outputDir ?? join(runsDir, 'frames'),
      batches,
      warmupBatches,
      timeoutMs,
      runsDir,
      extraConf,
      runIdPrefix: command,
    });
}
