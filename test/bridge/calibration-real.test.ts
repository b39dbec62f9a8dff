/**
 * Real Spark, end to end: `sspe collect` (its library function) measures four
 * configurations on local-cluster[2,1,1024] — one and two 1-core executors ×
 * frames of 160 × 90 and 640 × 360 — twice each, interleaved, with the
 * fast-start JVMs; the local profile's task overhead (its one parameter these
 * shapes see that `npm run measure:frames` does not measure) is fitted on
 * three of the configurations, per-frame CPU and the rest kept as measured,
 * and the fourth (two executors, large frames), which the fit never saw, is
 * predicted.
 *
 * The tolerance: the error on the unseen configuration must be within 25 %,
 * or three times the scatter these very runs show, whichever is larger. The
 * scatter is the MEAN of |run − its configuration's mean| / mean (sspe
 * calibrate reports the median as its noise floor; the mean here, because one
 * disturbed run moves the held-out configuration's mean just as much). 25 %:
 * on an idle 2-core machine repeats differ by a few per cent, but CI runs this
 * file beside the rest of the suite; on this machine shared with three other
 * builds, repeats of one configuration measured 129 and 300 ms, the median
 * scatter was 10.5 %, and the unseen configuration was predicted 29 % low
 * (152 ms against a mean of 215). A model cannot be held closer than its runs
 * agree with each other. The test prints what it measured.
 *
 * Under CI=true it always runs (and fails when Spark is missing); elsewhere
 * it is skipped, with the reason in its name, without scripts/setup-python.sh.
 * About 2 minutes on 2 cores: 8 runs of ~15 s.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../bridge/calibration/calibrate.js';
import { realRunsFromEventLogs } from '../../bridge/calibration/from-eventlogs.js';
import { simulateRealRun } from '../../bridge/calibration/simulate-run.js';
import { settingKey } from '../../bridge/calibration/split.js';
import { runCollect, type CollectOptions } from '../../bridge/collect/collect.js';
import { loadScenarioSync } from '../../src/scenario/load.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const sparkSubmit = join(repo, '.venv', 'bin', 'spark-submit');
const inCi = process.env.CI === 'true';
const skipReason = !inCi && !existsSync(sparkSubmit) ? `no ${sparkSubmit}; run scripts/setup-python.sh` : null;

/** The stated tolerance on the unseen configuration, %, before the noise floor is considered. */
const TOLERANCE_PCT = 25;

describe.skipIf(skipReason !== null)(
  `calibration on real runs predicts a configuration it never saw (local-cluster[2,1,1024])${skipReason === null ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let out: string;
    beforeAll(() => {
      out = mkdtempSync(join(tmpdir(), 'sspe-calibration-real-'));
    });
    afterAll(() => {
      if (out !== undefined) rmSync(out, { recursive: true, force: true });
    });

    it(`fits on three configurations and predicts the fourth within ${TOLERANCE_PCT} % (or 3 x the runs' scatter)`, async () => {
      expect(existsSync(sparkSubmit), `CI=true needs Spark: expected ${sparkSubmit}; run scripts/setup-python.sh`).toBe(true);
      const startedMs = performance.now();
      const args: CollectOptions = {
        json: false,
        master: 'local-cluster[2,1,1024]',
        configs: '1/512/1,1/512/2',
        repeat: 2,
        out,
        fps: 10,
        batches: 3,
        warmupBatches: 1,
        partitions: 2,
        framesPerPartition: 10,
        frameScales: '0.125,0.5',
        serializer: 'kryo',
        timeout: '3m',
        namespace: 'default',
        serviceAccount: 'default',
        fastStart: true,
        keepOutput: false,
        runLog: join(out, 'sspe.sqlite'),
      };
      const summary = await runCollect(args);
      const collectS = (performance.now() - startedMs) / 1000;
      const runs = summary.runs.map((r) => r.run);
      const context = runs.map((r) => `${r.runId}: ${r.failure ?? `${r.perFrameMs!.mean.toFixed(1)} ms, probe ${r.cpuProbe?.wallMs.toFixed(0)} ms`}`).join('\n');
      expect(runs.map((r) => r.failure), context).toEqual(Array<null>(8).fill(null));
      // Interleaved: all four configurations once, then all four again.
      expect(summary.runs.map((r) => r.repeat)).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
      expect(runs.every((r) => r.cpuProbe !== undefined && r.cpuProbe !== null && r.cpuProbe.wallMs > 0)).toBe(true);
      // One frame size per store: 160 x 90 and 640 x 360.
      expect([...new Set(runs.map((r) => r.megapixelsPerFrame.toFixed(6)))].sort()).toEqual(['0.014400', '0.230400']);

      // sspe calibrate --eventlogs reads collect's own logs from its --out folder (sub-folders, other files beside them).
      const fromLogs = await realRunsFromEventLogs(out);
      expect(fromLogs.runs.map((r) => r.runId).sort()).toEqual(runs.map((r) => r.runId).sort());
      for (const logged of fromLogs.runs) {
        const run = runs.find((r) => r.runId === logged.runId)!;
        expect([logged.failure, logged.megapixelsPerFrame.toFixed(6), logged.cores, logged.instances]).toEqual([null, run.megapixelsPerFrame.toFixed(6), run.cores, run.instances]);
      }

      const unseen = (r: (typeof runs)[number]) => r.instances === 2 && r.megapixelsPerFrame > 0.1;
      const train = runs.filter((r) => !unseen(r));
      const held = runs.filter(unseen);
      expect(new Set(train.map(settingKey)).size).toBe(3);
      const scenario = loadScenarioSync(join(repo, 'scenarios', 'local-cluster.yaml'));
      const fit = calibrate({
        runs: train,
        scenario,
        start: scenario.profile,
        holdoutFraction: 0,
        seed: 1,
        parameters: ['taskOverheadMs'],
        minTrainConfigs: 3,
        maxIterations: 40,
      });
      const predictedMs = simulateRealRun(scenario, held[0], fit.profile, { maxBatches: 20, minBatches: 60, seed: `1/${settingKey(held[0])}` });
      const measuredMs = held.reduce((s, r) => s + r.perFrameMs!.mean, 0) / held.length;
      const errorPct = (100 * Math.abs(predictedMs - measuredMs)) / measuredMs;
      const noise = meanScatterPct(runs.map((r) => ({ key: settingKey(r), ms: r.perFrameMs!.mean })));
      const tolerancePct = Math.max(TOLERANCE_PCT, 3 * noise);
      process.stderr.write(
        `calibration on real runs: ${collectS.toFixed(0)} s collecting 8 runs; mean scatter of repeats ${noise.toFixed(1)} %, noise floor (median) ${fit.fidelity.noise.pct?.toFixed(1)} % of the training runs; ` +
          `fitted ${Object.entries(fit.fit.parameters).map(([k, p]) => `${k} ${p.fitted.toFixed(2)} (${p.identified ? 'identified' : 'not identified'})`).join(', ')}; ` +
          `train MAPE ${fit.fidelity.mape_train.toFixed(1)} %; unseen 1/512/2 x 640x360: measured ${measuredMs.toFixed(1)} ms, predicted ${predictedMs.toFixed(1)} ms, ` +
          `error ${errorPct.toFixed(1)} % (tolerance ${tolerancePct.toFixed(1)} %)\n${context}\n`,
      );
      expect(errorPct, context).toBeLessThanOrEqual(tolerancePct);
    }, 420_000);
  },
);

/** Mean |run − its configuration's mean| / that mean over every run, %. */
function meanScatterPct(runs: readonly { key: string; ms: number }[]): number {
  const byKey = new Map<string, number[]>();
  for (const r of runs) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.ms]);
  const deviations = [...byKey.values()].flatMap((values) => {
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    return values.map((v) => Math.abs(v - mean) / mean);
  });
  return (100 * deviations.reduce((s, d) => s + d, 0)) / deviations.length;
}
