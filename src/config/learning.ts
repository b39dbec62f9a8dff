/**
 * The learning section of a scenario (`learning:` in YAML): how episodes are
 * built, how actions are encoded, how actions are scored, and the DQN's
 * hyper-parameters. Defaults follow the reference paper (mission.md).
 */
import type { OptionValues } from './options.js';

export const ENV_OPTIONS = {
  encoding: { kind: 'choice', default: 'delta', choices: ['delta', 'absolute'] as const, description: "actions: 'delta' = -1/0/+1 step per knob (3^3 joint actions, the paper's), 'absolute' = pick any configuration of the grid" },
  stepsPerEpisode: { kind: 'number', default: 20, min: 1, max: 100_000, integer: true, description: 'decisions (trials) per episode' },
  windowBatches: { kind: 'number', default: 2, min: 1, max: 1000, integer: true, description: 'micro-batches measured per trial (the window is this many batch fill times at the current load)' },
  loadSchedule: { kind: 'choice', default: 'levels', choices: ['levels', 'walk', 'trace'] as const, description: "load per step: 'levels' = random fps level from workload.fpsLevels, changing with levelChangeProbability; 'walk' = any load between the lowest and highest level, ramping over 1 to 10 steps to a new random target with levelChangeProbability (loads between the levels, and trends); 'trace' = the scenario trace sampled at each window" },
  levelChangeProbability: { kind: 'number', default: 0.1, min: 0, max: 1, description: "with loadSchedule 'levels': chance per step that the load jumps to another level; with 'walk': chance per step, while the load holds, that it starts ramping to a new target" },
  backendMode: { kind: 'choice', default: 'trial', choices: ['trial', 'continuous'] as const, description: "'trial' = each step a fresh submission measured in steady state (the paper's); 'continuous' = one long-running application reconfigured in place" },
  settleMs: { kind: 'number', default: 30_000, min: 0, max: 3_600_000, description: "with backendMode 'continuous': time after a reconfiguration before measuring (skips the dip after a redeploy), ms" },
} as const;

export const REWARD_OPTIONS = {
  kind: { kind: 'choice', default: 'inverse', choices: ['inverse', 'slo', 'cost', 'slo-cost'] as const, description: "'inverse' = 1000 / per-frame ms (the paper's); 'slo' = +1 within the SLO, minus the relative overshoot outside; 'cost' = inverse minus costWeight × $/hour; 'slo-cost' = meet the SLO first, then the cheaper the requests ($/hour) the better" },
  costWeight: { kind: 'number', default: 1, min: 0, max: 1e6, description: "with kind 'cost': reward lost per $/hour of cluster cost" },
  dropPenalty: { kind: 'number', default: 1, min: 0, max: 1e6, description: 'reward lost per unit fraction of frames dropped (failed trials score the lowest reward)' },
  changePenalty: { kind: 'number', default: 0, min: 0, max: 1e6, description: 'reward lost per decision that changes the configuration (discourages flapping between equally good ones)' },
} as const;

export const DQN_OPTIONS = {
  episodes: { kind: 'number', default: 500, min: 1, max: 1_000_000, integer: true, description: 'training episodes (the paper: at most 500)' },
  gamma: { kind: 'number', default: 0.95, min: 0, max: 1, description: 'discount factor' },
  epsilonStart: { kind: 'number', default: 1, min: 0, max: 1, description: 'exploration rate at the first episode' },
  epsilonMin: { kind: 'number', default: 0.01, min: 0, max: 1, description: 'lowest exploration rate' },
  epsilonDecay: { kind: 'number', default: 0.995, min: 0, max: 1, description: 'exploration rate multiplier per episode' },
  learningRate: { kind: 'number', default: 0.001, min: 1e-7, max: 1, description: 'Adam learning rate' },
  batchSize: { kind: 'number', default: 32, min: 1, max: 65_536, integer: true, description: 'transitions per gradient step' },
  bufferSize: { kind: 'number', default: 50_000, min: 1, max: 10_000_000, integer: true, description: 'replay buffer capacity, transitions' },
  learningStarts: { kind: 'number', default: 500, min: 0, max: 10_000_000, integer: true, description: 'transitions collected before the first gradient step' },
  trainEvery: { kind: 'number', default: 1, min: 1, max: 10_000, integer: true, description: 'vector steps between gradient steps' },
  targetUpdateEvery: { kind: 'number', default: 250, min: 1, max: 10_000_000, integer: true, description: 'gradient steps between target-network copies' },
  hiddenUnits: { kind: 'number', default: 64, min: 1, max: 4096, integer: true, description: 'units in each of the two hidden layers' },
  doubleDqn: { kind: 'boolean', default: true, description: 'Double DQN targets (online net picks, target net scores)' },
  numEnvs: { kind: 'number', default: 8, min: 1, max: 1024, integer: true, description: 'environments stepped in parallel (one forward pass serves all)' },
  evalEvery: { kind: 'number', default: 8, min: 0, max: 1_000_000, integer: true, description: 'episodes between greedy evaluations (one episode pinned at each load level, or fixed-seed walks under loadSchedule: walk); the best-scoring weights are saved, not the last (0 = save the last)' },
  evalFrom: { kind: 'number', default: 250, min: 0, max: 1_000_000, integer: true, description: 'no evaluation before this episode (capped at episodes: the last round is always evaluated)' },
} as const;

export type EnvOptions = OptionValues<typeof ENV_OPTIONS>;
export type RewardOptions = OptionValues<typeof REWARD_OPTIONS>;
export type DqnOptions = OptionValues<typeof DQN_OPTIONS>;

export interface LearningConfig {
  env: EnvOptions;
  reward: RewardOptions;
  dqn: DqnOptions;
}
