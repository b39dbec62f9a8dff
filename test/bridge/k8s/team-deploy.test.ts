/**
 * `sspe deploy --policy <team bundle>` on the testbed, through the compiled
 * CLI as a user runs it: a 3-node testbed (`sspe testbed up`), a team of
 * three agents (Cluster Autoscaler, Parallelism Autoscaler, Scheduler)
 * trained for a few seconds on scenarios/testbed-pool.yaml, two windows at
 * 10 fps. The team's node count reaches the cluster by cordon/uncordon
 * through the Infrastructure Manager, its placement as an executor pod
 * template, its executor count as spark-submit's: every window's executor
 * pods are bound (by the real kube-scheduler) only to nodes the pool had
 * open, and the pool is left as the last window set it. Then `sspe finetune`
 * tunes the same team there for two real runs: each run's executors too land
 * only on the nodes its node count left open, and both runs reach the run
 * log with their cluster knobs. Under CI=true this never skips: missing
 * binaries fail it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { binariesPresent } from '../../../bridge/k8s/testbed/binaries.js';
import { RunLog } from '../../../src/runlog/run-log.js';
import { repoRoot, runCli } from '../../src/cli/run-cli.js';

const inCi = process.env.CI === 'true';
const skip = !inCi && !binariesPresent();

interface Decision {
  window: number;
  config: { instances: number; node_count: number; placement: string };
  failure: string | null;
}

/** The executor pod template of the deployment's n-th run (1-based). */
function templateOf(runsDir: string, n: number): string {
  const dir = join(runsDir, 'pod-templates');
  const suffix = `-${String(n).padStart(4, '0')}-executor-pod.yaml`;
  const found = readdirSync(dir).filter((f) => f.endsWith(suffix));
  if (found.length !== 1) throw new Error(`expected one executor pod template ending ${suffix} in ${dir}, found ${found.join(', ') || 'none'}`);
  return join(dir, found[0]);
}

describe.skipIf(skip)('sspe deploy with a team on k8s://', () => {
  it('enacts node count, executors and placement each window, and each run of a team fine-tuning after it: executor pods land only on the nodes left open', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sspe-k8s-team-')), 'state');
    const up = runCli(['testbed', 'up', '--dir', dir, '--nodes', '3', '--node-cpu', '2', '--node-memory', '4Gi', '--json']);
    expect(up.status, up.stderr).toBe(0);
    const state = JSON.parse(up.stdout) as { server: string };
    try {
      const work = mkdtempSync(join(tmpdir(), 'sspe-k8s-team-work-'));
      const python = join(repoRoot, '.venv', 'bin', 'python');
      if (!existsSync(python)) throw new Error(`expected the venv's python at ${python} (scripts/setup-python.sh)`);
      // The scenario's sources are the test videos at half size.
      const videos = spawnSync(python, [join(repoRoot, 'bridge', 'jobs', 'make_test_videos.py'), '--output-dir', join(work, 'videos'), '--fps', '10', '--seconds', '1', '--chunks', '2', '--scale', '0.5'], { encoding: 'utf8' });
      expect(videos.status, videos.stderr).toBe(0);
      const runLog = join(work, 'sspe.sqlite');
      const team = join(work, 'team');
      const train = runCli(['train', 'scenarios/testbed-pool.yaml', '--method', 'idqn', '--agents', 'cluster,parallelism,scheduler', '--episodes', '20', '--out', team, '--run-log', runLog]);
      expect(train.status, train.stderr).toBe(0);

      const runs = join(work, 'dp-runs');
      // The testbed as deploy and finetune reach it: the same team, scenario, cluster flags and run log.
      const onTestbed = [
        '--policy', team, '--scenario', 'scenarios/testbed-pool.yaml', '--master', `k8s://${state.server}`,
        '--image', 'sspe/process', '--driver-host', '127.0.0.1', '--namespace', 'spark', '--service-account', 'spark', '--pvc', `store:sspe-host:${work}`,
        '--input-dir', join(work, 'videos'), '--batches', '2', '--warmup-batches', '1', '--timeout', '3m', '--run-log', runLog,
        '--output-dir', join(work, 'frames'),
      ];
      const t0 = Date.now();
      const deploy = runCli(['deploy', ...onTestbed, '--spark-runs', runs, '--windows', '2', '--load', '10', '--json'], { env: { KUBECONFIG: join(dir, 'kubeconfig') } });
      console.log(`team deploy on the testbed (2 windows): ${Date.now() - t0} ms`);
      expect(deploy.status, deploy.stderr).toBe(0);
      const summary = JSON.parse(deploy.stdout) as { windows: number; decisions: Decision[] };
      expect(summary.windows).toBe(2);
      for (const d of summary.decisions) expect(d.failure).toBeNull();

      // Which node each window's executor pods were bound to, from the kubelet's log (run ids end in -0001, -0002).
      const kubeletLog = readFileSync(join(dir, 'logs', 'kubelet.log'), 'utf8');
      const bound = [...kubeletLog.matchAll(/pod spark\/sspe-video-grayscale-deploy-\S+?-(\d{4})-[0-9a-f]+-exec-\d+ bound to (\S+):/g)];
      const status = runCli(['testbed', 'status', '--dir', dir, '--json']);
      expect(status.status, status.stderr).toBe(0);
      const nodes = (JSON.parse(status.stdout) as { nodes: { name: string; unschedulable: boolean }[] }).nodes;
      for (const d of summary.decisions) {
        const placed = bound.filter((m) => Number(m[1]) === d.window + 1).map((m) => m[2]);
        expect(placed, `window ${d.window + 1}`).toHaveLength(d.config.instances);
        // At most node_count distinct nodes, and the storage node is never closed.
        expect(new Set(placed).size).toBeLessThanOrEqual(d.config.node_count);
        if (d.config.node_count === 1) expect(new Set(placed)).toEqual(new Set(['sspe-node-1']));
        const template = parse(readFileSync(templateOf(runs, d.window + 1), 'utf8')) as { metadata: { labels: Record<string, string> } };
        expect(template.metadata.labels['sspe.dev/placement']).toBe(d.config.placement);
      }
      // The pool stays as the last window left it: node_count open, the rest cordoned, the storage node open.
      const last = summary.decisions.at(-1)!;
      expect(nodes.filter((n) => !n.unschedulable)).toHaveLength(last.config.node_count);
      expect(nodes.find((n) => n.name === 'sspe-node-1')?.unschedulable).toBe(false);

      const log = RunLog.openReadOnly(runLog);
      try {
        const real = log.query().filter((t) => t.backend === 'real');
        expect(real.map((t) => [t.knobs.nodeCount, t.instances, t.knobs.placement])).toEqual(summary.decisions.map((d) => [d.config.node_count, d.config.instances, d.config.placement]));
      } finally {
        log.close();
      }

      // Then the same team fine-tuned on the same testbed: two real runs at 10 fps, each enacted as a deploy window is.
      const ftRuns = join(work, 'ft-runs');
      const t1 = Date.now();
      const finetune = runCli(
        ['finetune', ...onTestbed, '--spark-runs', ftRuns, '--budget', '2', '--fps', '10', '--out', join(work, 'team-tuned'), '--no-recalibrate', '--gradient-steps-per-run', '2', '--sim-steps-per-run', '4', '--json'],
        { env: { KUBECONFIG: join(dir, 'kubeconfig') } },
      );
      console.log(`team finetune on the testbed (2 real runs): ${Date.now() - t1} ms`);
      expect(finetune.status, finetune.stderr).toBe(0);
      const tuned = JSON.parse(finetune.stdout) as { policy: string; real_runs: number; history: (Omit<Decision, 'window'> & { run: number })[] };
      expect(tuned.real_runs).toBe(2);
      expect(tuned.policy).toBe(join(work, 'team-tuned'));
      for (const r of tuned.history) expect(r.failure).toBeNull();
      const ftBound = [...readFileSync(join(dir, 'logs', 'kubelet.log'), 'utf8').matchAll(/pod spark\/sspe-video-grayscale-finetune-\S+?-(\d{4})-[0-9a-f]+-exec-\d+ bound to (\S+):/g)];
      const ftStatus = runCli(['testbed', 'status', '--dir', dir, '--json']);
      expect(ftStatus.status, ftStatus.stderr).toBe(0);
      const openAtEnd = (JSON.parse(ftStatus.stdout) as { nodes: { name: string; unschedulable: boolean }[] }).nodes.filter((n) => !n.unschedulable).map((n) => n.name);
      for (const r of tuned.history) {
        const placed = ftBound.filter((m) => Number(m[1]) === r.run + 1).map((m) => m[2]);
        expect(placed, `finetune run ${r.run + 1}`).toHaveLength(r.config.instances);
        expect(new Set(placed).size).toBeLessThanOrEqual(r.config.node_count);
        if (r.config.node_count === 1) expect(new Set(placed)).toEqual(new Set(['sspe-node-1']));
      }
      // The pool stays as the last run left it, and that run's executors ran only on its open nodes.
      const lastRun = tuned.history.at(-1)!;
      expect(openAtEnd).toHaveLength(lastRun.config.node_count);
      for (const node of ftBound.filter((m) => Number(m[1]) === lastRun.run + 1).map((m) => m[2])) expect(openAtEnd).toContain(node);
      const ftLog = RunLog.openReadOnly(runLog);
      try {
        expect(ftLog.runs().map((r) => [r.command, r.status])).toContainEqual(['finetune', 'ok']);
        const trials = ftLog.query().filter((t) => t.backend === 'real' && (t.policy ?? '').startsWith('finetune:'));
        expect(trials.map((t) => [t.knobs.nodeCount, t.instances, t.knobs.placement])).toEqual(tuned.history.map((r) => [r.config.node_count, r.config.instances, r.config.placement]));
      } finally {
        ftLog.close();
      }
    } finally {
      const down = runCli(['testbed', 'down', '--dir', dir, '--json']);
      expect(down.status).toBe(0);
      expect((JSON.parse(down.stdout) as { leftoverPods: number }).leftoverPods).toBe(0);
    }
  }, 540_000);
});
