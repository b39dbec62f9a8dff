import { EventQueue } from './event-queue.js';

/** Handles one event; `arg` is whatever number the scheduler passed (usually an entity index). */
export type EventHandler = (arg: number) => void;

/** Called for every event processed, e.g. to hash the trace. */
export type EventObserver = (timeMs: number, kind: number, arg: number) => void;

/**
 * The discrete-event loop: simulated time in milliseconds, handlers registered
 * once per event kind, events carried as (time, priority, kind, numeric arg)
 * in a typed-array heap. Handlers are plain functions looked up by kind, so
 * the hot loop allocates nothing.
 */
export class Simulation {
  nowMs = 0;
  eventsProcessed = 0;
  private readonly queue: EventQueue;
  private readonly handlers: EventHandler[] = [];
  private readonly kindNames: string[] = [];
  private stopped = false;
  private observer: EventObserver | null = null;

  constructor(options: { initialCapacity?: number } = {}) {
    this.queue = new EventQueue(options.initialCapacity ?? 1024);
  }

  /** Registers a handler and returns the event kind to schedule it with. */
  register(name: string, handler: EventHandler): number {
    this.handlers.push(handler);
    this.kindNames.push(name);
    return this.handlers.length - 1;
  }

  kindName(kind: number): string {
    return this.kindNames[kind] ?? `unknown(${kind})`;
  }

  get pendingEvents(): number {
    return this.queue.size;
  }

  /** Time of the next event, Infinity when none. */
  get nextEventMs(): number {
    return this.queue.peekTimeMs();
  }

  observe(observer: EventObserver | null): void {
    this.observer = observer;
  }

  /** Schedules `kind` after `delayMs` (≥ 0) of simulated time. */
  schedule(delayMs: number, kind: number, arg = 0, priority = 0): void {
    if (!(delayMs >= 0) || delayMs === Infinity) {
      throw new RangeError(`expected a finite delayMs >= 0 for event '${this.kindName(kind)}', got ${delayMs}`);
    }
    this.queue.push(this.nowMs + delayMs, priority, kind, arg);
  }

  /** Schedules `kind` at absolute simulated time `timeMs` (not in the past). */
  scheduleAt(timeMs: number, kind: number, arg = 0, priority = 0): void {
    if (!(timeMs >= this.nowMs) || timeMs === Infinity) {
      throw new RangeError(
        `expected a finite timeMs >= now (${this.nowMs}) for event '${this.kindName(kind)}', got ${timeMs}`,
      );
    }
    this.queue.push(timeMs, priority, kind, arg);
  }

  /** Processes the next event, if any; returns false when the queue is empty. */
  step(): boolean {
    const queue = this.queue;
    if (queue.size === 0) return false;
    queue.pop();
    const kind = queue.poppedKind;
    this.nowMs = queue.poppedTimeMs;
    this.eventsProcessed++;
    if (this.observer !== null) this.observer(this.nowMs, kind, queue.poppedArg);
    this.handlers[kind](queue.poppedArg);
    return true;
  }

  /** Stops run() after the current event. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Processes events in order until the queue is empty, stop() is called, or
   * the next event lies beyond `untilMs` (the clock then advances to untilMs).
   * Returns the number of events processed by this call.
   */
  run(untilMs = Infinity): number {
    const queue = this.queue;
    const handlers = this.handlers;
    const start = this.eventsProcessed;
    this.stopped = false;
    while (!this.stopped && queue.size > 0 && queue.peekTimeMs() <= untilMs) {
      queue.pop();
      const kind = queue.poppedKind;
      this.nowMs = queue.poppedTimeMs;
      this.eventsProcessed++;
      if (this.observer !== null) this.observer(this.nowMs, kind, queue.poppedArg);
      handlers[kind](queue.poppedArg);
    }
    if (!this.stopped && untilMs !== Infinity && this.nowMs < untilMs) this.nowMs = untilMs;
    return this.eventsProcessed - start;
  }
}
