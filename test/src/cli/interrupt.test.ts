import { describe, expect, it } from 'vitest';
import { catchInterrupt } from '../../../src/cli/interrupt.js';

describe('Ctrl-C in long commands', () => {
  it('the first signal asks to stop and says so; the second exits with 130; disposed, it no longer listens', () => {
    const written: string[] = [];
    const exits: number[] = [];
    let firsts = 0;
    const before = process.listenerCount('SIGUSR2');
    const interrupt = catchInterrupt('sspe test: stopping after this run', {
      signals: ['SIGUSR2'],
      onFirst: () => firsts++,
      exit: (code) => exits.push(code),
      write: (text) => written.push(text),
    });
    expect(interrupt.requested).toBe(false);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(interrupt.requested).toBe(true);
    expect(written).toEqual(['\nsspe test: stopping after this run\n']);
    expect([firsts, exits]).toEqual([1, []]);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect([firsts, exits]).toEqual([1, [130]]);
    interrupt.dispose();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});
