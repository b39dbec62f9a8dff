import type { Argv, ArgumentsCamelCase } from 'yargs';
import { initTf } from '../../agents/tf.js';
import { describeActionSpace, loadPolicy } from '../../policy/artifact.js';
import { decide, readDecideState, type DecideConfig } from '../../policy/decide.js';
import { formatNumber, formatTable } from '../table.js';
import type { GlobalOptions } from '../options.js';

interface DecideOptions extends GlobalOptions {
  policy: string;
  state: string;
  backend: 'wasm' | 'cpu';
}

export const decideCommand = {
  command: 'decide',
  describe: 'Ask a saved policy for the next configuration, given the load, the configuration now and the last measurements',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .option('policy', { type: 'string', demandOption: true, describe: 'policy folder (model.json, weights.bin, policy.json), e.g. models/paper-dqn' })
      .option('state', {
        type: 'string',
        demandOption: true,
        describe: "state JSON: {fps, config: {cores, memory_mb, instances}, last?: {per_frame_ms: {mean, p95}, cpu_util, …}}; --state=- reads standard input",
      })
      .option('backend', { type: 'string', choices: ['wasm', 'cpu'] as const, default: 'wasm' as const, describe: 'TensorFlow.js backend for the forward pass' })
      .example('$0 decide --policy models/paper-dqn --state state.json', 'the next configuration, as a table')
      .example('echo \'{"fps":40,"config":{"cores":2,"memory_mb":1024,"instances":3}}\' | $0 decide --policy models/paper-dqn --state=- --json', 'as JSON, state from a pipe'),
  handler: async (args: ArgumentsCamelCase<DecideOptions>) => {
    const { tf, backend } = await initTf({ backend: args.backend });
    const policy = await loadPolicy(args.policy, { tf });
    const state = readDecideState(args.state, policy.metadata);
    const decision = decide(policy, state);
    if (args.json) {
      console.log(JSON.stringify({ policy: args.policy, backend, state, ...decision }, null, 2));
      return;
    }
    const m = policy.metadata;
    const now = state.config;
    const next = decision.config;
    const change = (key: keyof DecideConfig) => (next[key] === now[key] ? '' : `${next[key] > now[key] ? '+' : ''}${next[key] - now[key]}`);
    console.log(`policy ${args.policy} ('${m.name}', ${describeActionSpace(m.actionSpace)}) at ${formatNumber(state.fps)} fps`);
    console.log(
      formatTable(
        ['knob', 'now', 'next', 'change'],
        (['cores', 'memory_mb', 'instances'] as const).map((key) => [key, now[key], next[key], change(key)]),
      ),
    );
    const q = decision.q_values[decision.action];
    console.log(
      `action ${decision.action} (Q ${formatNumber(q)}; ${decision.masked.length} of ${decision.q_values.length} actions masked), ` +
        `decided in ${formatNumber(decision.decide_ms)} ms on ${backend}`,
    );
  },
};
