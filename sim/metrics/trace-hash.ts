/**
 * A 64-bit FNV-1a hash (two 32-bit lanes) over every processed event's
 * (time, kind, arg): equal hashes mean the same trace, bit for bit.
 */
export class TraceHash {
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x9e3779b9;
  private readonly f64 = new Float64Array(3);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  add(timeMs: number, kind: number, arg: number): void {
    this.f64[0] = timeMs;
    this.f64[1] = kind;
    this.f64[2] = arg;
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < 6; i++) {
      const word = this.u32[i];
      a = Math.imul(a ^ word, 0x01000193);
      b = Math.imul(b ^ word, 0x01000193) ^ (a >>> 15);
    }
    this.a = a;
    this.b = b;
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}
