import type { DecisionContext } from '../../../../src/agents/agent.js';
import type { TrialOutcome } from '../../../../src/backend/backend.js';
import { ConfigurationManager, type ActionEncoding } from '../../../../src/managers/configuration.js';
import type { ExecutorConfig } from '../../../../src/scenario/run-spec.js';
import type { Scenario } from '../../../../src/scenario/schema.js';
import type { KnobPoint } from '../../../../src/space/grid.js';

/** A measured window with plain values: 60 fps for 16 s, one batch processed, the next just cut. */
export function outcome(fields: Partial<TrialOutcome> = {}): TrialOutcome {
  const perFrameMs = { mean: 1000, p50: 1000, p95: 1200, p99: 1300, max: 1400 };
  return {
    perFrameMs,
    throughputFps: 30,
    backlogFrames: 480,
    framesArrived: 960,
    framesProcessed: 480,
    framesDropped: 0,
    cpuUtil: 0.3,
    memUtil: 0.3,
    executorsRunning: 6,
    pendingPods: 0,
    taskFailures: 0,
    executorLosses: 0,
    costPerHour: 0.5,
    sloViolationFraction: 0,
    redeployed: false,
    windowMs: 16_000,
    wallMs: 1,
    failure: null,
    ...fields,
  };
}

/** A decision in `config` at `fps` after the window `last`, as the environment would present it. */
export function decision(options: {
  scenario: Scenario;
  config: ExecutorConfig | KnobPoint;
  last: TrialOutcome | null;
  fps?: number;
  encoding?: ActionEncoding;
}): DecisionContext {
  const configuration = new ConfigurationManager(options.scenario, options.encoding ?? 'delta');
  configuration.set(options.config);
  return {
    observation: new Float32Array(12),
    mask: configuration.mask(),
    fps: options.fps ?? 60,
    config: configuration.config,
    last: options.last,
    configuration,
  };
}

/** Delta actions that change only the instance count. */
export const KEEP = 13;
export const ADD_ONE = 14;
export const REMOVE_ONE = 12;
