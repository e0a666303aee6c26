// A plain block of little-endian device registers with an access trace: the simplest device model,
// and the storage other models build on.
import type { MmioDevice } from "../host/bus.js";

export interface RegisterAccess { op: "read" | "write"; offset: number; size: number; value: bigint }

export class RegisterBlock implements MmioDevice {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** The last `traceLimit` accesses, oldest first (a ring buffer underneath). */
  get trace(): RegisterAccess[] {
    return this.ring.length < this.traceLimit ? this.ring.slice() : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
  /** How many accesses were traced in all. */
  accesses = 0;
  private readonly ring: RegisterAccess[] = [];
  private next = 0;

  constructor(readonly name: string, size: number, readonly traceLimit = 1024) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  private record(a: RegisterAccess): void {
    this.accesses++;
    if (this.traceLimit === 0) return;
    if (this.ring.length < this.traceLimit) this.ring.push(a);
    else this.ring[this.next] = a;
    this.next = (this.next + 1) % this.traceLimit;
  }

  /** Raw register value, without tracing (for models and tests). */
  peek(offset: number, size: 1 | 2 | 4 | 8): bigint {
    if (offset < 0 || offset + size > this.bytes.length) return BigInt.asUintN(size * 8, -1n);
    switch (size) {
      case 1: return BigInt(this.view.getUint8(offset));
      case 2: return BigInt(this.view.getUint16(offset, true));
      case 4: return BigInt(this.view.getUint32(offset, true));
      default: return this.view.getBigUint64(offset, true);
    }
  }

  poke(offset: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    if (offset < 0 || offset + size > this.bytes.length) return;
    switch (size) {
      case 1: this.view.setUint8(offset, Number(value & 0xffn)); break;
      case 2: this.view.setUint16(offset, Number(value & 0xffffn), true); break;
      case 4: this.view.setUint32(offset, Number(value & 0xffffffffn), true); break;
      default: this.view.setBigUint64(offset, BigInt.asUintN(64, value), true);
    }
  }

  read(offset: number, size: 1 | 2 | 4 | 8): bigint {
    const value = this.peek(offset, size);
    this.record({ op: "read", offset, size, value });
    return value;
  }

  write(offset: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    this.record({ op: "write", offset, size, value });
    this.poke(offset, size, value);
  }
}
