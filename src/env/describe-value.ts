/** A value as an error message shows it: typed arrays as lists, strings quoted, undefined by name. */
export function describeValue(value: unknown): string {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return `[${Array.from(value as unknown as ArrayLike<number>).join(', ')}]`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A cycle or a BigInt inside: the plain string is the best we can say.
    return String(value);
  }
}
