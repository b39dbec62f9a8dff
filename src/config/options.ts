/**
 * Declared-once options: each field has a type, default, range and one-line
 * description. The YAML schema (zod) and the CLI flags (yargs) are both built
 * from these tables, so the two never drift apart.
 */
import { z } from 'zod';

export type OptionSpec =
  | { kind: 'number'; default: number; min: number; max: number; integer?: boolean; description: string }
  | { kind: 'boolean'; default: boolean; description: string }
  | { kind: 'choice'; default: string; choices: readonly string[]; description: string };

export type OptionTable = Record<string, OptionSpec>;

/** The typed values of a table. */
export type OptionValues<T extends OptionTable> = {
  [K in keyof T]: T[K] extends { kind: 'number' } ? number : T[K] extends { kind: 'boolean' } ? boolean : T[K] extends { choices: readonly (infer C)[] } ? C : never;
};

export function defaultsOf<T extends OptionTable>(table: T): OptionValues<T> {
  return Object.fromEntries(Object.entries(table).map(([key, spec]) => [key, spec.default])) as OptionValues<T>;
}

/** A strict zod object for a table: every field optional, defaults filled in, ranges checked. */
export function zodOf<T extends OptionTable>(table: T) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(table)) {
    let field: z.ZodType;
    if (spec.kind === 'number') {
      const what = `${spec.integer ? 'an integer' : 'a number'} in [${spec.min}, ${spec.max}]`;
      let n = z.number({ error: `expected ${what}` }).min(spec.min, { error: `expected ${what}` }).max(spec.max, { error: `expected ${what}` });
      if (spec.integer) n = n.int({ error: `expected ${what}` });
      field = n;
    } else if (spec.kind === 'boolean') {
      field = z.boolean({ error: 'expected true or false' });
    } else {
      field = z.enum(spec.choices as [string, ...string[]], { error: `expected one of ${spec.choices.join(', ')}` });
    }
    shape[key] = field.default(spec.default as never).describe(spec.description);
  }
  return z.strictObject(shape);
}

/** Checks one value against its spec; returns an error text (without the field name) or null. */
export function checkOption(spec: OptionSpec, value: unknown): string | null {
  if (spec.kind === 'number') {
    const ok = typeof value === 'number' && Number.isFinite(value) && value >= spec.min && value <= spec.max && (!spec.integer || Number.isInteger(value));
    return ok ? null : `expected ${spec.integer ? 'an integer' : 'a number'} in [${spec.min}, ${spec.max}], got ${JSON.stringify(value)}`;
  }
  if (spec.kind === 'boolean') return typeof value === 'boolean' ? null : `expected true or false, got ${JSON.stringify(value)}`;
  return spec.choices.includes(value as string) ? null : `expected one of ${spec.choices.join(', ')}, got ${JSON.stringify(value)}`;
}

/**
 * yargs option definitions for a table (flag names are kebab-case of the keys).
 * `shownDefaults` replaces the default --help shows, for a command whose
 * defaults come from a known file first (`sspe start`: the paper-testbed scenario).
 */
export function yargsOf(table: OptionTable, group: string, shownDefaults: { values: Record<string, unknown>; source: string } | null = null) {
  const out: Record<string, { type: 'number' | 'boolean' | 'string'; describe: string; group: string; choices?: readonly string[] }> = {};
  for (const [key, spec] of Object.entries(table)) {
    const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const range = spec.kind === 'number' ? ` [${spec.min}, ${spec.max}]` : '';
    out[flag] = {
      type: spec.kind === 'choice' ? 'string' : spec.kind,
      describe: `${spec.description}${range} (default ${shownDefault(key, spec, shownDefaults)})`,
      group,
      ...(spec.kind === 'choice' ? { choices: spec.choices } : {}),
    };
  }
  return out;
}

function shownDefault(key: string, spec: OptionSpec, shown: { values: Record<string, unknown>; source: string } | null): string {
  const value = shown?.values[key];
  if (shown === null || value === undefined || value === spec.default) return String(spec.default);
  return `${String(value)} from ${shown.source}; ${String(spec.default)} elsewhere`;
}
