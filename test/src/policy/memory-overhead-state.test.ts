/**
 * A team policy on a scenario that declares the memory-overhead knob takes
 * it in its decide state under the knob's run-log column (memory_overhead_mb)
 * and its Resource Allocator observes it; nothing here is written for the
 * knob: it all follows from the knob table.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { observationNormalisationFor } from '../../../src/env/config-episode.js';
import { partitionOf } from '../../../src/managers/state-partitions.js';
import { createTeamMetadata } from '../../../src/policy/team-artifact.js';
import { parseTeamState, teamStateTemplate } from '../../../src/policy/team-decide.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { declaredKnobs } from '../../../src/space/grid.js';
import { MINIMAL_YAML, edit, tempFiles } from '../scenario/fixtures.js';

function scenarioWithOverhead() {
  const text = edit(MINIMAL_YAML, '  executorInstances: { min: 5, max: 8 }\n', '  executorInstances: { min: 5, max: 8 }\n  executorMemoryOverheadMb: { min: 384, max: 1024 }\n');
  const dir = tempFiles({ 'scenario.yaml': text });
  return parseScenario(text, { file: join(dir, 'scenario.yaml') });
}

describe('the decide state of a team that owns the memory overhead', () => {
  const scenario = scenarioWithOverhead();
  const declared = declaredKnobs(scenario.actionSpace).map((k) => k.name);
  const features = partitionOf('resources', declared);
  const metadata = createTeamMetadata({
    name: 'overhead',
    method: 'idqn',
    scenario,
    observation: { ...observationNormalisationFor(scenario), features },
    agents: [{ name: 'resources', features, encoding: 'delta', actionCount: 3 ** 3 }],
    training: { seed: 1, episodes: 0, envSteps: 0, wallSeconds: 0, bestEvaluation: 0 },
  });

  it("shows the knob to the Resource Allocator and asks for it as config.memory_overhead_mb, starting at the scenario's value", () => {
    expect(features).toContain('memory_overhead_mb');
    const template = teamStateTemplate(metadata);
    expect(template.config).toMatchObject({ cores: 2, memory_mb: 500, memory_overhead_mb: 384 });
    expect(parseTeamState({ ...template, config: { ...template.config, memory_overhead_mb: 640 } }, metadata, { file: 'state.json' }).config.memory_overhead_mb).toBe(640);
  });

  it('refuses an overhead off the grid in one line naming the field', () => {
    const template = teamStateTemplate(metadata);
    expect(() => parseTeamState({ ...template, config: { ...template.config, memory_overhead_mb: 400 } }, metadata, { file: 'state.json' })).toThrow(
      /^state\.json: config\.memory_overhead_mb: expected an integer in \[384, 1024\] in steps of 128 from 384 \(the policy's executorMemoryOverheadMb\), got 400$/,
    );
  });
});
