import { describe, expect, it } from 'vitest';
import { parseSparkMemoryMb, parseSparkTimeMs, readSparkConfig, SparkPropertyError } from '../../../bridge/eventlog/spark-config.js';

describe('parseSparkMemoryMb (JavaUtils.byteStringAs, bare numbers in MB)', () => {
  it.each([
    ['4g', 4096],
    ['4G', 4096],
    ['512m', 512],
    ['512mb', 512],
    ['1024', 1024],
    ['2gb', 2048],
    ['1t', 1024 * 1024],
    ['1048576k', 1024],
    ['1048576b', 1],
    [' 8g ', 8192],
  ])("'%s' is %d MB", (text, mb) => {
    expect(parseSparkMemoryMb(text, 'spark.executor.memory')).toBe(mb);
  });

  it.each(['1.5g', '4 g', 'g', '', '-1g', '4x'])("'%s' is rejected, naming the property", (text) => {
    expect(() => parseSparkMemoryMb(text, 'spark.executor.memory')).toThrow(
      new SparkPropertyError(`spark.executor.memory: expected a size like '4g', '512m' or '1024' (MB), got '${text}'`),
    );
  });
});

describe('parseSparkTimeMs (JavaUtils.timeStringAs, bare numbers in ms)', () => {
  it.each([
    ['3s', 3000],
    ['100ms', 100],
    ['1min', 60_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['500', 500],
    ['1500us', 1.5],
  ])("'%s' is %d ms", (text, ms) => {
    expect(parseSparkTimeMs(text, 'spark.locality.wait')).toBe(ms);
  });

  it('rejects a fraction', () => {
    expect(() => parseSparkTimeMs('1.5s', 'spark.locality.wait')).toThrow(
      "spark.locality.wait: expected a time like '3s' or '100ms', got '1.5s'",
    );
  });
});

describe('readSparkConfig', () => {
  it('absent properties are null, present ones typed', () => {
    const config = readSparkConfig({
      'spark.executor.instances': '4',
      'spark.dynamicAllocation.enabled': 'TRUE',
      'spark.memory.fraction': '0.75',
      'spark.executor.memory': '2g',
    });
    expect(config).toMatchObject({
      executorInstances: 4,
      dynamicAllocationEnabled: true,
      memoryFraction: 0.75,
      executorMemoryMb: 2048,
      executorCores: null,
      master: null,
    });
  });

  it.each([
    ['spark.executor.cores', 'two', "spark.executor.cores: expected an integer, got 'two'"],
    ['spark.dynamicAllocation.enabled', 'yes', "spark.dynamicAllocation.enabled: expected true or false, got 'yes'"],
    ['spark.memory.fraction', '', "spark.memory.fraction: expected a number, got ''"],
  ])('%s=%s is an error naming the property', (key, value, message) => {
    expect(() => readSparkConfig({ [key]: value })).toThrow(new SparkPropertyError(message));
  });
});
