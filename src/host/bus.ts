// The host's MMIO bus: device models claim GPA ranges (shared bit already stripped). An access
// nobody claims reads all-ones and drops writes, as an unclaimed MMIO region does; both counted.
//
// GPAs are below 2^52, so the bus works on plain numbers. Values travel as 32-bit word pairs
// through the optional word methods of a device (no BigInt on the hot path); devices that only
// implement the BigInt methods work too.
import { joinWords, lowWord, highWord } from "../words.js";
import type { AccessSize } from "../tdvmcall/exit.js";

export type { AccessSize };

/** A device model: registers addressed by byte offset from its base. */
export interface MmioDevice {
  readonly name: string;
  read(offset: number, size: AccessSize): bigint;
  write(offset: number, size: AccessSize, value: bigint): void;
  /** Optional fast read: the value's bits 31:0 into out[at], bits 63:32 into out[at + 1]. */
  readWords?(offset: number, size: AccessSize, out: Uint32Array, at: number): void;
  /** Optional fast write of a value given as 32-bit halves (already cut to `size`). */
  writeWords?(offset: number, size: AccessSize, lo: number, hi: number): void;
}

interface Claim { base: number; end: number; device: MmioDevice }

/** A device's read() answered something other than a bigint (the host reports it as a HostError "bad_answer"). */
export class DeviceAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeviceAnswerError";
  }
}

const LOW_MASK = [0, 0xff, 0xffff, 0, 0xffffffff, 0, 0, 0, 0xffffffff];

/** Bits 31:0 of a value of `size` bytes given as halves, and its bits 63:32. */
export const cutLo = (size: number, lo: number): number => (lo & LOW_MASK[size]) >>> 0;
export const cutHi = (size: number, hi: number): number => (size === 8 ? hi >>> 0 : 0);

/** The host's MMIO bus: devices claim GPA ranges; unclaimed reads return all-ones. */
export class DeviceBus {
  private readonly claims: Claim[] = [];
  /** The claim that served the last access: device accesses come in runs. */
  private recent: Claim | null = null;
  private readonly scratch = new Uint32Array(2);
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

  /** The device whose range holds gpa, by binary search. */
  find(gpa: bigint | number): Claim | null {
    const at = Number(gpa);
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

  /** Reads `size` bytes at `gpa` into out[at] (bits 31:0) and out[at + 1] (bits 63:32). */
  readWords(gpa: number, size: AccessSize, out: Uint32Array, at: number): void {
    const c = this.find(gpa);
    if (!c) {
      this.unclaimedReads++;
      out[at] = cutLo(size, 0xffffffff);
      out[at + 1] = cutHi(size, 0xffffffff);
      return;
    }
    const offset = gpa - c.base;
    if (c.device.readWords) c.device.readWords(offset, size, out, at);
    else {
      const v: unknown = c.device.read(offset, size);
      if (typeof v !== "bigint") throw new DeviceAnswerError(`device ${c.device.name} read ${size} bytes at offset 0x${offset.toString(16)} and answered a ${typeof v}, not a bigint`);
      out[at] = lowWord(v);
      out[at + 1] = highWord(v);
    }
    out[at] = cutLo(size, out[at]);
    out[at + 1] = cutHi(size, out[at + 1]);
  }

  /** Writes `size` bytes (the value as 32-bit halves) at `gpa`. */
  writeWords(gpa: number, size: AccessSize, lo: number, hi: number): void {
    const c = this.find(gpa);
    if (!c) { this.unclaimedWrites++; return; }
    const offset = gpa - c.base;
    lo = cutLo(size, lo);
    hi = cutHi(size, hi);
    if (c.device.writeWords) c.device.writeWords(offset, size, lo, hi);
    else c.device.write(offset, size, joinWords(lo, hi));
  }

  read(gpa: bigint, size: AccessSize): bigint {
    this.readWords(Number(gpa), size, this.scratch, 0);
    return joinWords(this.scratch[0], this.scratch[1]);
  }

  write(gpa: bigint, size: AccessSize, value: bigint): void {
    this.writeWords(Number(gpa), size, lowWord(value), highWord(value));
  }

  get deviceCount(): number {
    return this.claims.length;
  }
}
