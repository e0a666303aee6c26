// Row vocabulary and build-time storage for the VEX / EVEX / XOP tables (see vex.ts).
//
// A row describes one instruction form (or a tight family) at (encoding, map, opcode, pp) with one
// u32 of flags: W / L / register-vs-memory / ModRM.reg / vvvv / EVEX masking rules / register-class
// rules, plus an optional special rule kind (SK_*) in the top bits.
// Rows are collected here at module start and turned into O(1) lookup arrays by vex.ts.

export const ENC_VEX: u32 = 1;
export const ENC_EVEX: u32 = 2;
export const ENC_XOP: u32 = 3;

// ---- opcode info (per encoding/map/opcode) ----
export const OPINFO_EXISTS: u32 = 1;
export const OPINFO_MODRM: u32 = 2;
export const OPINFO_IMM8: u32 = 4;
/** A 32-bit immediate follows (XOP map 0A: BEXTR / LWPINS / LWPVAL). */
export const OPINFO_IMM32: u32 = 8;

// ---- mandatory-prefix masks (a row may name several pp values) ----
export const NP: u32 = 1;
export const P66: u32 = 2;
export const PF3: u32 = 4;
export const PF2: u32 = 8;

// ---- row flags ----
/** W must be 0 / 1. Neither bit = WIG. */
export const W0: u32 = 1;
export const W1: u32 = 2;
/** Allowed vector lengths (VEX.L 0/1, EVEX.L'L 0..3). */
export const L0: u32 = 1 << 2;
export const L1: u32 = 1 << 3;
export const L2: u32 = 1 << 4;
export const L3: u32 = 1 << 5;
export const L128: u32 = L0;
export const L256: u32 = L1;
export const L512: u32 = L2;
/** VEX 128 and 256. */
export const L01: u32 = L0 | L1;
/** EVEX 128/256/512. */
export const VL: u32 = L0 | L1 | L2;
/** EVEX 256/512. */
export const L12: u32 = L1 | L2;
/** Length ignored (every L / L'L value). */
export const LIG: u32 = L0 | L1 | L2 | L3;
/** EVEX scalar: L'L ignored except that 3 is reserved (it is only the rounding mode under b=1). */
export const LS: u32 = L0 | L1 | L2;
/** Register form only (mod = 3). */
export const RO: u32 = 1 << 6;
/** Memory form only (mod != 3). */
export const MO: u32 = 1 << 7;
/** ModRM.reg must equal n (opcode-extension groups). */
export function G(n: u32): u32 { return (8 | n) << 8; }
/** No vvvv operand: vvvv must be 1111 (and EVEX.V' 1), i.e. register 0 after un-inversion. */
export const NV: u32 = 1 << 12;
/** EVEX: embedded broadcast (b=1 on the memory form) allowed. */
export const BC: u32 = 1 << 13;
/** EVEX: embedded rounding (b=1 on the register form; L'L is the rounding mode). */
export const ER: u32 = 1 << 14;
/** EVEX: suppress-all-exceptions (b=1 on the register form). */
export const SAE: u32 = 1 << 15;
/** EVEX: zeroing-masking (z) not allowed. */
export const NZ: u32 = 1 << 16;
/** EVEX: zeroing-masking not allowed on the memory form (stores). */
export const NZM: u32 = 1 << 17;
/** EVEX: an opmask (aaa != 0) is required (gathers / scatters). */
export const KR: u32 = 1 << 18;
/** EVEX: no masking at all (aaa == 0 and z == 0). */
export const NK: u32 = 1 << 19;
/** The ModRM.reg operand is a mask / tile register: R (and EVEX R') must be 0. */
export const RK: u32 = 1 << 20;
/** The vvvv operand is a mask / tile register: vvvv < 8 (and EVEX V' 0). */
export const VK: u32 = 1 << 21;
/** The ModRM.rm operand is a tile register: B must be 0. */
export const BZ: u32 = 1 << 22;
/** EVEX: the ModRM.reg operand is a general-purpose register: R' must be 0. */
export const RG: u32 = 1 << 29;
/** Special rule kind (SK_*), bits 23..28. */
export const KIND_SHIFT: u32 = 23;
export const KIND_MASK: u32 = 63;
export function K(kind: u32): u32 { return kind << KIND_SHIFT; }

// ---- special rules ----
export const SK_NONE: u32 = 0;
/** VSIB memory operand: a SIB byte is required (rm = 100); index/dest/mask distinct (see vexVsibValid). */
export const SK_VSIB: u32 = 1;
/** ModRM.rm must be 000 (TILEZERO; TILERELEASE with G(0): ModRM = C0). */
export const SK_RM0: u32 = 2;
/** AMX TDP*: tile reg, rm and vvvv all distinct. */
export const SK_AMX3: u32 = 3;
/** AMX sibmem: a SIB byte is required (rm = 100). */
export const SK_SIBMEM: u32 = 4;
/** EVEX gather: VSIB (SIB required), vvvv must be 0 (V' extends the index), opmask required, no z;
 *  destination and index distinct (vexValidSib). */
export const SK_EGATHER: u32 = 5;
/** EVEX scatter / gather-scatter prefetch: as SK_EGATHER without the distinctness rule. */
export const SK_ESCATTER: u32 = 6;
/** Complex FP16 multiply (VF[C]MULC*, VF[C]MADDC*): destination distinct from both sources. */
export const SK_CPLX: u32 = 7;

// ---- maps ----
export const M0F: u32 = 1;
export const M0F38: u32 = 2;
export const M0F3A: u32 = 3;
export const MAP5: u32 = 5;
export const MAP6: u32 = 6;
export const XOP8: u32 = 8;
export const XOP9: u32 = 9;
export const XOPA: u32 = 10;

// ---- build-time storage ----
export const MAX_ROWS: i32 = 2048; // 1092 rows today (one per instruction form and pp value)
export const rowKey = new StaticArray<u32>(MAX_ROWS);   // slot << 10 | op << 2 | pp
export const rowFlags = new StaticArray<u32>(MAX_ROWS);
export let rowCount: i32 = 0;

/** Opcode-info per slot (slot = encoding/map pair, see slotOf) and opcode. */
export const NSLOTS: u32 = 11;
export const opInfo = new StaticArray<u8>(<i32>(NSLOTS * 256));

/** slot number for (enc, map), 0xff when the map does not exist. */
export function slotOf(enc: u32, map: u32): u32 {
  if (enc == ENC_VEX) return map >= 1 && map <= 3 ? map - 1 : 0xff;
  if (enc == ENC_EVEX) {
    if (map >= 1 && map <= 3) return map + 2;     // 3, 4, 5
    if (map == 5 || map == 6) return map + 1;     // 6, 7
    return 0xff;
  }
  if (enc == ENC_XOP) return map >= 8 && map <= 10 ? map : 0xff; // 8, 9, 10
  return 0xff;
}

function addRows(enc: u32, map: u32, op: u32, pps: u32, flags: u32, extra: u32): void {
  const slot = slotOf(enc, map);
  let info: u32 = OPINFO_EXISTS | OPINFO_MODRM | extra;
  const cur = <u32>opInfo[<i32>(slot * 256 + op)];
  if (cur != 0) info = cur; // already declared (opLayout, or an earlier row of this opcode)
  opInfo[<i32>(slot * 256 + op)] = <u8>info;
  for (let pp: u32 = 0; pp < 4; pp++) {
    if ((pps & (1 << pp)) == 0) continue;
    rowKey[rowCount] = (slot << 10) | (op << 2) | pp;
    rowFlags[rowCount] = flags;
    rowCount++;
  }
}

/** Declares the opcode's ModRM/immediate layout (needed before/without rows, e.g. VZEROUPPER). */
export function opLayout(enc: u32, map: u32, op: u32, info: u32): void {
  opInfo[<i32>(slotOf(enc, map) * 256 + op)] = <u8>info;
}

// Row builders. The immediate layout comes from the map (VEX/EVEX 0F3A, XOP 08: imm8; XOP 0A: imm32)
// unless the opcode-specific variants below are used.
export function vex(map: u32, op: u32, pps: u32, flags: u32): void {
  addRows(ENC_VEX, map, op, pps, flags, map == 3 ? OPINFO_IMM8 : 0);
}
export function vexI(map: u32, op: u32, pps: u32, flags: u32): void {
  addRows(ENC_VEX, map, op, pps, flags, OPINFO_IMM8);
}
export function evex(map: u32, op: u32, pps: u32, flags: u32): void {
  addRows(ENC_EVEX, map, op, pps, flags, map == 3 ? OPINFO_IMM8 : 0);
}
export function evexI(map: u32, op: u32, pps: u32, flags: u32): void {
  addRows(ENC_EVEX, map, op, pps, flags, OPINFO_IMM8);
}
export function xop(map: u32, op: u32, pps: u32, flags: u32): void {
  addRows(ENC_XOP, map, op, pps, flags, map == 8 ? OPINFO_IMM8 : map == 10 ? OPINFO_IMM32 : 0);
}
