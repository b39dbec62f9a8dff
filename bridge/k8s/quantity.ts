/**
 * Kubernetes resource quantities ('3900m', '4', '8Gi', '8141088Ki', '1e3',
 * '250000000n') turned into the units this project counts in: CPU in
 * millicores, memory in MB.
 *
 * "MB" here is Spark's megabyte, 2^20 bytes (spark.executor.memory=512m means
 * 512 * 2^20 bytes), so '8Gi' is 8192 MB and a decimal '1G' is about 953.67 MB.
 *
 * Grammar (k8s.io/apimachinery/pkg/api/resource, Quantity):
 *   <sign><digits>[.<digits>]<suffix>, suffix one of
 *   binary  Ki Mi Gi Ti Pi Ei
 *   decimal n u m "" k M G T P E
 *   exponent e<int> / E<int>
 * Values come back as plain numbers (not rounded): pod metrics report CPU in
 * nanocores, and a millicore fraction is what calibration wants.
 */

const BINARY_SUFFIXES: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const BYTES_PER_MB = 2 ** 20;

const QUANTITY_PATTERN = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|([A-Za-z]*))$/;

/** Thrown for text that is not a Kubernetes quantity; callers add which object and field. */
export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

/** The quantity in its base unit (cores for CPU, bytes for memory). */
export function parseQuantity(text: string): number {
  if (typeof text !== 'string') {
    throw new QuantityError(`expected a Kubernetes quantity string like '3900m' or '8Gi', got ${describe(text)}`);
  }
  const match = QUANTITY_PATTERN.exec(text.trim());
  if (match === null || text.trim() === '') {
    throw new QuantityError(`expected a Kubernetes quantity like '3900m' or '8Gi', got '${text}'`);
  }
  const [, digits, exponent, suffix] = match;
  const mantissa = Number(digits);
  if (exponent !== undefined) {
    return mantissa * 10 ** Number(exponent.slice(1));
  }
  const unit = suffix ?? '';
  const multiplier = BINARY_SUFFIXES[unit] ?? DECIMAL_SUFFIXES[unit];
  if (multiplier === undefined) {
    throw new QuantityError(
      `expected a Kubernetes quantity suffix (Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or none), got '${unit}' in '${text}'`,
    );
  }
  return mantissa * multiplier;
}

/** CPU quantity ('3900m', '4', '0.5', '250000000n') in millicores. */
export function parseCpuMillicores(text: string): number {
  return parseQuantity(text) * 1000;
}

/** Memory quantity ('8Gi', '7950Mi', '8141088Ki', '8G', '8589934592') in MB (2^20 bytes). */
export function parseMemoryMb(text: string): number {
  return parseQuantity(text) / BYTES_PER_MB;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return `${typeof value} ${JSON.stringify(value)}`;
}
