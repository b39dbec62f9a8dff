import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UserInputError } from '../../errors.js';
import type { GlobalOptions } from '../options.js';

/** Longest training budget `bench agents --train-seconds` takes, per learning method. */
const MAX_TRAIN_SECONDS = 3600;

interface BenchOptions extends GlobalOptions {
  suite: 'sim' | 'agent' | 'agents' | 'bridge' | 'adapter';
  quick: boolean;
  keep: boolean;
  k8s: boolean;
  trainSeconds?: number;
}

export const benchCommand = {
  command: 'bench <suite>',
  describe: 'Run a benchmark and print measured figures against their targets',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .positional('suite', {
        choices: ['sim', 'agent', 'agents', 'bridge', 'adapter'] as const,
        demandOption: true,
        describe: 'sim: event engine (vs SimPy), full model, trials/s, peak memory; agent: training time to the oracle, decide latency; agents: the five agents (IDQN, VDN) against the Kubernetes stack, the Flink autoscaler, the static best and a joint-space DQN on diurnal-pool (about 12 minutes); bridge: real Spark on this machine — calibration error, real runs to tune (several minutes); adapter: environment steps/s through the Python adapter (sspe_gym over sspe serve-env) vs inside TypeScript, at 1 and 8 environments per message',
      })
      .option('quick', { type: 'boolean', default: false, describe: 'tiny budget (a smoke run; figures are noisy)' })
      .option('keep', { type: 'boolean', default: false, describe: "bridge: keep the working folder (real runs' CSV, event logs, profile, policies); its path is in the output" })
      .option('k8s', {
        type: 'boolean',
        default: true,
        describe: 'bridge: also run the grid on a real Kubernetes testbed (sspe testbed up; needs scripts/setup-k8s.sh); --no-k8s skips it',
      })
      .option('train-seconds', {
        type: 'number',
        describe: `agents: wall budget of each learning method, s (default 150, 20 with --quick; training to the targets should take at most 600), in (0, ${MAX_TRAIN_SECONDS}]`,
      })
      .example('$0 bench sim', 'the simulator benchmark as a table')
      .example('$0 bench agent --json', 'the learning benchmark as one JSON object')
      .example('$0 bench agents --quick', 'the multi-agent benchmark at a tiny budget (a smoke run)')
      .example('$0 bench adapter --json', 'the Python adapter\'s cost per environment step (about a minute)')
      .example('$0 bench bridge --keep', 'real Spark here, local-cluster and k8s:// (about 40 minutes), keeping the runs for a look'),
  handler: async (args: ArgumentsCamelCase<BenchOptions>) => {
    const onProgress = (stage: string) => {
      // Progress goes to stderr even without a terminal: these runs take minutes and their log is worth keeping.
      process.stderr.write(`bench ${args.suite}: ${stage}\n`);
    };
    if (args.trainSeconds !== undefined) {
      if (args.suite !== 'agents') throw new UserInputError(`--train-seconds: only 'bench agents' trains policies, got suite '${args.suite}'`);
      if (!(args.trainSeconds > 0 && args.trainSeconds <= MAX_TRAIN_SECONDS)) {
        throw new UserInputError(`--train-seconds: expected seconds in (0, ${MAX_TRAIN_SECONDS}], got ${String(args.trainSeconds)}`);
      }
    }
    // Loaded on demand: the benchmark code stays out of every other command's start-up.
    if (args.suite === 'sim') {
      const { benchSim, formatBenchSimTable } = await import('../../../bench/sim.js');
      const result = await benchSim({ quick: args.quick, onProgress });
      console.log(args.json ? JSON.stringify(result, null, 2) : formatBenchSimTable(result));
    } else if (args.suite === 'agent') {
      const { benchAgent, formatBenchAgentTable } = await import('../../../bench/agent.js');
      const result = await benchAgent({ quick: args.quick, onProgress });
      console.log(args.json ? JSON.stringify(result, null, 2) : formatBenchAgentTable(result));
    } else if (args.suite === 'agents') {
      const { benchAgents, formatBenchAgentsTable } = await import('../../../bench/agents.js');
      const result = await benchAgents({ quick: args.quick, onProgress, ...(args.trainSeconds !== undefined ? { trainSeconds: args.trainSeconds } : {}) });
      console.log(args.json ? JSON.stringify(result, null, 2) : formatBenchAgentsTable(result));
    } else if (args.suite === 'adapter') {
      const { benchAdapter, formatBenchAdapterTable } = await import('../../../bench/adapter.js');
      const result = await benchAdapter({ quick: args.quick, onProgress });
      console.log(args.json ? JSON.stringify(result, null, 2) : formatBenchAdapterTable(result));
    } else {
      const { benchBridge, formatBenchBridgeTable } = await import('../../../bench/bridge.js');
      const result = await benchBridge({ quick: args.quick, keep: args.keep, k8s: args.k8s, onProgress });
      console.log(args.json ? JSON.stringify(result, null, 2) : formatBenchBridgeTable(result));
    }
  },
};
