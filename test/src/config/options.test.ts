import { describe, expect, it } from 'vitest';
import { checkOption, defaultsOf, flagOf, yargsFlagsOf, zodOf, type OptionTable } from '../../../src/config/options.js';

const TABLE = {
  master: { kind: 'text', required: true, description: 'where' },
  timeout: { kind: 'text', default: '10m', description: 'how long' },
  image: { kind: 'text', description: 'which image' },
  conf: { kind: 'texts', description: 'settings (repeatable)' },
  warmupBatches: { kind: 'number', integer: true, min: 0, max: 10, default: 1, description: 'left out' },
  fastStart: { kind: 'boolean', default: true, description: 'JVM settings' },
} as const satisfies OptionTable;

describe('option tables with text and repeatable options', () => {
  it('give yargs flags whose defaults yargs applies, the range in the description', () => {
    expect(yargsFlagsOf(TABLE, 'Real cluster:')).toEqual({
      master: { type: 'string', describe: 'where', demandOption: true, group: 'Real cluster:' },
      timeout: { type: 'string', describe: 'how long', default: '10m', group: 'Real cluster:' },
      image: { type: 'string', describe: 'which image', group: 'Real cluster:' },
      conf: { type: 'string', describe: 'settings (repeatable)', array: true, group: 'Real cluster:' },
      'warmup-batches': { type: 'number', describe: 'left out [0, 10]', default: 1, group: 'Real cluster:' },
      'fast-start': { type: 'boolean', describe: 'JVM settings', default: true, group: 'Real cluster:' },
    });
    expect(flagOf('serviceAccount')).toBe('service-account');
  });

  it('give a zod object: required text required, defaults filled in, absent ones absent', () => {
    expect(zodOf(TABLE).parse({ master: 'local-cluster[1,1,1024]' })).toEqual({ master: 'local-cluster[1,1,1024]', timeout: '10m', warmupBatches: 1, fastStart: true });
    expect(zodOf(TABLE).safeParse({}).success).toBe(false);
    expect(defaultsOf(TABLE)).toEqual({ master: undefined, timeout: '10m', image: undefined, conf: undefined, warmupBatches: 1, fastStart: true });
  });

  it('check values with what was expected and what was found', () => {
    expect(checkOption(TABLE.warmupBatches, -1)).toBe('expected an integer in [0, 10], got -1');
    expect(checkOption(TABLE.timeout, 5)).toBe('expected a text, got 5');
    expect(checkOption(TABLE.conf, ['spark.a=1', 2])).toBe('expected a list of texts, got ["spark.a=1",2]');
    expect(checkOption(TABLE.conf, ['spark.a=1'])).toBeNull();
  });
});
