#!/usr/bin/env node
/**
 * The `sspe` binary: the composition root that wires every layer's commands
 * into the one command line (src/cli/program.ts). It lives in bridge/ because
 * it is the one place that needs both the learning system's commands and the
 * real cluster's, and dependencies point one way: bridge → src → sim.
 *
 * Commands are loaded on demand: TensorFlow.js and the Kubernetes client
 * alone take a second to import, which every `sspe simulate`, `sspe runs`
 * or refused flag would otherwise pay. When the first word is a command's
 * name only that command is loaded; anything else (`sspe --help`, a typo,
 * global flags first) loads them all, as before.
 */
import { hideBin } from 'yargs/helpers';
import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../../src/cli/options.js';
import { reportAndExit, runProgram } from '../../src/cli/program.js';

type Command = CommandModule<GlobalOptions>;

/** Every command by name, in the order --help lists them. */
const COMMANDS: readonly (readonly [string, () => Promise<Command>])[] = [
  ['start', async () => (await import('../../src/cli/commands/start.js')).startCommand as never],
  ['simulate', async () => (await import('../../src/cli/commands/simulate.js')).simulateCommand as never],
  ['sweep', async () => (await import('../../src/cli/commands/sweep.js')).sweepCommand as never],
  ['train', async () => (await import('../../src/cli/commands/train.js')).trainCommand as never],
  ['evaluate', async () => (await import('../../src/cli/commands/evaluate.js')).evaluateCommand as never],
  ['export', async () => (await import('../../src/cli/commands/export.js')).exportCommand as never],
  ['decide', async () => (await import('../../src/cli/commands/decide.js')).decideCommand as never],
  ['collect', async () => (await import('./commands/collect.js')).collectCommand as never],
  ['calibrate', async () => (await import('./commands/calibrate.js')).calibrateCommand as never],
  ['finetune', async () => (await import('./commands/finetune.js')).finetuneCommand as never],
  ['deploy', async () => (await import('./commands/deploy.js')).deployCommand as never],
  ['serve-env', async () => (await import('../../src/cli/commands/serve-env.js')).serveEnvCommand as never],
  ['rollout', async () => (await import('../../src/cli/commands/rollout.js')).rolloutCommand as never],
  ['runs', async () => (await import('../../src/cli/commands/runs.js')).runsCommand as never],
  ['bench', async () => (await import('../../src/cli/commands/bench.js')).benchCommand as never],
  ['testbed', async () => (await import('./commands/testbed.js')).testbedCommand as never],
];

/** The commands `argv` needs: the one its first word names, else all of them. */
async function commandsFor(argv: readonly string[]): Promise<Command[]> {
  const named = COMMANDS.find(([name]) => name === argv[0]);
  if (named !== undefined) return [await named[1]()];
  return Promise.all(COMMANDS.map(([, load]) => load()));
}

const argv = hideBin(process.argv);
commandsFor(argv)
  .then((commands) => runProgram(argv, commands))
  .catch(reportAndExit);
