import { defineConfig } from 'vitest/config';

/**
 * Test files that run alone, after everything else: each runs real Spark or
 * the real Kubernetes control plane and asserts on what the machine measured
 * (calibration error, pod states, OOM kills), so another test's CPU load
 * beside it would change its figures. Everything else runs two files at a
 * time: most of the suite's wall time is spent waiting on child processes
 * (JVMs, Python, the CLI), which leaves the second core idle with one worker.
 */
const ALONE = [
  'test/bridge/k8s/**/*.test.ts',
  'test/bridge/calibration-real.test.ts',
  'test/bridge/backend/real.test.ts',
  'test/bridge/spark-integration.test.ts',
  'test/bridge/jobs/plain-spark-submit.test.ts',
  'test/bridge/jobs/measure-frame-costs.test.ts',
  'test/bench/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 600_000,
    projects: [
      {
        extends: true,
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ALONE, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
