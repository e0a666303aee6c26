// Register write-back of an MMIO read: the kernel's rules (SPEC §8, quirks Q1/Q2) and the
// architecture's. Pure functions on 64-bit register values.
import type { MmioKind } from "../decoder/names.js";

/** All-ones masks of 0..8 bytes (precomputed: BigInt shifts are costly on the hot path). */
const MASKS: readonly bigint[] = Array.from({ length: 9 }, (_, n) => (1n << BigInt(n * 8)) - 1n);
const mask = (bytes: number): bigint => MASKS[bytes >= 8 ? 8 : bytes];

/**
 * Linux: READ 1/2 replace the low bytes; READ 4 zero-extends to 64 (a pre-fill of 8 zero bytes);
 * READ 8 replaces all. ZX/SX pre-fill `opndBytes` bytes (00, or FF when the value's sign bit is
 * set for SX) then copy `size` bytes: with opnd_bytes 4, bits 63:32 stay as they were (Q2).
 */
export function linuxWriteBack(kind: MmioKind, size: number, opndBytes: number, slot: bigint, value: bigint): bigint {
  const v = value & mask(size);
  if (kind === "read") {
    if (size === 4 || size === 8) return v;
    return (slot & ~mask(size) & mask(8)) | v;
  }
  const signed = kind === "read_sign_extend" && (v >> BigInt(size * 8 - 1)) & 1n;
  const fill = signed ? mask(opndBytes) : 0n;
  const prefilled = (slot & ~mask(opndBytes) & mask(8)) | fill;
  return (prefilled & ~mask(size) & mask(8)) | v;
}

/**
 * Architecture: 8/16-bit destinations merge (AH..BH are bits 15:8), 32-bit destinations zero bits
 * 63:32, 64-bit destinations are replaced. ZX/SX/MOVSXD extend to `extendTo` bytes first.
 */
export function archWriteBack(kind: MmioKind, size: number, extendTo: number | null, highByte: boolean, reg: bigint, value: bigint): bigint {
  let v = value & mask(size);
  let width = size;
  if (kind === "read_zero_extend" || kind === "read_sign_extend") {
    width = extendTo ?? size;
    if (kind === "read_sign_extend" && (v >> BigInt(size * 8 - 1)) & 1n) v |= mask(width) & ~mask(size);
  }
  if (highByte) return (reg & ~0xff00n) | (v << 8n);
  if (width === 4) return v;
  if (width === 8) return v & mask(8);
  return (reg & ~mask(width) & mask(8)) | v;
}

/** The value a register holds for a write of `size` bytes (AH..BH: bits 15:8). */
export function registerOperand(reg: bigint, size: number, highByte: boolean): bigint {
  return highByte ? (reg >> 8n) & 0xffn : reg & mask(size);
}
