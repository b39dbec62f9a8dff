/**
 * The real bridge enacts the memory-overhead knob as Spark does it:
 * `--conf spark.executor.memoryOverhead=<MiB>m` on spark-submit, which is
 * what sizes the executor pod's memory limit on Kubernetes; left unset, the
 * request carries no such key and Spark derives it (max(384 MiB, 10%)).
 */
import { describe, expect, it } from 'vitest';
import type { SparkConfig } from '../../../sim/config.js';
import { submitRequestFor, type RealBackendOptions } from '../../../bridge/backend/real.js';
import { executorPodMemory } from '../../../bridge/spark/executor-loss.js';
import { buildSubmitArgs, type K8sMaster, type SubmitPaths } from '../../../bridge/spark/launcher.js';
import { executorPodMemoryMb } from '../../../sim/spark/constants.js';
import { paperSpec } from '../../sim/fixtures.js';

const CONFIG: SparkConfig = { ...paperSpec().spark, executorMemoryMb: 512 };

const K8S: K8sMaster = { kind: 'k8s', apiServerUrl: 'https://10.0.0.1:6443', namespace: 'video', containerImage: 'img', serviceAccount: 'spark', driverHost: '10.0.0.9', executorVolumes: [{ name: 'video', claimName: 'video-pvc', mountPath: '/data', readOnly: true }] };

const OPTIONS: Omit<RealBackendOptions, 'submitter'> = {
  master: K8S,
  job: { inputDir: '/store', outputDir: '/out', batches: 2 },
  scenario: {
    workload: { sources: [], trace: { kind: 'constant', fps: 10 }, arrival: 'stored', minFramesPerPartition: 10, maxFramesPerPartition: 60 },
    slo: { perFrameMs: 500 },
  } as unknown as RealBackendOptions['scenario'],
};

const PATHS: SubmitPaths = {
  pythonPath: '/usr/bin/python3',
  jobScriptPath: '/job.py',
  eventLogDir: '/events',
  metricsPath: '/metrics.json',
  appNamePrefix: 'sspe',
  executorWaitMs: 1000,
};

function confArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  args.forEach((arg, i) => {
    if (arg !== '--conf') return;
    const entry = args[i + 1];
    const at = entry.indexOf('=');
    out[entry.slice(0, at)] = entry.slice(at + 1);
  });
  return out;
}

describe('spark.executor.memoryOverhead', () => {
  it('reaches spark-submit in MiB when the configuration sets the knob, and sizes the pod limit as the simulator does', () => {
    const request = submitRequestFor({ config: { ...CONFIG, executorMemoryOverheadMb: 768 }, fps: 10 }, 'run-1', OPTIONS);
    expect(request.conf!['spark.executor.memoryOverhead']).toBe('768m');
    const conf = confArgs(buildSubmitArgs(request, PATHS));
    expect(conf['spark.executor.memory']).toBe('512m');
    expect(conf['spark.executor.memoryOverhead']).toBe('768m');
    const pod = executorPodMemory(request);
    expect(pod).toMatchObject({ heapMb: 512, overheadMb: 768, limitMb: 1280 });
    expect(pod!.limitMb).toBe(executorPodMemoryMb({ executorMemoryMb: 512, executorMemoryOverheadMb: 768 }));
  });

  it("is left to Spark when the configuration does not set it (the pod gets max(384 MiB, 10% of heap))", () => {
    const request = submitRequestFor({ config: CONFIG, fps: 10 }, 'run-2', OPTIONS);
    expect(request.conf).not.toHaveProperty('spark.executor.memoryOverhead');
    expect(confArgs(buildSubmitArgs(request, PATHS))).not.toHaveProperty('spark.executor.memoryOverhead');
    expect(executorPodMemory(request)).toMatchObject({ heapMb: 512, overheadMb: 384, limitMb: executorPodMemoryMb({ executorMemoryMb: 512 }) });
  });
});
