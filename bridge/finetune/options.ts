/**
 * The fine-tuning knobs, declared once: `finetune()` and `finetuneTeam()`
 * fill their defaults from here and `sspe finetune` builds its flags from the
 * same table; with what follows from them at each real run (the exploration
 * chance, the run's random source).
 */
import { Rng } from '../../sim/random.js';
import { checkOption, type OptionValues } from '../../src/config/options.js';
import { UserInputError } from '../../src/errors.js';

export const FINETUNE_OPTIONS = {
  trustRegion: { kind: 'number', default: 1, min: 0, max: 100, integer: true, description: "exploration stays within this many grid steps (per knob) of the policy's own choice; 0 = never explore" },
  simRatio: { kind: 'number', default: 3, min: 0, max: 1000, description: 'simulated transitions per real one in each gradient batch (0 = real transitions only)' },
  epsilonStart: { kind: 'number', default: 0.3, min: 0, max: 1, description: 'chance that the first real run explores (inside the trust region)' },
  epsilonDecay: { kind: 'number', default: 0.8, min: 0, max: 1, description: 'exploration chance multiplier per real run' },
  epsilonMin: { kind: 'number', default: 0.02, min: 0, max: 1, description: 'lowest exploration chance' },
  gradientStepsPerRun: { kind: 'number', default: 16, min: 0, max: 100_000, integer: true, description: 'gradient steps on mixed real + simulated batches after each real run' },
  batchSize: { kind: 'number', default: 32, min: 1, max: 65_536, integer: true, description: 'transitions per gradient batch, real and simulated together' },
  learningRate: { kind: 'number', default: 0.0005, min: 1e-7, max: 1, description: 'Adam learning rate of the fine-tuning steps' },
  simStepsPerRun: { kind: 'number', default: 64, min: 0, max: 1_000_000, integer: true, description: 'simulated transitions generated afresh for the gradient steps of each real run' },
  simEpisodeSteps: { kind: 'number', default: 8, min: 1, max: 10_000, integer: true, description: "length of each simulated episode; episodes start from the real runs' current configurations" },
  simLookahead: { kind: 'boolean', default: true, description: "besides the episodes, try every allowed action once in the simulator from each load's real state (the steps that decide the next real run)" },
  groundLatency: { kind: 'boolean', default: true, description: 'scale simulated per-frame times by the real ÷ simulated ratio measured on the real runs so far, so that real and simulated rewards share one scale' },
  simEpsilon: { kind: 'number', default: 0.3, min: 0, max: 1, description: 'exploration chance in the simulator (any allowed action: simulated runs are free)' },
  recalibrateEvery: { kind: 'number', default: 5, min: 1, max: 100_000, integer: true, description: "real runs between calls of the recalibration hook, which refreshes the simulator's profile" },
} as const;

export type FinetuneSettings = OptionValues<typeof FINETUNE_OPTIONS>;

/** The declared defaults, overridden by the options given; each checked against its range. */
export function settingsFrom(options: Partial<FinetuneSettings>): FinetuneSettings {
  const settings: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(FINETUNE_OPTIONS)) {
    const value = options[key as keyof FinetuneSettings];
    if (value === undefined) {
      settings[key] = spec.default;
      continue;
    }
    const problem = checkOption(spec, value);
    if (problem !== null) throw new UserInputError(`${key}: ${problem}`);
    settings[key] = value;
  }
  return settings as FinetuneSettings;
}

/** The exploration chance of real run `index`. */
export function epsilonAt(index: number, s: FinetuneSettings): number {
  return Math.max(s.epsilonMin, s.epsilonStart * s.epsilonDecay ** index);
}

/** Every random draw of run `index` comes from here: a restart draws the same. */
export function runRng(seed: number | string, index: number): Rng {
  return new Rng(seed, `finetune/run-${index}`);
}
