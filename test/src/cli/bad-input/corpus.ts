/**
 * The bad-input corpus: inputs a new user (or a hostile file) can give sspe,
 * each with the one line it must answer. bad-input.test.ts runs every case
 * through the compiled CLI in an empty temp folder and checks what a user
 * notices: exit code 2, exactly one line on stderr naming the file or flag,
 * the field and what is allowed, nothing on stdout, no file left behind, and
 * the inputs untouched.
 */
import { cpSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { RunLog } from '../../../../src/runlog/run-log.js';
import { trial } from '../../runlog/trial-fixture.js';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const PAPER_SCENARIO = `${REPO}scenarios/paper-testbed.yaml`;
export const SHIPPED_POLICY = `${REPO}models/policies/paper-testbed-dqn`;

const paperProfile = readFileSync(`${REPO}models/profiles/paper-testbed.json`, 'utf8');
/** The paper-testbed scenario with its profile next to it in the temp folder. */
const paperYaml = readFileSync(PAPER_SCENARIO, 'utf8').replace(/^profile: .*$/m, 'profile: profile.json');
const scenarioFiles = (extra = '', yaml = paperYaml): Record<string, string> => ({
  'scenario.yaml': `${yaml}${extra}`,
  'profile.json': paperProfile,
});

/** A valid state for the shipped policy. */
const state = (patch: Record<string, unknown> = {}) =>
  JSON.stringify({ fps: 40, config: { cores: 2, memory_mb: 800, instances: 6 }, ...patch });

/** Nine-fold YAML aliases, seven deep: 9^7 = 4.8 million nodes from 600 bytes. */
function aliasBomb(key: string): string {
  const lines = [`${key}:`, '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) {
    lines.push(`  ${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

const passwd = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n';

/** The shipped policy with every weight NaN (as a diverged training leaves it). */
function nanPolicy(dir: string): void {
  const out = join(dir, 'nan-policy');
  cpSync(SHIPPED_POLICY, out, { recursive: true });
  const bytes = statSync(join(out, 'weights.bin')).size;
  writeFileSync(join(out, 'weights.bin'), Buffer.from(new Float32Array(bytes / 4).fill(Number.NaN).buffer));
}

/** A run log of 2,000 trials with every fifth page overwritten from the fourth on. */
function corruptLog(dir: string): void {
  const path = join(dir, 'corrupt.sqlite');
  const log = RunLog.open(path);
  const run = log.startRun({ command: 'train', backend: 'simulated' });
  log.logTrials(run, Array.from({ length: 2000 }, (_, i) => trial(i)));
  log.endRun(run, 'ok');
  log.close();
  const bytes = readFileSync(path);
  for (let offset = 3 * 4096; offset + 256 <= bytes.length; offset += 5 * 4096) bytes.fill(0xde, offset, offset + 256);
  writeFileSync(path, bytes);
}

function foreignDatabase(dir: string): void {
  const db = new Database(join(dir, 'foreign.sqlite'));
  db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
  db.close();
}

/** A file as the case writes it into the temp folder. */
export type CaseFile = string | Buffer;

export interface BadInputCase {
  name: string;
  /** Files written into the temp folder first. */
  files?: Record<string, CaseFile>;
  /** Arguments; `<dir>` stands for the temp folder. */
  args: string[];
  stdin?: string;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Makes files the case needs that are not plain text (a policy, an SQLite file). */
  prepare?: (dir: string) => void;
  /**
   * The whole line after "sspe: ", `<dir>` for the temp folder (the command runs
   * in it, so files a scenario names show relative to it, as a user sees them); a RegExp for a message with variable parts. */
  message: string | RegExp;
}

export const CASES: BadInputCase[] = [
  // ------------------------------------------------------------ scenario files
  { name: 'scenario not found', args: ['simulate', '<dir>/nope.yaml'], message: 'scenario file not found: <dir>/nope.yaml' },
  { name: 'empty scenario', files: { 's.yaml': '' }, args: ['simulate', '<dir>/s.yaml'], message: /^<dir>\/s\.yaml: expected a scenario mapping \(name, cluster, .*\), got an empty file$/ },
  {
    name: 'YAML alias bomb',
    files: scenarioFiles(aliasBomb('bomb')),
    args: ['simulate', '<dir>/scenario.yaml'],
    message: '<dir>/scenario.yaml: YAML aliases (*name) expand too far: expected at most 100 alias uses that stay small, got more; write the values out instead',
  },
  {
    name: 'YAML alias bomb under a known key',
    files: scenarioFiles('', paperYaml.replace(/^description:/m, `${aliasBomb('x-anchors').trimEnd()}\ndescription:`)),
    args: ['sweep', '<dir>/scenario.yaml'],
    message: '<dir>/scenario.yaml: YAML aliases (*name) expand too far: expected at most 100 alias uses that stay small, got more; write the values out instead',
  },
  {
    name: 'several YAML documents',
    files: scenarioFiles('---\nname: second\n'),
    args: ['simulate', '<dir>/scenario.yaml'],
    message: /^<dir>\/scenario\.yaml:\d+: YAML syntax error: expected one YAML document, got several \(a '---' line starts another; keep one scenario per file\)$/,
  },
  {
    name: 'nesting 20,000 deep',
    files: scenarioFiles(`x: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`),
    args: ['simulate', '<dir>/scenario.yaml'],
    message: /^<dir>\/scenario\.yaml:\d+: YAML syntax error: nesting too deep to read: expected a scenario of ordinary depth$/,
  },
  {
    name: 'a 6 MB scenario',
    files: scenarioFiles(`junk:\n${Array.from({ length: 330_000 }, (_, i) => `  k${i}: ${i}`).join('\n')}\n`),
    args: ['simulate', '<dir>/scenario.yaml'],
    message: /^<dir>\/scenario\.yaml: expected a scenario file of at most 1\.0 MiB, got 5\.\d MiB: is this the right file\?$/,
  },
  {
    name: '60,000 unknown keys in a section (just under the size cap)',
    files: scenarioFiles('', paperYaml.replace(/^spark:\n/m, `spark:\n${Array.from({ length: 60_000 }, (_, i) => `  k${i}: ${i}`).join('\n')}\n`)),
    args: ['simulate', '<dir>/scenario.yaml'],
    message: /^<dir>\/scenario\.yaml:\d+: spark: unknown fields 'k0', 'k1', 'k2' and 59,997 more; allowed: executorCores, .*$/,
  },
  {
    name: 'duplicate key',
    files: scenarioFiles('', paperYaml.replace(/^seed: 1$/m, 'seed: 1\nseed: 2')),
    args: ['simulate', '<dir>/scenario.yaml'],
    message: /^<dir>\/scenario\.yaml:\d+: YAML syntax error: the key 'seed' appears twice in one mapping; keys must be unique$/,
  },
  {
    name: 'unknown field',
    files: scenarioFiles('', paperYaml.replace(/^spark:\n/m, 'spark:\n  executorCore: 2\n')),
    args: ['simulate', '<dir>/scenario.yaml'],
    message: /^<dir>\/scenario\.yaml:\d+: spark\.executorCore: unknown field 'executorCore'; allowed: executorCores, executorMemoryMb, .*$/,
  },
  {
    name: 'field of the wrong type',
    files: scenarioFiles('', paperYaml.replace(/^  executorCores: \d+/m, '  executorCores: two')),
    args: ['simulate', '<dir>/scenario.yaml'],
    message: /^<dir>\/scenario\.yaml:\d+: spark\.executorCores: expected an integer in \[1, \d+\], got 'two'/,
  },
  {
    name: 'profile path at a system file',
    files: { ...scenarioFiles('', paperYaml.replace(/^profile: .*$/m, 'profile: passwd')), passwd },
    args: ['simulate', '<dir>/scenario.yaml'],
    message: "passwd: not valid JSON: it starts with 'root:x:0:0:root:…'; expected a latency profile {name, description, parameters}",
  },
  {
    name: 'a system file given as the scenario',
    files: { passwd },
    args: ['simulate', '<dir>/passwd'],
    message: "<dir>/passwd: expected a scenario mapping (name, cluster, spark, actionSpace, workload, ...), got a text starting 'root:x:0:0:root:…'",
  },
  {
    name: 'a replay CSV of binary bytes',
    files: {
      ...scenarioFiles('', paperYaml.replace(/^  trace: .*$/m, '  trace: { kind: replay, file: trace.csv }')),
      'trace.csv': Buffer.concat([Buffer.from('time_s,fps\n'), Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 37) % 256).filter((b) => ![10, 13, 34, 35, 44].includes(b))), Buffer.from(',5\n')]),
    },
    args: ['simulate', '<dir>/scenario.yaml'],
    message: /^trace\.csv:2: time_s: expected a number of seconds >= 0, got '.{1,57}\.\.\.'$/,
  },
  {
    name: 'binary profile',
    files: { ...scenarioFiles('', paperYaml.replace(/^profile: .*$/m, 'profile: profile.bin')), 'profile.bin': Buffer.from([0, 1, 2, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 65, 66]) },
    args: ['simulate', '<dir>/scenario.yaml'],
    message: "profile.bin: not valid JSON: it starts with '\\u0000\\u0001\\u0002\\ufffd\\ufffd\\u001b[2JAB'; expected a latency profile {name, description, parameters}",
  },
  {
    name: 'profile missing a parameter',
    files: {
      ...scenarioFiles(),
      'profile.json': JSON.stringify({ ...JSON.parse(paperProfile), parameters: { ...JSON.parse(paperProfile).parameters, taskOverheadMs: undefined } }),
    },
    args: ['simulate', '<dir>/scenario.yaml'],
    message: /^profile\.json: parameters\.taskOverheadMs: missing; expected a number in \[\d+, \d+\] ms \(.+\)$/,
  },
  {
    name: 'replay CSV with a bad row',
    files: {
      ...scenarioFiles('', paperYaml.replace(/^  trace: .*$/m, '  trace: { kind: replay, file: trace.csv }')),
      'trace.csv': 'time_s,fps\n0,10\n60,fast\n',
    },
    args: ['simulate', '<dir>/scenario.yaml'],
    message: "trace.csv:3: fps: expected a number in [0, 100000], got 'fast'",
  },

  // ------------------------------------------------------------ flags
  { name: '--duration without a unit', args: ['simulate', PAPER_SCENARIO, '--duration', '120'], message: "--duration: expected a duration in (0, 720 h] such as 500ms, 90s, 2m or 1h, got '120' without a unit (120s for seconds, 120ms for milliseconds)" },
  { name: '--duration not a duration', args: ['sweep', PAPER_SCENARIO, '--duration', 'soon'], message: "--duration: expected a duration in (0, 720 h] such as 500ms, 90s, 2m or 1h, got 'soon'" },
  { name: '--fps not a number', args: ['simulate', PAPER_SCENARIO, '--fps', 'abc'], message: "--fps: expected a number, got 'abc'" },
  { name: '--fps=abc', args: ['sweep', PAPER_SCENARIO, '--fps=abc'], message: "--fps: expected a number, got 'abc'" },
  { name: '--fps negative', args: ['simulate', PAPER_SCENARIO, '--fps', '-5'], message: '--fps: expected a number in (0, 100000], got -5' },
  { name: '--fps twice', args: ['simulate', PAPER_SCENARIO, '--fps', '10', '--fps', '20'], message: '--fps: expected one value, got 2 (the flag is given more than once)' },
  { name: '--seed without a value', args: ['simulate', PAPER_SCENARIO, '--seed'], message: '--seed: expected a number after it, got nothing' },
  { name: '--seed not a number', args: ['simulate', PAPER_SCENARIO, '--seed', 'abc'], message: "--seed: expected a number, got 'abc'" },
  { name: '--seed a fraction', args: ['simulate', PAPER_SCENARIO, '--seed', '1.5'], message: `--seed: expected an integer in [0, ${Number.MAX_SAFE_INTEGER}], got 1.5` },
  { name: 'sweep --top not a number', args: ['sweep', PAPER_SCENARIO, '--top', 'abc'], message: "--top: expected a number, got 'abc'" },
  { name: 'sweep --top negative', args: ['sweep', PAPER_SCENARIO, '--top', '-3'], message: '--top: expected a positive integer, got -3' },
  { name: 'sweep --top 0', args: ['sweep', PAPER_SCENARIO, '--top', '0'], message: '--top: expected a positive integer, got 0' },
  { name: '--config memory off the grid', args: ['simulate', PAPER_SCENARIO, '--config', 'memory=850'], message: 'config.executorMemoryMb: expected an integer in [500, 1000] in steps of 100 from 500 (actionSpace), got 850' },
  { name: '--config cores out of range', args: ['simulate', PAPER_SCENARIO, '--config', 'cores=4'], message: 'config.executorCores: expected an integer in [1, 3] (actionSpace), got 4' },
  { name: '--config unknown key', args: ['simulate', PAPER_SCENARIO, '--config', 'threads=4'], message: /^--config: unknown key 'threads'; allowed: nodes, cores, memory, overhead, instances, .*$/ },
  { name: 'unknown command', args: ['simulat', PAPER_SCENARIO], message: "unknown command 'simulat'; did you mean simulate? (every command: sspe --help)" },

  // ------------------------------------------------------------ decide
  { name: 'decide --backend node', args: ['decide', '--policy', SHIPPED_POLICY, '--state', '<dir>/s.json', '--backend', 'node'], message: "--backend: expected wasm or cpu, got 'node'" },
  { name: 'decide without --state', args: ['decide', '--policy', SHIPPED_POLICY], message: '--state: required, got nothing (or --print-state-template for a state to start from)' },
  { name: 'decide, policy not found', files: { 's.json': state() }, args: ['decide', '--policy', '<dir>/nope', '--state', '<dir>/s.json'], message: 'policy folder not found: <dir>/nope' },
  {
    name: 'decide, state of nested arrays',
    files: { 's.json': `${'['.repeat(30_000)}${']'.repeat(30_000)}` },
    args: ['decide', '--policy', SHIPPED_POLICY, '--state', '<dir>/s.json'],
    message: /^<dir>\/s\.json: expected a state \{version\?, fps, config, last\?\}, got \[{50,60}\.\.\.$/,
  },
  {
    name: 'decide, 400 KB state',
    files: { 's.json': `${'['.repeat(200_000)}${']'.repeat(200_000)}` },
    args: ['decide', '--policy', SHIPPED_POLICY, '--state', '<dir>/s.json'],
    message: '<dir>/s.json: expected a state of at most 64 KiB (one is under 1 KiB), got 391 KiB',
  },
  {
    name: 'decide, binary state',
    files: { 's.json': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]) },
    args: ['decide', '--policy', SHIPPED_POLICY, '--state', '<dir>/s.json'],
    message: "<dir>/s.json: not valid JSON: it starts with '\\u007fELF\\u0002\\u0001\\u0001\\u0000\\u0000\\u0000'; expected a state like `sspe decide --print-state-template` prints",
  },
  {
    name: 'decide, memory off the grid (same rule as simulate --config)',
    stdin: state({ config: { cores: 2, memory_mb: 850, instances: 6 } }),
    args: ['decide', '--policy', SHIPPED_POLICY, '--state=-'],
    message: 'standard input: config.memory_mb: expected an integer in [500, 1000] in steps of 100 from 500, got 850',
  },
  {
    name: 'decide, the help state of old (memory_mb 1024, 3 instances)',
    stdin: '{"fps":40,"config":{"cores":2,"memory_mb":1024,"instances":3}}',
    args: ['decide', '--policy', SHIPPED_POLICY, '--state=-'],
    message: 'standard input: config.memory_mb: expected an integer in [500, 1000] in steps of 100 from 500, got 1024 (and 1 more)',
  },
  { name: 'decide, state from a newer format', stdin: state({ version: 2 }), args: ['decide', '--policy', SHIPPED_POLICY, '--state=-'], message: 'standard input: version: expected 1 (the state format this sspe reads), got 2' },
  {
    name: 'decide, last window without its fields',
    stdin: state({ last: { per_frame_ms: { mean: 400, p95: 600 }, cpu_util: 0.5 } }),
    args: ['decide', '--policy', SHIPPED_POLICY, '--state=-'],
    message: 'standard input: last.mem_util: expected a fraction in [0, 1] (not a percentage), got nothing (the field is required) (and 6 more)',
  },
  {
    name: 'decide, a policy with NaN weights',
    files: { 's.json': state() },
    prepare: nanPolicy,
    args: ['decide', '--policy', '<dir>/nan-policy', '--state', '<dir>/s.json'],
    message: /^<dir>\/nan-policy\/weights\.bin: weight '[\w/]+' holds \d+ of \d+ values that are NaN or infinite: expected finite weights \(the file is corrupt, or training diverged\)$/,
  },

  // ------------------------------------------------------------ export
  {
    name: 'export of a policy with NaN weights leaves no copy',
    prepare: nanPolicy,
    args: ['export', '<dir>/nan-policy', '--out', '<dir>/exported'],
    message: /^<dir>\/nan-policy\/weights\.bin: weight '[\w/]+' holds \d+ of \d+ values that are NaN or infinite: expected finite weights/,
  },

  // ------------------------------------------------------------ output paths (checked before the work; Node's recursive mkdir hangs under /proc)
  { name: 'export --out under /proc', args: ['export', SHIPPED_POLICY, '--out', '/proc/nope/x'], message: '--out: expected a folder that can be made, got /proc/nope/x (nothing can be made under /proc)' },
  { name: 'train --out under /proc', args: ['train', PAPER_SCENARIO, '--out', '/proc/nope/x', '--episodes', '1'], message: '--out: expected a folder that can be made, got /proc/nope/x (nothing can be made under /proc)' },
  {
    name: 'train --out below a file',
    files: { 'a-file': 'x' },
    args: ['train', PAPER_SCENARIO, '--out', '<dir>/a-file/policy', '--episodes', '1'],
    message: '--out: expected a folder that exists or can be made, got <dir>/a-file/policy (<dir>/a-file is a file)',
  },
  {
    name: 'a run log under /proc',
    env: { SSPE_RUN_LOG: '/proc/nope/log.sqlite' },
    args: ['train', PAPER_SCENARIO, '--out', '<dir>/policy', '--episodes', '1'],
    message: 'run log /proc/nope/log.sqlite: expected a folder that can be made, got /proc/nope (nothing can be made under /proc)',
  },
  { name: 'start --out-dir under /proc', args: ['start', '--scenario', PAPER_SCENARIO, '--out-dir', '/proc/x'], message: '--out-dir: expected a folder that can be made, got /proc/x (nothing can be made under /proc)' },

  // ------------------------------------------------------------ bench
  { name: 'bench agents --train-seconds 0', args: ['bench', 'agents', '--train-seconds', '0'], message: '--train-seconds: expected seconds in (0, 3600], got 0' },
  { name: 'bench sim --train-seconds 60', args: ['bench', 'sim', '--train-seconds', '60'], message: "--train-seconds: only 'bench agents' trains policies, got suite 'sim'" },

  // ------------------------------------------------------------ runs (read only)
  { name: 'runs on a folder', args: ['runs', '--run-log', '<dir>'], message: 'run log <dir>: expected an SQLite file, got a folder' },
  { name: 'runs --last 0', args: ['runs', '--last', '0'], message: '--last: expected a positive integer, got 0' },
  { name: 'runs --last abc', args: ['runs', '--last', 'abc'], message: "--last: expected a number, got 'abc'" },
  { name: 'runs --backend bogus', args: ['runs', '--backend', 'bogus'], message: "--backend: expected simulated or real, got 'bogus'" },
  {
    name: 'runs on a text file',
    files: { 'log.sqlite': 'not a database\n'.repeat(100) },
    args: ['runs', '--run-log', '<dir>/log.sqlite'],
    message: 'run log <dir>/log.sqlite: expected a readable sspe run log, got a file that is not an SQLite database (file is not a database); it was left untouched: move it away or pass --run-log with another path',
  },
  {
    name: 'runs on an empty file',
    files: { 'log.sqlite': '' },
    args: ['runs', '--run-log', '<dir>/log.sqlite'],
    message: 'run log <dir>/log.sqlite: expected an sspe run log, got an empty database; it was left untouched (pass --run-log with another path)',
  },
  {
    name: 'runs on a corrupt run log (--run 1 --last 3)',
    prepare: corruptLog,
    args: ['runs', '--run-log', '<dir>/corrupt.sqlite', '--run', '1', '--last', '3'],
    message: 'run log <dir>/corrupt.sqlite: expected a readable sspe run log, got a damaged file (database disk image is malformed); it was left untouched: move it away or pass --run-log with another path',
  },
  {
    name: 'runs on a corrupt run log (--last 100000 --json)',
    prepare: corruptLog,
    args: ['runs', '--run-log', '<dir>/corrupt.sqlite', '--last', '100000', '--json'],
    message: 'run log <dir>/corrupt.sqlite: expected a readable sspe run log, got a damaged file (database disk image is malformed); it was left untouched: move it away or pass --run-log with another path',
  },
  {
    name: "runs on another program's database",
    prepare: foreignDatabase,
    args: ['runs', '--run-log', '<dir>/foreign.sqlite'],
    message: 'run log <dir>/foreign.sqlite: expected an sspe run log, got a database with other tables (notes); it was left untouched (pass --run-log with another path)',
  },
];
