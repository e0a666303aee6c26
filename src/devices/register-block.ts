// A plain block of little-endian device registers with an access trace: the simplest device model,
// and the storage other models build on. The trace is a bounded ring (access-ring.ts), so a traced
// access allocates nothing.
import { cutWords, ALL_ONES, type MmioDevice, type AccessSize } from "../host/bus.js";
import { joinWords, splitInto } from "../words.js";
import { AccessRing } from "./access-ring.js";

export interface RegisterAccess { op: "read" | "write"; offset: number; size: number; value: bigint }

/** A plain block of device registers: reads return what was written (or poked). */
export class RegisterBlock implements MmioDevice {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** The last `traceLimit` accesses (a bounded ring: at most 16 bytes per entry). */
  private readonly ring: AccessRing;
  private readonly scratch = new Uint32Array(2);

  constructor(readonly name: string, size: number, readonly traceLimit = 1024) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
    this.ring = new AccessRing(traceLimit);
  }

  /** How many accesses were traced in all. */
  get accesses(): number {
    return this.ring.count;
  }

  /** The last `traceLimit` accesses, oldest first. */
  get trace(): RegisterAccess[] {
    return this.ring.entries().map((e) => ({ op: e.op, offset: e.where, size: e.size, value: e.value }));
  }

  /** Bytes the trace holds now (at most 16 x traceLimit). */
  get traceBytes(): number {
    return this.ring.bytes;
  }

  private inside(offset: number, size: number): boolean {
    return offset >= 0 && offset + size <= this.bytes.length;
  }

  /** Raw register value as halves into out[at], out[at + 1], without tracing (all-ones outside). */
  peekWords(offset: number, size: AccessSize, out: Uint32Array, at: number): void {
    if (!this.inside(offset, size)) {
      cutWords(size, ALL_ONES, 0, out, at);
      return;
    }
    const v = this.view;
    out[at + 1] = 0;
    switch (size) {
      case 1: out[at] = v.getUint8(offset); break;
      case 2: out[at] = v.getUint16(offset, true); break;
      case 4: out[at] = v.getUint32(offset, true); break;
      default: out[at] = v.getUint32(offset, true); out[at + 1] = v.getUint32(offset + 4, true);
    }
  }

  /** Stores the value value[at] (bits 31:0), value[at + 1] (bits 63:32), without tracing (ignored outside the block). */
  pokeWords(offset: number, size: AccessSize, value: Uint32Array, at: number): void {
    if (!this.inside(offset, size)) return;
    const v = this.view;
    switch (size) {
      case 1: v.setUint8(offset, value[at] & 0xff); break;
      case 2: v.setUint16(offset, value[at] & 0xffff, true); break;
      case 4: v.setUint32(offset, value[at], true); break;
      default: v.setUint32(offset, value[at], true); v.setUint32(offset + 4, value[at + 1], true);
    }
  }

  /** Raw register value, without tracing (for models and tests). */
  peek(offset: number, size: AccessSize): bigint {
    this.peekWords(offset, size, this.scratch, 0);
    return joinWords(this.scratch[0], this.scratch[1]);
  }

  poke(offset: number, size: AccessSize, value: bigint): void {
    this.pokeWords(offset, size, splitInto(value, this.scratch), 0);
  }

  readWords(offset: number, size: AccessSize, out: Uint32Array, at: number): void {
    this.peekWords(offset, size, out, at);
    this.ring.record(false, offset, size, out, at);
  }

  writeWords(offset: number, size: AccessSize, value: Uint32Array, at: number): void {
    this.ring.record(true, offset, size, value, at);
    this.pokeWords(offset, size, value, at);
  }

  read(offset: number, size: AccessSize): bigint {
    this.readWords(offset, size, this.scratch, 0);
    return joinWords(this.scratch[0], this.scratch[1]);
  }

  write(offset: number, size: AccessSize, value: bigint): void {
    this.writeWords(offset, size, splitInto(value, this.scratch), 0);
  }
}
