/**
 * serve-env over a byte stream (stdio, or a TCP socket: tcp-transport.ts):
 * one request per line in, one response line out, in order; requests run
 * one at a time. The input ending closes every environment of the session.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { EnvServer } from './env-server.js';

export interface LineStreamOptions {
  input: Readable;
  /** Writes one protocol line (the newline included); may wait for the stream to drain. */
  write: (line: string) => Promise<void> | void;
  /** Aborting ends the session as the input ending would (after the request in hand). */
  stop?: AbortSignal;
}

/** Serves one session until `input` ends; resolves after its environments are closed. */
export async function serveLines(server: EnvServer, options: LineStreamOptions): Promise<void> {
  const session = server.openSession();
  const lines = createInterface({ input: options.input, crlfDelay: Infinity, terminal: false, ...(options.stop ? { signal: options.stop } : {}) });
  try {
    // for-await takes the next line only once this one is answered: requests are sequential.
    for await (const line of lines) {
      // A blank line carries no request (a trailing newline from printf, a keep-alive).
      if (line.trim() === '') continue;
      await options.write(`${await session.handleLine(line)}\n`);
    }
  } finally {
    lines.close();
    await session.closeAll();
  }
}

/** Serves one session on stdin and `write` (the protocol's stdout) until stdin ends, or stdout breaks (the reader went away). */
export async function serveStdio(server: EnvServer, options: { input: Readable; output: Writable; write: (line: string) => boolean }): Promise<void> {
  const broken = new AbortController();
  const onError = () => broken.abort();
  options.output.on('error', onError);
  try {
    await serveLines(server, { input: options.input, write: (line) => writeLine(options.output, options.write, line), stop: broken.signal });
  } finally {
    options.output.off('error', onError);
  }
}

/** Writes a line and, when the stream's buffer is full, waits for it to drain (or close). */
export function writeLine(stream: Writable, write: (line: string) => boolean, line: string): Promise<void> | void {
  if (stream.destroyed || !stream.writable) return;
  if (write(line)) return;
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
