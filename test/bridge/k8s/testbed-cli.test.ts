/**
 * `sspe testbed` through the compiled CLI (npm test's tsc step builds it):
 * bad flags and missing binaries are one line with exit 2; up, status and
 * down with the process kubelet as its own daemon, and nothing left running.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binariesPresent } from '../../../bridge/k8s/testbed/binaries.js';
import { isAlive } from '../../../bridge/k8s/testbed/processes.js';
import { repoRoot, runCli } from '../../src/cli/run-cli.js';

const inCi = process.env.CI === 'true';
const skip = !inCi && !binariesPresent();

describe('sspe testbed: errors', () => {
  it.each([
    [['testbed', 'up', '--nodes', '0'], 'sspe: --nodes: expected an integer in [1, 50], got 0\n'],
    [['testbed', 'up', '--node-memory', 'lots'], "sspe: --node-memory: expected a Kubernetes quantity like '3900m' or '8Gi', got 'lots'\n"],
  ])('%j is one line and exit 2', (args, stderr) => {
    const run = runCli(args);
    expect(run.stderr).toBe(stderr);
    expect(run.status).toBe(2);
  });

  it('without binaries says to run scripts/setup-k8s.sh', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sspe-testbed-cli-')), 'state');
    const run = runCli(['testbed', 'up', '--dir', dir], { env: { SSPE_K8S_BIN: '/nonexistent/bin' } });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^sspe: expected the control-plane binaries .* in \/nonexistent\/bin, missing: etcd, kube-apiserver, kube-scheduler; run 'bash scripts\/setup-k8s\.sh' first\n$/);
  });

  it('status and down of a folder with no testbed say so and change nothing', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sspe-testbed-cli-')), 'none');
    expect(runCli(['testbed', 'status', '--dir', dir]).stdout).toBe(`testbed: down (no state in ${dir})\n`);
    expect(runCli(['testbed', 'down', '--dir', dir]).stdout).toBe(`no testbed in ${dir}: nothing to stop\n`);
  });
});

describe.skipIf(skip)('sspe testbed up | status | down', () => {
  it('brings up a two-node testbed with the kubelet daemon, runs the demonstrator on it with sspe collect --master k8s://, and leaves no process behind', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sspe-testbed-cli-')), 'state');
    const up = runCli(['testbed', 'up', '--dir', dir, '--nodes', '2', '--node-cpu', '2', '--node-memory', '4Gi', '--json']);
    expect(up.stderr).toBe('');
    expect(up.status).toBe(0);
    const state = JSON.parse(up.stdout) as { daemons: { name: string; pid: number; startTicks: number }[]; nodes: string[]; server: string };
    try {
      expect(state.daemons.map((d) => d.name)).toEqual(['etcd', 'kube-apiserver', 'kube-scheduler', 'process-kubelet']);
      expect(state.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const status = JSON.parse(runCli(['testbed', 'status', '--dir', dir, '--json']).stdout) as { state: string; nodes: { name: string; ready: boolean; allocatableCpu: string }[] };
      expect(status.state).toBe('up');
      expect(status.nodes).toEqual(['sspe-node-1', 'sspe-node-2'].map((name) => ({ name, ready: true, allocatableCpu: '1900m', allocatableMemory: '3840Mi', unschedulable: false })));
      // The demonstrator on the testbed: two executor pods of 1 core, bound by kube-scheduler, run by the process kubelet; the store is the host's, through the bound claim sspe-host.
      const work = mkdtempSync(join(tmpdir(), 'sspe-testbed-collect-'));
      const python = join(repoRoot, '.venv', 'bin', 'python');
      if (!existsSync(python)) throw new Error(`expected the venv's python at ${python} (scripts/setup-python.sh)`);
      const videos = spawnSync(python, [join(repoRoot, 'bridge', 'jobs', 'make_test_videos.py'), '--output-dir', join(work, 'videos'), '--fps', '10', '--seconds', '1', '--chunks', '2'], { encoding: 'utf8' });
      expect(videos.status, videos.stderr).toBe(0);
      const collect = runCli(
        ['collect', '--master', `k8s://${state.server}`, '--image', 'sspe/process', '--driver-host', '127.0.0.1', '--namespace', 'spark', '--service-account', 'spark',
          '--pvc', `store:sspe-host:${work}`, '--input-dir', join(work, 'videos'), '--output-dir', join(work, 'frames'), '--configs', '1/512/2', '--batches', '2', '--warmup-batches', '1', '--out', join(work, 'out')],
        { env: { KUBECONFIG: join(dir, 'kubeconfig') } },
      );
      expect(collect.status, collect.stderr).toBe(0);
      expect(collect.stdout).toMatch(/1\/512\/2 .* ran/);
      const kubeletLog = readFileSync(join(dir, 'logs', 'kubelet.log'), 'utf8');
      expect(kubeletLog).toMatch(/exec-1: container spark-kubernetes-executor started \(spark-executor/);
      expect(kubeletLog).toMatch(/exec-2: container spark-kubernetes-executor started \(spark-executor/);

      const again = runCli(['testbed', 'up', '--dir', dir]);
      expect(again.status).toBe(2);
      expect(again.stderr).toMatch(/^sspe: a testbed is already up in .*; run 'sspe testbed down --dir .*' first\n$/);
    } finally {
      const down = runCli(['testbed', 'down', '--dir', dir, '--json']);
      expect(down.status).toBe(0);
      const result = JSON.parse(down.stdout) as { stopped: { name: string }[]; leftoverPods: number };
      expect(result.stopped.map((s) => s.name)).toEqual(['process-kubelet', 'kube-scheduler', 'kube-apiserver', 'etcd']);
      expect(result.leftoverPods).toBe(0);
      for (const d of state.daemons) expect(isAlive(d)).toBe(false);
    }
  }, 300_000);
});
