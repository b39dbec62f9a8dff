import { isTeamBundle, loadTeam } from '../../policy/team-artifact.js';
import { decideTeam, parseTeamState, teamStateTemplate } from '../../policy/team-decide.js';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { initTf } from '../../agents/tf.js';
import { UserInputError } from '../../errors.js';
import { describeActionSpace, loadPolicy, type PolicyMetadata } from '../../policy/artifact.js';
import { DECIDE_STATE_FIELDS, DECIDE_STATE_VERSION, decide, readDecideState, readStateJson, stateTemplate, type DecideConfig } from '../../policy/decide.js';
import { formatValue } from '../../scenario/schema.js';
import { formatNumber, formatTable } from '../table.js';
import type { GlobalOptions } from '../options.js';

interface DecideOptions extends GlobalOptions {
  policy?: string;
  state?: string;
  backend: string;
  printStateTemplate?: boolean;
}

const SHIPPED_POLICY = 'models/policies/paper-testbed-dqn';

// Checked here rather than with yargs `choices`, so the message has the CLI's one format.
function checkBackend(value: string): 'wasm' | 'cpu' {
  if (value === 'wasm' || value === 'cpu') return value;
  throw new UserInputError(`--backend: expected wasm or cpu, got ${formatValue(value)}`);
}

export const decideCommand = {
  command: 'decide',
  describe: 'Ask a saved policy for the next configuration, given the load, the configuration now and the last measurements',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .option('policy', { type: 'string', describe: `policy folder (model.json, weights.bin, policy.json), e.g. ${SHIPPED_POLICY}` })
      .option('state', {
        type: 'string',
        describe: `state JSON, format version ${DECIDE_STATE_VERSION} (below); --state=- reads standard input`,
      })
      .option('print-state-template', {
        type: 'boolean',
        default: false,
        describe: "print a valid state JSON (for --policy's action space, else the paper testbed's) and exit",
      })
      .option('backend', { type: 'string', default: 'wasm', describe: 'TensorFlow.js backend for the forward pass: wasm or cpu' })
      .check((args) => {
        if (!args.printStateTemplate && (args.policy === undefined || args.state === undefined)) {
          const missing = [args.policy === undefined ? '--policy' : '', args.state === undefined ? '--state' : ''].filter((f) => f !== '');
          throw new UserInputError(`${missing.join(', ')}: required, got nothing (or --print-state-template for a state to start from)`);
        }
        return true;
      })
      .example(`$0 decide --print-state-template > state.json`, 'a valid state to edit')
      .example(`$0 decide --policy ${SHIPPED_TEAM} --print-state-template`, "a state for the five-agent team's knobs (node_count, cores, memory_mb, instances, placement, serializer)")
      .example(`$0 decide --policy ${SHIPPED_POLICY} --state state.json`, 'the next configuration, as a table')
      .example(
        `echo '{"fps":40,"config":{"cores":2,"memory_mb":800,"instances":6}}' | $0 decide --policy ${SHIPPED_POLICY} --state=- --json`,
        'as JSON, state from a pipe (no measurement yet)',
      )
      .epilogue(
        `State format, version ${DECIDE_STATE_VERSION} (unknown fields are refused):\n` +
          DECIDE_STATE_FIELDS.map(([field, meaning]) => `  ${field}: ${meaning}`).join('\n'),
      ),
  handler: async (args: ArgumentsCamelCase<DecideOptions>) => {
    const backendName = checkBackend(args.backend);
    if (args.policy !== undefined && isTeamBundle(args.policy)) {
      await decideWithTeam(args, backendName);
      return;
    }
    if (args.printStateTemplate) {
      let space: PolicyMetadata['actionSpace'] | undefined;
      if (args.policy !== undefined) {
        const { tf } = await initTf({ backend: backendName });
        space = (await loadPolicy(args.policy, { tf })).metadata.actionSpace;
      }
      console.log(JSON.stringify(stateTemplate(space), null, 2));
      return;
    }
    const { tf, backend } = await initTf({ backend: backendName });
    const policy = await loadPolicy(args.policy as string, { tf });
    const state = readDecideState(args.state as string, policy.metadata);
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

/** The five-agent bundle shipped with the project (trained on scenarios/diurnal-pool.yaml). */
const SHIPPED_TEAM = 'models/policies/diurnal-pool-vdn';

/** A team bundle: one joint decision (each agent's choice of its own knobs). */
async function decideWithTeam(args: ArgumentsCamelCase<DecideOptions>, backendName: 'wasm' | 'cpu'): Promise<void> {
  const { tf } = await initTf({ backend: backendName });
  const team = await loadTeam(args.policy as string, { tf });
  if (args.printStateTemplate) {
    console.log(JSON.stringify(teamStateTemplate(team.metadata), null, 2));
    return;
  }
  const file = args.state === '-' ? 'standard input' : (args.state as string);
  const raw = readStateJson(args.state as string);
  const state = parseTeamState(raw, team.metadata, { file });
  const decision = decideTeam(team, state);
  if (args.json) {
    console.log(JSON.stringify({ policy: args.policy, method: team.metadata.method, state, config: decision.config, agents: decision.agents, decide_ms: decision.decisionMs }, null, 2));
    return;
  }
  console.log(`team ${args.policy} ('${team.metadata.name}', ${team.metadata.method}: ${team.metadata.agents.map((a) => a.name).join(', ')}) at ${formatNumber(state.fps)} fps`);
  const owner = new Map(Object.entries(decision.agents).flatMap(([agent, d]) => Object.keys(d.knobs).map((k) => [k, agent] as const)));
  console.log(
    formatTable(
      ['knob', 'agent', 'now', 'next'],
      Object.keys(decision.config).map((key) => [key, owner.get(key) ?? '-', String(state.config[key]), String(decision.config[key])]),
    ),
  );
  console.log(`decided in ${formatNumber(decision.decisionMs)} ms`);
}
