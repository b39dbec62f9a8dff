/**
 * JVM settings for short runs on a small machine: C1-only JIT and the serial
 * GC start a JVM about twice as fast (a run: 34 s → 15 s on 2 cores), and a
 * run is too short for C2 to pay off; no Spark UI. Every command that runs
 * the job (collect, finetune, deploy, the bridge benchmark) applies the same
 * settings by default, so their measurements compare.
 */
export const FAST_START_JVM = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

export const FAST_START_CONF: Readonly<Record<string, string>> = {
  'spark.driver.extraJavaOptions': FAST_START_JVM,
  'spark.executor.extraJavaOptions': FAST_START_JVM,
  'spark.ui.enabled': 'false',
};

export const FAST_START_DESCRIPTION = `JVMs with ${FAST_START_JVM} and no Spark UI: about half the start-up time on a small machine (--no-fast-start for Spark's defaults)`;
