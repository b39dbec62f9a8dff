/**
 * Go's time.Duration text ('30s', '1m0s', '15.007s', '1h2m3.5s', '250ms'), as
 * metrics-server writes the `window` of a PodMetrics, in milliseconds.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

export function parseGoDurationMs(text: string): number {
  if (typeof text !== 'string' || text === '') {
    throw new Error(`expected a Go duration like '30s' or '1m0s', got ${JSON.stringify(text)}`);
  }
  if (text === '0') return 0;
  let sign = 1;
  let rest = text;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  PART.lastIndex = 0;
  let totalMs = 0;
  let parts = 0;
  while (PART.lastIndex < rest.length) {
    const match = PART.exec(rest);
    if (match === null) {
      throw new Error(`expected a Go duration like '30s' or '1m0s', got '${text}'`);
    }
    totalMs += Number(match[1]) * UNIT_MS[match[2]];
    parts += 1;
  }
  if (parts === 0) {
    throw new Error(`expected a Go duration like '30s' or '1m0s', got '${text}'`);
  }
  return sign * totalMs;
}
