import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { teamProgressBars } from '../../../src/cli/progress.js';

/** A stream that says it is a terminal and keeps what was written to it. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  const through = new PassThrough();
  let written = '';
  through.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
  Object.assign(through, { isTTY: true, columns: 200, cursorTo: () => true, moveCursor: () => true, clearLine: () => true, clearScreenDown: () => true });
  return { stream: through as unknown as NodeJS.WriteStream, text: () => written };
}

describe('team progress bars', () => {
  it('draws one line for the team and one per agent with its own payload', async () => {
    const terminal = fakeTerminal();
    const bars = teamProgressBars('train idqn', 10, ['cluster', 'tuner'], { teamFormat: ' | eval {evaluation}', agentFormat: ' | TD loss {loss} | now {knobs}', stream: terminal.stream });
    bars.update(4, { evaluation: '0.25' });
    bars.updateAgent('cluster', { loss: '1.23', knobs: 'node_count 3' });
    bars.updateAgent('tuner', { loss: '0.456', knobs: 'serializer kryo' });
    bars.stop();
    await new Promise((resolve) => setImmediate(resolve));
    const text = terminal.text();
    expect(text).toMatch(/train idqn\s+\[[^\]]*\] 4\/10 40% \| eval 0\.25/);
    expect(text).toMatch(/ {2}cluster\s+\| TD loss 1\.23 \| now node_count 3/);
    expect(text).toMatch(/ {2}tuner\s+\| TD loss 0\.456 \| now serializer kryo/);
  });

  it('writes nothing when the stream is not a terminal (logs and CI stay clean)', () => {
    const terminal = fakeTerminal();
    Object.assign(terminal.stream, { isTTY: false });
    const bars = teamProgressBars('train vdn', 10, ['cluster'], { teamFormat: '', agentFormat: ' {loss}', stream: terminal.stream });
    bars.update(5, {});
    bars.updateAgent('cluster', { loss: '1' });
    bars.stop();
    expect(terminal.text()).toBe('');
  });
});
