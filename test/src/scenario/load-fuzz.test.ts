/**
 * Property: whatever text a scenario file holds, parseScenario returns a
 * scenario or throws one UserInputError line; it never crashes (any other
 * error, a message over several lines, a stack) and never takes long.
 * Inputs: the shipped paper-testbed scenario mutated field by field
 * (deleted, retyped, renamed, nested deep, aliased), random YAML-ish text,
 * and random JSON values written as YAML.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/load.js';

const FILE = new URL('../../../scenarios/paper-testbed.yaml', import.meta.url);
const PAPER_TEXT = readFileSync(FILE, 'utf8');
const PAPER = parseYaml(PAPER_TEXT) as Record<string, unknown>;
/** Where the generated text claims to live: the profile path in it resolves next to the shipped one. */
const AS_FILE = FILE.pathname;

type Outcome = 'valid' | 'clean' | 'crash';
const counts: Record<Outcome, number> = { valid: 0, clean: 0, crash: 0 };
const crashes: string[] = [];

function tryParse(text: string): Outcome {
  try {
    parseScenario(text, { file: AS_FILE });
    return 'valid';
  } catch (error) {
    if (error instanceof UserInputError && !error.message.includes('\n') && error.message.length < 600) return 'clean';
    crashes.push(`${error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error)} <- ${JSON.stringify(text.slice(0, 200))}`);
    return 'crash';
  }
}

function record(text: string): boolean {
  const started = performance.now();
  const outcome = tryParse(text);
  counts[outcome]++;
  expect(performance.now() - started, 'one input parsed in well under a second').toBeLessThan(2_000);
  return outcome !== 'crash';
}

/** Every path to a value in the scenario (so a mutation can hit any field). */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (typeof value === 'object' && value !== null) return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return [prefix];
}
const PATHS = paths(PAPER).filter((p) => p.length > 0);

function setAt(root: unknown, path: (string | number)[], replace: (old: unknown) => unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const value = replace(node[last]);
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

const odd = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(-1, 0, 1e308, -0, 0.5, 'fps', '', '10m', true, null, [], {}),
  // Deeper nesting is the corpus's job (yaml.stringify here recurses); the parser takes ~1,000 levels.
  fc.integer({ min: 1, max: 300 }).map((d) => nested(d, 1)),
  fc.string({ maxLength: 30 }),
);

const mutation = fc.oneof(
  fc.record({ path: fc.constantFrom(...PATHS), value: odd }).map(({ path, value }) => setAt(PAPER, path, () => value)),
  fc.constantFrom(...PATHS).map((path) => setAt(PAPER, path, () => undefined)),
  fc.record({ path: fc.constantFrom(...PATHS), key: fc.string({ minLength: 1, maxLength: 12 }), value: odd }).map(({ path, key, value }) =>
    setAt(PAPER, path, (old) => (typeof old === 'object' && old !== null && !Array.isArray(old) ? { ...old, [key]: value } : value)),
  ),
);

afterAll(() => {
  const tried = counts.valid + counts.clean + counts.crash;
  console.log(`scenario loader fuzz: ${tried} tried, ${counts.clean} clean errors, ${counts.valid} valid scenarios, ${counts.crash} crashes`);
});

describe('scenario loader fuzz: a clean error or a valid scenario, never a crash', () => {
  it('the shipped scenario, one field mutated', () => {
    fc.assert(fc.property(mutation, (doc) => record(stringifyYaml(doc, { aliasDuplicateObjects: false }))), { numRuns: 1500, seed: 10 });
  });

  it('the shipped text with bytes inserted, deleted or replaced', () => {
    const edit = fc.record({ at: fc.nat({ max: PAPER_TEXT.length }), cut: fc.nat({ max: 40 }), insert: fc.string({ unit: 'binary', maxLength: 20 }) });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) =>
        record(edits.reduce((text, e) => text.slice(0, e.at) + e.insert + text.slice(e.at + e.cut), PAPER_TEXT)),
      ),
      { numRuns: 1000, seed: 11 },
    );
  });

  it('YAML constructs: anchors and aliases, tags, documents, flow collections', () => {
    const token = fc.constantFrom('&a ', '*a', '!!str ', '!!binary ', '!custom ', '---\n', '...\n', '[', ']', '{', '}', ': ', '- ', '? ', '|\n', '>\n', '"', "'", '#', '\t', '\n', '  ', 'name', 'cluster', 'spark', '<<: *a\n', '%YAML 1.2\n');
    fc.assert(fc.property(fc.array(fc.oneof(token, fc.string({ maxLength: 6 })), { maxLength: 60 }), (tokens) => record(tokens.join(''))), {
      numRuns: 1000,
      seed: 12,
    });
  });

  it('random JSON values as YAML', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => record(stringifyYaml(value))), { numRuns: 500, seed: 13 });
  });

  it('crashed on none of them', () => {
    expect(crashes).toEqual([]);
    expect(counts.valid + counts.clean).toBeGreaterThanOrEqual(4000);
  });
});
