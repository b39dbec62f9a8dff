import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UserInputError } from '../../errors.js';
import { readActionsFile, rollout } from '../../serve/rollout.js';
import { ENV_SPEC_FLAGS, envSpecFrom, type EnvSpecArgs } from '../env-spec-flags.js';
import type { GlobalOptions } from '../options.js';
import { formatNumber, formatTable } from '../table.js';

interface RolloutOptions extends GlobalOptions, EnvSpecArgs {
  actions: string;
}

export const rolloutCommand = {
  command: 'rollout <scenario>',
  describe: 'Run one episode in-process with a seed and a file of actions; print its trajectory hash (the one sspe_gym computes from serve-env)',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML file, e.g. scenarios/paper-testbed.yaml' })
      .options(ENV_SPEC_FLAGS)
      .option('actions', {
        type: 'string',
        demandOption: true,
        describe: 'JSON file: an array of actions, one per step: integers, or {agent: integer} objects with --agents (the rollout stops early if the episode ends)',
      })
      .example(`echo '[13, 13, 14]' > actions.json && $0 rollout scenarios/paper-testbed.yaml --seed 7 --actions actions.json`, 'three steps from seed 7: stay, stay, one more executor (delta encoding)')
      .example(`echo '[13, 13, 14]' > actions.json && $0 rollout scenarios/paper-testbed.yaml --seed 7 --actions actions.json --json`, 'the same, as JSON'),
  handler: async (args: ArgumentsCamelCase<RolloutOptions>) => {
    if (args.seed === undefined) throw new UserInputError('--seed: expected the seed to reset with, an integer >= 0, got nothing');
    const env = await envSpecFrom(args);
    const source = `--actions ${args.actions}`;
    const actions = readActionsFile(args.actions, source);
    const result = await rollout({ env, seed: args.seed, actions, source });
    const json = {
      scenario: env.scenario.name,
      kind: result.kind,
      agents: env.agents ?? null,
      encoding: env.encoding ?? env.scenario.learning.env.encoding,
      seed: args.seed,
      steps: result.steps,
      total_reward: result.totalReward,
      episode_ended: result.episodeEnded,
      trajectory_hash: result.trajectoryHash,
    };
    if (args.json) {
      console.log(JSON.stringify(json));
      return;
    }
    console.log(
      formatTable(
        ['field', 'value'],
        [
          ['scenario', `${json.scenario} (${json.kind}${json.agents !== null ? `: ${json.agents.join(', ')}` : ''}, ${json.encoding} encoding)`],
          ['seed', String(json.seed)],
          ['steps', `${json.steps} of ${actions.length} actions${json.episode_ended ? ' (the episode ended)' : ''}`],
          ['total reward', formatNumber(json.total_reward)],
          ['trajectory hash', json.trajectory_hash],
        ],
      ),
    );
  },
};
