/**
 * Checks every number-typed flag of the command that runs, once, before its
 * handler: yargs turns `--fps abc` into NaN, `--seed` with no value into
 * undefined (the default then applies silently) and a flag given twice into
 * a list. Each is a one-line UserInputError quoting what was typed.
 * Ranges stay with the commands (they know what is allowed).
 */
import { UserInputError } from '../errors.js';
import { formatValue } from '../scenario/schema.js';

/** What the user typed after `--name` (or `--name=…`), for the message; undefined when nothing follows. */
export function typedValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === `--${name}`) {
      const next = argv[i + 1];
      return next === undefined || /^--?[a-zA-Z]/.test(next) ? undefined : next;
    }
    if (token.startsWith(`--${name}=`)) return token.slice(name.length + 3);
  }
  return undefined;
}

/**
 * `numberKeys` are the flags yargs parsed as numbers (getOptions().number);
 * `args` the parsed arguments; `argv` the raw command line.
 */
export function checkNumberFlags(args: Record<string, unknown>, numberKeys: readonly string[], argv: readonly string[]): void {
  for (const name of new Set(numberKeys)) {
    if (!(name in args)) continue;
    const value = args[name];
    if (Array.isArray(value)) {
      throw new UserInputError(`--${name}: expected one value, got ${value.length} (the flag is given more than once)`);
    }
    if (value === undefined) {
      throw new UserInputError(`--${name}: expected a number after it, got nothing`);
    }
    if (typeof value === 'number' && Number.isNaN(value)) {
      const typed = typedValue(argv, name);
      throw new UserInputError(`--${name}: expected a number, got ${typed === undefined ? 'nothing' : formatValue(typed)}`);
    }
  }
}

/** A flag that must be a positive integer (counts: --top, --last, --seeds …); undefined passes through. */
export function checkPositiveInteger(value: number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) throw new UserInputError(`${flag}: expected a positive integer, got ${String(value)}`);
  return value;
}
