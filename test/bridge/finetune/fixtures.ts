/**
 * The stand-in real cluster for the fine-tuning and deploy tests: the
 * simulator with a profile whose task overhead and CPU per frame are 1.3×
 * the scenario's, so that "real" and simulated disagree the way a
 * calibration error would.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Tf } from '../../../src/agents/tf.js';
import { buildQNetwork } from '../../../src/agents/q-network.js';
import type { Backend, TrialOutcome, TrialRequest } from '../../../src/backend/backend.js';
import { SimulatedBackend } from '../../../src/backend/simulated.js';
import type { LoadedPolicy } from '../../../src/policy/artifact.js';
import { actionSpaceConfigs, type ExecutorConfig } from '../../../src/scenario/run-spec.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { trainDqn } from '../../../src/train/train-dqn.js';
import { createPolicyMetadata } from '../../../src/policy/artifact.js';
import { observationNormalisationFor } from '../../../src/env/config-env.js';
import { testMetadata } from '../../src/policy/fixtures.js';
import { createTeamMetadata, saveTeam } from '../../../src/policy/team-artifact.js';
import { trainTeam, type TeamMethod } from '../../../src/train/train-team.js';
import type { AgentName } from '../../../src/space/knobs.js';

export { paperScenario, testTf } from '../../src/policy/fixtures.js';

/** The scenario as the "real cluster" behaves: task overhead and CPU per frame × factor. */
export function shiftedScenario(scenario: Scenario, factor = 1.3): Scenario {
  const p = scenario.profile.parameters;
  return {
    ...scenario,
    profile: {
      ...scenario.profile,
      name: `${scenario.profile.name}-x${factor}`,
      parameters: { ...p, taskOverheadMs: p.taskOverheadMs * factor, frameCpuMsPerMegapixel: p.frameCpuMsPerMegapixel * factor },
    },
  };
}

export type Fault = (call: number, request: TrialRequest, outcome: TrialOutcome) => TrialOutcome;

/**
 * A "real cluster": the shifted simulator, one steady-state trial per run.
 * Each trial is seeded by the number of trials before it, counted across
 * fine-tuning sessions that share this object, so a run that is never
 * repeated measures the same whether or not the session was restarted.
 * `fault` may change an outcome (an SLO breach, a failed run).
 */
export class StandInCluster implements Backend {
  readonly kind = 'real' as const;
  calls = 0;
  readonly requests: TrialRequest[] = [];
  private readonly inner: SimulatedBackend;

  constructor(
    readonly scenario: Scenario,
    private readonly fault?: Fault,
  ) {
    this.inner = new SimulatedBackend(scenario, { mode: 'trial', windowBatches: 2, settleMs: 0 });
  }

  async reset(): Promise<void> {
    // A real cluster has nothing to reseed; trials are seeded by their count.
  }

  async runTrial(request: TrialRequest): Promise<TrialOutcome> {
    const call = this.calls++;
    this.requests.push(request);
    await this.inner.reset(`stand-in/${call}`);
    const outcome = this.inner.runTrialSync(request);
    return this.fault ? this.fault(call, request, outcome) : outcome;
  }

  async close(): Promise<void> {}
}

/** An outcome whose per-frame times are `factor` × the measured ones (a breach to order). */
export function slower(outcome: TrialOutcome, factor: number): TrialOutcome {
  const q = outcome.perFrameMs;
  return { ...outcome, perFrameMs: { mean: q.mean * factor, p50: q.p50 * factor, p95: q.p95 * factor, p99: q.p99 * factor, max: q.max * factor } };
}

export function failed(outcome: TrialOutcome, why = 'executor lost (injected)'): TrialOutcome {
  const nan = Number.NaN;
  return { ...outcome, perFrameMs: { mean: nan, p50: nan, p95: nan, p99: nan, max: nan }, failure: why };
}

/** Mean per-frame ms of every configuration of the grid on `scenario` at `fps`, over `seeds` trials each. */
export async function groundTruth(scenario: Scenario, fps: number, seeds = 4): Promise<Map<string, number>> {
  const backend = new SimulatedBackend(scenario, { mode: 'trial', windowBatches: 2, settleMs: 0 });
  const truth = new Map<string, number>();
  for (const config of actionSpaceConfigs(scenario)) {
    let sum = 0;
    for (let s = 0; s < seeds; s++) {
      await backend.reset(`truth/${s}`);
      sum += backend.runTrialSync({ config: { ...scenario.spark, ...config }, fps }).perFrameMs.mean;
    }
    truth.set(key(config), sum / seeds);
  }
  return truth;
}

export function key(config: ExecutorConfig): string {
  return `${config.executorCores}/${config.executorMemoryMb}/${config.executorInstances}`;
}

/** Index of the first configuration within `tolerance` of the best of `truth`; null when none is. */
export function runsToWithin(configs: ExecutorConfig[], truth: Map<string, number>, tolerance = 0.1): number | null {
  const best = Math.min(...truth.values());
  const at = configs.findIndex((c) => truth.get(key(c))! <= best * (1 + tolerance));
  return at < 0 ? null : at + 1;
}

/** A DQN trained briefly on `scenario` (the unshifted simulator), as a loaded policy. */
export async function trainedPolicy(tf: Tf, scenario: Scenario, episodes = 160, seed = 3): Promise<LoadedPolicy> {
  const result = await trainDqn({
    scenario,
    tf,
    seed,
    dqn: { ...scenario.learning.dqn, episodes, learningStarts: 200, epsilonDecay: 0.97, targetUpdateEvery: 100 },
  });
  const metadata = createPolicyMetadata({
    name: 'trained',
    scenario,
    encoding: scenario.learning.env.encoding,
    observation: observationNormalisationFor(scenario),
    training: { seed, episodes, envSteps: result.envSteps, wallSeconds: result.wallMs / 1000 },
  });
  result.agent.targetNetwork.dispose();
  return { dir: '(trained in the test)', model: result.agent.onlineNetwork, metadata, tf };
}

/** A team trained for a few episodes on `scenario` (the unshifted simulator), saved as a bundle in `dir`. */
export async function trainedTeamBundle(tf: Tf, scenario: Scenario, options: { method: TeamMethod; dir: string; agents?: AgentName[]; episodes?: number; seed?: number }): Promise<string> {
  const seed = options.seed ?? 3;
  const episodes = options.episodes ?? 12;
  const dqn = { ...scenario.learning.dqn, episodes, numEnvs: 2, learningStarts: 16, batchSize: 16, evalEvery: episodes, evalFrom: episodes };
  const team = await trainTeam({ scenario, method: options.method, agents: options.agents, dqn, seed, tf, env: { stepsPerEpisode: 4 } });
  try {
    const metadata = createTeamMetadata({
      name: `team-${options.method}`,
      method: options.method,
      scenario,
      observation: team.env.episode.state.normalisation,
      agents: team.agents.map((a) => ({ name: a, features: [...team.env.partitions[a]], encoding: team.env.actions(a).encoding, actionCount: team.env.actionSpace(a).n })),
      training: { seed, episodes: team.episodes, envSteps: team.envSteps, wallSeconds: team.wallMs / 1000, bestEvaluation: team.bestEvaluation },
    });
    await saveTeam(options.dir, { metadata, models: Object.fromEntries(team.agents.map((a) => [a, team.networks[a].onlineNetwork])), tf, overwrite: true });
  } finally {
    team.dispose();
  }
  return options.dir;
}

/**
 * A policy of the DQN's architecture whose Q-values are `preferences`
 * whatever it observes (zero output kernel): tests choose its moves. With
 * the delta encoding, action 9·(dCores+1) + 3·(dMemory+1) + (dInstances+1).
 */
export function fixedPolicy(tf: Tf, scenario: Scenario, preferences: Record<number, number>): LoadedPolicy {
  const metadata = testMetadata(scenario, 'fixed');
  const actions = metadata.actionSpace.actionCount;
  const model = buildQNetwork(tf, { observationSize: metadata.observation.features.length, actionCount: actions, hiddenUnits: 8, seed: 1 });
  const bias = Array.from({ length: actions }, (_, a) => preferences[a] ?? 0);
  const weights = model.getWeights();
  const last = weights.length - 2;
  model.layers[2].setWeights([tf.zeros(weights[last].shape), tf.tensor1d(bias)]);
  return { dir: '(fixed preferences)', model, metadata, tf };
}

/** Delta-encoding action for per-knob steps in {-1, 0, 1}. */
export function deltaAction(cores: number, memory: number, instances: number): number {
  return 9 * (cores + 1) + 3 * (memory + 1) + (instances + 1);
}

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sspe-finetune-'));
  dirs.push(dir);
  return dir;
}

/**
 * A kubeconfig naming the testbed's API server, written into `dir`: the
 * Infrastructure Manager of a k8s:// master is built from it (and never
 * called when a stand-in cluster takes the runs).
 */
export function testKubeconfig(dir: string): string {
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    [
      'apiVersion: v1', 'kind: Config', 'current-context: t',
      'clusters: [{name: t, cluster: {server: "https://127.0.0.1:6443"}}]',
      'users: [{name: t, user: {token: x}}]',
      'contexts: [{name: t, context: {cluster: t, user: t}}]', '',
    ].join('\n'),
  );
  return path;
}

/** Runs `run` with KUBECONFIG set to `path`, restoring it after. */
export async function withKubeconfig<T>(path: string, run: () => Promise<T>): Promise<T> {
  const before = process.env.KUBECONFIG;
  process.env.KUBECONFIG = path;
  try {
    return await run();
  } finally {
    if (before === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = before;
  }
}

/** The real-cluster flags of the Kubernetes testbed (scenarios/testbed-pool.yaml), with a video store in `dir`. */
export function testbedFlags(dir: string) {
  mkdirSync(join(dir, 'videos'), { recursive: true });
  return {
    master: 'k8s://https://127.0.0.1:6443',
    image: 'sspe/process',
    driverHost: '127.0.0.1',
    pvc: [`store:sspe-host:${dir}`],
    inputDir: join(dir, 'videos'),
    batches: 2,
    warmupBatches: 1,
    timeout: '10m',
    namespace: 'spark',
    serviceAccount: 'spark',
  };
}
