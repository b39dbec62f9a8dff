/**
 * The load a deployment runs at, window by window: the scenario's trace by
 * wall-clock time since the start, or a constant rate (`sspe deploy --load`).
 */
import { fpsAt } from '../../sim/workload/trace.js';
import { UserInputError } from '../../src/errors.js';
import { MAX_FPS, type Scenario } from '../../src/scenario/schema.js';

/** `--load trace` (the scenario's trace, by wall-clock time since the start) or a constant number of fps. */
export function loadSourceFrom(text: string, scenario: Scenario, nowMs: () => number): () => number {
  if (text.trim() === 'trace') {
    const startMs = nowMs();
    const floor = Math.min(...scenario.workload.fpsLevels) / 10;
    return () => Math.max(floor, fpsAt(scenario.workload.trace, nowMs() - startMs));
  }
  const fps = Number(text);
  if (text.trim() === '' || !Number.isFinite(fps) || fps <= 0 || fps > MAX_FPS) {
    throw new UserInputError(`--load: expected 'trace' or a number of frames per second in (0, ${MAX_FPS}], got '${text}'`);
  }
  return () => fps;
}
