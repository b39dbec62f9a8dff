/**
 * `sspe finetune` and `sspe deploy` with --master k8s:// against the testbed,
 * through the compiled CLI as a user runs them: `sspe testbed up` (the
 * process kubelet as its own daemon), a policy trained for a few episodes on
 * scenarios/local-cluster.yaml, fine-tuning with 2 real runs, deploying the
 * tuned policy for 2 windows, every run a spark-submit whose executors are
 * pods Spark creates, kube-scheduler binds and the kubelet runs. Under
 * CI=true this never skips: missing binaries fail it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binariesPresent } from '../../../bridge/k8s/testbed/binaries.js';
import { isAlive } from '../../../bridge/k8s/testbed/processes.js';
import { RunLog } from '../../../src/runlog/run-log.js';
import { repoRoot, runCli } from '../../src/cli/run-cli.js';

const inCi = process.env.CI === 'true';
const skip = !inCi && !binariesPresent();

describe.skipIf(skip)('sspe finetune and sspe deploy on k8s://', () => {
  it('fine-tunes a policy with 2 real runs and deploys it for 2 windows on the testbed, every run on executor pods', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sspe-k8s-tune-')), 'state');
    const up = runCli(['testbed', 'up', '--dir', dir, '--nodes', '2', '--node-cpu', '2', '--node-memory', '4Gi', '--json']);
    expect(up.status, up.stderr).toBe(0);
    const state = JSON.parse(up.stdout) as { daemons: { name: string; pid: number; startTicks: number }[]; server: string };
    try {
      const work = mkdtempSync(join(tmpdir(), 'sspe-k8s-tune-work-'));
      const python = join(repoRoot, '.venv', 'bin', 'python');
      if (!existsSync(python)) throw new Error(`expected the venv's python at ${python} (scripts/setup-python.sh)`);
      const videos = spawnSync(python, [join(repoRoot, 'bridge', 'jobs', 'make_test_videos.py'), '--output-dir', join(work, 'videos'), '--fps', '10', '--seconds', '1', '--chunks', '2'], { encoding: 'utf8' });
      expect(videos.status, videos.stderr).toBe(0);
      const runLog = join(work, 'sspe.sqlite');
      const policy = join(work, 'policy');
      const train = runCli(['train', 'scenarios/local-cluster.yaml', '--out', policy, '--episodes', '4', '--eval-every', '0', '--run-log', runLog]);
      expect(train.status, train.stderr).toBe(0);

      const cluster = [
        '--scenario', 'scenarios/local-cluster.yaml', '--master', `k8s://${state.server}`,
        '--image', 'sspe/process', '--driver-host', '127.0.0.1', '--namespace', 'spark', '--service-account', 'spark', '--pvc', `store:sspe-host:${work}`,
        '--input-dir', join(work, 'videos'), '--batches', '2', '--warmup-batches', '1', '--timeout', '3m', '--run-log', runLog,
      ];
      const env = { KUBECONFIG: join(dir, 'kubeconfig') };
      let t0 = Date.now();
      const tuned = join(work, 'tuned');
      const finetune = runCli(['finetune', '--policy', policy, ...cluster, '--output-dir', join(work, 'ft-frames'), '--spark-runs', join(work, 'ft-runs'), '--budget', '2', '--fps', '10', '--out', tuned], { env });
      const finetuneMs = Date.now() - t0;
      expect(finetune.status, finetune.stderr).toBe(0);
      expect(finetune.stdout).toMatch(/^run 1\/2 .* ok$/m);
      expect(finetune.stdout).toMatch(/^run 2\/2 .* ok$/m);
      expect(existsSync(join(tuned, 'finetune.json'))).toBe(true);

      t0 = Date.now();
      const deploy = runCli(['deploy', '--policy', tuned, ...cluster, '--output-dir', join(work, 'dp-frames'), '--spark-runs', join(work, 'dp-runs'), '--windows', '2', '--load', '10'], { env });
      const deployMs = Date.now() - t0;
      expect(deploy.status, deploy.stderr).toBe(0);
      expect(deploy.stdout).toContain(`on k8s://${state.server}`);
      expect(deploy.stdout).toMatch(/^2 windows, \d+ SLO breaches, \d+ rollbacks/m);
      console.log(`on the testbed: finetune (2 real runs) ${finetuneMs} ms, deploy (2 windows) ${deployMs} ms`);

      const log = RunLog.openReadOnly(runLog);
      try {
        expect(log.runs().map((r) => [r.command, r.backend, r.status, r.trialCount]).slice(1)).toEqual([['finetune', 'real', 'ok', 2], ['deploy', 'real', 'ok', 2]]);
        const real = log.query().filter((t) => t.backend === 'real');
        expect(real.map((t) => t.failure)).toEqual([null, null, null, null]);
      } finally {
        log.close();
      }
      // Each real run's executors were pods on the testbed, run by its kubelet.
      const kubeletLog = readFileSync(join(dir, 'logs', 'kubelet.log'), 'utf8');
      expect(new Set(kubeletLog.match(/sspe-video-grayscale-finetune-[a-z0-9-]+-exec-\d+: container spark-kubernetes-executor started/g) ?? []).size).toBeGreaterThanOrEqual(2);
      expect(new Set(kubeletLog.match(/sspe-video-grayscale-deploy-[a-z0-9-]+-exec-\d+: container spark-kubernetes-executor started/g) ?? []).size).toBeGreaterThanOrEqual(2);
    } finally {
      const down = runCli(['testbed', 'down', '--dir', dir, '--json']);
      expect(down.status).toBe(0);
      expect((JSON.parse(down.stdout) as { leftoverPods: number }).leftoverPods).toBe(0);
      for (const d of state.daemons) expect(isAlive(d)).toBe(false);
    }
  }, 300_000);
});
