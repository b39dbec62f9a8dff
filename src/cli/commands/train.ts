import type { Argv, ArgumentsCamelCase } from 'yargs';
import { existsSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { initTf, type TfBackendChoice } from '../../agents/tf.js';
import type { DqnAgent } from '../../agents/dqn.js';
import { DQN_OPTIONS, type DqnOptions } from '../../config/learning.js';
import { checkOption, yargsOf } from '../../config/options.js';
import { observationNormalisationFor } from '../../env/config-env.js';
import { UserInputError } from '../../errors.js';
import { checkOutputDir } from '../../output-dir.js';
import { createPolicyMetadata, savePolicy, scenarioHash } from '../../policy/artifact.js';
import { RunLog } from '../../runlog/run-log.js';
import { withCommandRun } from '../../runlog/command-run.js';
import { runLogPath } from '../../runlog/location.js';
import { loadScenario } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/schema.js';
import { trainDqn, type TrainingCurves } from '../../train/train-dqn.js';
import { TEAM_METHODS, trainTeam, type TeamMethod } from '../../train/train-team.js';
import { teamAgents } from '../../env/team-env.js';
import { AGENTS, type AgentName } from '../../space/knobs.js';
import { createTeamMetadata, saveTeam } from '../../policy/team-artifact.js';
import type { GlobalOptions } from '../options.js';
import { catchInterrupt } from '../interrupt.js';
import { progressBar, teamProgressBars } from '../progress.js';
import { formatNumber, plural } from '../table.js';

interface TrainOptions extends GlobalOptions {
  scenario: string;
  out: string;
  force: boolean;
  backend: TfBackendChoice;
  runLog?: string;
  maxWall?: number;
  method: 'dqn' | TeamMethod;
  agents: string;
  [flag: string]: unknown;
}

/** --agents: 'all' or agent names separated by commas, each one the scenario has. */
export function parseAgents(text: string, scenario: Scenario): AgentName[] {
  const available = teamAgents(scenario);
  if (text.trim() === 'all') return available;
  const names = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (names.length === 0) throw new UserInputError(`--agents: expected 'all' or agent names separated by commas (${available.join(', ')}), got '${text}'`);
  for (const name of names) {
    if (!(AGENTS as readonly string[]).includes(name)) throw new UserInputError(`--agents: unknown agent '${name}'; allowed: ${AGENTS.join(', ')}, all`);
    if (!available.includes(name as AgentName)) {
      throw new UserInputError(`--agents: '${name}' owns no knob that ${scenario.name} declares in actionSpace; agents here: ${available.join(', ')}`);
    }
  }
  return AGENTS.filter((agent) => names.includes(agent));
}

/** The scenario's DQN options with any --flag overrides, each checked against its declared range. */
export function dqnOptionsFrom(scenario: Scenario, args: Record<string, unknown>): DqnOptions {
  const options: Record<string, unknown> = { ...scenario.learning.dqn };
  for (const [key, spec] of Object.entries(DQN_OPTIONS)) {
    const value = args[key];
    if (value === undefined) continue;
    const problem = checkOption(spec, value);
    if (problem !== null) throw new UserInputError(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${problem}`);
    options[key] = value;
  }
  return options as DqnOptions;
}

/** Writes the policy and its curves in one all-or-nothing step. */
async function saveCheckpoint(options: {
  out: string;
  scenario: Scenario;
  agent: DqnAgent;
  curves: TrainingCurves;
  seed: number | string;
  episodes: number;
  envSteps: number;
  wallMs: number;
  overwrite: boolean;
}): Promise<void> {
  const { scenario } = options;
  const metadata = createPolicyMetadata({
    name: basename(options.out),
    scenario,
    encoding: scenario.learning.env.encoding,
    observation: observationNormalisationFor(scenario),
    training: { seed: options.seed, episodes: options.episodes, envSteps: options.envSteps, wallSeconds: options.wallMs / 1000 },
  });
  await savePolicy(options.out, {
    model: options.agent.onlineNetwork,
    metadata,
    overwrite: options.overwrite,
    extraFiles: { 'curves.json': JSON.stringify(options.curves) },
  });
}

export const trainCommand = {
  command: 'train <scenario>',
  describe: "Train a DQN on the scenario's simulated cluster and save the policy",
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
      .option('out', { type: 'string', demandOption: true, describe: 'policy folder to write, e.g. models/policies/my-policy' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing policy folder' })
      .option('backend', { choices: ['auto', 'wasm', 'cpu', 'node'] as const, default: 'auto' as const, describe: 'TensorFlow.js backend (auto: tfjs-node when installed, else WASM)' })
      .option('max-wall', { type: 'number', describe: 'stop training after this many wall seconds (the policy so far is saved)' })
      .option('run-log', { type: 'string', describe: 'SQLite run log (default runs/sspe.sqlite, or $SSPE_RUN_LOG)' })
      .option('method', { choices: ['dqn', ...TEAM_METHODS] as const, default: 'dqn' as const, describe: "dqn: one agent over the joint action space (the paper's); idqn: independent DQN agents, one per owner of the scenario's knobs, on the team reward; vdn: the same agents trained as one (value decomposition)" })
      .option('agents', { type: 'string', default: 'all', describe: 'with --method idqn|vdn: the agents that learn (cluster, parallelism, scheduler, resources, tuner), comma-separated, or all; the others keep their knobs' })
      .options(yargsOf(DQN_OPTIONS, 'DQN (defaults from the scenario, then the paper):'))
      .example('$0 train scenarios/paper-testbed.yaml --out models/policies/mine', "the scenario's own settings")
      .example('$0 train scenarios/paper-testbed.yaml --out models/policies/quick --episodes 100 --seed 3 --json', 'a shorter run, as JSON')
      .example('$0 train scenarios/diurnal-pool.yaml --method vdn --out models/policies/my-team --max-wall 60', 'five agents trained together (value decomposition), one minute at most')
      .example('$0 train scenarios/local-cluster.yaml --out models/policies/local-cluster-dqn --episodes 100', 'a policy for the local test cluster, to fine-tune on real Spark (sspe finetune --help)'),
  handler: async (args: ArgumentsCamelCase<TrainOptions>) => {
    if (args.method !== 'dqn') {
      const summary = await runTrainTeam(args);
      if (args.json) console.log(JSON.stringify(summary, null, 2));
      else {
        console.log(`trained ${summary.agents.join(', ')} (${args.method}) for ${plural(summary.episodes, 'episode')} (${plural(summary.env_steps, 'trial')}) in ${formatNumber(summary.wall_s)} s on ${summary.backend}${summary.stopped_early ? ' (stopped early)' : ''}; best greedy evaluation reward ${formatNumber(summary.best_eval_reward)}`);
        console.log(`policy: ${summary.policy}   next: sspe decide --policy ${summary.policy} --print-state-template`);
      }
      return;
    }
    const summary = await runTrain(args);
    if (args.json) console.log(JSON.stringify(summary, null, 2));
    else printTrainSummary(summary, args.scenario);
  },
};

export type TrainSummary = Awaited<ReturnType<typeof runTrain>>;

export function printTrainSummary(summary: TrainSummary, scenarioPath: string): void {
  console.log(
    `trained ${plural(summary.episodes, 'episode')} (${plural(summary.env_steps, 'trial')}) in ${formatNumber(summary.wall_s)} s on ${summary.backend}` +
      `${summary.stopped_early ? ' (stopped early)' : ''}; final mean reward ${formatNumber(summary.final_mean_reward)}`,
  );
  if (summary.best_episode !== null) {
    console.log(`saved the weights of episode ${summary.best_episode}: best greedy evaluation reward ${formatNumber(summary.best_eval_reward!)} (${summary.eval_env_steps} evaluation trials)`);
  }
  console.log(`policy: ${summary.policy}   next: sspe evaluate ${scenarioPath} --policy ${summary.policy}`);
}

/** The checks both kinds of training make before any work: --max-wall, and an --out that can be written and is empty or --force. */
function checkTrainArgs(args: TrainOptions): void {
  if (args.maxWall !== undefined && !(args.maxWall > 0)) throw new UserInputError(`--max-wall: expected a number of seconds > 0, got ${args.maxWall}`);
  // Before the training, not after it: a path that cannot be written fails now.
  checkOutputDir(args.out, '--out');
  if (existsSync(args.out) && readdirSync(args.out).length > 0 && !args.force) {
    throw new UserInputError(`--out: ${args.out} already holds files; pass --force to replace it`);
  }
}

/** Trains a team (IDQN or VDN) and saves the bundle; returns the summary that --json prints. */
export async function runTrainTeam(args: TrainOptions) {
  const scenario = await loadScenario(args.scenario);
  const dqn = dqnOptionsFrom(scenario, args);
  const agents = parseAgents(args.agents, scenario);
  checkTrainArgs(args);
  const seed = args.seed ?? scenario.seed;
  const method = args.method as TeamMethod;
  const { tf, backend } = await initTf({ backend: args.backend });
  const meta = { command: 'train', scenario: scenario.name, scenarioHash: scenarioHash(scenario), policy: args.out, seed, backend: 'simulated' as const };
  return withCommandRun({ runLog: args.runLog, meta, statusOf: (summary) => (summary.stopped_early ? 'interrupted' : 'ok') }, async () => {
    const interrupt = catchInterrupt('sspe train: stopping after this step and saving the team (Ctrl-C again to abort)');
    const bar = teamProgressBars(`train ${method}`, dqn.episodes, agents, {
      teamFormat: ' | eval reward {evaluation} | epsilon {epsilon}',
      agentFormat: method === 'vdn' ? ' | team TD loss {loss} | now {knobs}' : ' | TD loss {loss} | now {knobs}',
    });
    try {
      const team = await trainTeam({
        scenario,
        method,
        agents,
        dqn,
        seed,
        tf,
        maxWallMs: args.maxWall !== undefined ? args.maxWall * 1000 : undefined,
        shouldStop: () => interrupt.requested,
        onProgress: (p) => {
          bar.update(p.episode, { evaluation: formatNumber(p.evaluation), epsilon: p.epsilon.toFixed(3) });
          for (const [agent, a] of Object.entries(p.agents)) {
            bar.updateAgent(agent, { loss: Number.isNaN(a.loss) ? '-' : a.loss.toPrecision(3), knobs: Object.entries(a.knobs).map(([k, v]) => `${k} ${v}`).join(', ') });
          }
        },
      });
      bar.stop();
      const metadata = createTeamMetadata({
        name: basename(args.out),
        method,
        scenario,
        observation: team.env.episode.state.normalisation,
        agents: team.agents.map((agent) => ({ name: agent, features: [...team.env.partitions[agent]], encoding: team.env.actions(agent).encoding, actionCount: team.env.actionSpace(agent).n })),
        training: { seed, episodes: team.episodes, envSteps: team.envSteps, wallSeconds: team.wallMs / 1000, bestEvaluation: team.bestEvaluation },
      });
      await saveTeam(args.out, { metadata, models: Object.fromEntries(team.agents.map((a) => [a, team.networks[a].onlineNetwork])), tf, overwrite: true });
      team.dispose();
      return {
        policy: args.out,
        scenario: scenario.name,
        method,
        agents: team.agents,
        seed,
        backend,
        episodes: team.episodes,
        env_steps: team.envSteps,
        wall_s: team.wallMs / 1000,
        best_eval_reward: team.bestEvaluation,
        stopped_early: interrupt.requested,
      };
    } finally {
      bar.stop();
      interrupt.dispose();
    }
  });
}

/** Trains and saves; returns the summary that --json prints. */
export async function runTrain(args: TrainOptions) {
  const scenario = await loadScenario(args.scenario);
  const dqn = dqnOptionsFrom(scenario, args);
  checkTrainArgs(args);
  const seed = args.seed ?? scenario.seed;
  const { tf, backend } = await initTf({ backend: args.backend });
  const log = RunLog.open(args.runLog ?? runLogPath());
  const runId = log.startRun({ command: 'train', scenario: scenario.name, scenarioHash: scenarioHash(scenario), policy: args.out, seed, backend: 'simulated' });
  const interrupt = catchInterrupt('sspe train: stopping after this step and saving the policy (Ctrl-C again to abort)');
  const bar = progressBar('train', dqn.episodes, ' | reward {reward} | epsilon {epsilon}');
  const startedMs = performance.now();
  let lastCheckpointMs = startedMs;
  let saved = false;
  try {
    const result = await trainDqn({
      scenario,
      dqn,
      seed,
      tf,
      shouldStop: () => interrupt.requested,
      maxWallMs: args.maxWall !== undefined ? args.maxWall * 1000 : undefined,
      evaluation: dqn.evalEvery > 0 ? { everyEpisodes: dqn.evalEvery, fromEpisode: dqn.evalFrom } : undefined,
      onProgress: (p) => bar.update(p.episode, { reward: formatNumber(p.meanReward), epsilon: p.epsilon.toFixed(3) }),
      onTrials: (trials) => log.logTrials(runId, trials.map((t) => ({ ...t, policy: 'dqn-training' }))),
      onEpisodeEnd: async (agent, curves) => {
        // A checkpoint every few seconds: a crash or kill loses at most that much.
        if (performance.now() - lastCheckpointMs < 5000) return;
        lastCheckpointMs = performance.now();
        await saveCheckpoint({
          out: args.out,
          scenario,
          agent,
          curves,
          seed,
          episodes: curves.episodeMeanRewards.length,
          envSteps: curves.stepRewards.length * dqn.numEnvs,
          wallMs: lastCheckpointMs - startedMs,
          overwrite: true,
        });
        saved = true;
      },
    });
    bar.stop();
    await saveCheckpoint({
      out: args.out,
      scenario,
      agent: result.agent,
      curves: result.curves,
      seed,
      episodes: result.curves.episodeMeanRewards.length,
      envSteps: result.envSteps,
      wallMs: result.wallMs,
      overwrite: saved || args.force,
    });
    log.endRun(runId, result.stoppedEarly ? 'interrupted' : 'ok');
    const summary = {
      policy: args.out,
      scenario: scenario.name,
      seed,
      backend,
      episodes: result.curves.episodeMeanRewards.length,
      env_steps: result.envSteps,
      wall_s: result.wallMs / 1000,
      env_steps_per_s: result.envSteps / (result.wallMs / 1000),
      final_mean_reward: result.curves.episodeMeanRewards.slice(-dqn.numEnvs).reduce((a, b) => a + b, 0) / Math.min(dqn.numEnvs, Math.max(1, result.curves.episodeMeanRewards.length)),
      stopped_early: result.stoppedEarly,
      // The checkpoint saved: the best greedy evaluation's (null when none ran: the last weights).
      best_episode: result.best?.episode ?? null,
      best_eval_reward: result.best?.score ?? null,
      eval_env_steps: result.evaluationEnvSteps,
    };
    return summary;
  } catch (error) {
    log.endRun(runId, 'failed');
    throw error;
  } finally {
    bar.stop();
    interrupt.dispose();
    log.close();
  }
}
