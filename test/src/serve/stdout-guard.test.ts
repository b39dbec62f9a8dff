/** In serve mode only protocol lines reach stdout; any other write goes to stderr. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardStdout } from '../../../src/serve/stdout-guard.js';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe('guardStdout', () => {
  it('sends stray writes to stderr and protocol lines to stdout, until released', async () => {
    const out = capture();
    const err = capture();
    const guard = guardStdout(out.stream, err.stream);
    out.stream.write('stray log\n');
    guard.write('{"id":1}\n');
    guard.release();
    out.stream.write('after\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect({ stdout: out.text(), stderr: err.text() }).toEqual({ stdout: '{"id":1}\nafter\n', stderr: 'stray log\n' });
  });
});
