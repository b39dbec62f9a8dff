import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../sim/engine/event-queue.js';

interface Popped {
  timeMs: number;
  kind: number;
  arg: number;
}

function drain(queue: EventQueue): Popped[] {
  const log: Popped[] = [];
  while (queue.pop()) log.push({ timeMs: queue.poppedTimeMs, kind: queue.poppedKind, arg: queue.poppedArg });
  return log;
}

/** Index of the entry the queue must pop next: least (time, priority, insertion sequence). */
function referenceMinIndex(pending: { timeMs: number; priority: number; sequence: number }[]): number {
  let best = 0;
  for (let i = 1; i < pending.length; i++) {
    const a = pending[i];
    const b = pending[best];
    if (a.timeMs < b.timeMs || (a.timeMs === b.timeMs && (a.priority < b.priority || (a.priority === b.priority && a.sequence < b.sequence)))) {
      best = i;
    }
  }
  return best;
}

describe('EventQueue', () => {
  it('pops by time, then priority, then insertion order', () => {
    const queue = new EventQueue();
    queue.push(5, 0, 1, 10);
    queue.push(1, 0, 2, 20);
    queue.push(5, -1, 3, 30); // lower priority value goes first at equal time
    queue.push(5, 0, 4, 40); // same time and priority as kind 1: after it
    queue.push(0, 2, 5, 50);
    queue.push(1, 0, 6, 60);
    expect(drain(queue)).toEqual([
      { timeMs: 0, kind: 5, arg: 50 },
      { timeMs: 1, kind: 2, arg: 20 },
      { timeMs: 1, kind: 6, arg: 60 },
      { timeMs: 5, kind: 3, arg: 30 },
      { timeMs: 5, kind: 1, arg: 10 },
      { timeMs: 5, kind: 4, arg: 40 },
    ]);
  });

  it('reports size and peek time, and pop() is false when empty', () => {
    const queue = new EventQueue();
    expect(queue.size).toBe(0);
    expect(queue.peekTimeMs()).toBe(Infinity);
    expect(queue.pop()).toBe(false);
    queue.push(3, 0, 0, 0);
    queue.push(2, 0, 0, 0);
    expect(queue.size).toBe(2);
    expect(queue.peekTimeMs()).toBe(2);
    queue.clear();
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBe(false);
  });

  it('grows past its initial capacity without losing or reordering events', () => {
    const queue = new EventQueue(1);
    const count = 1000;
    // Times descending and repeated in threes, so growth happens mid-sift with ties.
    for (let i = 0; i < count; i++) queue.push(Math.floor((count - i) / 3), 0, i % 7, i);
    expect(queue.size).toBe(count);
    const log = drain(queue);
    const expected = Array.from({ length: count }, (_, i) => ({ timeMs: Math.floor((count - i) / 3), kind: i % 7, arg: i }))
      .map((entry, sequence) => ({ entry, sequence }))
      .sort((a, b) => a.entry.timeMs - b.entry.timeMs || a.sequence - b.sequence)
      .map(({ entry }) => entry);
    expect(log).toEqual(expected);
  });

  it('matches a sorted reference on random pushes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: -2, max: 2 })), { maxLength: 300 }),
        (pushes) => {
          const queue = new EventQueue(4);
          pushes.forEach(([timeMs, priority], i) => queue.push(timeMs, priority, i, -i));
          const expected = pushes
            .map(([timeMs, priority], sequence) => ({ timeMs, priority, sequence }))
            .sort((a, b) => a.timeMs - b.timeMs || a.priority - b.priority || a.sequence - b.sequence)
            .map(({ timeMs, sequence }) => ({ timeMs, kind: sequence, arg: -sequence }));
          expect(drain(queue)).toEqual(expected);
        },
      ),
    );
  });

  it('matches a reference model on random interleaved pushes and pops', () => {
    const operation = fc.oneof(
      fc.record({ op: fc.constant('push' as const), timeMs: fc.double({ min: 0, max: 100, noNaN: true }), priority: fc.integer({ min: -1, max: 1 }) }),
      fc.record({ op: fc.constant('push' as const), timeMs: fc.integer({ min: 0, max: 5 }), priority: fc.constant(0) }),
      fc.record({ op: fc.constant('pop' as const) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 400 }), (operations) => {
        const queue = new EventQueue(2);
        const pending: { timeMs: number; priority: number; sequence: number }[] = [];
        const actual: number[] = [];
        const expected: number[] = [];
        let sequence = 0;
        for (const operation of operations) {
          if (operation.op === 'push') {
            queue.push(operation.timeMs, operation.priority, 0, sequence);
            pending.push({ timeMs: operation.timeMs, priority: operation.priority, sequence });
            sequence++;
          } else {
            actual.push(queue.pop() ? queue.poppedArg : -1);
            expected.push(pending.length === 0 ? -1 : pending.splice(referenceMinIndex(pending), 1)[0].sequence);
          }
          expect(queue.size).toBe(pending.length);
        }
        expect(actual).toEqual(expected);
      }),
    );
  });

  it('rejects a capacity that is not a positive integer, naming what it got', () => {
    expect(() => new EventQueue(0)).toThrow('expected a positive integer initialCapacity, got 0');
    expect(() => new EventQueue(2.5)).toThrow('expected a positive integer initialCapacity, got 2.5');
  });
});
