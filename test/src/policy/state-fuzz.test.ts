/**
 * Property: whatever a state file for `sspe decide` holds, readDecideState
 * returns a state the policy can decide from or throws one UserInputError
 * line; never another error, a stack or a multi-line message. Inputs: the
 * state template with one field mutated, random JSON values, deep nesting,
 * and the template's text with bytes edited.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.js';
import { parseMetadata } from '../../../src/policy/artifact.js';
import { inActionSpace, readDecideState, stateTemplate } from '../../../src/policy/decide.js';

const POLICY_JSON = new URL('../../../models/policies/paper-testbed-dqn/policy.json', import.meta.url);
const metadata = parseMetadata(JSON.parse(readFileSync(POLICY_JSON, 'utf8')), POLICY_JSON.pathname);
const TEMPLATE = stateTemplate(metadata.actionSpace);
const TEMPLATE_TEXT = JSON.stringify(TEMPLATE, null, 2);
const dir = mkdtempSync(join(tmpdir(), 'sspe-state-fuzz-'));
const file = join(dir, 'state.json');

type Outcome = 'valid' | 'clean' | 'crash';
const counts: Record<Outcome, number> = { valid: 0, clean: 0, crash: 0 };
const crashes: string[] = [];

function tryRead(text: string): Outcome {
  writeFileSync(file, text);
  try {
    const state = readDecideState(file, metadata);
    // A state that parses must be one decide can act on.
    if (!inActionSpace(metadata, state.config)) throw new Error(`accepted a configuration outside the action space: ${JSON.stringify(state.config)}`);
    return 'valid';
  } catch (error) {
    if (error instanceof UserInputError && !error.message.includes('\n') && error.message.length < 600) return 'clean';
    crashes.push(`${error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error)} <- ${JSON.stringify(text.slice(0, 200))}`);
    return 'crash';
  }
}

function record(text: string): boolean {
  const outcome = tryRead(text);
  counts[outcome]++;
  return outcome !== 'crash';
}

const FIELD_PATHS: string[][] = [
  ['version'], ['fps'], ['config'], ['config', 'cores'], ['config', 'memory_mb'], ['config', 'instances'], ['last'],
  ...Object.keys(TEMPLATE.last).map((k) => ['last', k]), ['last', 'per_frame_ms', 'mean'], ['last', 'per_frame_ms', 'p95'],
];

function withField(path: string[], value: unknown): unknown {
  const copy = structuredClone(TEMPLATE) as unknown as Record<string, unknown>;
  let node = copy;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string, unknown>;
  if (value === undefined) delete node[path[path.length - 1]];
  else node[path[path.length - 1]] = value;
  return copy;
}

const odd = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(undefined, -1, 0, 1, 1.5, 850, 1e308, -1e308, '2', '', null, [], {}, true),
  fc.integer({ min: -10, max: 2000 }),
  fc.double(),
);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  const tried = counts.valid + counts.clean + counts.crash;
  console.log(`decide state fuzz: ${tried} tried, ${counts.clean} clean errors, ${counts.valid} valid states, ${counts.crash} crashes`);
});

describe('decide state fuzz: a clean error or a valid state, never a crash', () => {
  it('the template, one field mutated or removed, or an unknown one added', () => {
    const mutated = fc.oneof(
      fc.record({ path: fc.constantFrom(...FIELD_PATHS), value: odd }).map(({ path, value }) => withField(path, value)),
      fc.record({ key: fc.string({ maxLength: 10 }), value: odd }).map(({ key, value }) => ({ ...TEMPLATE, [key]: value })),
    );
    fc.assert(fc.property(mutated, (state) => record(JSON.stringify(state) ?? 'undefined')), { numRuns: 1500, seed: 20 });
  });

  it('random JSON values, and arrays or objects nested up to 20,000 deep', () => {
    const deep = fc.record({ depth: fc.integer({ min: 1, max: 20_000 }), open: fc.constantFrom('[', '{"a":') }).map(({ depth, open }) =>
      open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth),
    );
    fc.assert(fc.property(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'), deep), (text) => record(text)), { numRuns: 800, seed: 21 });
  });

  it('the template text with bytes inserted, deleted or replaced', () => {
    const edit = fc.record({ at: fc.nat({ max: TEMPLATE_TEXT.length }), cut: fc.nat({ max: 12 }), insert: fc.string({ unit: 'binary', maxLength: 8 }) });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) =>
        record(edits.reduce((text, e) => text.slice(0, e.at) + e.insert + text.slice(e.at + e.cut), TEMPLATE_TEXT)),
      ),
      { numRuns: 1000, seed: 22 },
    );
  });

  it('crashed on none of them, and the template itself is valid', () => {
    expect(tryRead(TEMPLATE_TEXT)).toBe('valid');
    expect(crashes).toEqual([]);
    expect(counts.valid + counts.clean).toBeGreaterThanOrEqual(3300);
  });
});
