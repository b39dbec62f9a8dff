import type { SparkConfig } from '../../sim/config.js';
import { executorPodCpu, executorPodMemoryMb } from '../../sim/spark/constants.js';
import type { Scenario } from '../scenario/schema.js';
import {
  declaredKnobs,
  describePoint,
  gridPoints,
  knobValue,
  onDomain,
  samePoint,
  withKnobs,
  type ActionSpace,
  type ClusterDefaults,
  type Configuration,
  type DeclaredKnob,
  type ExecutorConfig,
  type KnobPoint,
} from '../space/grid.js';
import { EXECUTOR_KNOBS, type KnobName, type KnobValue } from '../space/knobs.js';
import { UserInputError } from '../errors.js';

export type ActionEncoding = 'delta' | 'absolute';

/** The paper's three knobs (the executor knobs every scenario declares). */
export const KNOBS = EXECUTOR_KNOBS;
export type Knob = (typeof KNOBS)[number];

/** framesPerPartition with 'fps' resolved at a load level (one second of video, clamped). */
export function resolvedFramesPerPartition(config: SparkConfig, fps: number, scenario: Pick<Scenario, 'workload'>): number {
  if (config.framesPerPartition !== 'fps') return config.framesPerPartition;
  return Math.min(scenario.workload.maxFramesPerPartition, Math.max(scenario.workload.minFramesPerPartition, Math.round(fps)));
}

/** The delta action that keeps every knob where it is. */
export function stayAction(knobCount: number): number {
  return (3 ** knobCount - 1) / 2;
}

/**
 * The Configuration Manager: the current configuration, the action space
 * over it, and the single place where an action becomes a configuration.
 * The knobs and their grids come from the scenario's `actionSpace` over the
 * declared knob table (src/space/knobs.ts), in table order.
 *
 * - 'delta' (the paper's): one of −1/0/+1 grid steps per declared knob,
 *   3^k joint actions, the first knob the most significant digit; the
 *   middle action keeps everything (13 for the paper's three knobs).
 * - 'absolute': the index of a point of the action-space grid.
 *
 * An action is masked (not clipped) when the configuration it leads to leaves
 * the action space, or when one executor pod of it fits on no node. A
 * configuration whose executors do not all fit is allowed: the extra pods stay
 * Pending, as on a real cluster, and the state shows it.
 */
export class ConfigurationManager {
  readonly grid: KnobPoint[];
  readonly actionCount: number;
  readonly knobs: readonly DeclaredKnob[];
  /** The scenario's starting value of every declared knob (where each episode starts). */
  readonly startingPoint: KnobPoint;
  private current: Configuration;
  private readonly cluster: ClusterDefaults;

  constructor(
    private readonly scenario: Scenario,
    readonly encoding: ActionEncoding,
  ) {
    this.knobs = declaredKnobs(scenario.actionSpace);
    this.grid = gridPoints(scenario.actionSpace);
    this.actionCount = encoding === 'delta' ? 3 ** this.knobs.length : this.grid.length;
    this.cluster = { nodeCount: scenario.cluster.nodes.length, placement: scenario.cluster.placement };
    this.current = { ...scenario.spark };
    // Cluster knobs the agents choose are held explicitly, so that every trial says what it ran.
    for (const k of this.knobs) {
      if (k.declaration.home === 'cluster') this.current = withKnobs(this.current, { [k.name]: knobValue(this.current, k.name, this.cluster) });
    }
    this.startingPoint = this.point();
  }

  get config(): Configuration {
    return this.current;
  }

  get actionSpace(): ActionSpace {
    return this.scenario.actionSpace;
  }

  /** The delta action that keeps everything (−1 under the absolute encoding). */
  get stayAction(): number {
    return this.encoding === 'delta' ? stayAction(this.knobs.length) : -1;
  }

  /** The current value of every declared knob. */
  point(config: Configuration = this.current): KnobPoint {
    const out: Record<string, KnobValue> = {};
    for (const k of this.knobs) out[k.name] = knobValue(config, k.name, this.cluster);
    return out as KnobPoint;
  }

  /** Sets the configuration directly (episode start, baselines that pick absolute configurations); knobs left out keep their values. */
  set(config: ExecutorConfig | KnobPoint): void {
    const next = withKnobs(this.current, config);
    if (!this.inSpace(this.point(next))) {
      throw new UserInputError(`configuration ${describePoint(this.actionSpace, this.point(next))} is outside the scenario's action space`);
    }
    this.current = next;
  }

  /** The knobs an action leads to from the current configuration. */
  target(action: number): KnobPoint {
    if (!Number.isInteger(action) || action < 0 || action >= this.actionCount) {
      throw new RangeError(`expected an action in [0, ${this.actionCount - 1}], got ${action}`);
    }
    if (this.encoding === 'absolute') return this.grid[action];
    const out: Record<string, KnobValue> = {};
    let rest = action;
    for (let i = this.knobs.length - 1; i >= 0; i--) {
      const k = this.knobs[i];
      const delta = (rest % 3) - 1;
      rest = Math.floor(rest / 3);
      out[k.name] = stepped(k, knobValue(this.current, k.name, this.cluster), delta);
    }
    return out as KnobPoint;
  }

  /** The delta action moving each knob by `directions[i]` ∈ {−1, 0, +1} grid steps (in declared order). */
  deltaAction(directions: readonly number[]): number {
    if (this.encoding !== 'delta') throw new RangeError('deltaAction needs the delta encoding');
    return directions.reduce((action, d) => action * 3 + (Math.sign(d) + 1), 0);
  }

  /** The action that leads from the current configuration to `config`, or −1 when none does. */
  actionTo(config: ExecutorConfig | KnobPoint): number {
    const wanted = this.point(withKnobs(this.current, config));
    if (this.encoding === 'absolute') return this.gridIndex(wanted);
    for (let a = 0; a < this.actionCount; a++) {
      if (samePoint(this.actionSpace, this.target(a), wanted)) return a;
    }
    return -1;
  }

  /** The index of a point in the grid (mixed radix, the first knob most significant), or −1 when it is off the grid. */
  gridIndex(point: KnobPoint): number {
    const values = point as Record<string, KnobValue>;
    let index = 0;
    for (const k of this.knobs) {
      const i = k.values.indexOf(values[k.name]);
      if (i < 0) return -1;
      index = index * k.values.length + i;
    }
    return index;
  }

  /** 1 where the action is allowed. */
  mask(): Uint8Array {
    // An absolute action names a whole point, so its mask never depends on where the configuration is now.
    if (this.encoding === 'absolute') {
      this.absoluteMask ??= this.computeMask();
      return this.absoluteMask.slice();
    }
    return this.computeMask();
  }

  private absoluteMask: Uint8Array | null = null;

  private computeMask(): Uint8Array {
    const mask = new Uint8Array(this.actionCount);
    for (let a = 0; a < this.actionCount; a++) {
      const t = this.target(a);
      mask[a] = this.inSpace(t) && this.fitsOneExecutor(t) ? 1 : 0;
    }
    return mask;
  }

  /** Enacts an action: the new full configuration. Throws on a masked action. */
  apply(action: number): Configuration {
    const t = this.target(action);
    if (!this.inSpace(t) || !this.fitsOneExecutor(t)) {
      throw new RangeError(
        `action ${action} is masked: it leads to ${describePoint(this.actionSpace, t)}, outside the action space or the cluster's capacity`,
      );
    }
    this.current = withKnobs(this.current, t);
    return this.current;
  }

  /** Whether every declared knob of `point` lies on its grid (knobs left out count as the current values). */
  inSpace(point: ExecutorConfig | KnobPoint): boolean {
    const values = point as Record<string, unknown>;
    return this.knobs.every((k) => onDomain(k.domain, values[k.name] ?? knobValue(this.current, k.name, this.cluster)));
  }

  /** Whether one executor pod of this configuration fits on some node. */
  fitsOneExecutor(config: ExecutorConfig | KnobPoint): boolean {
    const cluster = this.scenario.cluster;
    const values = config as Partial<Configuration>;
    const cpu = executorPodCpu(config.executorCores, values.cpuRequestRatio ?? this.current.cpuRequestRatio);
    const memory = executorPodMemoryMb({
      executorMemoryMb: config.executorMemoryMb,
      executorMemoryOverheadMb: values.executorMemoryOverheadMb ?? this.current.executorMemoryOverheadMb,
    });
    // Nodes the Cluster Autoscaler may add count only when it is one of the knobs.
    const shapes = this.knobs.some((k) => k.name === 'nodeCount') ? [...cluster.nodes, cluster.nodeTemplate] : cluster.nodes;
    return shapes.some(
      (n) => n.vcpu - cluster.systemReservedCpu + 1e-9 >= cpu && n.memoryMb - cluster.systemReservedMemoryMb >= memory,
    );
  }

  /** Grid position of a knob value in [0, 1]. */
  normalised(knob: KnobName, value: KnobValue): number {
    const k = this.knobs.find((d) => d.name === knob);
    if (k === undefined || k.values.length < 2) return 0;
    if (!('choices' in k.domain)) return ((value as number) - k.domain.min) / (k.domain.max - k.domain.min);
    return Math.max(0, k.values.indexOf(value)) / (k.values.length - 1);
  }
}

/** The value `delta` grid steps from `value` (off the grid when it leaves it, so that the mask catches it). */
function stepped(k: DeclaredKnob, value: KnobValue, delta: number): KnobValue {
  if (delta === 0) return value;
  if ('choices' in k.domain) {
    const index = k.values.indexOf(value) + delta;
    return index >= 0 && index < k.values.length ? k.values[index] : OFF_GRID;
  }
  return (value as number) + delta * k.domain.step;
}

/** What a step off the end of a list of choices leads to: no value of any grid. */
const OFF_GRID = Number.NaN;
