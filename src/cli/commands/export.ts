import type { Argv, ArgumentsCamelCase } from 'yargs';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initTf } from '../../agents/tf.js';
import { describeActionSpace, loadPolicy, savePolicy } from '../../policy/artifact.js';
import { checkOutputDir } from '../../output-dir.js';
import { formatTable } from '../table.js';
import type { GlobalOptions } from '../options.js';

interface ExportOptions extends GlobalOptions {
  policyDir: string;
  out: string;
  force: boolean;
}

export const exportCommand = {
  command: 'export <policyDir>',
  describe: 'Check a saved policy and write a self-contained copy (model, weights, metadata and a README on loading it)',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .positional('policyDir', { type: 'string', demandOption: true, describe: 'policy folder (model.json, weights.bin, policy.json)' })
      .option('out', { type: 'string', demandOption: true, describe: 'folder to write the copy to' })
      .option('force', { type: 'boolean', default: false, describe: 'replace --out if it exists and is not empty' })
      .example('$0 export models/policies/paper-testbed-dqn --out out/exported-policy', 'a copy of the shipped policy to ship next to a Spark application'),
  handler: async (args: ArgumentsCamelCase<ExportOptions>) => {
    checkOutputDir(args.out, '--out');
    const { tf } = await initTf();
    const policy = await loadPolicy(args.policyDir, { tf });
    await savePolicy(args.out, { model: policy.model, metadata: policy.metadata, overwrite: args.force });
    const files = readdirSync(args.out)
      .sort()
      .map((name) => ({ name, bytes: statSync(join(args.out, name)).size }));
    const m = policy.metadata;
    if (args.json) {
      console.log(JSON.stringify({ policy: args.policyDir, out: args.out, name: m.name, scenario: m.scenario, actionSpace: describeActionSpace(m.actionSpace), files }, null, 2));
      return;
    }
    console.log(`exported policy '${m.name}' (${describeActionSpace(m.actionSpace)}) from ${args.policyDir} to ${args.out}`);
    console.log(formatTable(['file', 'bytes'], files.map((f) => [f.name, f.bytes])));
  },
};
