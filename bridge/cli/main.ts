#!/usr/bin/env node
/**
 * The `sspe` binary: the composition root that wires every layer's commands
 * into the one command line (src/cli/program.ts). It lives in bridge/ because
 * it is the one place that needs both the learning system's commands and the
 * real cluster's, and dependencies point one way: bridge → src → sim.
 */
import { hideBin } from 'yargs/helpers';
import type { CommandModule } from 'yargs';
import { benchCommand } from '../../src/cli/commands/bench.js';
import { decideCommand } from '../../src/cli/commands/decide.js';
import { evaluateCommand } from '../../src/cli/commands/evaluate.js';
import { exportCommand } from '../../src/cli/commands/export.js';
import { rolloutCommand } from '../../src/cli/commands/rollout.js';
import { runsCommand } from '../../src/cli/commands/runs.js';
import { serveEnvCommand } from '../../src/cli/commands/serve-env.js';
import { simulateCommand } from '../../src/cli/commands/simulate.js';
import { startCommand } from '../../src/cli/commands/start.js';
import { sweepCommand } from '../../src/cli/commands/sweep.js';
import { trainCommand } from '../../src/cli/commands/train.js';
import type { GlobalOptions } from '../../src/cli/options.js';
import { reportAndExit, runProgram } from '../../src/cli/program.js';
import { calibrateCommand } from './commands/calibrate.js';
import { collectCommand } from './commands/collect.js';
import { deployCommand } from './commands/deploy.js';
import { finetuneCommand } from './commands/finetune.js';

/** Every command, in the order --help lists them. */
async function commands(): Promise<CommandModule<GlobalOptions>[]> {
  return [
    startCommand,
    simulateCommand,
    sweepCommand,
    trainCommand,
    evaluateCommand,
    exportCommand,
    decideCommand,
    collectCommand,
    calibrateCommand,
    finetuneCommand,
    deployCommand,
    serveEnvCommand,
    rolloutCommand,
    runsCommand,
    benchCommand,
    (await import('./commands/testbed.js')).testbedCommand,
  ] as never[];
}

commands()
  .then((all) => runProgram(hideBin(process.argv), all))
  .catch(reportAndExit);
