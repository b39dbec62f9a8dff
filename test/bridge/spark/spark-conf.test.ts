import { describe, expect, it } from 'vitest';
import { FAST_START_CONF } from '../../../bridge/spark/fast-start.js';
import { sparkConfFrom } from '../../../bridge/spark/spark-conf.js';

describe('the Spark settings of finetune and deploy runs', () => {
  it('start JVMs as sspe collect does by default, so their runs measure like the calibration runs', () => {
    expect(sparkConfFrom({})).toEqual(FAST_START_CONF);
    expect(sparkConfFrom({ fastStart: true })['spark.executor.extraJavaOptions']).toBe('-XX:TieredStopAtLevel=1 -XX:+UseSerialGC');
    expect(sparkConfFrom({ fastStart: false })).toEqual({});
  });

  it('let --conf override them', () => {
    const conf = sparkConfFrom({ conf: ['spark.ui.enabled=true', 'spark.locality.wait=0s'] });
    expect(conf['spark.ui.enabled']).toBe('true');
    expect(conf['spark.locality.wait']).toBe('0s');
    expect(conf['spark.driver.extraJavaOptions']).toBe(FAST_START_CONF['spark.driver.extraJavaOptions']);
    expect(() => sparkConfFrom({ conf: ['ui.enabled=true'] })).toThrow("--conf: expected spark.key=value, got 'ui.enabled=true'");
  });
});
