import type { SparkConfig } from '../../sim/config.js';
import { executorPodCpu, executorPodMemoryMb } from '../../sim/spark/constants.js';
import type { Scenario, ActionSpace } from '../scenario/schema.js';
import { actionSpaceConfigs, type ExecutorConfig } from '../scenario/run-spec.js';
import { UserInputError } from '../errors.js';

export type ActionEncoding = 'delta' | 'absolute';

export const KNOBS = ['executorCores', 'executorMemoryMb', 'executorInstances'] as const;
export type Knob = (typeof KNOBS)[number];

/** framesPerPartition with 'fps' resolved at a load level (one second of video, clamped). */
export function resolvedFramesPerPartition(config: SparkConfig, fps: number, scenario: Pick<Scenario, 'workload'>): number {
  if (config.framesPerPartition !== 'fps') return config.framesPerPartition;
  return Math.min(scenario.workload.maxFramesPerPartition, Math.max(scenario.workload.minFramesPerPartition, Math.round(fps)));
}

/**
 * The Configuration Manager: the current configuration, the action space
 * over it, and the single place where an action becomes a configuration.
 *
 * - 'delta' (the paper's): one of −1/0/+1 grid steps per knob, 3^3 = 27 joint
 *   actions; action 13 keeps everything.
 * - 'absolute': the index of a configuration in the action-space grid.
 *
 * An action is masked (not clipped) when the configuration it leads to leaves
 * the action space, or when one executor pod of it fits on no node. A
 * configuration whose executors do not all fit is allowed: the extra pods stay
 * Pending, as on a real cluster, and the state shows it.
 */
export class ConfigurationManager {
  readonly grid: ExecutorConfig[];
  readonly actionCount: number;
  private current: SparkConfig;

  constructor(
    private readonly scenario: Scenario,
    readonly encoding: ActionEncoding,
  ) {
    this.grid = actionSpaceConfigs(scenario);
    this.actionCount = encoding === 'delta' ? 27 : this.grid.length;
    this.current = { ...scenario.spark };
  }

  get config(): SparkConfig {
    return this.current;
  }

  get actionSpace(): ActionSpace {
    return this.scenario.actionSpace;
  }

  /** Sets the configuration directly (episode start, baselines that pick absolute configurations). */
  set(config: ExecutorConfig): void {
    if (!this.inSpace(config)) {
      throw new UserInputError(
        `configuration ${config.executorCores} cores / ${config.executorMemoryMb} MB / ${config.executorInstances} instances is outside the scenario's action space`,
      );
    }
    this.current = { ...this.current, ...config };
  }

  /** The executor knobs an action leads to from the current configuration. */
  target(action: number): ExecutorConfig {
    if (!Number.isInteger(action) || action < 0 || action >= this.actionCount) {
      throw new RangeError(`expected an action in [0, ${this.actionCount - 1}], got ${action}`);
    }
    if (this.encoding === 'absolute') return this.grid[action];
    const deltas = [Math.floor(action / 9) - 1, (Math.floor(action / 3) % 3) - 1, (action % 3) - 1];
    const space = this.scenario.actionSpace;
    return {
      executorCores: this.current.executorCores + deltas[0] * space.executorCores.step,
      executorMemoryMb: this.current.executorMemoryMb + deltas[1] * space.executorMemoryMb.step,
      executorInstances: this.current.executorInstances + deltas[2] * space.executorInstances.step,
    };
  }

  /** The action that leads from the current configuration to `config`, or −1 when none does. */
  actionTo(config: ExecutorConfig): number {
    for (let a = 0; a < this.actionCount; a++) {
      const t = this.target(a);
      if (t.executorCores === config.executorCores && t.executorMemoryMb === config.executorMemoryMb && t.executorInstances === config.executorInstances) {
        return a;
      }
    }
    return -1;
  }

  /** 1 where the action is allowed. */
  mask(): Uint8Array {
    const mask = new Uint8Array(this.actionCount);
    for (let a = 0; a < this.actionCount; a++) {
      const t = this.target(a);
      mask[a] = this.inSpace(t) && this.fitsOneExecutor(t) ? 1 : 0;
    }
    return mask;
  }

  /** Enacts an action: the new full configuration. Throws on a masked action. */
  apply(action: number): SparkConfig {
    const t = this.target(action);
    if (!this.inSpace(t) || !this.fitsOneExecutor(t)) {
      throw new RangeError(
        `action ${action} is masked: it leads to ${t.executorCores} cores / ${t.executorMemoryMb} MB / ${t.executorInstances} instances, outside the action space or the cluster's capacity`,
      );
    }
    this.current = { ...this.current, ...t };
    return this.current;
  }

  inSpace(config: ExecutorConfig): boolean {
    for (const knob of KNOBS) {
      const range = this.scenario.actionSpace[knob];
      const value = config[knob];
      if (value < range.min || value > range.max) return false;
      if (Math.abs((value - range.min) / range.step - Math.round((value - range.min) / range.step)) > 1e-9) return false;
    }
    return true;
  }

  /** Whether one executor pod of this configuration fits on some node. */
  fitsOneExecutor(config: ExecutorConfig): boolean {
    const cluster = this.scenario.cluster;
    const cpu = executorPodCpu(config.executorCores, this.current.cpuRequestRatio);
    const memory = executorPodMemoryMb(config.executorMemoryMb);
    return cluster.nodes.some(
      (n) => n.vcpu - cluster.systemReservedCpu + 1e-9 >= cpu && n.memoryMb - cluster.systemReservedMemoryMb >= memory,
    );
  }

  /** Grid position of a knob value in [0, 1]. */
  normalised(knob: Knob, value: number): number {
    const range = this.scenario.actionSpace[knob];
    return range.max > range.min ? (value - range.min) / (range.max - range.min) : 0;
  }
}
