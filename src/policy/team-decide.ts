/**
 * One joint decision from a team bundle: each agent builds its own
 * observation from the reported state, picks its best allowed action over its
 * own knobs, and the answer is the configuration all of them chose. Works
 * from the bundle alone (no scenario, no training code, no tensors: the
 * networks' forward passes run in plain JavaScript).
 */
import { z } from 'zod';
import { maskedArgmax } from '../agents/masked-choice.js';
import { AgentActions } from '../env/agent-actions.js';
import { UserInputError } from '../errors.js';
import { ConfigurationManager } from '../managers/configuration.js';
import { StateManager } from '../managers/state.js';
import { MAX_FPS, fallbackError, formatPath, formatValue, toProblem, type Scenario } from '../scenario/schema.js';
import { declaredKnobs, domainText, onDomain, type KnobPoint } from '../space/grid.js';
import type { AgentName, KnobValue } from '../space/knobs.js';
import { denseForward, denseLayersOf } from './dense-forward.js';
import { DECIDE_STATE_VERSION, LAST_SCHEMA, toOutcome, type DecideLast } from './decide.js';
import type { LoadedTeam, TeamMetadata } from './team-artifact.js';

/** A team state: the load, every declared knob by its run-log column, the last window. */
export interface TeamState {
  version?: number;
  fps: number;
  config: Record<string, KnobValue>;
  last?: DecideLast | null;
}

export interface TeamDecision {
  /** The next configuration, by run-log column. */
  config: Record<string, KnobValue>;
  /** What each agent chose: its action and its knobs' values. */
  agents: Record<string, { action: number; knobs: Record<string, KnobValue> }>;
  /** Wall time of the joint decision, ms. */
  decisionMs: number;
}

function configurationFor(metadata: TeamMetadata): ConfigurationManager {
  // The masks need only the action space, the node shapes and the Spark defaults the bundle saved.
  const scenario = { actionSpace: metadata.space.actionSpace, cluster: metadata.space.cluster, spark: metadata.space.spark } as unknown as Scenario;
  return new ConfigurationManager(scenario, 'absolute');
}

function teamStateSchema(metadata: TeamMetadata) {
  const knobs = declaredKnobs(metadata.space.actionSpace);
  const config = Object.fromEntries(
    knobs.map((k) => {
      const what = `${domainText(k.domain)} (the policy's ${k.name})`;
      return [k.declaration.column, z.union([z.number(), z.string()], { error: () => `expected ${what}` }).refine((v) => onDomain(k.domain, v), { error: (issue) => `expected ${what}, got ${formatValue(issue.input)}` })];
    }),
  );
  return z.strictObject(
    {
      version: z.literal(DECIDE_STATE_VERSION).optional(),
      fps: z.number().min(0).max(MAX_FPS),
      config: z.strictObject(config, { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field '${issue.keys[0]}'; allowed: ${knobs.map((k) => k.declaration.column).join(', ')}` : `expected a configuration {${knobs.map((k) => k.declaration.column).join(', ')}}`) }),
      last: LAST_SCHEMA.nullable().optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field '${issue.keys[0]}'; allowed: version, fps, config, last` : 'expected a state {version?, fps, config, last?}') },
  );
}

/** Validates a team state; errors name the field: "<file>: config.node_count: expected an integer in [1, 6], got 9". */
export function parseTeamState(value: unknown, metadata: TeamMetadata, options: { file: string }): TeamState {
  const parsed = teamStateSchema(metadata).safeParse(value, { error: fallbackError });
  if (!parsed.success) {
    const problem = toProblem(parsed.error.issues[0]);
    throw new UserInputError(`${options.file}: ${problem.path.length > 0 ? `${formatPath(problem.path)}: ` : ''}${problem.message}`, { cause: parsed.error });
  }
  return parsed.data as TeamState;
}

/** A state every field of which holds a valid example (for --print-state-template). */
export function teamStateTemplate(metadata: TeamMetadata): TeamState {
  const knobs = declaredKnobs(metadata.space.actionSpace);
  const spark = metadata.space.spark as unknown as Record<string, KnobValue>;
  const start: Record<string, KnobValue> = {};
  for (const k of knobs) {
    const value = k.name === 'nodeCount' ? metadata.space.cluster.nodes.length : k.name === 'placement' ? metadata.space.cluster.placement : spark[k.name];
    start[k.declaration.column] = onDomain(k.domain, value) ? value : k.values[0];
  }
  return { version: DECIDE_STATE_VERSION, fps: metadata.observation.maxFps, config: start, last: null };
}

export function decideTeam(team: LoadedTeam, state: TeamState, options: { nowMs?: () => number } = {}): TeamDecision {
  const now = options.nowMs ?? (() => performance.now());
  const started = now();
  const { metadata } = team;
  const configuration = configurationFor(metadata);
  const knobs = declaredKnobs(metadata.space.actionSpace);
  const point = Object.fromEntries(knobs.map((k) => [k.name, state.config[k.declaration.column]])) as KnobPoint;
  configuration.set(point);
  const stateManager = new StateManager(metadata.observation);
  const input = { fps: state.fps, config: configuration.config, last: state.last == null ? null : toOutcome(state.last) };
  let next: Record<string, KnobValue> = { ...point };
  const agents: TeamDecision['agents'] = {};
  for (const agent of metadata.agents) {
    const model = team.models[agent.name as AgentName];
    const layers = denseLayersOf(model);
    if (layers === null) throw new UserInputError(`${team.dir}/${agent.name}/model.json: expected a stack of Dense layers (ReLU or linear)`);
    const observation = stateManager.observe(input, agent.features);
    const actions = new AgentActions(agent.name, configuration, agent.encoding);
    const action = maskedArgmax(denseForward(layers, observation), actions.mask());
    const chosen = actions.target(action) as Record<string, KnobValue>;
    next = { ...next, ...chosen };
    agents[agent.name] = { action, knobs: Object.fromEntries(actions.knobs.map((k) => [k.declaration.column, chosen[k.name]])) };
  }
  const config = Object.fromEntries(knobs.map((k) => [k.declaration.column, next[k.name]]));
  return { config, agents, decisionMs: now() - started };
}
