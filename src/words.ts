// 64-bit values as two 32-bit words (bits 31:0 and bits 63:32): the form the #VE hot path works
// in, and the conversions to and from the BigInts of the public API.

/** The 64-bit value whose halves are `lo` (bits 31:0) and `hi` (bits 63:32). */
export const joinWords = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** Bits 31:0 of a value (taken modulo 2^64). */
export const lowWord = (v: bigint): number => Number(BigInt.asUintN(32, v));

/** Bits 63:32 of a value (taken modulo 2^64). */
export const highWord = (v: bigint): number => Number(BigInt.asUintN(32, v >> 32n));

/** Writes the halves of a value (taken modulo 2^64) into out[at] (bits 31:0) and out[at + 1] (bits 63:32); returns out. */
export function splitInto(v: bigint, out: Uint32Array, at = 0): Uint32Array {
  out[at] = lowWord(v);
  out[at + 1] = highWord(v);
  return out;
}
