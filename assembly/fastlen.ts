// Length and validity of the common instruction shapes, without the full decode's bookkeeping.
//
// Compiled code is mostly "optional REX, then a one-byte or 0F opcode, ModRM, SIB, displacement,
// immediate". For those shapes the answer follows from the same tables as decodeAt(), read with
// local variables only. Anything else (legacy prefixes, 0F38/0F3A, 3DNow!, VEX/EVEX/XOP, or an
// instruction that runs into the range end or the 15-byte limit) returns 0 and the caller uses
// decodeAt(). Tests check that both give the same length and status everywhere.
import {
  I_B, I_W, I_Z, I_V, I_MOFFS, I_WB, I_J32, I_G3B, I_G3Z, I_BB, I_MASK,
  A_MODRM, A_INVALID, A_GROUP, A_MEM, A_REG, A_MODREG, MP_NONE,
} from "./tables/attrs";
import { MAP0 } from "./tables/map0";
import { MAP1 } from "./tables/map0f";
import { groupCheck, G_VALID } from "./tables/groups";
import { MAX_INSN_LEN, ST_OK, ST_INVALID } from "./decoder";

/** Bytes of SIB + displacement that follow each ModRM byte (32/64-bit addressing), SIB aside. */
const MODRM_EXTRA = new StaticArray<u8>(256);
for (let m = 0; m < 256; m++) {
  const mod = m >> 6, rm = m & 7;
  let extra = 0;
  if (mod != 3) {
    if (rm == 4) extra += 1;
    if (mod == 1) extra += 1;
    else if (mod == 2) extra += 4;
    else if (rm == 5) extra += 4;
  }
  MODRM_EXTRA[m] = <u8>extra;
}

/** First-byte classes: handled in the one-byte map, the 0F escape, or left to decodeAt(). */
const FIRST_MAP0: u8 = 0;
const FIRST_ESCAPE: u8 = 1;
const FIRST_BAIL: u8 = 2;
const FIRST_CLASS = new StaticArray<u8>(256);
// Prefixes (and a second REX), VEX/EVEX escapes and 8F (POP or XOP) take the full path.
for (let b = 0x40; b <= 0x4f; b++) FIRST_CLASS[b] = FIRST_BAIL;
FIRST_CLASS[0x26] = FIRST_BAIL; FIRST_CLASS[0x2e] = FIRST_BAIL; FIRST_CLASS[0x36] = FIRST_BAIL;
FIRST_CLASS[0x3e] = FIRST_BAIL; FIRST_CLASS[0x64] = FIRST_BAIL; FIRST_CLASS[0x65] = FIRST_BAIL;
FIRST_CLASS[0x66] = FIRST_BAIL; FIRST_CLASS[0x67] = FIRST_BAIL; FIRST_CLASS[0xf0] = FIRST_BAIL;
FIRST_CLASS[0xf2] = FIRST_BAIL; FIRST_CLASS[0xf3] = FIRST_BAIL; FIRST_CLASS[0xc4] = FIRST_BAIL;
FIRST_CLASS[0xc5] = FIRST_BAIL; FIRST_CLASS[0x62] = FIRST_BAIL; FIRST_CLASS[0x8f] = FIRST_BAIL;
FIRST_CLASS[0x0f] = FIRST_ESCAPE;

/** Set in fastLength()'s result when the opcode can be an MMIO access for the CPU or the kernel. */
export const FAST_MAYBE_MMIO: u32 = 1 << 16;
/** Set when the ModRM names a register (mod = 3): no memory access. */
export const FAST_REG_FORM: u32 = 1 << 17;
/** Set for an 0F-map opcode; the opcode byte itself is in bits 24-31. */
export const FAST_MAP1: u32 = 1 << 18;

// Opcodes either reading may treat as an MMIO access (classify.ts decides exactly): the kernel's
// MOV set, moffs and MOVSXD for the CPU, and UD2 (the kernel's emulate prefix starts with it).
const MAYBE_MMIO_MAP0 = new StaticArray<bool>(256);
const MAYBE_MMIO_MAP1 = new StaticArray<bool>(256);
for (let op = 0x88; op <= 0x8b; op++) MAYBE_MMIO_MAP0[op] = true;
for (let op = 0xa0; op <= 0xa5; op++) MAYBE_MMIO_MAP0[op] = true;
MAYBE_MMIO_MAP0[0xc6] = true;
MAYBE_MMIO_MAP0[0xc7] = true;
MAYBE_MMIO_MAP0[0x63] = true;
MAYBE_MMIO_MAP1[0xb6] = true;
MAYBE_MMIO_MAP1[0xb7] = true;
MAYBE_MMIO_MAP1[0xbe] = true;
MAYBE_MMIO_MAP1[0xbf] = true;
MAYBE_MMIO_MAP1[0x0b] = true;

/**
 * Length (bits 0-7), status (bits 8-15) and FAST_MAYBE_MMIO of the instruction at `start`, or 0
 * when the shape is not one this fast path handles.
 */
export function fastLength(start: usize, end: usize): u32 {
  const limit = end - start > MAX_INSN_LEN ? start + MAX_INSN_LEN : end;
  let p = start;
  if (p >= limit) return 0;
  let b = <u32>load<u8>(p++);
  let rex: u32 = 0;
  if ((b & 0xf0) == 0x40) {
    rex = b;
    if (p >= limit) return 0;
    b = <u32>load<u8>(p++);
  }
  let attr: u32;
  let map: u32 = 0;
  let op = b;
  const first = unchecked(FIRST_CLASS[b]);
  if (first == FIRST_MAP0) {
    attr = unchecked(MAP0[b]);
  } else if (first == FIRST_ESCAPE) {
    if (p >= limit) return 0;
    op = <u32>load<u8>(p++);
    if (op == 0x38 || op == 0x3a || op == 0x0f) return 0;
    map = 1;
    attr = unchecked(MAP1[op * 4 + MP_NONE]);
  } else {
    return 0;
  }
  let valid = (attr & A_INVALID) == 0;
  let reg: u32 = 0;
  let regForm = false;
  if (attr & A_MODRM) {
    if (p >= limit) return 0;
    const modrm = <u32>load<u8>(p++);
    reg = (modrm >> 3) & 7;
    const isReg = (modrm >> 6) == 3 || (attr & A_MODREG) != 0;
    regForm = isReg;
    if ((attr & A_MODREG) == 0) {
      p += <usize>unchecked(MODRM_EXTRA[modrm]);
      // SIB with base 101 and mod 00 adds a disp32.
      if ((modrm & 0xc7) == 0x04) {
        if (p > limit) return 0;
        if ((load<u8>(p - 1) & 7) == 5) p += 4;
      }
    }
    if ((attr & A_MEM) && isReg) valid = false;
    if ((attr & A_REG) && !isReg) valid = false;
    if ((attr & A_GROUP) && (groupCheck(map, op, modrm, MP_NONE, (rex >> 2) & 1, false, false) & G_VALID) == 0) valid = false;
  }
  p += immediateSize(attr & I_MASK, rex, reg);
  if (p > limit) return 0;
  const maybeMmio = map == 0 ? unchecked(MAYBE_MMIO_MAP0[op]) : unchecked(MAYBE_MMIO_MAP1[op]);
  return <u32>(p - start) | ((valid ? ST_OK : ST_INVALID) << 8) | (maybeMmio ? FAST_MAYBE_MMIO : 0)
    | (regForm ? FAST_REG_FORM : 0) | (map == 1 ? FAST_MAP1 : 0) | (op << 24);
}

/** Immediate bytes with no 66h/67h prefix: operand size is 8 under REX.W, else 4. */
@inline function immediateSize(kind: u32, rex: u32, reg: u32): usize {
  switch (kind) {
    case I_B: return 1;
    case I_W: return 2;
    case I_Z: return 4;
    case I_V: return (rex & 8) ? 8 : 4;
    case I_MOFFS: return 8;
    case I_WB: return 3;
    case I_J32: return 4;
    case I_G3B: return reg <= 1 ? 1 : 0;
    case I_G3Z: return reg <= 1 ? 4 : 0;
    case I_BB: return 2;
    default: return 0;
  }
}
