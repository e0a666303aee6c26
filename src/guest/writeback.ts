// Register write-back of an MMIO read: the kernel's rules (SPEC §8, quirks Q1/Q2) and the
// architecture's. The rules work on a register held as two 32-bit words (w[at] bits 31:0,
// w[at + 1] bits 63:32), which is how the #VE engine keeps the vCPU, and take the value read as
// a word pair too (a half above 2^30 passed as a number to a call V8 does not inline is boxed,
// an allocation per #VE); the BigInt functions below are the same rules for callers holding
// 64-bit values.
import { KIND } from "../decoder/layout.js";
import type { MmioKind } from "../decoder/names.js";

/** All-ones in the low `bytes` bytes of a 32-bit word (bytes 0..4). */
const low = (bytes: number): number => (bytes >= 4 ? 0xffffffff : (1 << (bytes * 8)) - 1);

/** Sign bit of the `size`-byte value in v[at] (bits 31:0) and v[at + 1] (63:32). */
const signOf = (size: number, v: Uint32Array, at: number): boolean =>
  size === 8 ? v[at + 1] >>> 31 === 1 : ((v[at] >>> (size * 8 - 1)) & 1) === 1;

/**
 * Linux: READ 1/2 replace the low bytes; READ 4 zero-extends to 64 (a pre-fill of 8 zero bytes);
 * READ 8 replaces all. ZX/SX pre-fill `opndBytes` bytes (00, or FF when the value's sign bit is
 * set for SX) then copy `size` bytes: with opnd_bytes 4, bits 63:32 stay as they were (Q2).
 * `kind` is a KIND number; the value read is v[vAt] (bits 31:0), v[vAt + 1] (bits 63:32).
 */
export function linuxWriteBackWords(w: Uint32Array, at: number, kind: number, size: number, opndBytes: number, v: Uint32Array, vAt: number): void {
  const vlo = (v[vAt] & low(size)) >>> 0;
  if (kind === KIND.read) {
    if (size === 4 || size === 8) { w[at] = vlo; w[at + 1] = size === 8 ? v[vAt + 1] : 0; return; }
    w[at] = (w[at] & ~low(size)) | vlo;
    return;
  }
  const fill = kind === KIND.read_sign_extend && signOf(size, v, vAt) ? 0xffffffff : 0;
  if (opndBytes >= 8) { w[at] = fill; w[at + 1] = fill; }
  else w[at] = (w[at] & ~low(opndBytes)) | (fill & low(opndBytes));
  w[at] = (w[at] & ~low(size)) | vlo;
}

/**
 * Architecture: 8/16-bit destinations merge (AH..BH are bits 15:8), 32-bit destinations zero bits
 * 63:32, 64-bit destinations are replaced. ZX/SX/MOVSXD extend to `extendTo` bytes first. The
 * value read is v[vAt], v[vAt + 1].
 */
export function archWriteBackWords(w: Uint32Array, at: number, kind: number, size: number, extendTo: number, highByte: boolean, v: Uint32Array, vAt: number): void {
  let vlo = (v[vAt] & low(size)) >>> 0;
  let vhi = size === 8 ? v[vAt + 1] : 0;
  let width = size;
  if (kind === KIND.read_zero_extend || kind === KIND.read_sign_extend) {
    width = extendTo || size;
    if (kind === KIND.read_sign_extend && signOf(size, v, vAt)) {
      vlo = (vlo | (low(width) & ~low(size))) >>> 0;
      if (width === 8) vhi = 0xffffffff;
    }
  }
  if (highByte) { w[at] = (w[at] & ~0xff00) | ((vlo & 0xff) << 8); return; }
  if (width >= 4) { w[at] = vlo; w[at + 1] = width === 8 ? vhi : 0; return; }
  w[at] = (w[at] & ~low(width)) | vlo;
}

/** The value a register (halves at w[at]) holds for a write of `size` bytes (AH..BH: bits 15:8), into out[0..1]. */
export function registerOperandWords(w: Uint32Array, at: number, size: number, highByte: boolean, out: Uint32Array): void {
  if (highByte) { out[0] = (w[at] >>> 8) & 0xff; out[1] = 0; return; }
  out[0] = w[at] & low(size);
  out[1] = size === 8 ? w[at + 1] : 0;
}

// ---- the same rules on 64-bit BigInt values ----

const scratch = new BigUint64Array(2);
const words = new Uint32Array(scratch.buffer);

/** Runs a word rule on `reg` (words 0-1) with `value` (words 2-3); the register afterwards. */
function withWords(reg: bigint, value: bigint, apply: () => void): bigint {
  scratch[0] = BigInt.asUintN(64, reg);
  scratch[1] = BigInt.asUintN(64, value);
  apply();
  return scratch[0];
}

export function linuxWriteBack(kind: MmioKind, size: number, opndBytes: number, slot: bigint, value: bigint): bigint {
  return withWords(slot, value, () => linuxWriteBackWords(words, 0, KIND[kind], size, opndBytes, words, 2));
}

export function archWriteBack(kind: MmioKind, size: number, extendTo: number | null, highByte: boolean, reg: bigint, value: bigint): bigint {
  return withWords(reg, value, () => archWriteBackWords(words, 0, KIND[kind], size, extendTo ?? 0, highByte, words, 2));
}
