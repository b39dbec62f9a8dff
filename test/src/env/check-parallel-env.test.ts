import { describe, expect, it } from 'vitest';
import { checkParallelEnv, ParallelEnvCheckError } from '../../../src/env/check-parallel-env.js';
import { ToyParallelEnv, type Flaw } from './toy-parallel-env.js';

describe('checkParallelEnv', () => {
  it('passes a correct two-agent environment over several episodes (one agent terminates early, masks change every step)', async () => {
    await checkParallelEnv(new ToyParallelEnv(), { cycles: 12, seed: 7 });
  });

  it('rejects a cycle count that would check nothing', async () => {
    await expect(checkParallelEnv(new ToyParallelEnv(), { cycles: 0, seed: 7 })).rejects.toThrow('expected a positive integer cycles, got 0');
  });

  // One deliberately broken environment per rule: the check it fails, the agent it names, the message.
  it.each<[Flaw, string, string | null, RegExp]>([
    ['ghost-agent', 'agents-subset', 'ghost', /episode 0 reset: agent 'ghost' is live but not among possibleAgents \(left, right\)/],
    ['no-agents-after-reset', 'reset', null, /episode 0 reset: no live agents after reset/],
    ['changing-possible-agents', 'possible-agents', null, /episode 1 reset: possibleAgents changed from left, right to right, left/],
    ['missing-reward', 'keys', 'right', /episode 0 cycle 0: rewards has no entry for agent 'right' \(expected exactly: left, right\)/],
    ['observation-for-done-agent', 'keys', 'right', /episode 0 cycle 3: observations has an entry for agent 'right', which did not act \(expected exactly: left\)/],
    ['reset-info-for-absent-agent', 'keys', 'right', /episode 0 reset: infos has an entry for agent 'right', which is not live \(expected exactly: left\)/],
    ['observation-outside', 'observation-in-space', 'left', /episode 0 cycle 1: observation of agent 'left' is outside Box\(0, 1, \[2\]\): \[1.5, 0\]/],
    ['fresh-observation-space', 'space-identity', 'left', /observationSpace\('left'\) returned a different object than before/],
    ['fresh-action-space', 'space-identity', 'right', /actionSpace\('right'\) returned a different object than before/],
    ['fresh-state-space', 'space-identity', null, /stateSpace returned a different object than before/],
    ['nan-reward', 'reward-finite', 'left', /episode 0 cycle 1: expected a finite reward for agent 'left', got NaN/],
    ['numeric-flag', 'flags-boolean', 'left', /episode 0 cycle 0: expected a boolean termination for agent 'left', got 0/],
    ['zombie', 'dead-stays-dead', 'right', /episode 0 cycle 3: agent 'right' is live again after it was done in this episode/],
    ['done-stays-live', 'agents-after-step', 'right', /episode 0 cycle 2: agent 'right' is done but still in agents/],
    ['silent-leave', 'agents-after-step', 'left', /episode 0 cycle 0: agent 'left' left agents without being terminated or truncated/],
    ['state-outside', 'state-in-space', null, /episode 0 reset: state\(\) is outside Box\(0, 1, \[4\]\)/],
    ['short-mask', 'action-mask', 'left', /episode 0 reset: info.actionMask of agent 'left': expected a mask of length 3 for Discrete\(3\), got 2/],
    ['empty-mask', 'action-mask', 'left', /episode 0 cycle 0: info.actionMask of agent 'left': the mask allows no choice of Discrete\(3\)/],
    ['mask-not-uint8', 'action-mask', 'left', /episode 0 reset: info.actionMask of agent 'left' must be a Uint8Array, got \[0,1,1\]/],
    ['mask-on-box', 'action-mask', 'left', /episode 0 reset: info of agent 'left' carries an actionMask, but its action space Box\(0, 1, \[2\]\) takes no mask/],
    ['sample-ignores-mask', 'sampled-action', 'left', /Discrete\(3\) of agent 'left' sampled \d, which its mask forbids \(allowed: \d, \d\)/],
    ['no-validation', 'rejects-bad-actions', null, /episode 0 reset: step\(\) threw TypeError: .* instead of an InvalidActionsError for an action map missing a live agent; check action maps with validateActions/],
    ['step-throws', 'step', null, /episode 0 cycle 2: step\(\) threw: the toy broke/],
    ['nondeterministic', 'determinism', 'left', /the same seed gave a different walk at episode 0 cycle 0 reward\/terminated\/truncated of agent 'left'/],
  ])('fails an environment with the flaw %s on the rule %s', async (flaw, check, agent, message) => {
    const error = await checkParallelEnv(new ToyParallelEnv({ flaw }), { cycles: 12, seed: 7 }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ParallelEnvCheckError);
    const failure = error as ParallelEnvCheckError;
    expect(failure.message).toMatch(message);
    expect(failure.message.startsWith(`checkParallelEnv: ${check}: `)).toBe(true);
    expect([failure.check, failure.agent]).toEqual([check, agent]);
  });
});
