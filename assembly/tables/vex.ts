// VEX / EVEX / XOP opcode attributes for 64-bit mode.
//
// Interface used by the decoder core (assembly/decoder.ts):
//   vexOpcodeInfo(enc, map, opcode)           -> OPINFO_* flags, 0 = no such opcode (invalid)
//   vexValid(enc, map, opcode, fields, modrm) -> whether this exact encoding is a valid instruction
//   vexValidSib(..., sib)                     -> same, plus the VSIB register-distinctness rule of
//                                                gathers, which needs the SIB byte (-1 = no SIB)
// XOP map 0A (BEXTR / LWPINS / LWPVAL) reports OPINFO_IMM32: a 4-byte immediate, not an imm8.
//
// The per-instruction knowledge lives in rows (vex-rows.ts, evex-rows.ts, xop-rows.ts; vocabulary in
// vex-build.ts). At module start the rows are bucketed by (encoding/map slot, opcode, pp) so a lookup
// is: one slot read, one bucket read, then a check of the (usually 1..3) rows in the bucket.

import {
  rowKey, rowFlags, rowCount, opInfo, NSLOTS, slotOf, MAX_ROWS,
  W0, W1, RO, MO, NV, BC, ER, SAE, NZ, NZM, KR, NK, RK, VK, BZ, KIND_SHIFT, KIND_MASK,
  SK_VSIB, SK_RM0, SK_AMX3, SK_SIBMEM, SK_EGATHER, SK_ESCATTER, SK_CPLX, RG,
} from "./vex-build";
import { addVexRows } from "./vex-rows";
import { addEvexRows } from "./evex-rows";
import { addXopRows } from "./xop-rows";

export {
  ENC_VEX, ENC_EVEX, ENC_XOP, OPINFO_EXISTS, OPINFO_MODRM, OPINFO_IMM8, OPINFO_IMM32,
} from "./vex-build";
import { ENC_EVEX } from "./vex-build";

// Packed prefix fields passed to vexValid (all values already un-inverted).
export const F_PP_SHIFT: u32 = 0;   // 2 bits: 0 none, 1 66, 2 F3, 3 F2
export const F_L_SHIFT: u32 = 2;    // 2 bits: VEX.L (0/1) or EVEX.L'L (0..3)
export const F_W_SHIFT: u32 = 4;    // 1 bit
export const F_VVVV_SHIFT: u32 = 5; // 4 bits: register number from vvvv (0..15)
export const F_VP_SHIFT: u32 = 9;   // 1 bit: EVEX V' (register number bit 4)
export const F_Z_SHIFT: u32 = 10;   // 1 bit: EVEX.z
export const F_B_SHIFT: u32 = 11;   // 1 bit: EVEX.b
export const F_AAA_SHIFT: u32 = 12; // 3 bits: EVEX.aaa (opmask register)
export const F_RP_SHIFT: u32 = 15;  // 1 bit: EVEX R' (register number bit 4 of ModRM.reg)
export const F_R_SHIFT: u32 = 16;   // 1 bit: R (bit 3 of ModRM.reg)
export const F_X_SHIFT: u32 = 17;   // 1 bit: X (bit 3 of SIB.index; EVEX: bit 4 of ModRM.rm when mod=3)
export const F_B3_SHIFT: u32 = 18;  // 1 bit: B (bit 3 of ModRM.rm / SIB.base)

// ---------------------------------------------------------------------------------------------
// Build the lookup arrays (module start).

/** (enc << 5 | map) -> slot, 0xff = no such map. */
const SLOT = new StaticArray<u8>(128);
/** (slot << 10 | opcode << 2 | pp) -> first row << 4 | row count (at most 15 rows per bucket). */
const BUCKET = new StaticArray<u16>(<i32>(NSLOTS << 10));
/** Row flags sorted by bucket. */
const ROWS = new StaticArray<u32>(MAX_ROWS);

function buildTables(): void {
  for (let i = 0; i < 128; i++) SLOT[i] = <u8>slotOf(<u32>i >> 5, <u32>i & 31);
  addVexRows();
  addEvexRows();
  addXopRows();
  const n = rowCount;
  // counting sort of the rows by bucket key
  for (let i = 0; i < n; i++) {
    const k = rowKey[i];
    BUCKET[k] = BUCKET[k] + 1;
  }
  let start: u32 = 0;
  for (let k = 0; k < <i32>(NSLOTS << 10); k++) {
    const c = <u32>BUCKET[k];
    BUCKET[k] = <u16>(start << 4);
    start += c;
  }
  for (let i = 0; i < n; i++) {
    const k = rowKey[i];
    const e = <u32>BUCKET[k];
    ROWS[<i32>((e >> 4) + (e & 15))] = rowFlags[i];
    BUCKET[k] = <u16>(e + 1);
  }
}
buildTables();

// ---------------------------------------------------------------------------------------------
// Lookups.

export function vexOpcodeInfo(enc: u32, map: u32, opcode: u32): u32 {
  const slot = <u32>unchecked(SLOT[((enc & 3) << 5) | (map & 31)]);
  if (slot == 0xff) return 0;
  return <u32>unchecked(opInfo[(slot << 8) | (opcode & 255)]);
}

/** Some instruction form of this encoding, map and opcode exists under VEX/EVEX pp `pp`. */
export function vexFormExists(enc: u32, map: u32, opcode: u32, pp: u32): bool {
  const slot = <u32>unchecked(SLOT[((enc & 3) << 5) | (map & 31)]);
  if (slot == 0xff) return false;
  return (unchecked(BUCKET[(slot << 10) | ((opcode & 255) << 2) | (pp & 3)]) & 15) != 0;
}

/**
 * Some form of this encoding, map, opcode and pp exists for ModRM.reg `reg`: an opcode-extension
 * row counts only for its own reg, any other row for every reg.
 */
export function vexFormExistsForReg(enc: u32, map: u32, opcode: u32, pp: u32, reg: u32): bool {
  const slot = <u32>unchecked(SLOT[((enc & 3) << 5) | (map & 31)]);
  if (slot == 0xff) return false;
  const e = <u32>unchecked(BUCKET[(slot << 10) | ((opcode & 255) << 2) | (pp & 3)]);
  const end = (e >> 4) + (e & 15);
  for (let i = e >> 4; i < end; i++) {
    const f = unchecked(ROWS[i]);
    if ((f & (8 << 8)) == 0 || ((f >> 8) & 7) == reg) return true;
  }
  return false;
}

export function vexValid(enc: u32, map: u32, opcode: u32, fields: u32, modrm: u32): bool {
  return vexValidSib(enc, map, opcode, fields, modrm, -1);
}

/**
 * vexValid plus the gather rule that needs the SIB byte: VEX gathers need destination, index and
 * mask registers distinct, EVEX gathers destination and index distinct. sib < 0: not checked.
 */
export function vexValidSib(enc: u32, map: u32, opcode: u32, fields: u32, modrm: u32, sib: i32): bool {
  const slot = <u32>unchecked(SLOT[((enc & 3) << 5) | (map & 31)]);
  if (slot == 0xff) return false;
  const e = <u32>unchecked(BUCKET[(slot << 10) | ((opcode & 255) << 2) | (fields & 3)]);
  let i = e >> 4;
  const end = i + (e & 15);
  if (enc == ENC_EVEX) {
    // z without an opmask is invalid for every EVEX instruction
    if (((fields >> F_Z_SHIFT) & 1) != 0 && ((fields >> F_AAA_SHIFT) & 7) == 0) return false;
  }
  for (; i < end; i++) {
    const f = unchecked(ROWS[i]);
    if (rowOk(f, enc, fields, modrm)) {
      if (sib >= 0) {
        const kind = (f >> KIND_SHIFT) & KIND_MASK;
        if (kind == SK_VSIB || kind == SK_EGATHER) return vsibDistinct(enc, fields, modrm, <u32>sib);
      }
      return true;
    }
  }
  return false;
}

function vsibDistinct(enc: u32, fields: u32, modrm: u32, sib: u32): bool {
  let dst = ((modrm >> 3) & 7) | (((fields >> F_R_SHIFT) & 1) << 3);
  let idx = ((sib >> 3) & 7) | (((fields >> F_X_SHIFT) & 1) << 3);
  if (enc == ENC_EVEX) {
    dst |= ((fields >> F_RP_SHIFT) & 1) << 4;
    idx |= ((fields >> F_VP_SHIFT) & 1) << 4;
    return dst != idx;
  }
  const msk = (fields >> F_VVVV_SHIFT) & 15;
  return dst != idx && dst != msk && idx != msk;
}

@inline
function rowOk(f: u32, enc: u32, fields: u32, modrm: u32): bool {
  const w = (fields >> F_W_SHIFT) & 1;
  if ((f & (W0 | W1)) != 0 && ((f >> w) & 1) == 0) return false;
  const mem = modrm < 0xc0;
  if ((f & (mem ? RO : MO)) != 0) return false;
  if ((f & (8 << 8)) != 0 && ((modrm >> 3) & 7) != ((f >> 8) & 7)) return false;
  let l = (fields >> F_L_SHIFT) & 3;
  const vvvv = (fields >> F_VVVV_SHIFT) & 15;
  if (enc == ENC_EVEX) {
    const vp = (fields >> F_VP_SHIFT) & 1;
    if (((fields >> F_B_SHIFT) & 1) != 0) {
      if (mem) {
        if ((f & BC) == 0) return false;
      } else {
        if ((f & (ER | SAE)) == 0) return false;
        l = 2; // L'L is the rounding mode; the instruction is the 512-bit (or scalar) form
      }
    }
    const z = (fields >> F_Z_SHIFT) & 1;
    const aaa = (fields >> F_AAA_SHIFT) & 7;
    if ((f & NK) != 0 && (aaa | z) != 0) return false;
    if ((f & NZ) != 0 && z != 0) return false;
    if ((f & NZM) != 0 && z != 0 && mem) return false;
    if ((f & KR) != 0 && aaa == 0) return false;
    if ((f & NV) != 0 && (vvvv | vp) != 0) return false;
    if ((f & RK) != 0 && (((fields >> F_R_SHIFT) | (fields >> F_RP_SHIFT)) & 1) != 0) return false;
    if ((f & VK) != 0 && (vvvv > 7 || vp != 0)) return false;
    if ((f & RG) != 0 && ((fields >> F_RP_SHIFT) & 1) != 0) return false;
  } else {
    if ((f & NV) != 0 && vvvv != 0) return false;
    if ((f & RK) != 0 && ((fields >> F_R_SHIFT) & 1) != 0) return false;
    if ((f & VK) != 0 && vvvv > 7) return false;
  }
  if ((f & BZ) != 0 && ((fields >> F_B3_SHIFT) & 1) != 0) return false;
  if (((f >> (2 + l)) & 1) == 0) return false;
  const kind = (f >> KIND_SHIFT) & KIND_MASK;
  if (kind != 0) {
    switch (kind) {
      case SK_VSIB:
      case SK_SIBMEM:
        return (modrm & 7) == 4;
      case SK_RM0:
        return (modrm & 7) == 0;
      case SK_EGATHER:
      case SK_ESCATTER:
        return (modrm & 7) == 4 && vvvv == 0;
      case SK_CPLX: {
        const dst = ((modrm >> 3) & 7) | (((fields >> F_R_SHIFT) & 1) << 3) | (((fields >> F_RP_SHIFT) & 1) << 4);
        const src1 = vvvv | (((fields >> F_VP_SHIFT) & 1) << 4);
        if (dst == src1) return false;
        if (modrm < 0xc0) return true;
        const src2 = (modrm & 7) | (((fields >> F_B3_SHIFT) & 1) << 3) | (((fields >> F_X_SHIFT) & 1) << 4);
        return dst != src2;
      }
      case SK_AMX3: {
        const reg = (modrm >> 3) & 7;
        const rm = modrm & 7;
        return reg != rm && reg != vvvv && rm != vvvv;
      }
      default:
        return true;
    }
  }
  return true;
}
