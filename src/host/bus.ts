// The host's MMIO bus: device models claim GPA ranges (shared bit already stripped). An access
// nobody claims reads all-ones and drops writes, as an unclaimed MMIO region does; both counted.
//
// GPAs are below 2^52. On the hot path GPAs and values travel as 32-bit word pairs in typed arrays
// (the bus's readWords/writeWords, a device's optional readWords/writeWords): no BigInt, and no
// number above 2^30 passed to a call, which V8 boxes into a heap number (an allocation per
// access) when it does not inline the call. Devices that only implement the BigInt methods work too.
import { joinWords, splitInto } from "../words.js";
import type { AccessSize } from "../tdvmcall/exit.js";

export type { AccessSize };

/** A device model: registers addressed by byte offset from its base. */
export interface MmioDevice {
  readonly name: string;
  read(offset: number, size: AccessSize): bigint;
  write(offset: number, size: AccessSize, value: bigint): void;
  /** Optional fast read: the value's bits 31:0 into out[at], bits 63:32 into out[at + 1]. */
  readWords?(offset: number, size: AccessSize, out: Uint32Array, at: number): void;
  /** Optional fast write: the value's bits 31:0 in value[at], bits 63:32 in value[at + 1] (already cut to `size`). */
  writeWords?(offset: number, size: AccessSize, value: Uint32Array, at: number): void;
}

interface Claim { base: number; end: number; device: MmioDevice }

/** A device's read() answered something other than a bigint (the host reports it as a HostError "bad_answer"). */
export class DeviceAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeviceAnswerError";
  }
}

const TWO32 = 0x1_0000_0000;
const LOW_MASK = [0, 0xff, 0xffff, 0, 0xffffffff, 0, 0, 0, 0xffffffff];

/**
 * The `size`-byte value from[fromAt], from[fromAt + 1] cut to its size, into to[toAt], to[toAt + 1].
 * (As word pairs: no 32-bit half is passed to or returned from a call, which V8 boxes into a heap
 * number when it does not inline the call.)
 */
export function cutWords(size: number, from: Uint32Array, fromAt: number, to: Uint32Array, toAt: number): void {
  to[toAt] = from[fromAt] & LOW_MASK[size];
  to[toAt + 1] = size === 8 ? from[fromAt + 1] : 0;
}

/** All-ones (what an unclaimed MMIO read returns) as a word pair, for cutWords. */
export const ALL_ONES = Uint32Array.of(0xffffffff, 0xffffffff);

/** The host's MMIO bus: devices claim GPA ranges; unclaimed reads return all-ones. */
export class DeviceBus {
  private readonly claims: Claim[] = [];
  /** The claim that served the last access: device accesses come in runs. */
  private recent: Claim | null = null;
  private readonly scratch = new Uint32Array(2);
  /** GPA words for the BigInt API and find(); the value a write hands its device, cut to size. */
  private readonly gpaScratch = new Uint32Array(2);
  private readonly cut = new Uint32Array(2);
  unclaimedReads = 0;
  unclaimedWrites = 0;

  /** Claims [base, base + size) for `device`; overlapping claims are refused. */
  attach(base: bigint, size: number, device: MmioDevice): void {
    const claim = { base: Number(base), end: Number(base) + size, device };
    for (const c of this.claims) {
      if (claim.base < c.end && c.base < claim.end) throw new Error(`${device.name} overlaps ${c.device.name}`);
    }
    this.claims.push(claim);
    this.claims.sort((a, b) => a.base - b.base);
  }

  /** Whether a device claims any byte of [base, base + size). */
  claimed(base: bigint, size: number): boolean {
    const lo = Number(base), hi = lo + size;
    return this.claims.some((c) => lo < c.end && c.base < hi);
  }

  /** The device whose range holds gpa. */
  find(gpa: bigint | number): Claim | null {
    const g = this.gpaScratch;
    const n = Number(gpa);
    g[0] = n % TWO32;
    g[1] = Math.floor(n / TWO32);
    return this.claimOf(g);
  }

  /** The claim holding the GPA gpa[0] (bits 31:0), gpa[1] (bits 51:32): the last one used, else by binary search. */
  private claimOf(gpa: Uint32Array): Claim | null {
    const at = gpa[1] * TWO32 + gpa[0];
    const r = this.recent;
    if (r && at >= r.base && at < r.end) return r;
    let lo = 0, hi = this.claims.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.claims[mid];
      if (at < c.base) hi = mid - 1;
      else if (at >= c.end) lo = mid + 1;
      else return (this.recent = c);
    }
    return null;
  }

  /** Reads `size` bytes at the GPA gpa[0] (bits 31:0), gpa[1] (bits 51:32) into out[at] (bits 31:0) and out[at + 1] (bits 63:32). */
  readWords(gpa: Uint32Array, size: AccessSize, out: Uint32Array, at: number): void {
    const c = this.claimOf(gpa);
    if (!c) {
      this.unclaimedReads++;
      cutWords(size, ALL_ONES, 0, out, at);
      return;
    }
    const offset = gpa[1] * TWO32 + gpa[0] - c.base;
    if (c.device.readWords) c.device.readWords(offset, size, out, at);
    else {
      const v: unknown = c.device.read(offset, size);
      if (typeof v !== "bigint") throw new DeviceAnswerError(`device ${c.device.name} read ${size} bytes at offset 0x${offset.toString(16)} and answered a ${typeof v}, not a bigint`);
      splitInto(v, out, at);
    }
    cutWords(size, out, at, out, at);
  }

  /** Writes `size` bytes of value[at] (bits 31:0), value[at + 1] (bits 63:32) at the GPA gpa[0], gpa[1]. */
  writeWords(gpa: Uint32Array, size: AccessSize, value: Uint32Array, at: number): void {
    const c = this.claimOf(gpa);
    if (!c) { this.unclaimedWrites++; return; }
    const offset = gpa[1] * TWO32 + gpa[0] - c.base;
    const cut = this.cut;
    cutWords(size, value, at, cut, 0);
    if (c.device.writeWords) c.device.writeWords(offset, size, cut, 0);
    else c.device.write(offset, size, joinWords(cut[0], cut[1]));
  }

  read(gpa: bigint, size: AccessSize): bigint {
    this.readWords(splitInto(gpa, this.gpaScratch), size, this.scratch, 0);
    return joinWords(this.scratch[0], this.scratch[1]);
  }

  write(gpa: bigint, size: AccessSize, value: bigint): void {
    this.writeWords(splitInto(gpa, this.gpaScratch), size, splitInto(value, this.scratch), 0);
  }

  get deviceCount(): number {
    return this.claims.length;
  }
}
