import type { Rng } from '../../sim/random.js';

/** One transition as add() takes it. */
export interface Transition {
  observation: Float32Array;
  action: number;
  reward: number;
  nextObservation: Float32Array;
  /** Actions allowed in the next state (1 = allowed): the TD target maximises over these only. */
  nextMask: Uint8Array;
  /** The next state is terminal (never true for a truncated episode). */
  done: boolean;
}

/** A sampled minibatch, row-major: row i of every array is transition i. */
export interface ReplayBatch {
  size: number;
  observations: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  nextObservations: Float32Array;
  nextMasks: Uint8Array;
  dones: Uint8Array;
}

/**
 * Experience replay as a fixed-capacity ring buffer, stored as a struct of
 * typed arrays: no object per transition, memory fixed at construction, and a
 * sampled batch is a handful of contiguous copies ready for tf.tensor2d.
 */
export class ReplayBuffer {
  readonly observations: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly nextObservations: Float32Array;
  readonly nextMasks: Uint8Array;
  readonly dones: Uint8Array;
  private next = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly observationSize: number,
    readonly actionCount: number,
  ) {
    for (const [name, value] of [['capacity', capacity], ['observationSize', observationSize], ['actionCount', actionCount]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`expected a positive integer ${name}, got ${value}`);
    }
    this.observations = new Float32Array(capacity * observationSize);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.nextObservations = new Float32Array(capacity * observationSize);
    this.nextMasks = new Uint8Array(capacity * actionCount);
    this.dones = new Uint8Array(capacity);
  }

  /** Transitions stored (at most the capacity). */
  get size(): number {
    return this.count;
  }

  /** Stores a transition, overwriting the oldest once full. */
  add(t: Transition): void {
    if (t.observation.length !== this.observationSize || t.nextObservation.length !== this.observationSize) {
      throw new RangeError(
        `expected observations of ${this.observationSize} values, got ${t.observation.length} and ${t.nextObservation.length}`,
      );
    }
    if (t.nextMask.length !== this.actionCount) throw new RangeError(`expected a next mask of ${this.actionCount} actions, got ${t.nextMask.length}`);
    if (!Number.isInteger(t.action) || t.action < 0 || t.action >= this.actionCount) {
      throw new RangeError(`expected an action in [0, ${this.actionCount - 1}], got ${t.action}`);
    }
    const i = this.next;
    this.observations.set(t.observation, i * this.observationSize);
    this.actions[i] = t.action;
    this.rewards[i] = t.reward;
    this.nextObservations.set(t.nextObservation, i * this.observationSize);
    this.nextMasks.set(t.nextMask, i * this.actionCount);
    this.dones[i] = t.done ? 1 : 0;
    this.next = (i + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** `batchSize` transitions drawn uniformly with replacement from those stored. */
  sample(batchSize: number, rng: Rng): ReplayBatch {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`expected a positive integer batch size, got ${batchSize}`);
    return this.sampleAt(this.sampleIndices(batchSize, rng));
  }

  /** `batchSize` slot indices drawn uniformly with replacement (buffers filled in lockstep share them: one team transition per index). */
  sampleIndices(batchSize: number, rng: Rng): Int32Array {
    if (this.count === 0) throw new RangeError('expected a non-empty replay buffer to sample from, got an empty one');
    const indices = new Int32Array(batchSize);
    for (let row = 0; row < batchSize; row++) indices[row] = rng.int(0, this.count - 1);
    return indices;
  }

  /** The transitions at these slots, row by row. */
  sampleAt(indices: Int32Array): ReplayBatch {
    const batchSize = indices.length;
    const o = this.observationSize;
    const a = this.actionCount;
    const batch: ReplayBatch = {
      size: batchSize,
      observations: new Float32Array(batchSize * o),
      actions: new Int32Array(batchSize),
      rewards: new Float32Array(batchSize),
      nextObservations: new Float32Array(batchSize * o),
      nextMasks: new Uint8Array(batchSize * a),
      dones: new Uint8Array(batchSize),
    };
    for (let row = 0; row < batchSize; row++) {
      const i = indices[row];
      if (!(i >= 0 && i < this.count)) throw new RangeError(`expected a slot in [0, ${this.count - 1}], got ${i}`);
      batch.observations.set(this.observations.subarray(i * o, (i + 1) * o), row * o);
      batch.actions[row] = this.actions[i];
      batch.rewards[row] = this.rewards[i];
      batch.nextObservations.set(this.nextObservations.subarray(i * o, (i + 1) * o), row * o);
      batch.nextMasks.set(this.nextMasks.subarray(i * a, (i + 1) * a), row * a);
      batch.dones[row] = this.dones[i];
    }
    return batch;
  }
}
