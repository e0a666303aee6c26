// A bounded trace of device register accesses: a ring of fixed typed arrays holding the last
// `limit` entries, so tracing allocates nothing per access and a long run costs at most
// 16 bytes x limit. Device models keep one each.
import { joinWords } from "../words.js";

/** One traced access: the operation, a number naming the register (offset or index), size, value. */
export interface RingEntry { op: "read" | "write"; where: number; size: number; value: bigint }

const READ = 0, WRITE = 1;

/** The last `limit` accesses of a device (limit 0: count only). */
export class AccessRing {
  /** How many accesses were recorded in all (the ring keeps the last `limit`). */
  count = 0;
  /**
   * Per entry four words (op | size << 8, where, the value's two 32-bit halves). It starts empty
   * and doubles as accesses come until it holds `limit` entries, so many devices with little
   * traffic cost little trace memory.
   */
  private ring: Uint32Array = new Uint32Array(0);
  private next = 0;

  constructor(readonly limit = 1024) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`trace limit must be a non-negative integer (got ${limit})`);
  }

  /**
   * Records one access: its direction, register, size and the value v[at] (bits 31:0), v[at + 1]
   * (bits 63:32). (A word pair, not two numbers: a half above 2^30 passed to a call V8 does not
   * inline is boxed, an allocation per access.)
   */
  record(write: boolean, where: number, size: number, v: Uint32Array, at: number): void {
    this.count++;
    if (this.limit === 0) return;
    let ring = this.ring;
    if (4 * this.next === ring.length) ring = this.grow(); // only before the first wrap
    const slot = 4 * this.next;
    ring[slot] = (write ? WRITE : READ) | (size << 8);
    ring[slot + 1] = where;
    ring[slot + 2] = v[at];
    ring[slot + 3] = v[at + 1];
    this.next = this.next + 1 === this.limit ? 0 : this.next + 1;
  }

  /** The entries held, oldest first. */
  entries(): RingEntry[] {
    const ring = this.ring;
    const n = Math.min(this.count, this.limit);
    const first = this.count <= this.limit ? 0 : this.next;
    const out: RingEntry[] = [];
    for (let k = 0; k < n; k++) {
      const at = 4 * ((first + k) % this.limit);
      out.push({
        op: (ring[at] & 0xff) === READ ? "read" : "write", where: ring[at + 1], size: ring[at] >>> 8,
        value: joinWords(ring[at + 2], ring[at + 3]),
      });
    }
    return out;
  }

  /** Bytes the ring holds now (at most 16 x limit). */
  get bytes(): number {
    return this.ring.byteLength;
  }

  private grow(): Uint32Array {
    const entries = Math.min(this.limit, Math.max(16, 2 * (this.ring.length / 4)));
    const ring = new Uint32Array(4 * entries);
    ring.set(this.ring);
    return (this.ring = ring);
  }
}
