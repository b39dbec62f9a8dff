/**
 * Time integral of what the executor pods request, for the request cost.
 *
 * The simulator keeps each node's requested CPU and memory (the sum over
 * pods bound to it, Starting or Running) but reports only the memory
 * integral, so the meter watches the event loop: requests change only inside
 * an event handler, and the loop calls its observer just before each
 * handler, so between two observer calls the sums are constant.
 */
import type { SparkOnK8sModel } from '../../sim/model.js';
import { requestCostPerHour, type RequestPricing } from '../scenario/pricing.js';

export interface RequestIntegral {
  /** vCPU requested × ms. */
  cpuMs: number;
  /** MB requested × ms. */
  memoryMbMs: number;
  /** Length of the integral, ms. */
  spanMs: number;
}

export class RequestMeter {
  private lastMs: number;
  private startMs: number;
  private cpuMs = 0;
  private memoryMbMs = 0;

  constructor(private readonly model: SparkOnK8sModel) {
    // The loop has one observer slot, which the trace hash also uses.
    if (model.spec.traceHash) throw new Error('RequestMeter: the run records a trace hash, which owns the event observer');
    this.lastMs = model.sim.nowMs;
    this.startMs = model.sim.nowMs;
    model.sim.observe((timeMs) => this.advance(timeMs));
  }

  /** Starts a new integral now (with a new measurement window). */
  reset(): void {
    this.advance(this.model.sim.nowMs);
    this.cpuMs = 0;
    this.memoryMbMs = 0;
    this.startMs = this.model.sim.nowMs;
  }

  /** The integral from the last reset to now. */
  read(): RequestIntegral {
    this.advance(this.model.sim.nowMs);
    return { cpuMs: this.cpuMs, memoryMbMs: this.memoryMbMs, spanMs: this.lastMs - this.startMs };
  }

  /** Mean $/hour since the last reset; 0 over an empty span. */
  costPerHour(pricing: RequestPricing): number {
    const { cpuMs, memoryMbMs, spanMs } = this.read();
    return spanMs > 0 ? requestCostPerHour(pricing, { cpu: cpuMs / spanMs, memoryMb: memoryMbMs / spanMs }) : 0;
  }

  detach(): void {
    this.model.sim.observe(null);
  }

  private advance(timeMs: number): void {
    const dt = timeMs - this.lastMs;
    if (dt <= 0) return;
    let cpu = 0;
    let memoryMb = 0;
    for (const node of this.model.cluster.nodes) {
      cpu += node.requestedCpu;
      memoryMb += node.requestedMemoryMb;
    }
    this.cpuMs += cpu * dt;
    this.memoryMbMs += memoryMb * dt;
    this.lastMs = timeMs;
  }
}
