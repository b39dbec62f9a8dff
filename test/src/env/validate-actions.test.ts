import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.js';
import { InvalidActionsError } from '../../../src/env/validate-actions.js';
import { ToyParallelEnv } from './toy-parallel-env.js';

/** The error a step with these actions throws, after `steps` valid joint steps. */
async function rejection(actions: unknown, options: { reset?: boolean; steps?: number } = {}): Promise<InvalidActionsError> {
  const env = new ToyParallelEnv();
  if (options.reset ?? true) await env.reset({ seed: 1 });
  // Valid joint steps: 'left' avoids step % 3, 'right' keeps 1 in its second dimension.
  for (let i = 0; i < (options.steps ?? 0); i++) {
    const live = env.agents;
    await env.step(Object.fromEntries(live.map((agent) => [agent, agent === 'left' ? (i + 1) % 3 : [0, 1]])));
  }
  const error = await env.step(actions as never).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidActionsError);
  return error as InvalidActionsError;
}

describe('validateActions (through a ParallelEnv that uses it)', () => {
  it.each<[string, unknown, { reset?: boolean; steps?: number }, string | null, string]>([
    ['an unknown agent', { left: 1, right: [0, 1], bogus: 1 }, {}, 'bogus', "actions: unknown agent 'bogus'; allowed: left, right"],
    ['a missing agent', { left: 1 }, {}, 'right', "actions: no action for live agent 'right'; expected one for each of: left, right"],
    ['an action outside a Discrete space', { left: 5, right: [0, 1] }, {}, 'left', 'actions.left: expected an action in Discrete(3), got 5'],
    ['an action outside a MultiDiscrete space', { left: 1, right: [0, 3] }, {}, 'right', 'actions.right: expected an action in MultiDiscrete([2, 3]), got [0,3]'],
    ['a missing action value', { left: undefined, right: [0, 1] }, {}, 'left', 'actions.left: expected an action in Discrete(3), got undefined'],
    ['a masked Discrete action', { left: 0, right: [0, 1] }, {}, 'left', 'actions.left: action 0 is masked; allowed: 1, 2'],
    ['a masked MultiDiscrete action', { left: 2, right: [1, 0] }, { steps: 1 }, 'right', 'actions.right: action [1,0] is masked; allowed: [0, 1] × [1, 2]'],
    ['an action for a terminated agent', { left: 1, right: [0, 1] }, { steps: 3 }, 'right', "actions: agent 'right' is done (terminated or truncated) and acts no more this episode; live agents: left"],
    ['actions before reset', { left: 1, right: [0, 1] }, { reset: false }, null, 'actions: no live agents; call reset() first (again once every agent is done)'],
    ['actions after every agent is done', {}, { steps: 5 }, null, 'actions: no live agents; call reset() first (again once every agent is done)'],
    ['a number instead of a map', 3, {}, null, 'actions: expected an object with one action per live agent (left, right), got 3'],
    ['a list instead of a map', [1, [0, 1]], {}, null, 'actions: expected an object with one action per live agent (left, right), got [1,[0,1]]'],
  ])('rejects %s with one line naming the agent and what is allowed', async (_what, actions, options, agent, message) => {
    const error = await rejection(actions, options);
    expect(error.message).toBe(message);
    expect(error.agent).toBe(agent);
    expect(error).toBeInstanceOf(UserInputError);
    expect(error.exitCode).toBe(2);
  });

  it('rejects before the environment changes: the episode goes on as if the bad map never came', async () => {
    const probed = new ToyParallelEnv();
    const clean = new ToyParallelEnv();
    await probed.reset({ seed: 4 });
    await clean.reset({ seed: 4 });
    await expect(probed.step({ left: 1 })).rejects.toThrow(InvalidActionsError);
    const actions = { left: 1, right: [0, 1] };
    expect(await probed.step(actions)).toEqual(await clean.step(actions));
  });
});
