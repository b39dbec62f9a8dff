/**
 * The README.md a team bundle carries: what each agent owns, sees and
 * answers, and how to ask the bundle for a decision. Derived from the
 * bundle's own metadata and the knob table, so it cannot drift from them.
 */
import { AGENT_TITLES } from '../space/knobs.js';
import { declaredKnobs, domainText, type DeclaredKnob } from '../space/grid.js';
import type { TeamMetadata } from './team-artifact.js';

function actionsText(encoding: 'delta' | 'absolute', actionCount: number, knobs: readonly DeclaredKnob[]): string {
  const names = knobs.map((k) => `\`${k.declaration.column}\``).join(', ');
  if (encoding === 'absolute') {
    return (
      `${actionCount} actions, \`absolute\`: action \`a\` is a point of the grid over ${names}, ` +
      "the first knob outermost, each knob's values in the table's order, ranges from low to high (the last knob changes fastest)."
    );
  }
  return (
    `${actionCount} actions, \`delta\`: action \`a\` moves each of ${names} by −1, 0 or +1 grid steps, ` +
    'read as base-3 digits of `a` (the last knob is the lowest digit; digit − 1 is the move). ' +
    `Action ${(actionCount - 1) / 2} keeps them. A move that leaves a knob's grid is not allowed.`
  );
}

export function teamReadme(m: TeamMetadata): string {
  const knobs = declaredKnobs(m.space.actionSpace);
  const agents = m.agents.map((agent) => {
    const own = knobs.filter((k) => k.declaration.agent === agent.name);
    return `### \`${agent.name}\` — ${AGENT_TITLES[agent.name]}

| knob (state field) | values |
|---|---|
${own.map((k) => `| \`${k.declaration.column}\` | ${domainText(k.domain)} |`).join('\n')}

Output: ${actionsText(agent.encoding, agent.actionCount, own)}
Input: ${agent.features.length} features, each scaled to [0, 1]: ${agent.features.map((f) => `\`${f}\``).join(', ')}.
Files: \`${agent.name}/model.json\`, \`${agent.name}/weights.bin\` (tfjs layers-model; take the argmax of the Q-values over the allowed actions).`;
  });
  return `# Team policy \`${m.name}\`

${m.agents.length} agents trained together (${m.method.toUpperCase()}) on scenario \`${m.scenario.name}\`
(sha256 ${m.scenario.hash}), seed ${String(m.training.seed)}: ${m.training.episodes} episodes,
${m.training.envSteps} environment steps. Each agent owns some of the configuration's knobs and
sees its own part of the state; the configuration is what all of them chose.

## Ask it for a decision

\`sspe decide --policy <this folder> --print-state-template > state.json\` prints a valid state
(the load, every knob below by its field name, and optionally the last window's outcome);
\`sspe decide --policy <this folder> --state state.json --json\` answers the joint configuration
and each agent's action. \`team.json\` holds everything else: the action space, the node shapes
and Spark defaults the action masks need, the observation scaling (maxFps = ${m.observation.maxFps},
SLO = ${m.observation.sloPerFrameMs} ms per frame, latencyScale = ${m.observation.latencyScale}).

## The agents

${agents.join('\n\n')}
`;
}
