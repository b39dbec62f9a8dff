/**
 * The real cluster as `sspe finetune` and `sspe deploy` reach it: a
 * RealBackend over a SparkLauncher, built from the flags both commands share
 * (declared once here).
 */
import { join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { UserInputError } from '../../src/errors.js';
import { declaredKnobs } from '../../src/space/grid.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { loadDefaultKubeConfig } from '../k8s/inspector.js';
import { KubernetesInfrastructureManager, type InfrastructureManager } from '../k8s/infrastructure/index.js';
import { masterSpec, SparkLauncher, type SparkMaster, type SparkSubmitter } from '../spark/launcher.js';
import { RealBackend, type RealInfrastructure } from './real.js';

export interface RealClusterOptions {
  master: SparkMaster;
  /** framesPerPartition bounds, the SLO, and the nodes whose price is the cluster's cost. */
  scenario: Pick<Scenario, 'name' | 'workload' | 'slo' | 'cluster' | 'actionSpace'>;
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
  /** The Infrastructure Manager when the scenario declares node count or placement; default one over the master's Kubernetes API (realInfrastructureFor). */
  infrastructure?: InfrastructureManager;
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
    infrastructure: realInfrastructureFor(options.master, options.scenario, runsDir, options.infrastructure),
  });
}

/** A UserInputError when the scenario's action space declares a knob no real cluster enacts (the knob table marks it simulated only). */
export function checkEnactable(scenario: Pick<Scenario, 'name' | 'actionSpace'>): void {
  for (const k of declaredKnobs(scenario.actionSpace)) {
    if (k.declaration.enact.kind === 'simulated-only') {
      throw new UserInputError(
        `scenario '${scenario.name}': actionSpace.${k.name} is simulated only (${k.declaration.enact.why}); a real cluster cannot enact it: leave it out of the action space to run there`,
      );
    }
  }
}

/** Spark settings sspe writes for every run when the scenario declares the knob that owns them: a --conf for one would be overridden without a word. */
const OWNED_CONF: Readonly<Record<string, { knob: 'placement'; why: string }>> = {
  'spark.kubernetes.executor.podTemplateFile': { knob: 'placement', why: 'sspe writes the executor pod template of every run from the chosen placement' },
};

/** A UserInputError when a --conf sets what a declared knob of the scenario sets for every run. */
export function checkExtraConf(scenario: Pick<Scenario, 'name' | 'actionSpace'>, extraConf: Readonly<Record<string, string>>): void {
  for (const key of Object.keys(extraConf)) {
    const owned = OWNED_CONF[key];
    if (owned !== undefined && scenario.actionSpace[owned.knob] !== undefined) {
      throw new UserInputError(
        `--conf ${key}: the scenario '${scenario.name}' declares ${owned.knob} in its action space, and ${owned.why}; leave this --conf out, or take ${owned.knob} out of the action space`,
      );
    }
  }
}

/** The cluster knobs of the scenario's action space that only an Infrastructure Manager enacts. */
export function infrastructureKnobs(scenario: Pick<Scenario, 'actionSpace'>): string[] {
  return [scenario.actionSpace.nodeCount !== undefined ? 'nodeCount' : null, scenario.actionSpace.placement !== undefined ? 'placement' : null].filter((k) => k !== null);
}

/**
 * How the scenario's cluster knobs reach the real cluster: undefined when its
 * action space declares neither node count nor placement. The node pool is
 * the nodes the scenario lists (their names are the cluster's), the storage
 * node its storageNode; the Kubernetes API is the kubeconfig's (KUBECONFIG,
 * else ~/.kube/config), which must point at the --master. Every mismatch is a
 * UserInputError, before anything runs.
 */
export function realInfrastructureFor(
  master: SparkMaster,
  scenario: Pick<Scenario, 'name' | 'actionSpace' | 'cluster'>,
  runsDir: string,
  manager?: InfrastructureManager,
  kubeConfig: () => KubeConfig = loadDefaultKubeConfig,
): RealInfrastructure | undefined {
  const knobs = infrastructureKnobs(scenario);
  if (knobs.length === 0) return undefined;
  const { cluster } = scenario;
  const nodes = cluster.nodes.map((n) => n.name);
  const prices = new Map(cluster.nodes.map((n) => [n.name, n.costPerHour]));
  const costPerHourOf = (schedulable: string[]) => schedulable.reduce((sum, name) => sum + (prices.get(name) ?? 0), 0);
  const podTemplateDir = join(runsDir, 'pod-templates');
  if (manager !== undefined) return { manager, podTemplateDir, costPerHourOf };
  if (master.kind !== 'k8s') {
    throw new UserInputError(
      `--master ${masterSpec(master)}: the scenario '${scenario.name}' declares ${knobs.join(' and ')} in its action space, which only a Kubernetes master (k8s://…) enacts (cordon/uncordon of its node pool, executor pod templates)`,
    );
  }
  if (cluster.maxNodes > nodes.length) {
    throw new UserInputError(
      `scenario '${scenario.name}': cluster.maxNodes is ${cluster.maxNodes} but it lists ${nodes.length} node(s); on a real cluster the node pool is the nodes the scenario lists by name (cordoned and uncordoned), so list all ${cluster.maxNodes}`,
    );
  }
  const config = kubeConfig();
  const server = config.getCurrentCluster()?.server ?? '';
  const wanted = master.apiServerUrl.replace(/^k8s:\/\//, '').replace(/\/+$/, '');
  if (server.replace(/\/+$/, '') !== wanted) {
    throw new UserInputError(`--master ${masterSpec(master)}: the kubeconfig's current cluster is at '${server}'; point KUBECONFIG at the cluster the master names`);
  }
  return {
    manager: new KubernetesInfrastructureManager({ kubeConfig: config, nodes, storageNode: cluster.storageNode, namespace: master.namespace }),
    podTemplateDir,
    costPerHourOf,
  };
}
