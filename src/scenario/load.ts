/**
 * Reads a scenario YAML file into a Scenario: YAML, then the schema, then the
 * files it names (the latency profile, a replay CSV). Every problem is one
 * UserInputError line: `<file>:<line>: <field.path>: <what is allowed>, got <value>`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import type { LoadTrace } from '../../sim/config.js';
import { loadProfile } from '../profile/load.js';
import { UserInputError } from '../errors.js';
import { excerpt } from '../input/excerpt.js';
import {
  MAX_FPS,
  fallbackError,
  formatPath,
  formatValue,
  scenarioSchema,
  toProblem,
  type FieldProblem,
  type Scenario,
  type ScenarioDocument,
} from './schema.js';

/** Reads, validates and resolves a scenario file. */
export async function loadScenario(path: string): Promise<Scenario> {
  return loadScenarioSync(path);
}

/** The largest scenario file read (the shipped ones are a few KB); bigger input is refused before it is parsed. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** YAML alias uses allowed in one scenario: enough for any real reuse, too few for an alias bomb ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;

export function loadScenarioSync(path: string): Scenario {
  let text: string;
  try {
    const bytes = statSync(path).size;
    if (bytes > MAX_SCENARIO_BYTES) throw tooLarge(path, bytes);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserInputError(`scenario file not found: ${path}`, { cause: error });
    throw new UserInputError(`${path}: cannot read the scenario: ${(error as Error).message}`, { cause: error });
  }
  return parseScenario(text, { file: path });
}

/**
 * Parses scenario YAML text. `file` is where the text came from: messages name
 * it as given, and the profile and CSV paths resolve against its folder.
 */
export function parseScenario(text: string, options: { file: string }): Scenario {
  const shownFile = options.file;
  const absoluteFile = resolve(options.file);
  if (text.length > MAX_SCENARIO_BYTES) throw tooLarge(shownFile, Buffer.byteLength(text));
  const lineCounter = new LineCounter();
  // The library's own duplicate-key check compares every key with every other
  // (minutes on a map of 100 k keys); duplicateKey below does it in one pass.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const syntaxError = doc.errors[0];
  if (syntaxError !== undefined) {
    const { line } = lineCounter.linePos(syntaxError.pos[0]);
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more)` : '';
    throw new UserInputError(`${shownFile}:${line}: YAML syntax error: ${yamlErrorText(syntaxError)}${more}`, {
      cause: syntaxError,
    });
  }
  const duplicate = duplicateKey(doc);
  if (duplicate !== undefined) {
    const { line } = lineCounter.linePos(duplicate.offset);
    throw new UserInputError(`${shownFile}:${line}: YAML syntax error: the key ${formatValue(duplicate.key)} appears twice in one mapping; keys must be unique`);
  }
  const where = (path: (string | number)[]): string => {
    const line = lineOf(doc, lineCounter, path);
    return `${shownFile}${line === undefined ? '' : `:${line}`}: ${path.length > 0 ? `${formatPath(path)}: ` : ''}`;
  };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? undefined;
  } catch (error) {
    // The yaml library throws a ReferenceError when aliases expand past maxAliasCount.
    if (error instanceof ReferenceError || error instanceof RangeError) {
      throw new UserInputError(
        `${shownFile}: YAML aliases (*name) expand too far: expected at most ${MAX_ALIAS_COUNT} alias uses that stay small, got more; write the values out instead`,
        { cause: error },
      );
    }
    throw error;
  }
  if (data === undefined) {
    throw new UserInputError(`${shownFile}: expected a scenario mapping (name, cluster, spark, actionSpace, workload, ...), got an empty file`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    // A file that is not a mapping at all (a list, a text: often the wrong file): a short excerpt, not its first line.
    const got = Array.isArray(data) ? 'a list' : typeof data === 'string' ? `a text starting ${excerpt(data)}` : formatValue(data);
    throw new UserInputError(`${shownFile}: expected a scenario mapping (name, cluster, spark, actionSpace, workload, ...), got ${got}`);
  }
  const parsed = scenarioSchema.safeParse(data, { error: fallbackError });
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const problem: FieldProblem = toProblem(issues[0]);
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more ${issues.length === 2 ? 'problem' : 'problems'})` : '';
    throw new UserInputError(`${where(problem.path)}${problem.message}${more}`, { cause: parsed.error });
  }
  const document: ScenarioDocument = parsed.data;
  const folder = dirname(absoluteFile);

  const profilePath = resolveFrom(folder, document.profile);
  if (!existsSync(profilePath)) {
    throw new UserInputError(`${where(['profile'])}profile file not found: ${shown(profilePath)}`);
  }
  const profile = loadProfile(shown(profilePath));

  const trace = document.workload.trace;
  const resolvedTrace: LoadTrace =
    trace.kind === 'replay' && 'file' in trace
      ? { kind: 'replay', points: readReplayCsv(resolveFrom(folder, trace.file), where(['workload', 'trace', 'file'])) }
      : trace;

  return {
    ...document,
    name: document.name ?? basename(absoluteFile, extname(absoluteFile)),
    file: absoluteFile,
    profile,
    workload: { ...document.workload, trace: resolvedTrace },
  };
}

function tooLarge(file: string, bytes: number): UserInputError {
  const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return new UserInputError(`${file}: expected a scenario file of at most ${mb(MAX_SCENARIO_BYTES)}, got ${mb(bytes)}: is this the right file?`);
}

/** The library's message, minus advice about its own API and anything past the first line. */
function yamlErrorText(error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS') return "expected one YAML document, got several (a '---' line starts another; keep one scenario per file)";
  if (error.code === 'RESOURCE_EXHAUSTION') return 'nesting too deep to read: expected a scenario of ordinary depth';
  return error.message.split('\n')[0];
}

/**
 * The first key that appears twice in one mapping, in one pass over the
 * document (an explicit stack: deep input must not overflow the call stack).
 */
function duplicateKey(doc: Document): { key: unknown; offset: number } | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const item of node.items) {
        const key = isScalar(item.key) ? item.key.value : item.key;
        if (isScalar(item.key) && seen.has(key)) return { key, offset: item.key.range?.[0] ?? 0 };
        seen.add(key);
        stack.push(item.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return undefined;
}

function resolveFrom(folder: string, path: string): string {
  return isAbsolute(path) ? path : resolve(folder, path);
}

/** A path as messages show it: relative when it lies under the working directory, else absolute. */
function shown(absolutePath: string): string {
  const rel = relative(process.cwd(), absolutePath);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolutePath;
}

/**
 * Reads a replay trace: CSV with header `time_s,fps`, one point per row,
 * times increasing. `where` prefixes the not-found message (the scenario field).
 */
export function readReplayCsv(path: string, where = ''): { atMs: number; fps: number }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserInputError(`${where}file not found: ${shown(path)}`, { cause: error });
    }
    throw new UserInputError(`${where}cannot read ${shown(path)}: ${(error as Error).message}`, { cause: error });
  }
  const file = shown(path);
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` each row comes as { record, info }; the typings only know plain records.
    rows = parseCsv(text, { info: true, skip_empty_lines: true, trim: true, comment: '#', relax_column_count: true }) as unknown as typeof rows;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new UserInputError(`${file}${line === undefined ? '' : `:${line}`}: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
    });
  }
  const [header, ...body] = rows;
  if (header === undefined || header.record.join(',') !== 'time_s,fps') {
    const got = header === undefined ? 'an empty file' : `'${header.record.join(',')}'`;
    throw new UserInputError(`${file}:${header?.info.lines ?? 1}: expected the header 'time_s,fps', got ${got}`);
  }
  if (body.length === 0) {
    throw new UserInputError(`${file}: expected at least one row after the header 'time_s,fps', got none`);
  }
  const points: { atMs: number; fps: number }[] = [];
  for (const { record, info } of body) {
    const at = `${file}:${info.lines}`;
    if (record.length !== 2) {
      throw new UserInputError(`${at}: expected 2 columns (time_s,fps), got ${record.length}`);
    }
    const timeS = Number(record[0]);
    const fps = Number(record[1]);
    if (record[0] === '' || !Number.isFinite(timeS) || timeS < 0) {
      throw new UserInputError(`${at}: time_s: expected a number of seconds >= 0, got ${formatValue(record[0])}`);
    }
    if (record[1] === '' || !Number.isFinite(fps) || fps < 0 || fps > MAX_FPS) {
      throw new UserInputError(`${at}: fps: expected a number in [0, ${MAX_FPS}], got ${formatValue(record[1])}`);
    }
    const atMs = Math.round(timeS * 1000);
    const previous = points[points.length - 1];
    if (previous !== undefined && atMs <= previous.atMs) {
      throw new UserInputError(`${at}: time_s: expected a time after the previous row (${previous.atMs / 1000}), got ${record[0]}`);
    }
    points.push({ atMs, fps });
  }
  return points;
}

/** The line of the deepest YAML node on `path` (map entries: the line of their key). */
function lineOf(doc: Document, lineCounter: LineCounter, path: (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === segment);
      if (pair === undefined || !isScalar(pair.key) || pair.key.range == null) break;
      offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as { range?: [number, number, number] | null } | undefined;
      if (item?.range == null) break;
      offset = item.range[0];
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}
