// Length, validity and "can this be MMIO" of the common instruction shapes in two table lookups.
//
// Compiled code is mostly "optional REX, then a one-byte or 0F opcode, ModRM, SIB, displacement,
// immediate". Two tables, built here when the module starts from the same opcode tables as
// decodeAt(), answer those shapes with no branch on the bytes:
//   FIRST2[byte 0, byte 1]      which byte is the opcode (0, 1 or 2: REX and/or 0F before it), its
//                               map (one-byte or 0F), and whether REX.W widens B8+r's immediate;
//   SHAPE[map][ModRM, opcode]   bytes after the opcode (ModRM, SIB, displacement, immediate),
//                               whether a SIB base may add a disp32, validity, and whether the
//                               opcode can be a MOV-family MMIO access.
// The opcode and ModRM are the two bytes at the opcode's offset, so the SHAPE index is read straight
// out of the instruction's first 8 bytes, loaded at once.
// Legacy prefixes, 0F38/0F3A, 3DNow!, VEX/EVEX/XOP and MOV to/from CR/DR (REX.R matters) take
// decodeAt(), as does any instruction that runs past the range end. No byte at or past the range
// end is read: with fewer than 8 bytes left the word is assembled from the bytes that are there,
// zeros after them, and an instruction that would depend on a missing byte is longer than what is
// left, so the length check sends it to decodeAt().
// test/decoder/fast-path.test.ts checks both paths agree on random, exhaustive and corpus bytes.
import {
  I_B, I_W, I_Z, I_V, I_MOFFS, I_WB, I_J32, I_G3B, I_G3Z, I_BB, I_MASK,
  A_MODRM, A_INVALID, A_GROUP, A_MEM, A_REG, A_MODREG, MP_NONE,
} from "./tables/attrs";
import { MAP0 } from "./tables/map0";
import { MAP1 } from "./tables/map0f";
import { groupCheck, G_VALID } from "./tables/groups";
import { ST_INVALID } from "./decoder";
import { K_NONE, K_READ, K_WRITE, K_WRITE_IMM, K_READ_ZERO_EXTEND, K_READ_SIGN_EXTEND } from "./linux";

// ---- FIRST2 entries (u8) ----
const E_POS: u32 = 3;          // offset of the opcode byte
const E_WIDE_IMM: u32 = 4;     // REX.W + B8+r: 4 more immediate bytes (the value is the byte count)
const E_MAP1: u32 = 0x10;      // the opcode is in the 0F map
// ---- SHAPE entries (u8) ----
const S_EXTRA: u32 = 15;       // bytes after the opcode: ModRM + SIB + displacement + immediate
const S_SIB_BASE: u32 = 0x10;  // mod 00 with a SIB: a SIB base of 101 adds a disp32
// ---- both ----
const X_INVALID: u32 = 0x20;   // no such instruction (ST_INVALID)
const X_BAIL: u32 = 0x40;      // the general path decides
const X_MMIO: u32 = 0x80;      // an opcode either reading may treat as MMIO: classify.ts decides

// ---- quickLength()'s result: the length in bits 0-7 and these flags ----
export const Q_INVALID: u32 = X_INVALID << 8;
export const Q_BAIL: u32 = X_BAIL << 8;
export const Q_MMIO: u32 = X_MMIO << 8;

// ---- fastDecode()'s result: 0 (use decodeAt), or the length in bits 0-7, the status (ST_OK /
// ST_INVALID) in bits 8-15 and these ----
/** Set when either reading may be an MMIO access: the caller must decode and classify fully. */
export const FAST_SLOW_MMIO: u32 = 1 << 16;
/** Bits 24-31: the kernel's MMIO kind of a register-form MOV/MOVZX/MOVSX (Q3), else K_NONE. */
export const FAST_KIND_SHIFT: u32 = 24;

// Static memory (constant addresses: the batch loops' loads need no table base), indexed by the
// bytes as a little-endian word: FIRST2 by byte 0 | byte 1 << 8, SHAPE by map << 16 | opcode |
// ModRM << 8.
const FIRST2: usize = memory.data(65536);
/** 1 for an opcode byte that is a whole valid instruction by itself, whatever follows it (no
 *  prefix, ModRM or immediate, and no MMIO access): PUSH/POP r, INT3, NOP, RET, ... */
export const ONE_BYTE: usize = memory.data(256);
const SHAPE: usize = memory.data(2 * 65536);

/** Bytes of SIB + displacement that follow each ModRM byte (32/64-bit addressing), SIB base aside. */
function modrmExtra(m: u32): u32 {
  const mod = m >> 6, rm = m & 7;
  if (mod == 3) return 0;
  let extra: u32 = rm == 4 ? 1 : 0;
  if (mod == 1) extra += 1;
  else if (mod == 2) extra += 4;
  else if (rm == 5) extra += 4;
  return extra;
}

/** Immediate bytes with no 66h/67h prefix and no REX.W (FIRST2 widens B8+r under REX.W). */
function immediateSize(kind: u32, reg: u32): u32 {
  switch (kind) {
    case I_B: return 1;
    case I_W: return 2;
    case I_Z: return 4;
    case I_V: return 4;
    case I_MOFFS: return 8;
    case I_WB: return 3;
    case I_J32: return 4;
    case I_G3B: return reg <= 1 ? 1 : 0;
    case I_G3Z: return reg <= 1 ? 4 : 0;
    case I_BB: return 2;
    default: return 0;
  }
}

/** Opcodes either reading may treat as an MMIO access (classify.ts decides exactly): the kernel's
 *  MOV set, moffs and MOVSXD for the CPU, MOVS, and UD2 (the kernel's emulate prefix starts with it). */
function maybeMmio(map: u32, op: u32): bool {
  if (map == 0) return (op >= 0x88 && op <= 0x8b) || (op >= 0xa0 && op <= 0xa5) || op == 0xc6 || op == 0xc7 || op == 0x63;
  return op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf || op == 0x0b;
}

/**
 * mmioTriage() of a valid register form (ModRM.mod 11): the kernel's kind of a MOV it knows (it
 * classifies by opcode alone, Q3; C6/C7 /0 are its WRITE_IMM), K_NONE for MOVSXD (only the CPU
 * reads memory with it, and this form reads none), shifted to FAST_KIND_SHIFT; FAST_SLOW_MMIO for
 * the rest (XABORT/XBEGIN at C6/C7 /7 diverge, UD2 may start the kernel's emulate prefix).
 */
function registerFormTriage(map: u32, op: u32, reg: u32): u32 {
  let kind = K_NONE;
  if (map == 0) {
    if (op == 0x88 || op == 0x89) kind = K_WRITE;
    else if (op == 0x8a || op == 0x8b) kind = K_READ;
    else if ((op == 0xc6 || op == 0xc7) && reg == 0) kind = K_WRITE_IMM;
    else if (op != 0x63) return FAST_SLOW_MMIO;
  } else if (op == 0xb6 || op == 0xb7) kind = K_READ_ZERO_EXTEND;
  else if (op == 0xbe || op == 0xbf) kind = K_READ_SIGN_EXTEND;
  else return FAST_SLOW_MMIO;
  return kind << FAST_KIND_SHIFT;
}

function shapeOf(map: u32, op: u32, modrm: u32): u32 {
  if (map == 1 && (op == 0x38 || op == 0x3a || op == 0x0f || (op >= 0x20 && op <= 0x23))) return X_BAIL;
  const attr = map == 0 ? <u32>MAP0[op] : <u32>MAP1[op * 4 + MP_NONE];
  let valid = (attr & A_INVALID) == 0;
  let extra: u32 = 0;
  let sibBase = false;
  if (attr & A_MODRM) {
    const modreg = (attr & A_MODREG) != 0;
    const isReg = (modrm >> 6) == 3 || modreg;
    extra = 1 + (modreg ? 0 : modrmExtra(modrm));
    sibBase = !modreg && (modrm & 0xc7) == 0x04;
    if ((attr & A_MEM) && isReg) valid = false;
    if ((attr & A_REG) && !isReg) valid = false;
    if ((attr & A_GROUP) && (groupCheck(map, op, modrm, MP_NONE, 0, false, false) & G_VALID) == 0) valid = false;
  }
  extra += immediateSize(attr & I_MASK, (modrm >> 3) & 7);
  return extra | (sibBase ? S_SIB_BASE : 0) | (valid ? 0 : X_INVALID) | (maybeMmio(map, op) ? X_MMIO : 0);
}

/** A prefix, REX or escape byte that the fast path leaves to decodeAt() in this position. */
function isPrefixOrEscape(b: u32): bool {
  return (b & 0xf0) == 0x40 || b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65
    || b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3
    || b == 0xc4 || b == 0xc5 || b == 0x62 || b == 0x8f; // VEX, EVEX, XOP (8F is POP or XOP)
}

function firstTwo(b0: u32, b1: u32): u32 {
  if ((b0 & 0xf0) == 0x40) {
    if (b1 == 0x0f) return E_MAP1 | 2; // REX 0F: the opcode is byte 2
    if (isPrefixOrEscape(b1)) return X_BAIL;
    return 1 | ((b0 & 8) != 0 && b1 >= 0xb8 && b1 <= 0xbf ? E_WIDE_IMM : 0);
  }
  if (isPrefixOrEscape(b0)) return X_BAIL;
  if (b0 == 0x0f) return b1 == 0x38 || b1 == 0x3a || b1 == 0x0f ? X_BAIL : E_MAP1 | 1;
  return 0;
}

/** Fills the tables; with `on` false FIRST2 and ONE_BYTE send everything to the general path. */
function buildTables(on: bool): void {
  for (let b0: u32 = 0; b0 < 256; b0++) {
    let alone = on;
    for (let b1: u32 = 0; b1 < 256; b1++) {
      const e = on ? firstTwo(b0, b1) : X_BAIL;
      store<u8>(FIRST2 + ((b1 << 8) | b0), <u8>e);
      // A one-byte instruction: the opcode is byte 0 whatever byte 1 is, and its shape is "nothing
      // after the opcode" whatever the next byte (read as ModRM) is.
      if (e != 0 || load<u8>(SHAPE + ((b1 << 8) | b0)) != 0) alone = false;
    }
    store<u8>(ONE_BYTE + b0, alone ? 1 : 0);
  }
}
for (let map: u32 = 0; map < 2; map++) {
  for (let modrm: u32 = 0; modrm < 256; modrm++) {
    for (let op: u32 = 0; op < 256; op++) store<u8>(SHAPE + ((map << 16) | (modrm << 8) | op), <u8>shapeOf(map, op, modrm));
  }
}
buildTables(true);

/** Test switch: with the fast tables off every instruction takes decodeAt() (fastmov.ts too). */
export let fastTablesOn = true;
export function setFastTables(on: bool): void {
  fastTablesOn = on;
  buildTables(on);
}

/**
 * Length (bits 0-7) and Q_* flags of the instruction whose first 8 bytes are `w`, read from the
 * tables alone. Q_BAIL: decodeAt() must decide. The caller checks the length against the bytes left.
 */
@inline export function quickLength(w: u64): u32 {
  // Table offsets are load immediates (the tables are static), so no address arithmetic is spent on them.
  const e = <u32>load<u8>(<usize>(<u32>w & 0xffff), FIRST2);
  const pos = e & E_POS;
  const fromOp = <u32>(w >> (<u64>pos << 3)); // opcode, ModRM, SIB
  const s = <u32>load<u8>(<usize>(((e & E_MAP1) << 12) | (fromOp & 0xffff)), SHAPE);
  // 4 when S_SIB_BASE and the SIB base is 101, without a compare: ((base ^ 5) - 1) >> 29 is 7 only for 101.
  const sibDisp = ((((fromOp >> 16) & 7) ^ 5) - 1) >> 29 & (s >> 2) & 4;
  return (pos + 1 + (s & S_EXTRA) + (e & E_WIDE_IMM) + sibDisp) | (((e | s) & (X_INVALID | X_BAIL | X_MMIO)) << 8);
}

/** The first 8 bytes at `start`, or those before `end` with zeros after them (quickLength() reads
 *  bytes 0-4 at most; bytes it reads are inside the instruction unless they cannot change it). */
@inline export function firstWord(start: usize, end: usize): u64 {
  if (end - start >= 8) return load<u64>(start);
  let w: u64 = 0;
  for (let i: usize = 0; start + i < end; i++) w |= (<u64>load<u8>(start + i)) << (<u64>i << 3);
  return w;
}

/**
 * Length (bits 0-7), status (bits 8-15), FAST_SLOW_MMIO and the register-form kernel kind (bits
 * 24-31) of the instruction at `start`, or 0 when decodeAt() must decide.
 */
@inline export function fastDecode(start: usize, end: usize): u32 {
  const w = firstWord(start, end);
  const q = quickLength(w);
  const len = q & 0xff;
  if ((q & Q_BAIL) != 0 || <usize>len > end - start) return 0;
  const status = (q & Q_INVALID) != 0 ? ST_INVALID : 0;
  return len | (status << 8) | ((q & Q_MMIO) != 0 ? mmioTriage(w) : 0);
}

/**
 * An opcode that may be MMIO: the register forms of MOVs are settled here (the kernel's kind, Q3,
 * in bits 24-31, or none); anything else needs the full decode and classification (FAST_SLOW_MMIO).
 */
@inline export function mmioTriage(w: u64): u32 {
  const e = <u32>load<u8>(<usize>(<u32>w & 0xffff), FIRST2);
  const pos = e & E_POS;
  const op = <u32>(w >> (<u64>pos << 3)) & 0xff;
  const modrm = <u32>(w >> ((<u64>pos + 1) << 3)) & 0xff;
  return (modrm >> 6) == 3 ? registerFormTriage((e & E_MAP1) != 0 ? 1 : 0, op, (modrm >> 3) & 7) : FAST_SLOW_MMIO;
}
