/**
 * Reads a scenario YAML file into a Scenario: YAML, then the schema, then the
 * files it names (the latency profile, a replay CSV). Every problem is one
 * UserInputError line: `<file>:<line>: <field.path>: <what is allowed>, got <value>`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { LoadTrace } from '../../sim/config.js';
import { loadProfile } from '../profile/load.js';
import { UserInputError } from '../errors.js';
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

export function loadScenarioSync(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
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
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = doc.errors[0];
  if (syntaxError !== undefined) {
    const { line } = lineCounter.linePos(syntaxError.pos[0]);
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more)` : '';
    throw new UserInputError(`${shownFile}:${line}: YAML syntax error: ${syntaxError.message.split('\n')[0]}${more}`, {
      cause: syntaxError,
    });
  }
  const where = (path: (string | number)[]): string => {
    const line = lineOf(doc, lineCounter, path);
    return `${shownFile}${line === undefined ? '' : `:${line}`}: ${path.length > 0 ? `${formatPath(path)}: ` : ''}`;
  };

  const data = doc.toJS() ?? undefined;
  if (data === undefined) {
    throw new UserInputError(`${shownFile}: expected a scenario mapping (name, cluster, spark, actionSpace, workload, ...), got an empty file`);
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
