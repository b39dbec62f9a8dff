import type { Box, Discrete } from './spaces.js';

/** Gymnasium's reset/step contract, asynchronous so that a real cluster can stand behind it. */
export interface Env<Obs, Act, Info> {
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  reset(options?: { seed?: number | string }): Promise<{ observation: Obs; info: Info }>;
  step(action: Act): Promise<StepResult<Obs, Info>>;
  /** 1 where an action is allowed in the current state. */
  actionMask(): Uint8Array;
  close(): Promise<void>;
}

export interface StepResult<Obs, Info> {
  observation: Obs;
  reward: number;
  /** The episode reached a terminal state (never, for configuration tuning). */
  terminated: boolean;
  /** The episode was cut at its step limit. */
  truncated: boolean;
  info: Info;
}
