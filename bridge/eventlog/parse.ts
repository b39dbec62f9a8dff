/**
 * Reads a Spark event log (spark.eventLog.enabled=true) line by line into an
 * EventLog: per-application, per-job, per-stage and per-task metrics, the
 * executor add/remove timeline and a summary.
 *
 * Input: one event-log file (plain JSON lines, or gzip-compressed), or a
 * rolling event-log directory (eventlog_v2_<appId>/events_<n>_<appId>), read
 * in index order. Spark's own codecs (lz4, lzf, snappy, zstd) are not read:
 * node:zlib on Node 20 has none of them. Spark 4 compresses event logs by
 * default, so run it with spark.eventLog.compress=false (or decompress the
 * file first); such a file is a UserInputError saying so, found by its magic
 * bytes, not its name.
 *
 * The file is streamed (node:readline over a file stream), so memory grows with
 * the number of jobs, stages and (unless retainTasks is false) tasks, not with
 * the file. A log without SparkListenerApplicationEnd (an .inprogress file, a
 * driver that died) is returned with complete: false. A line that is not a JSON
 * event, or a file that stops mid-line, is a UserInputError naming the file and
 * line: "app-123.inprogress:57: expected a JSON event, got 'Spark{"Event'".
 */
import { open, readdir, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UserInputError } from '../../src/errors.js';
import { escapeText } from '../../src/input/excerpt.js';
import { EventLogBuilder, EventShapeError, type EventLogBuilderOptions } from './builder.js';
import type { EventLog } from './types.js';

export type { EventLog } from './types.js';

export interface ParseEventLogOptions extends EventLogBuilderOptions {
  /**
   * Drop an unparsable last line that has no newline instead of failing: Spark
   * is still writing an .inprogress log and the line is half-flushed.
   */
  allowPartialLastLine?: boolean;
}

type Encoding = 'plain' | 'gzip';

/** Leading bytes of the formats we may be handed. */
const MAGIC: ReadonlyArray<{ codec: string; bytes: number[] }> = [
  { codec: 'gzip', bytes: [0x1f, 0x8b] },
  { codec: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { codec: 'lz4', bytes: [...Buffer.from('LZ4Block')] },
  { codec: 'snappy', bytes: [0x82, ...Buffer.from('SNAPPY')] },
  { codec: 'lzf', bytes: [...Buffer.from('ZV')] },
];

const SNIPPET_CHARS = 20;

export async function parseEventLog(path: string, options: ParseEventLogOptions = {}): Promise<EventLog> {
  const files = await eventLogFiles(path);
  const builder = new EventLogBuilder(options);
  const lineStats = { lines: 0, blankLines: 0 };
  for (const [i, file] of files.entries()) {
    // Only the newest file of a rolling log can be half-written.
    const allowPartialLastLine = (options.allowPartialLastLine ?? false) && i === files.length - 1;
    await readFile(file, builder, lineStats, allowPartialLastLine);
  }
  return builder.finish(files, lineStats);
}

/** The file itself, or a rolling log directory's events_<n>_* files in index order. */
async function eventLogFiles(path: string): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw new UserInputError(`cannot read event log '${path}': ${messageOf(error)}`, { cause: error });
  }
  if (!isDirectory) return [path];
  const indexed = (await readdir(path))
    .map((name) => ({ name, match: /^events_(\d+)_/.exec(name) }))
    .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ name, match }) => ({ name, index: Number(match[1]) }))
    .sort((a, b) => a.index - b.index);
  if (indexed.length === 0) {
    throw new UserInputError(
      `event log directory '${path}' has no events_<n>_<appId> files; expected a rolling event log (eventlog_v2_<appId>) or an event-log file`,
    );
  }
  return indexed.map(({ name }) => join(path, name));
}

async function sniffEncoding(file: string): Promise<Encoding> {
  let head: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(8);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new UserInputError(`cannot read event log '${file}': ${messageOf(error)}`, { cause: error });
  }
  const codec = MAGIC.find(({ bytes }) => bytes.length <= head.length && bytes.every((b, i) => head[i] === b))?.codec;
  if (codec === undefined) return 'plain';
  if (codec === 'gzip') return 'gzip';
  throw new UserInputError(
    `${file}: ${codec}-compressed event log; only plain and gzip logs can be read ` +
      `(decompress it first, or run Spark with spark.eventLog.compress=false)`,
  );
}

/** Passes bytes through and remembers whether the last one was a newline. */
class LastByteTap extends Transform {
  endsWithNewline = true;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length > 0) this.endsWithNewline = chunk[chunk.length - 1] === 0x0a;
    callback(null, chunk);
  }
}

interface BadLine {
  lineNumber: number;
  text: string;
  cause: unknown;
}

async function readFile(
  file: string,
  builder: EventLogBuilder,
  lineStats: { lines: number; blankLines: number },
  allowPartialLastLine: boolean,
): Promise<void> {
  const encoding = await sniffEncoding(file);
  const tap = new LastByteTap();
  const fileStream = createReadStream(file);
  // pipeline() destroys every stage on error; readline then rethrows it from the loop below.
  const source: Readable =
    encoding === 'gzip' ? pipeline(fileStream, createGunzip(), tap, () => {}) : pipeline(fileStream, tap, () => {});
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  const name = file;
  let lineNumber = 0;
  // A line that is not JSON is corrupt if more follows, truncated if it is the last and unterminated.
  let badLine: BadLine | null = null;
  try {
    for await (const text of lines) {
      lineNumber += 1;
      lineStats.lines += 1;
      if (badLine !== null) throw corruptLine(name, badLine);
      if (text.trim() === '') {
        lineStats.blankLines += 1;
        continue;
      }
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch (error) {
        badLine = { lineNumber, text, cause: error };
        continue;
      }
      if (typeof event !== 'object' || event === null || Array.isArray(event)) {
        throw corruptLine(name, { lineNumber, text, cause: undefined });
      }
      try {
        builder.add(event);
      } catch (error) {
        if (error instanceof EventShapeError) {
          throw new UserInputError(`${name}:${lineNumber}: ${error.message}`, { cause: error });
        }
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    throw new UserInputError(`cannot read event log '${name}' after line ${lineNumber}: ${messageOf(error)}`, {
      cause: error,
    });
  } finally {
    lines.close();
    fileStream.destroy();
    source.destroy();
  }
  if (badLine !== null) {
    if (tap.endsWithNewline) throw corruptLine(name, badLine);
    if (!allowPartialLastLine) {
      throw new UserInputError(
        `${name}:${badLine.lineNumber}: the file ends in the middle of an event (truncated, or still being written), got '${snippet(badLine.text)}'`,
        { cause: badLine.cause },
      );
    }
  }
}

function corruptLine(name: string, bad: BadLine): UserInputError {
  return new UserInputError(`${name}:${bad.lineNumber}: expected a JSON event, got '${snippet(bad.text)}'`, {
    cause: bad.cause,
  });
}

function snippet(text: string): string {
  // Escaped: a binary or foreign file must not put raw bytes on the terminal.
  const trimmed = text.trim();
  return escapeText(trimmed.length > SNIPPET_CHARS ? `${trimmed.slice(0, SNIPPET_CHARS)}…` : trimmed);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
