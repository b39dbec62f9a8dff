/**
 * A fresh process that loads a policy and decides, as the bridge would: run by
 * decide-process.test.ts from its compiled copy (dist/test/src/policy/).
 *
 *   node decide-child.js <policyDir> <state.json> [wasm|cpu] [repeat]
 *
 * Prints the decision as JSON; with `repeat`, also decides that many more
 * times (after a warm-up) and prints the latency quantiles. Bad input: one line on stderr, exit 2.
 */
import { initTf } from '../../../src/agents/tf.js';
import { UserInputError } from '../../../src/errors.js';
import { loadPolicy } from '../../../src/policy/artifact.js';
import { decide, readDecideState } from '../../../src/policy/decide.js';

async function run(): Promise<void> {
  const [policyDir, statePath, backend = 'wasm', repeat = '0'] = process.argv.slice(2);
  const startedMs = performance.now();
  const { tf } = await initTf({ backend: backend as 'wasm' | 'cpu' });
  const policy = await loadPolicy(policyDir, { tf });
  const state = readDecideState(statePath, policy.metadata);
  const decision = decide(policy, state);
  const firstMs = performance.now() - startedMs;
  const times: number[] = [];
  // Warm the JIT and the wasm module first: the first calls measure compilation, not deciding.
  for (let i = 0; i < Math.min(200, Number(repeat)); i++) decide(policy, state);
  for (let i = 0; i < Number(repeat); i++) times.push(decide(policy, { ...state, fps: state.fps + (i % 7) }).decide_ms);
  times.sort((a, b) => a - b);
  const q = (p: number) => (times.length === 0 ? null : times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]);
  console.log(JSON.stringify({ ...decision, backend: tf.getBackend(), first_ms: firstMs, latency: { n: times.length, p50: q(0.5), p99: q(0.99), max: q(1) } }));
}

run().catch((error: unknown) => {
  if (error instanceof UserInputError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
