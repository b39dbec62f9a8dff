import type { Env } from './env.js';

/**
 * Runs any environment through the contract every one must keep (after
 * Gymnasium's check_env): observations inside the declared space, masks of the
 * right length with at least one allowed action, finite rewards, truncation at
 * the episode limit, and the same seed giving the same episode.
 */
export async function checkEnv<Info>(env: Env<Float32Array, number, Info>, options: { steps: number; seed: number | string }): Promise<void> {
  const run = async () => {
    const trace: number[] = [];
    const { observation } = await env.reset({ seed: options.seed });
    expect(env.observationSpace.contains(observation), `reset observation outside the observation space: [${Array.from(observation).join(', ')}]`);
    for (let i = 0; i < options.steps; i++) {
      const mask = env.actionMask();
      expect(mask.length === env.actionSpace.n, `expected an action mask of length ${env.actionSpace.n}, got ${mask.length}`);
      const allowed = [...mask.keys()].filter((a) => mask[a] === 1);
      expect(allowed.length > 0, `step ${i}: every action is masked`);
      // A fixed, seed-independent walk through the allowed actions.
      const action = allowed[(i * 7) % allowed.length];
      const result = await env.step(action);
      expect(env.observationSpace.contains(result.observation), `step ${i}: observation outside the observation space: [${Array.from(result.observation).join(', ')}]`);
      expect(Number.isFinite(result.reward), `step ${i}: expected a finite reward, got ${result.reward}`);
      trace.push(result.reward, ...result.observation);
      if (result.terminated || result.truncated) break;
    }
    return trace;
  };
  const first = await run();
  const second = await run();
  expect(
    first.length === second.length && first.every((x, i) => Object.is(x, second[i])),
    'the same seed gave a different episode: the environment is not deterministic',
  );
}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`checkEnv: ${message}`);
}
