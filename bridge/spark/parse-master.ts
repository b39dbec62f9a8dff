/**
 * --master and its Kubernetes flags, as `sspe collect`, `finetune` and
 * `deploy` read them: every problem names its flag.
 */
import { UserInputError } from '../../src/errors.js';
import type { PvcVolume, SparkMaster } from './launcher.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `name:claimName:mountPath[:ro]`. */
export function parsePvc(text: string): PvcVolume {
  const match = /^([^:]+):([^:]+):(\/[^:]*)(:ro)?$/.exec(text);
  if (match === null) throw new UserInputError(`--pvc: expected name:claim:/mount/path (optionally :ro), got '${text}'`);
  if (!DNS_LABEL.test(match[1])) throw new UserInputError(`--pvc: expected a volume name that is a DNS label (a-z, 0-9, -), got '${match[1]}'`);
  return { name: match[1], claimName: match[2], mountPath: match[3], readOnly: match[4] !== undefined };
}

/** The flags a k8s:// master reads besides --master. */
export interface K8sFlags {
  namespace: string;
  image?: string;
  serviceAccount: string;
  driverHost?: string;
  pvc?: string[];
}

/** Parses --master (with the k8s flags for a k8s:// master); every problem names its flag. */
export function parseMaster(text: string, flags: K8sFlags): SparkMaster {
  const k8sOnly = (['image', 'driverHost', 'pvc'] as const).filter((key) => flags[key] !== undefined);
  const local = /^local-cluster\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]$/.exec(text);
  let master: SparkMaster;
  if (local !== null) {
    const [workers, coresPerWorker, memoryPerWorkerMb] = local.slice(1).map(Number);
    if (workers < 1 || coresPerWorker < 1 || memoryPerWorkerMb < 1) {
      throw new UserInputError(`--master: expected local-cluster[workers,coresPerWorker,memoryPerWorkerMb] of positive integers, got '${text}'`);
    }
    master = { kind: 'local-cluster', workers, coresPerWorker, memoryPerWorkerMb };
  } else if (/^spark:\/\/[^/\s,:]+:\d+(,[^/\s,:]+:\d+)*$/.test(text)) {
    master = { kind: 'standalone', url: text };
  } else if (/^k8s:\/\/https?:\/\/[^/\s]+/.test(text)) {
    if (!DNS_LABEL.test(flags.namespace)) throw new UserInputError(`--namespace: expected a Kubernetes namespace (a DNS label), got '${flags.namespace}'`);
    if (flags.image === undefined || flags.image.trim() === '') throw new UserInputError('--image: expected the executor container image (a k8s:// master needs one), got none');
    if (flags.serviceAccount.trim() === '') throw new UserInputError('--service-account: expected a service account name, got an empty one');
    if (flags.driverHost === undefined || flags.driverHost.trim() === '') {
      throw new UserInputError('--driver-host: expected the address at which executor pods reach this machine (a k8s:// master needs one), got none');
    }
    const volumes = (flags.pvc ?? []).map(parsePvc);
    if (volumes.length === 0) throw new UserInputError('--pvc: expected at least one name:claim:/mount/path (the shared video store), got none');
    const names = volumes.map((v) => v.name);
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) throw new UserInputError(`--pvc: expected distinct volume names, got '${twice}' twice`);
    return {
      kind: 'k8s',
      apiServerUrl: text,
      namespace: flags.namespace,
      containerImage: flags.image,
      serviceAccount: flags.serviceAccount,
      driverHost: flags.driverHost,
      executorVolumes: volumes,
    };
  } else {
    throw new UserInputError(`--master: expected local-cluster[N,C,M], spark://host:port or k8s://https://host:port, got '${text}'`);
  }
  if (k8sOnly.length > 0) {
    const flag = { image: '--image', driverHost: '--driver-host', pvc: '--pvc' }[k8sOnly[0]];
    throw new UserInputError(`${flag}: only for a k8s:// --master, got --master ${text}`);
  }
  return master;
}

