import { checkOption, defaultsOf, type OptionTable, type OptionValues } from '../../config/options.js';
import { UserInputError } from '../../errors.js';

/**
 * A baseline's options: the table's defaults, overridden by the fields given,
 * each checked against its declared range ("hpa.targetCpuUtil: expected a
 * number in [0.01, 1], got 3").
 */
export function resolveOptions<T extends OptionTable>(baseline: string, table: T, given: Partial<OptionValues<T>> = {}): OptionValues<T> {
  const resolved: Record<string, unknown> = { ...defaultsOf(table) };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = table[key];
    if (spec === undefined) {
      throw new UserInputError(`${baseline}.${key}: unknown option; allowed: ${Object.keys(table).join(', ')}`);
    }
    const problem = checkOption(spec, value);
    if (problem !== null) throw new UserInputError(`${baseline}.${key}: ${problem}`);
    resolved[key] = value;
  }
  return resolved as OptionValues<T>;
}
