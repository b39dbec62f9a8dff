/**
 * What process a container becomes. There are no images here: a container
 * with a `command` runs that command (with `args`) on the host; a Spark
 * executor container (args ['executor'], as Spark's KubernetesExecutorBuilder
 * makes them) runs what the Spark image's entrypoint.sh does for `executor`:
 * java with the SPARK_JAVA_OPT_* options, -Xms/-Xmx of SPARK_EXECUTOR_MEMORY,
 * the jars of the venv's PySpark, and KubernetesExecutorBackend with the
 * driver URL, executor id, cores, app id, pod IP, resource profile and pod name
 * from the environment the driver set
 * (resource-managers/kubernetes/docker/src/main/dockerfiles/spark/entrypoint.sh).
 */
import { dirname, join } from 'node:path';
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';

export interface HostPaths {
  /** SPARK_HOME with jars/ (the pyspark package of the venv). */
  sparkHome: string | null;
  /** Python for PySpark workers on executors (the venv's). */
  pythonPath: string | null;
  /** java to run executors with; default $JAVA_HOME/bin/java or java on PATH. */
  javaPath: string;
}

export interface ContainerProcess {
  command: string[];
  env: Record<string, string>;
  /** 'command' (the container's own), 'spark-executor' (entrypoint.sh's executor branch). */
  kind: 'command' | 'spark-executor';
}

/** The IP every pod gets: all pods are processes of this host, on loopback. */
export const POD_IP = '127.0.0.1';

export class UnrunnableContainerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnrunnableContainerError';
  }
}

export function containerProcess(pod: V1Pod, container: V1Container, host: HostPaths, podDir: string): ContainerProcess {
  const env = containerEnv(pod, container, host, podDir);
  if (container.command !== undefined && container.command.length > 0) {
    return { kind: 'command', command: [...container.command, ...(container.args ?? [])].map((a) => expandVars(a, env)), env };
  }
  if (container.args?.[0] === 'executor') return { kind: 'spark-executor', command: sparkExecutorCommand(env, host), env };
  throw new UnrunnableContainerError(
    `container '${container.name}' has no command, and the process kubelet runs no images (image '${container.image ?? ''}'): give it a command, or make it a Spark executor (args ['executor'])`,
  );
}

function sparkExecutorCommand(env: Record<string, string>, host: HostPaths): string[] {
  if (host.sparkHome === null) {
    throw new UnrunnableContainerError("a Spark executor needs SPARK_HOME with jars/ (the venv's PySpark: run 'bash scripts/setup-python.sh'), found none");
  }
  const need = ['SPARK_DRIVER_URL', 'SPARK_EXECUTOR_ID', 'SPARK_EXECUTOR_CORES', 'SPARK_APPLICATION_ID', 'SPARK_EXECUTOR_MEMORY'];
  const missing = need.filter((k) => env[k] === undefined || env[k] === '');
  if (missing.length > 0) throw new UnrunnableContainerError(`a Spark executor container needs ${missing.join(', ')} in its environment (set by the driver), found none`);
  // entrypoint.sh: env | grep SPARK_JAVA_OPT_ | sort -t_ -k4 -n, i.e. in the order of their index.
  const javaOpts = Object.keys(env)
    .filter((k) => /^SPARK_JAVA_OPT_\d+$/.test(k))
    .sort((a, b) => Number(a.slice(15)) - Number(b.slice(15)))
    .map((k) => env[k]);
  const classpath = [join(host.sparkHome, 'jars', '*'), env.SPARK_CLASSPATH, env.SPARK_DIST_CLASSPATH].filter((p) => p !== undefined && p !== '').join(':');
  return [
    host.javaPath,
    ...javaOpts,
    `-Xms${env.SPARK_EXECUTOR_MEMORY}`,
    `-Xmx${env.SPARK_EXECUTOR_MEMORY}`,
    '-cp',
    classpath,
    'org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend',
    '--driver-url', env.SPARK_DRIVER_URL,
    '--executor-id', env.SPARK_EXECUTOR_ID,
    '--cores', env.SPARK_EXECUTOR_CORES,
    '--app-id', env.SPARK_APPLICATION_ID,
    '--hostname', env.SPARK_EXECUTOR_POD_IP ?? POD_IP,
    '--resourceProfileId', env.SPARK_RESOURCE_PROFILE_ID ?? '0',
    '--podName', env.SPARK_EXECUTOR_POD_NAME ?? env.HOSTNAME,
  ];
}

/** The container's environment: the host's PATH, HOME and JAVA_HOME, then env[] with value and fieldRef resolved, as the kubelet does. */
export function containerEnv(pod: V1Pod, container: V1Container, host: HostPaths, podDir: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    HOSTNAME: pod.metadata?.name ?? '',
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
  };
  if (process.env.JAVA_HOME) env.JAVA_HOME = process.env.JAVA_HOME;
  for (const v of container.env ?? []) env[v.name] = resolveEnvVar(pod, v, env);
  if (container.args?.[0] === 'executor') {
    // Paths the image would have: Spark's conf and scratch folders live in the pod's own folder here.
    env.SPARK_HOME = host.sparkHome ?? '';
    env.SPARK_CONF_DIR = join(podDir, 'conf');
    env.SPARK_LOCAL_DIRS = join(podDir, 'local');
    env.SPARK_EXECUTOR_DIRS = join(podDir, 'local');
    if (host.pythonPath !== null) {
      env.PYSPARK_PYTHON = host.pythonPath;
      // The driver names the workers' Python (spark.pyspark.python, 'python3' by default on k8s): the venv's comes first on PATH, as an image's own would.
      env.PATH = `${dirname(host.pythonPath)}:${env.PATH}`;
    }
  }
  return env;
}

function resolveEnvVar(pod: V1Pod, v: V1EnvVar, env: Record<string, string>): string {
  if (v.value !== undefined) return expandVars(v.value, env);
  const field = v.valueFrom?.fieldRef?.fieldPath;
  if (field !== undefined) {
    const fields: Record<string, string | undefined> = {
      'metadata.name': pod.metadata?.name,
      'metadata.namespace': pod.metadata?.namespace,
      'metadata.uid': pod.metadata?.uid,
      'spec.nodeName': pod.spec?.nodeName,
      'spec.serviceAccountName': pod.spec?.serviceAccountName,
      'status.podIP': POD_IP,
      'status.podIPs': POD_IP,
      'status.hostIP': POD_IP,
    };
    return fields[field] ?? '';
  }
  return '';
}

/** $(VAR) references to variables defined before, as Kubernetes expands them in env values, command and args; $$(VAR) escapes. */
export function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && env[name] !== undefined ? env[name] : match;
  });
}
