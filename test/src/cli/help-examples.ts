/**
 * Every example `sspe <command> --help` shows, run as a user would paste it
 * (through bash, pipes and redirections included) in a scratch copy of the
 * repository's scenarios/ and models/, so whatever an example writes lands
 * there: it must exit 0. Commands run in the order a user would (collect
 * before calibrate and finetune, finetune before deploy, decide's template
 * before the decide that reads it), in one workspace.
 *
 * Two kinds of adjustment, each with its reason in the table below: a budget
 * cut for examples that take minutes (the same command with fewer episodes or
 * real runs; the path it exercises is the same), and the real-Spark examples,
 * which run when the Spark toolchain is there (`npm test` installs it first)
 * and are skipped only outside CI when SSPE_EXAMPLES_SKIP_SPARK=1.
 *
 * Two test files run them: help-examples.test.ts every example but `bench
 * bridge`, in order in one workspace; help-examples-bench-bridge.test.ts the
 * `bench bridge` ones, which need nothing another example wrote and take
 * minutes, so the two files run side by side.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './run-cli.js';
import { benchCommand } from '../../../src/cli/commands/bench.js';
import { calibrateCommand } from '../../../bridge/cli/commands/calibrate.js';
import { collectCommand } from '../../../bridge/cli/commands/collect.js';
import { decideCommand } from '../../../src/cli/commands/decide.js';
import { deployCommand } from '../../../bridge/cli/commands/deploy.js';
import { evaluateCommand } from '../../../src/cli/commands/evaluate.js';
import { exportCommand } from '../../../src/cli/commands/export.js';
import { finetuneCommand } from '../../../bridge/cli/commands/finetune.js';
import { runsCommand } from '../../../src/cli/commands/runs.js';
import { simulateCommand } from '../../../src/cli/commands/simulate.js';
import { startCommand } from '../../../src/cli/commands/start.js';
import { sweepCommand } from '../../../src/cli/commands/sweep.js';
import { trainCommand } from '../../../src/cli/commands/train.js';

export interface Example {
  command: string;
  text: string;
  description: string;
}

/** The examples a command's builder declares, read with a stand-in for yargs that records .example() and ignores the rest. */
function examplesOf(command: { command: string; builder: (yargs: never) => unknown }): Example[] {
  const found: Example[] = [];
  const recorder: object = new Proxy(
    {},
    {
      get: (_, method) => (...args: unknown[]) => {
        if (method === 'example') found.push({ command: command.command.split(' ')[0], text: String(args[0]), description: String(args[1]) });
        return recorder;
      },
    },
  );
  command.builder(recorder as never);
  return found;
}

// The order a user follows: what one example writes, a later one reads.
const COMMANDS = [
  simulateCommand, sweepCommand, runsCommand, trainCommand, exportCommand, decideCommand, evaluateCommand,
  collectCommand, calibrateCommand, finetuneCommand, deployCommand, startCommand, benchCommand,
];
const EXAMPLES = COMMANDS.flatMap((c) => examplesOf(c as never));

/** Budget cuts: which examples, how, and why. Each keeps the command and its path; only the amount of work shrinks. */
const BUDGET: { applies: (text: string) => boolean; cut: (text: string) => string; why: string }[] = [
  { applies: (t) => t === '$0 start', cut: (t) => `${t} --episodes 8 --seeds 1`, why: 'npm start trains for two minutes; the smoke budget runs the same path' },
  { applies: (t) => t.startsWith('$0 train') && !t.includes('--episodes'), cut: (t) => `${t} --episodes 8`, why: "the scenario's 500 episodes take minutes" },
  { applies: (t) => t.includes('--episodes 100'), cut: (t) => t.replace('--episodes 100', '--episodes 8'), why: '100 episodes take a minute' },
  {
    applies: (t) => t.startsWith('$0 evaluate'),
    cut: (t) => (t.includes('--seeds') ? t.replace(/--seeds \d+/, '--seeds 1') : `${t} --seeds 1`),
    why: 'five seeds at six load levels take minutes; one seed runs every baseline',
  },
  { applies: (t) => t.startsWith('$0 bench'), cut: (t) => `${t} --quick`, why: 'the full benchmarks take minutes (bench bridge: 12)' },
  {
    applies: (t) => t.includes('--budget 10'),
    // The --resume example follows a finished fine-tuning here, so one more run in its budget makes it resume for real.
    cut: (t) => t.replace('--budget 10', t.includes('--resume') ? '--budget 3' : '--budget 2'),
    why: 'ten real runs take minutes',
  },
  { applies: (t) => t.includes('--windows 5'), cut: (t) => t.replace('--windows 5', '--windows 1'), why: 'five real windows take minutes' },
  {
    applies: (t) => t.startsWith('$0 calibrate --runs'),
    cut: (t) => t.replace(' --json', ' --holdout 0 --json'),
    why: 'the budget collection has 4 configurations: the default three parameters fit from 4, but a MAPE needs 3 more held out; a fit on every run takes the same path',
  },
  {
    applies: (t) => t.startsWith('$0 collect'),
    cut: (t) => t.replace(/ --repeat \d+/, '').replace(/--configs \S+/, '').replace(' --out', ' --configs 1/512/1 --out'),
    why: 'the default grid, repeated, is many real runs; one configuration once exercises the same path',
  },
];

/**
 * Examples that do not run yet, with why. The test expects them to fail, so
 * the fix shows up here as a failure: then delete the entry.
 */
const KNOWN_BROKEN: Record<string, string> = {};

const REAL_SPARK_COMMANDS = new Set(['collect', 'calibrate', 'finetune', 'deploy']);
const needsSpark = (e: Example) => REAL_SPARK_COMMANDS.has(e.command) || isBenchBridge(e);
const sparkHere = existsSync(join(repoRoot, '.venv', 'bin', 'spark-submit'));
// Outside CI only: CI always runs them (npm test installs the toolchain before the tests).
const skipSpark = process.env.SSPE_EXAMPLES_SKIP_SPARK === '1' && process.env.CI !== 'true';

/** The example as the test runs it: budget cuts applied, `$0` the compiled CLI. */
function adjusted(example: Example): string {
  const text = BUDGET.reduce((t, b) => (b.applies(example.text) ? b.cut(t) : t), example.text);
  return text.replace(/\$0/g, `node ${join(repoRoot, 'dist', 'bridge', 'cli', 'main.js')}`);
}

/** The `bench bridge` examples: independent of every other example's output, and minutes long. */
export const isBenchBridge = (e: Example) => e.text.startsWith('$0 bench bridge');

/** Defines the tests: the checks on every command's examples (with `checks`), and every selected example run in order in one scratch workspace. */
export function exampleTests(select: (e: Example) => boolean, options: { checks: boolean }): void {
  const workspace = mkdtempSync(join(tmpdir(), 'sspe-examples-'));
  cpSync(join(repoRoot, 'scenarios'), join(workspace, 'scenarios'), { recursive: true });
  cpSync(join(repoRoot, 'models'), join(workspace, 'models'), { recursive: true });

  afterAll(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  describe('every --help example runs when pasted', () => {
    if (options.checks) {
      it('every command has examples, and none points at a path that never exists', () => {
        for (const command of COMMANDS) expect(examplesOf(command as never).length, command.command).toBeGreaterThan(0);
        for (const e of EXAMPLES) expect(e.text, 'the shipped policy is models/policies/paper-testbed-dqn').not.toMatch(/models\/paper-dqn/);
      });

      it('the examples are whole lines in --help, not broken mid-token, when piped', () => {
        const help = execFileSync(process.execPath, [join(repoRoot, 'dist', 'bridge', 'cli', 'main.js'), 'decide', '--help'], { encoding: 'utf8' });
        for (const e of examplesOf(decideCommand as never)) expect(help).toContain(e.text.replace('$0', 'sspe'));
      });
    }

    it.each(EXAMPLES.filter(select).map((e) => [e.text, e] as const))('%s', (_, example) => {
      if (needsSpark(example) && (skipSpark || !sparkHere)) {
        // Not a silent pass: without the toolchain (and outside CI) the reason is printed.
        console.log(`skipped (needs real Spark: ${sparkHere ? 'SSPE_EXAMPLES_SKIP_SPARK=1' : 'no .venv; run scripts/setup-python.sh'}): ${example.text}`);
        expect(process.env.CI).not.toBe('true');
        return;
      }
      const run = spawnSync('bash', ['-c', adjusted(example)], {
        cwd: workspace,
        encoding: 'utf8',
        env: { ...process.env, FORCE_COLOR: '0', SSPE_RUN_LOG: '' },
        // bench bridge --quick took 6.4 minutes here with three other jobs on two cores.
        timeout: 1_200_000,
      });
      if (example.text in KNOWN_BROKEN) {
        console.log(`known broken (${KNOWN_BROKEN[example.text]}): ${example.text}`);
        expect(run.status, 'this example runs now: delete its KNOWN_BROKEN entry').not.toBe(0);
        return;
      }
      expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr.slice(-2000) }).toEqual({ status: 0, stderr: '' });
    }, 1_200_000);
  });
}
