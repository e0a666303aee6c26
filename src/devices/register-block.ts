// A plain block of little-endian device registers with an access trace: the simplest device model,
// and the storage other models build on. The trace is a ring of fixed typed arrays, so a traced
// access allocates nothing.
import { cutLo, cutHi, type MmioDevice, type AccessSize } from "../host/bus.js";
import { joinWords, lowWord, highWord } from "../words.js";

export interface RegisterAccess { op: "read" | "write"; offset: number; size: number; value: bigint }

const READ = 0, WRITE = 1;

/** A plain block of device registers: reads return what was written (or poked). */
export class RegisterBlock implements MmioDevice {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** How many accesses were traced in all. */
  accesses = 0;
  /**
   * The ring: per entry four words (op | size << 8, offset, the value's two 32-bit halves). It
   * starts empty and doubles as accesses come until it holds traceLimit entries, so many devices
   * with little traffic cost little trace memory.
   */
  private ring: Uint32Array = new Uint32Array(0);
  private next = 0;
  private readonly scratch = new Uint32Array(2);

  constructor(readonly name: string, size: number, readonly traceLimit = 1024) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  /** The last `traceLimit` accesses, oldest first. */
  get trace(): RegisterAccess[] {
    const ring = this.ring;
    const n = Math.min(this.accesses, this.traceLimit);
    const first = this.accesses <= this.traceLimit ? 0 : this.next;
    const out: RegisterAccess[] = [];
    for (let k = 0; k < n; k++) {
      const at = 4 * ((first + k) % this.traceLimit);
      out.push({
        op: (ring[at] & 0xff) === READ ? "read" : "write", offset: ring[at + 1], size: ring[at] >>> 8,
        value: joinWords(ring[at + 2], ring[at + 3]),
      });
    }
    return out;
  }

  private record(op: number, offset: number, size: number, lo: number, hi: number): void {
    this.accesses++;
    if (this.traceLimit === 0) return;
    let ring = this.ring;
    const at = 4 * this.next;
    if (at === ring.length) ring = this.grow(); // only before the first wrap
    ring[at] = op | (size << 8);
    ring[at + 1] = offset;
    ring[at + 2] = lo;
    ring[at + 3] = hi;
    this.next = this.next + 1 === this.traceLimit ? 0 : this.next + 1;
  }

  private grow(): Uint32Array {
    const entries = Math.min(this.traceLimit, Math.max(16, 2 * (this.ring.length / 4)));
    const ring = new Uint32Array(4 * entries);
    ring.set(this.ring);
    return (this.ring = ring);
  }

  private inside(offset: number, size: number): boolean {
    return offset >= 0 && offset + size <= this.bytes.length;
  }

  /** Raw register value as halves into out[at], out[at + 1], without tracing (all-ones outside). */
  peekWords(offset: number, size: AccessSize, out: Uint32Array, at: number): void {
    if (!this.inside(offset, size)) {
      out[at] = cutLo(size, 0xffffffff);
      out[at + 1] = cutHi(size, 0xffffffff);
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

  /** Stores a value given as halves, without tracing (ignored outside the block). */
  pokeWords(offset: number, size: AccessSize, lo: number, hi: number): void {
    if (!this.inside(offset, size)) return;
    const v = this.view;
    switch (size) {
      case 1: v.setUint8(offset, lo & 0xff); break;
      case 2: v.setUint16(offset, lo & 0xffff, true); break;
      case 4: v.setUint32(offset, lo >>> 0, true); break;
      default: v.setUint32(offset, lo >>> 0, true); v.setUint32(offset + 4, hi >>> 0, true);
    }
  }

  /** Raw register value, without tracing (for models and tests). */
  peek(offset: number, size: AccessSize): bigint {
    this.peekWords(offset, size, this.scratch, 0);
    return joinWords(this.scratch[0], this.scratch[1]);
  }

  poke(offset: number, size: AccessSize, value: bigint): void {
    this.pokeWords(offset, size, lowWord(value), highWord(value));
  }

  readWords(offset: number, size: AccessSize, out: Uint32Array, at: number): void {
    this.peekWords(offset, size, out, at);
    this.record(READ, offset, size, out[at], out[at + 1]);
  }

  writeWords(offset: number, size: AccessSize, lo: number, hi: number): void {
    this.record(WRITE, offset, size, lo, hi);
    this.pokeWords(offset, size, lo, hi);
  }

  read(offset: number, size: AccessSize): bigint {
    this.readWords(offset, size, this.scratch, 0);
    return joinWords(this.scratch[0], this.scratch[1]);
  }

  write(offset: number, size: AccessSize, value: bigint): void {
    this.writeWords(offset, size, lowWord(value), highWord(value));
  }
}
