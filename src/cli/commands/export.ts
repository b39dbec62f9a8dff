import type { Argv, ArgumentsCamelCase } from 'yargs';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initTf, type Tf } from '../../agents/tf.js';
import { describeActionSpace, loadPolicy, savePolicy } from '../../policy/artifact.js';
import { isTeamBundle, loadTeam, saveTeam } from '../../policy/team-artifact.js';
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
  describe: 'Check a saved policy or team bundle and write a self-contained copy (models, weights, metadata and a README on loading it)',
  builder: (yargs: Argv<GlobalOptions>) =>
    yargs
      .positional('policyDir', { type: 'string', demandOption: true, describe: 'policy folder (model.json, weights.bin, policy.json) or team bundle (team.json, one folder per agent)' })
      .option('out', { type: 'string', demandOption: true, describe: 'folder to write the copy to' })
      .option('force', { type: 'boolean', default: false, describe: 'replace --out if it exists and is not empty' })
      .example('$0 export models/policies/paper-testbed-dqn --out out/exported-policy', 'a copy of the shipped policy to ship next to a Spark application')
      .example('$0 export models/policies/diurnal-pool-vdn --out out/exported-team', 'a copy of the shipped five-agent team (each agent checked against team.json)'),
  handler: async (args: ArgumentsCamelCase<ExportOptions>) => {
    checkOutputDir(args.out, '--out');
    const { tf } = await initTf();
    if (isTeamBundle(args.policyDir)) {
      await exportTeam(args, tf);
      return;
    }
    const policy = await loadPolicy(args.policyDir, { tf });
    await savePolicy(args.out, { model: policy.model, metadata: policy.metadata, overwrite: args.force });
    const files = filesOf(args.out);
    const m = policy.metadata;
    if (args.json) {
      console.log(JSON.stringify({ policy: args.policyDir, out: args.out, name: m.name, scenario: m.scenario, actionSpace: describeActionSpace(m.actionSpace), files }, null, 2));
      return;
    }
    console.log(`exported policy '${m.name}' (${describeActionSpace(m.actionSpace)}) from ${args.policyDir} to ${args.out}`);
    console.log(formatTable(['file', 'bytes'], files.map((f) => [f.name, f.bytes])));
  },
};

/** Every file under a folder, sub-folders included, by path relative to it, sorted. */
function filesOf(dir: string, prefix = ''): { name: string; bytes: number }[] {
  return readdirSync(join(dir, prefix))
    .sort()
    .flatMap((name) => {
      const path = join(prefix, name);
      const stat = statSync(join(dir, path));
      return stat.isDirectory() ? filesOf(dir, path) : [{ name: path, bytes: stat.size }];
    });
}

/** A team bundle: loaded (team.json checked, each agent's network against its features) and written whole, README included. */
async function exportTeam(args: ArgumentsCamelCase<ExportOptions>, tf: Tf): Promise<void> {
  const team = await loadTeam(args.policyDir, { tf });
  await saveTeam(args.out, { metadata: team.metadata, models: team.models, tf, overwrite: args.force });
  const files = filesOf(args.out);
  const m = team.metadata;
  const agents = m.agents.map((a) => ({ name: a.name, encoding: a.encoding, actions: a.actionCount, features: a.features.length }));
  if (args.json) {
    console.log(JSON.stringify({ policy: args.policyDir, out: args.out, name: m.name, team: true, method: m.method, scenario: m.scenario, agents, files }, null, 2));
    return;
  }
  console.log(`exported team policy '${m.name}' (${m.method}, ${agents.map((a) => `${a.name} ${a.actions}`).join(' + ')} actions) from ${args.policyDir} to ${args.out}`);
  console.log(formatTable(['file', 'bytes'], files.map((f) => [f.name, f.bytes])));
}
