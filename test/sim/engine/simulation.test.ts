import { describe, expect, it } from 'vitest';
import { Simulation } from '../../../sim/engine/simulation.js';

/** A simulation whose handlers append `name@nowMs:arg` to a shared log. */
function recordingSimulation(names: string[]): { sim: Simulation; log: string[]; kinds: Record<string, number> } {
  const sim = new Simulation();
  const log: string[] = [];
  const kinds: Record<string, number> = {};
  for (const name of names) kinds[name] = sim.register(name, (arg) => log.push(`${name}@${sim.nowMs}:${arg}`));
  return { sim, log, kinds };
}

describe('Simulation', () => {
  it('processes events by time, then priority, then scheduling order', () => {
    const { sim, log, kinds } = recordingSimulation(['a', 'b', 'c']);
    sim.schedule(10, kinds.a, 1);
    sim.schedule(5, kinds.b, 2);
    sim.schedule(10, kinds.c, 3, -1);
    sim.schedule(10, kinds.b, 4);
    sim.schedule(0, kinds.a, 5, 1);
    sim.schedule(0, kinds.c, 6);
    expect(sim.run()).toBe(6);
    expect(log).toEqual(['c@0:6', 'a@0:5', 'b@5:2', 'c@10:3', 'a@10:1', 'b@10:4']);
  });

  it('runs an event scheduled with zero delay after those already due at the same time and priority', () => {
    const sim = new Simulation();
    const log: string[] = [];
    const echo = sim.register('echo', (arg) => log.push(`echo@${sim.nowMs}:${arg}`));
    const spawn = sim.register('spawn', (arg) => {
      log.push(`spawn@${sim.nowMs}:${arg}`);
      sim.schedule(0, echo, arg);
      sim.schedule(0, echo, arg + 100, -1); // a lower priority value jumps the queue at equal time
    });
    sim.schedule(1, spawn, 1);
    sim.schedule(1, echo, 2);
    sim.run();
    expect(log).toEqual(['spawn@1:1', 'echo@1:101', 'echo@1:2', 'echo@1:1']);
  });

  it('schedules at absolute times with scheduleAt', () => {
    const { sim, log, kinds } = recordingSimulation(['a']);
    sim.schedule(4, kinds.a, 1);
    sim.run();
    sim.scheduleAt(4, kinds.a, 2); // "now" is allowed
    sim.scheduleAt(7.5, kinds.a, 3);
    sim.run();
    expect(log).toEqual(['a@4:1', 'a@4:2', 'a@7.5:3']);
  });

  it('rejects negative, NaN and infinite delays, naming the event and the delay', () => {
    const { sim, kinds } = recordingSimulation(['tick']);
    expect(() => sim.schedule(-1, kinds.tick)).toThrow("expected a finite delayMs >= 0 for event 'tick', got -1");
    expect(() => sim.schedule(NaN, kinds.tick)).toThrow("expected a finite delayMs >= 0 for event 'tick', got NaN");
    expect(() => sim.schedule(Infinity, kinds.tick)).toThrow("expected a finite delayMs >= 0 for event 'tick', got Infinity");
    expect(() => sim.schedule(-1, 99)).toThrow("expected a finite delayMs >= 0 for event 'unknown(99)', got -1");
    expect(sim.pendingEvents).toBe(0);
  });

  it('rejects scheduling in the past, naming the current time and the requested one', () => {
    const { sim, kinds } = recordingSimulation(['tick']);
    sim.schedule(10, kinds.tick);
    sim.run();
    expect(() => sim.scheduleAt(5, kinds.tick)).toThrow(
      "expected a finite timeMs >= now (10) for event 'tick', got 5",
    );
    expect(() => sim.scheduleAt(NaN, kinds.tick)).toThrow("expected a finite timeMs >= now (10) for event 'tick', got NaN");
    expect(() => sim.scheduleAt(Infinity, kinds.tick)).toThrow(
      "expected a finite timeMs >= now (10) for event 'tick', got Infinity",
    );
    expect(sim.pendingEvents).toBe(0);
  });

  it('run(untilMs) processes events due up to untilMs inclusive and advances the clock to it', () => {
    const { sim, log, kinds } = recordingSimulation(['a']);
    for (const delayMs of [1, 5, 5, 9, 12]) sim.schedule(delayMs, kinds.a, delayMs);
    expect(sim.run(5)).toBe(3);
    expect(sim.nowMs).toBe(5);
    expect(sim.run(7)).toBe(0);
    expect(sim.nowMs).toBe(7); // no event, yet the clock moves
    expect(sim.pendingEvents).toBe(2);
    expect(sim.run(10)).toBe(1);
    expect(sim.nowMs).toBe(10);
    expect(sim.run()).toBe(1);
    expect(sim.nowMs).toBe(12); // run() to exhaustion leaves the clock at the last event
    expect(log).toEqual(['a@1:1', 'a@5:5', 'a@5:5', 'a@9:9', 'a@12:12']);
    expect(sim.eventsProcessed).toBe(5);
  });

  it('stop() ends run() after the current event and leaves the clock there; run() resumes', () => {
    const sim = new Simulation();
    const log: string[] = [];
    const tick = sim.register('tick', (arg) => {
      log.push(`tick@${sim.nowMs}:${arg}`);
      if (arg === 2) sim.stop();
      if (arg < 4) sim.schedule(1, tick, arg + 1);
    });
    sim.schedule(0, tick, 0);
    expect(sim.run(100)).toBe(3);
    expect(sim.nowMs).toBe(2);
    expect(log).toEqual(['tick@0:0', 'tick@1:1', 'tick@2:2']);
    expect(sim.run(100)).toBe(2);
    expect(sim.nowMs).toBe(100);
    expect(log).toEqual(['tick@0:0', 'tick@1:1', 'tick@2:2', 'tick@3:3', 'tick@4:4']);
  });

  it('lets an error thrown by a handler propagate instead of dropping the event silently', () => {
    const sim = new Simulation();
    const boom = sim.register('boom', () => {
      throw new Error('handler failed');
    });
    sim.schedule(3, boom);
    expect(() => sim.run()).toThrow('handler failed');
    expect(sim.nowMs).toBe(3);
    expect(sim.eventsProcessed).toBe(1);
  });

  it('passes every event to the observer until it is removed', () => {
    const { sim, kinds } = recordingSimulation(['a', 'b']);
    const observed: [number, string, number][] = [];
    sim.observe((timeMs, kind, arg) => observed.push([timeMs, sim.kindName(kind), arg]));
    sim.schedule(2, kinds.b, 7);
    sim.schedule(1, kinds.a, 8);
    sim.run();
    sim.observe(null);
    sim.schedule(1, kinds.a, 9);
    sim.run();
    expect(observed).toEqual([
      [1, 'a', 8],
      [2, 'b', 7],
    ]);
  });
});
