/**
 * The report as a browser shows it: rendered in headless Chromium with the
 * network blocked, screenshotted, its DOM dumped and its requests logged.
 * Under CI=true it must run (.ci/run installs Debian's chromium through
 * scripts/setup-chromium.sh); elsewhere it is skipped when no Chromium is
 * found. $CHROMIUM names another binary.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../../src/report/html.js';
import { syntheticInput, traceInput } from './fixtures.js';
import { axesOf, marksOf, svgsOf } from './svg.js';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome'];
/** Axes whose quantity has no unit to name. */
const UNITLESS_TITLES = new Set(['episode', 'vector step', 'policy']);
const WINDOW = { widthPx: 1400, heightPx: 3000 };

function findChromium(): string | null {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of CANDIDATES) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim();
  }
  return null;
}

const chromium = findChromium();
if (chromium === null && process.env.CI === 'true') {
  throw new Error(`expected Chromium under CI (one of ${CANDIDATES.join(', ')} on PATH, or $CHROMIUM); scripts/setup-chromium.sh installs it, found none`);
}
const dir = mkdtempSync(join(tmpdir(), 'sspe-screenshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One headless run of `page` with every host unresolvable and a dead proxy, so nothing can be fetched; returns stdout. */
function runChromium(page: string, flags: string[]): string {
  const run = spawnSync(
    chromium!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${mkdtempSync(join(dir, 'profile-'))}`,
      '--host-resolver-rules=MAP * ~NOTFOUND',
      '--proxy-server=http://127.0.0.1:9',
      `--window-size=${WINDOW.widthPx},${WINDOW.heightPx}`,
      ...flags,
      `file://${page}`,
    ],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0) throw new Error(`expected ${chromium} to exit 0 on ${page}, got ${run.status ?? run.signal}: ${run.stderr.slice(-2000)}`);
  return run.stdout;
}

/** URLs the page itself asked for (the browser's own update and account pings are keyed to no page), from Chromium's net log. */
function pageRequests(netLogPath: string): string[] {
  const log = JSON.parse(readFileSync(netLogPath, 'utf8')) as { constants: { logEventTypes: Record<string, number> }; events: { type: number; params?: Record<string, string> }[] };
  const startJob = log.constants.logEventTypes.URL_REQUEST_START_JOB;
  return log.events
    .filter((e) => e.type === startJob && e.params?.url !== undefined && (e.params.network_isolation_key ?? '').includes('file://'))
    .map((e) => e.params!.url)
    .filter((url) => !url.startsWith('file:'));
}

/** Screenshot and net log of one page. */
function shoot(name: string, html: string): { pngBytes: Buffer; requests: string[] } {
  const page = join(dir, `${name}.html`);
  writeFileSync(page, html);
  const png = join(dir, `${name}.png`);
  const netLog = join(dir, `${name}.netlog.json`);
  runChromium(page, [`--screenshot=${png}`, `--log-net-log=${netLog}`]);
  return { pngBytes: readFileSync(png), requests: pageRequests(netLog) };
}

function dumpDom(name: string, html: string): string {
  const page = join(dir, `${name}.html`);
  writeFileSync(page, html);
  return runChromium(page, ['--dump-dom']);
}

function pngSize(png: Buffer): { widthPx: number; heightPx: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { widthPx: png.readUInt32BE(16), heightPx: png.readUInt32BE(20) };
}

/** Every chart has a titled x and y axis, and every described axis a title with its unit in parentheses (unless it has none). */
function expectAxisTitlesWithUnits(dom: string, charts: number): void {
  const svgs = svgsOf(dom);
  expect(svgs).toHaveLength(charts);
  svgs.forEach((svg, i) => {
    const axes = axesOf(svg);
    const chart = `chart ${i + 1}`;
    expect(axes.some((a) => a.orient === 'X' && a.title !== null), `${chart}: a titled x axis`).toBe(true);
    expect(axes.some((a) => a.orient === 'Y' && a.title !== null), `${chart}: a titled y axis`).toBe(true);
    for (const axis of axes) {
      expect(axis.title, `${chart}: ${axis.orient} axis ${axis.scale}`).not.toBeNull();
      if (!UNITLESS_TITLES.has(axis.title!)) expect(axis.title, `${chart}: a unit in parentheses`).toMatch(/\(.+\)/);
    }
  });
}

describe.skipIf(chromium === null)('the report in headless Chromium', () => {
  it('renders a page with its charts, fetching nothing, and the check would see a page that fetched', async () => {
    // The control: a blank page that asks for one image. Its request is seen; its screenshot is what "nothing drawn" compresses to.
    const control = shoot('control', '<!DOCTYPE html><html><body><img src="https://example.invalid/x.png" alt=""></body></html>');
    expect(control.requests).toEqual(['https://example.invalid/x.png']);
    const html = await renderReport(syntheticInput());
    const report = shoot('report', html);
    expect(report.requests).toEqual([]);
    expect(pngSize(report.pngBytes)).toEqual(WINDOW);
    // Charts, tables and text compress far worse than a white page.
    expect(report.pngBytes.length).toBeGreaterThan(3 * control.pngBytes.length);
    // Nothing to fetch in the markup either: the only URLs are the SVG namespaces.
    expect(html.replace(/xmlns(:\w+)?="[^"]*"/g, '').match(/https?:\/\/\S*/g)).toBeNull();
    const dom = dumpDom('report-dom', html);
    expect(dom).toContain('<h2>Best policy per input rate</h2>');
    // Four charts, each with axes and data drawn.
    expect(svgsOf(dom).map((svg) => axesOf(svg).length > 0 && marksOf(svg).length > 0)).toEqual([true, true, true, true]);
  }, 240_000);

  it('gives every chart of the evaluation and the trace report axis titles, with units', async () => {
    expectAxisTitlesWithUnits(dumpDom('axes-levels', await renderReport(syntheticInput())), 4);
    expectAxisTitlesWithUnits(dumpDom('axes-trace', await renderReport(traceInput())), 2);
  }, 240_000);
});
