/**
 * Declared-once options: each field has a type, default, range and one-line
 * description. The YAML schema (zod) and the CLI flags (yargs) are both built
 * from these tables, so the two never drift apart. Text options (a path, a
 * URL, a duration) and repeatable ones are for flags that are not scenario
 * fields, such as the real-cluster flags (bridge/spark/real-cluster-options.ts).
 */
import { z } from 'zod';

export type OptionSpec =
  | { kind: 'number'; default: number; min: number; max: number; integer?: boolean; description: string }
  | { kind: 'boolean'; default: boolean; description: string }
  | { kind: 'choice'; default: string; choices: readonly string[]; description: string }
  /** A text; without a default, absent unless given; `required`: a flag that must be given. */
  | { kind: 'text'; default?: string; required?: boolean; description: string }
  /** A repeatable flag: every value given, in order. */
  | { kind: 'texts'; description: string };

export type OptionTable = Record<string, OptionSpec>;

/** The typed values of a table. */
export type OptionValues<T extends OptionTable> = {
  [K in keyof T]: T[K] extends { kind: 'number' }
    ? number
    : T[K] extends { kind: 'boolean' }
      ? boolean
      : T[K] extends { choices: readonly (infer C)[] }
        ? C
        : T[K] extends { kind: 'text'; default: string }
          ? string
          : T[K] extends { kind: 'text'; required: true }
            ? string
            : T[K] extends { kind: 'text' }
              ? string | undefined
              : T[K] extends { kind: 'texts' }
                ? string[] | undefined
                : never;
};

/** The flag of a table key: kebab-case (`warmupBatches` → `warmup-batches`). */
export function flagOf(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function defaultsOf<T extends OptionTable>(table: T): OptionValues<T> {
  return Object.fromEntries(Object.entries(table).map(([key, spec]) => [key, 'default' in spec ? spec.default : undefined])) as OptionValues<T>;
}

/** A strict zod object for a table: every field optional, defaults filled in, ranges checked. */
export function zodOf<T extends OptionTable>(table: T) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(table)) {
    let field: z.ZodType;
    if (spec.kind === 'number') {
      const what = `${spec.integer ? 'an integer' : 'a number'} in [${spec.min}, ${spec.max}]`;
      const error = (issue: { input?: unknown }) => `expected ${what}, got ${gotText(issue.input)}`;
      let n = z.number({ error }).min(spec.min, { error }).max(spec.max, { error });
      if (spec.integer) n = n.int({ error });
      field = n;
    } else if (spec.kind === 'boolean') {
      field = z.boolean({ error: 'expected true or false' });
    } else if (spec.kind === 'choice') {
      field = z.enum(spec.choices as [string, ...string[]], { error: (issue) => `expected one of ${spec.choices.join(', ')}, got ${gotText(issue.input)}` });
    } else if (spec.kind === 'text') {
      field = z.string({ error: 'expected a text' });
    } else {
      field = z.array(z.string({ error: 'expected a text' }), { error: 'expected a list of texts' });
    }
    const required = spec.kind === 'text' && spec.required === true;
    const withDefault = 'default' in spec && spec.default !== undefined ? field.default(spec.default as never) : required ? field : field.optional();
    shape[key] = withDefault.describe(spec.description);
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
  if (spec.kind === 'text') return typeof value === 'string' ? null : `expected a text, got ${JSON.stringify(value)}`;
  if (spec.kind === 'texts') return Array.isArray(value) && value.every((v) => typeof v === 'string') ? null : `expected a list of texts, got ${JSON.stringify(value)}`;
  return spec.choices.includes(value as string) ? null : `expected one of ${spec.choices.join(', ')}, got ${JSON.stringify(value)}`;
}

/**
 * yargs option definitions for a table (flag names are kebab-case of the keys).
 * `shownDefaults` replaces the default --help shows, for a command whose
 * defaults come from a known file first (`sspe start`: the paper-testbed scenario).
 */
export function yargsOf(table: OptionTable, group: string, shownDefaults: { values: Record<string, unknown>; source: string } | null = null) {
  const out: Record<string, { type: 'number' | 'boolean' | 'string'; describe: string; group: string; choices?: readonly string[]; array?: boolean }> = {};
  for (const [key, spec] of Object.entries(table)) {
    if (spec.kind === 'text' || spec.kind === 'texts') {
      out[flagOf(key)] = { type: 'string', describe: spec.description, group, ...(spec.kind === 'texts' ? { array: true } : {}) };
      continue;
    }
    const flag = flagOf(key);
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

/** A yargs option definition for one spec, yargs filling in the default: for flags that are not also scenario fields. */
export interface YargsFlag {
  type: 'number' | 'boolean' | 'string';
  describe: string;
  default?: number | boolean | string;
  demandOption?: true;
  array?: true;
  choices?: readonly string[];
  group?: string;
}

/**
 * yargs option definitions for a table whose defaults yargs applies itself
 * (it shows them as [default: …]); numbers show their range in the
 * description. The values still have to pass checkOption.
 */
export function yargsFlagsOf<T extends OptionTable>(table: T, group?: string): Record<string, YargsFlag> {
  const out: Record<string, YargsFlag> = {};
  for (const [key, spec] of Object.entries(table)) {
    const flag: YargsFlag = { type: spec.kind === 'choice' || spec.kind === 'text' || spec.kind === 'texts' ? 'string' : spec.kind, describe: spec.description };
    if (spec.kind === 'number') flag.describe = `${spec.description} [${spec.min}, ${spec.max}]`;
    if ('default' in spec && spec.default !== undefined) flag.default = spec.default;
    if (spec.kind === 'text' && spec.required) flag.demandOption = true;
    if (spec.kind === 'texts') flag.array = true;
    if (spec.kind === 'choice') flag.choices = spec.choices;
    if (group !== undefined) flag.group = group;
    out[flagOf(key)] = flag;
  }
  return out;
}

function shownDefault(key: string, spec: Extract<OptionSpec, { kind: 'number' | 'boolean' | 'choice' }>, shown: { values: Record<string, unknown>; source: string } | null): string {
  const value = shown?.values[key];
  if (shown === null || value === undefined || value === spec.default) return String(spec.default);
  return `${String(value)} from ${shown.source}; ${String(spec.default)} elsewhere`;
}

/** What a bad option value was, for its one-line error: 'wander', 0, a list; long texts cut. */
function gotText(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (typeof input === 'string') return input.length > 40 ? `'${input.slice(0, 40)}…'` : `'${input}'`;
  if (typeof input === 'number' || typeof input === 'boolean' || input === null) return String(input);
  return Array.isArray(input) ? 'a list' : 'an object';
}
