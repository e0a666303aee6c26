// Register write-back of an MMIO read: the kernel's rules (SPEC §8, quirks Q1/Q2) and the
// architecture's. The rules work on a register held as two 32-bit words (w[at] bits 31:0,
// w[at + 1] bits 63:32), which is how the #VE engine keeps the vCPU; the BigInt functions below
// are the same rules for callers holding 64-bit values.
import { KIND } from "../decoder/layout.js";
import type { MmioKind } from "../decoder/names.js";

/** All-ones in the low `bytes` bytes of a 32-bit word (bytes 0..4). */
const low = (bytes: number): number => (bytes >= 4 ? 0xffffffff : (1 << (bytes * 8)) - 1);

/** Sign bit of a `size`-byte value given as halves. */
const signOf = (size: number, lo: number, hi: number): boolean =>
  size === 8 ? hi >>> 31 === 1 : ((lo >>> (size * 8 - 1)) & 1) === 1;

/**
 * Linux: READ 1/2 replace the low bytes; READ 4 zero-extends to 64 (a pre-fill of 8 zero bytes);
 * READ 8 replaces all. ZX/SX pre-fill `opndBytes` bytes (00, or FF when the value's sign bit is
 * set for SX) then copy `size` bytes: with opnd_bytes 4, bits 63:32 stay as they were (Q2).
 * `kind` is a KIND number; the value read is (lo, hi).
 */
export function linuxWriteBackWords(w: Uint32Array, at: number, kind: number, size: number, opndBytes: number, lo: number, hi: number): void {
  const vlo = (lo & low(size)) >>> 0;
  if (kind === KIND.read) {
    if (size === 4 || size === 8) { w[at] = vlo; w[at + 1] = size === 8 ? hi : 0; return; }
    w[at] = (w[at] & ~low(size)) | vlo;
    return;
  }
  const fill = kind === KIND.read_sign_extend && signOf(size, lo, hi) ? 0xffffffff : 0;
  if (opndBytes >= 8) { w[at] = fill; w[at + 1] = fill; }
  else w[at] = (w[at] & ~low(opndBytes)) | (fill & low(opndBytes));
  w[at] = (w[at] & ~low(size)) | vlo;
}

/**
 * Architecture: 8/16-bit destinations merge (AH..BH are bits 15:8), 32-bit destinations zero bits
 * 63:32, 64-bit destinations are replaced. ZX/SX/MOVSXD extend to `extendTo` bytes first.
 */
export function archWriteBackWords(w: Uint32Array, at: number, kind: number, size: number, extendTo: number, highByte: boolean, lo: number, hi: number): void {
  let vlo = (lo & low(size)) >>> 0;
  let vhi = size === 8 ? hi : 0;
  let width = size;
  if (kind === KIND.read_zero_extend || kind === KIND.read_sign_extend) {
    width = extendTo || size;
    if (kind === KIND.read_sign_extend && signOf(size, lo, hi)) {
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

function withWords(reg: bigint, value: bigint, apply: (lo: number, hi: number) => void): bigint {
  scratch[0] = BigInt.asUintN(64, reg);
  scratch[1] = BigInt.asUintN(64, value);
  apply(words[2], words[3]);
  return scratch[0];
}

export function linuxWriteBack(kind: MmioKind, size: number, opndBytes: number, slot: bigint, value: bigint): bigint {
  return withWords(slot, value, (lo, hi) => linuxWriteBackWords(words, 0, KIND[kind], size, opndBytes, lo, hi));
}

export function archWriteBack(kind: MmioKind, size: number, extendTo: number | null, highByte: boolean, reg: bigint, value: bigint): bigint {
  return withWords(reg, value, (lo, hi) => archWriteBackWords(words, 0, KIND[kind], size, extendTo ?? 0, highByte, lo, hi));
}
