/**
 * Real runs as a CSV file (`sspe collect` writes <out>/runs.csv, `sspe
 * calibrate --runs` reads it): one row per RealRun, a header of column names.
 *
 * - Numbers are written with String(n), so they read back bit for bit; an
 *   empty cell is NaN (megapixelsPerFrame) or null (perFrame*Ms all four
 *   together, eventLogPath, failure).
 * - An event-log path inside the CSV's folder is written relative to it and
 *   read back absolute, so an --out folder can be moved or copied whole.
 * - Writing is atomic (a temporary file in the same folder, fsynced, then
 *   renamed over the old one): a reader, or a kill, sees the old or the new file.
 * - probeWallMs / probeCpuMs (the CPU probe before the run, cpu-probe.ts)
 *   came later: a file without them still loads, its runs without a probe.
 *   So did concurrentJobs: empty (or no column) for a run of one job at a time.
 * - Every bad row is one UserInputError line naming the file, the line and the
 *   column: "runs.csv:4: column cores: expected a positive integer, got 'x'".
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserInputError } from '../../src/errors.js';
import { concurrentJobsField, type RealRun } from './real-run.js';

export const RUNS_CSV_COLUMNS = [
  'runId',
  'master',
  'cores',
  'memoryMb',
  'instances',
  'partitions',
  'framesPerPartition',
  'concurrentJobs',
  'fps',
  'batches',
  'megapixelsPerFrame',
  'perFrameMeanMs',
  'perFrameP50Ms',
  'perFrameP95Ms',
  'perFrameP99Ms',
  'executorsRunning',
  'wallMs',
  'eventLogPath',
  'failure',
  'probeWallMs',
  'probeCpuMs',
] as const;

type Column = (typeof RUNS_CSV_COLUMNS)[number];

/** Columns a file may lack (written before they existed): their cells read as empty. */
const OPTIONAL_COLUMNS: readonly Column[] = ['concurrentJobs', 'probeWallMs', 'probeCpuMs'];

// ------------------------------------------------------------------ writing

function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isNaN(value) ? '' : String(value);
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The event-log path as stored: relative (with '/') when it lies inside the CSV's folder. */
function storedPath(path: string | null, csvDir: string): string | null {
  if (path === null) return null;
  const absolute = resolve(path);
  const rel = relative(csvDir, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return absolute;
  return rel.split(sep).join('/');
}

/** The CSV text of `runs`; event-log paths are made relative to `csvDir` where they lie inside it. */
export function formatRunsCsv(runs: readonly RealRun[], csvDir: string): string {
  const rows = runs.map((run) => {
    const values: Record<Column, string | number | null> = {
      runId: run.runId,
      master: run.master,
      cores: run.cores,
      memoryMb: run.memoryMb,
      instances: run.instances,
      partitions: run.partitions,
      framesPerPartition: run.framesPerPartition,
      concurrentJobs: run.concurrentJobs ?? null,
      fps: run.fps,
      batches: run.batches,
      megapixelsPerFrame: run.megapixelsPerFrame,
      perFrameMeanMs: run.perFrameMs?.mean ?? null,
      perFrameP50Ms: run.perFrameMs?.p50 ?? null,
      perFrameP95Ms: run.perFrameMs?.p95 ?? null,
      perFrameP99Ms: run.perFrameMs?.p99 ?? null,
      executorsRunning: run.executorsRunning,
      wallMs: run.wallMs,
      eventLogPath: storedPath(run.eventLogPath, resolve(csvDir)),
      failure: run.failure,
      probeWallMs: run.cpuProbe?.wallMs ?? null,
      probeCpuMs: run.cpuProbe?.cpuMs ?? null,
    };
    return RUNS_CSV_COLUMNS.map((column) => cell(values[column])).join(',');
  });
  return [RUNS_CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

/** Writes `runs` to `path` atomically: temp file beside it, fsync, rename. */
export async function writeRunsCsv(path: string, runs: readonly RealRun[]): Promise<void> {
  const absolute = resolve(path);
  const text = formatRunsCsv(runs, dirname(absolute));
  const temp = `${dirname(absolute)}/.${basename(absolute)}.tmp-${process.pid}`;
  try {
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    await rename(temp, absolute);
  } catch (error) {
    await rm(temp, { force: true });
    throw new Error(`expected to write ${runs.length} runs to ${absolute}, could not: ${(error as Error).message}`, { cause: error });
  }
}

// ------------------------------------------------------------------ reading

interface Cell {
  raw: string;
  where: string;
}

function problem(at: Cell, expected: string): UserInputError {
  return new UserInputError(`${at.where}: expected ${expected}, got '${at.raw}'`);
}

function positiveInteger(at: Cell): number {
  const value = Number(at.raw);
  if (at.raw.trim() === '' || !Number.isSafeInteger(value) || value < 1) throw problem(at, 'a positive integer');
  return value;
}

function nonNegativeInteger(at: Cell): number {
  const value = Number(at.raw);
  if (at.raw.trim() === '' || !Number.isSafeInteger(value) || value < 0) throw problem(at, 'an integer >= 0');
  return value;
}

function nonNegativeNumber(at: Cell): number {
  const value = Number(at.raw);
  if (at.raw.trim() === '' || !Number.isFinite(value) || value < 0) throw problem(at, 'a number >= 0');
  return value;
}

function positiveNumber(at: Cell): number {
  const value = Number(at.raw);
  if (at.raw.trim() === '' || !Number.isFinite(value) || value <= 0) throw problem(at, 'a number > 0');
  return value;
}

function nonEmpty(at: Cell): string {
  if (at.raw.trim() === '') throw problem(at, 'a non-empty text');
  return at.raw;
}

/** Parses CSV text; `file` names it in messages and is where relative event-log paths resolve from. */
export function parseRunsCsv(text: string, file: string): RealRun[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, relax_column_count: false }) as unknown as typeof records;
  } catch (error) {
    const lines = (error as { lines?: number }).lines;
    throw new UserInputError(`${file}${lines !== undefined ? `:${lines}` : ''}: expected CSV, got ${(error as Error).message}`, { cause: error });
  }
  if (records.length === 0) throw new UserInputError(`${file}: expected a header row (${RUNS_CSV_COLUMNS.join(',')}), got an empty file`);
  const header = records[0].record.map((name) => name.trim());
  const missing = RUNS_CSV_COLUMNS.filter((column) => !header.includes(column) && !OPTIONAL_COLUMNS.includes(column));
  if (missing.length > 0) {
    throw new UserInputError(`${file}:${records[0].info.lines}: expected columns ${RUNS_CSV_COLUMNS.join(',')}, missing ${missing.join(', ')}`);
  }
  const index = Object.fromEntries(RUNS_CSV_COLUMNS.map((column) => [column, header.indexOf(column)])) as Record<Column, number>;
  const csvDir = dirname(resolve(file));
  const firstLineOf = new Map<string, number>();
  return records.slice(1).map(({ record, info }) => {
    const at = (column: Column): Cell => ({ raw: index[column] < 0 ? '' : record[index[column]], where: `${file}:${info.lines}: column ${column}` });
    const runId = nonEmpty(at('runId'));
    const seen = firstLineOf.get(runId);
    if (seen !== undefined) throw new UserInputError(`${file}:${info.lines}: column runId: expected a unique run id, got '${runId}' again (first on line ${seen})`);
    firstLineOf.set(runId, info.lines);
    const quantileColumns = ['perFrameMeanMs', 'perFrameP50Ms', 'perFrameP95Ms', 'perFrameP99Ms'] as const;
    const given = quantileColumns.filter((column) => at(column).raw.trim() !== '');
    if (given.length > 0 && given.length < quantileColumns.length) {
      const empty = quantileColumns.find((column) => !given.includes(column))!;
      throw problem(at(empty), `a number >= 0 (the per-frame columns are all empty, for a failed run, or all set)`);
    }
    const [mean, p50, p95, p99] = given.length === 0 ? [] : quantileColumns.map((column) => nonNegativeNumber(at(column)));
    const megapixels = at('megapixelsPerFrame');
    const eventLog = at('eventLogPath').raw;
    const failure = at('failure').raw;
    const probeGiven = (['probeWallMs', 'probeCpuMs'] as const).filter((column) => at(column).raw.trim() !== '');
    if (probeGiven.length === 1) {
      throw problem(at(probeGiven[0] === 'probeWallMs' ? 'probeCpuMs' : 'probeWallMs'), 'a number >= 0 (probeWallMs and probeCpuMs are both empty or both set)');
    }
    return {
      runId,
      master: nonEmpty(at('master')),
      cores: positiveInteger(at('cores')),
      memoryMb: positiveInteger(at('memoryMb')),
      instances: positiveInteger(at('instances')),
      partitions: positiveInteger(at('partitions')),
      framesPerPartition: positiveInteger(at('framesPerPartition')),
      ...concurrentJobsField(at('concurrentJobs').raw.trim() === '' ? undefined : positiveInteger(at('concurrentJobs'))),
      fps: positiveNumber(at('fps')),
      batches: nonNegativeInteger(at('batches')),
      megapixelsPerFrame: megapixels.raw.trim() === '' ? Number.NaN : positiveNumber(megapixels),
      perFrameMs: given.length === 0 ? null : { mean, p50, p95, p99 },
      executorsRunning: nonNegativeInteger(at('executorsRunning')),
      wallMs: nonNegativeNumber(at('wallMs')),
      eventLogPath: eventLog === '' ? null : resolve(csvDir, eventLog),
      failure: failure === '' ? null : failure,
      ...(probeGiven.length === 0 ? {} : { cpuProbe: { wallMs: positiveNumber(at('probeWallMs')), cpuMs: nonNegativeNumber(at('probeCpuMs')) } }),
    };
  });
}

/** Reads a runs CSV; a missing or malformed file is a one-line UserInputError. */
export async function readRunsCsv(path: string): Promise<RealRun[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserInputError(code === 'ENOENT' ? `runs file not found: ${path}` : `${path}: cannot read the runs file: ${(error as Error).message}`, { cause: error });
  }
  return parseRunsCsv(text, path);
}
