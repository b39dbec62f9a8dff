/**
 * The measurement probe (bridge/jobs/measure_frame_costs.py) in --quick mode:
 * the per-frame part at the case study's real resolutions, through the job's
 * own decode -> grayscale -> encode path, no Spark. Checks the document's
 * shape and that its figures are physically possible. Under CI=true it always
 * runs (and fails without the venv); elsewhere it is skipped, with the reason
 * in its name, when scripts/setup-python.sh has not been run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_START_CONF } from '../../../bridge/spark/fast-start.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const python = join(repo, '.venv', 'bin', 'python');
const probe = join(repo, 'bridge', 'jobs', 'measure_frame_costs.py');
const inCi = process.env.CI === 'true';
const skipReason = !inCi && !existsSync(python) ? `no ${python}; run scripts/setup-python.sh` : null;

interface Quantity {
  value: number;
  unit: string;
  spread: { min: number; max: number };
  n: number;
  method: string;
}

interface Measurements {
  schemaVersion: number;
  generator: string;
  command: string;
  date: string;
  quick: boolean;
  machine: { cpuModel: string; cores: number };
  versions: Record<'python' | 'opencv' | 'numpy' | 'pyspark', string>;
  settings: { resolutions: string[]; sparkConf: Record<string, string> };
  quantities: Record<string, Quantity>;
  notMeasured: Record<string, string>;
}

/** The per-frame quantities the simulator's profile takes from this document. */
const PER_FRAME = [
  'frameCpuMsPerMegapixel',
  'frameDecodeCpuMsPerMegapixel',
  'frameGrayCpuMsPerMegapixel',
  'frameEncodeCpuMsPerMegapixel',
  'frameCpuMsIntercept',
  'frameThreadSpeedup2',
  'frameInputMbPerMegapixel',
  'frameOutputMbPerMegapixel',
  'pythonFrameMbPerMegapixel',
  'pythonWorkerBaseMb',
] as const;
/** Those that need Spark: named in notMeasured by a quick run. */
const SPARK = ['jvmExecutorBaseRssMb', 'jvmExecutorBaseRssMb1024m', 'taskOverheadMs', 'taskOverheadCpuMs', 'jobOverheadMs', 'executorCpuMsPerTask'] as const;

describe.skipIf(skipReason !== null)(`measure_frame_costs.py --quick${skipReason === null ? '' : ` (skipped: ${skipReason})`}`, () => {
  let work: string;
  let doc: Measurements;

  beforeAll(() => {
    expect(existsSync(python), `CI=true needs the venv: expected ${python}; run scripts/setup-python.sh`).toBe(true);
    work = mkdtempSync(join(tmpdir(), 'sspe-measure-test-'));
    const out = join(work, 'local-machine.json');
    execFileSync(python, [probe, '--out', out, '--quick'], { stdio: 'pipe', timeout: 120_000 });
    doc = JSON.parse(readFileSync(out, 'utf8')) as Measurements;
  }, 150_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('says what produced it, where and when', () => {
    expect(doc.schemaVersion).toBe(1);
    expect(doc.generator).toBe('bridge/jobs/measure_frame_costs.py');
    expect(doc.command).toMatch(/bridge\/jobs\/measure_frame_costs\.py --out \S+ --quick$/);
    expect(Number.isNaN(Date.parse(doc.date))).toBe(false);
    expect(doc.quick).toBe(true);
    expect(doc.machine.cores).toBeGreaterThan(0);
    expect(doc.machine.cpuModel).not.toBe('');
    for (const name of ['python', 'opencv', 'numpy', 'pyspark'] as const) expect(doc.versions[name]).toMatch(/^\d+\.\d+/);
    expect(doc.settings.resolutions).toEqual(['640x480', '1280x720', '1920x1080']);
    // The Spark settings come from bridge/spark/fast-start.ts, declared once there.
    expect(doc.settings.sparkConf).toEqual(FAST_START_CONF);
  });

  it('gives every per-frame quantity as {value, unit, spread, n, method}, and names the Spark ones it skipped', () => {
    for (const name of PER_FRAME) {
      const q = doc.quantities[name];
      expect(q, name).toBeDefined();
      expect(Number.isFinite(q.value), name).toBe(true);
      expect(q.unit, name).not.toBe('');
      expect(q.n, name).toBeGreaterThanOrEqual(1);
      expect(q.spread.min, name).toBeLessThanOrEqual(q.value);
      expect(q.spread.max, name).toBeGreaterThanOrEqual(q.value);
      expect(q.method.length, name).toBeGreaterThan(20);
    }
    expect(Object.keys(doc.notMeasured).sort()).toEqual([...SPARK].sort());
  });

  it('measures figures that are physically possible', () => {
    const q = (name: string) => doc.quantities[name].value;
    // Decoding, converting and encoding a frame costs CPU, more for bigger frames.
    for (const name of ['frameCpuMsPerMegapixel', 'frameDecodeCpuMsPerMegapixel', 'frameGrayCpuMsPerMegapixel', 'frameEncodeCpuMsPerMegapixel']) expect(q(name), name).toBeGreaterThan(0);
    expect(q('frameCpuMsPerMegapixel')).toBeGreaterThan(q('frameGrayCpuMsPerMegapixel'));
    expect(q('frameCpuMsPerMegapixel')).toBeLessThan(1000);
    // A held decoded BGR frame is 3 bytes a pixel (3 MB per MP), whatever else the allocator adds.
    expect(q('pythonFrameMbPerMegapixel')).toBeGreaterThanOrEqual(2.5);
    expect(q('pythonFrameMbPerMegapixel')).toBeLessThan(20);
    // An interpreter with numpy and cv2 loaded holds tens of MB, not hundreds.
    expect(q('pythonWorkerBaseMb')).toBeGreaterThan(20);
    expect(q('pythonWorkerBaseMb')).toBeLessThan(500);
    // Compressed video: well under the 3 raw bytes a pixel, and not nothing.
    for (const name of ['frameInputMbPerMegapixel', 'frameOutputMbPerMegapixel']) {
      expect(q(name), name).toBeGreaterThan(0);
      expect(q(name), name).toBeLessThan(3);
    }
    // Two threads on one task can at best halve its time on two cores (and on one core, or loaded, gain nothing).
    expect(q('frameThreadSpeedup2')).toBeGreaterThan(0.3);
    expect(q('frameThreadSpeedup2')).toBeLessThan(2.5);
  });
});
