// The architectural x86-64 decoder: one instruction from [start, end) of linear memory.
//
// Decoding works in small steps, one per field (prefixes, opcode, ModRM, SIB, displacement,
// immediate), and leaves its result in module globals (WASM globals: no allocation per
// instruction). Bytes are read only through fetch(), which never reads at or past `end` nor past
// the 15-byte architectural limit, so no input can make the decoder read outside its range.
import {
  I_NONE, I_B, I_W, I_Z, I_V, I_MOFFS, I_WB, I_J32, I_G3B, I_G3Z, I_BB, I_MASK,
  A_MODRM, A_INVALID, A_GROUP, A_LOCK, A_D64, A_MEM, A_REG, A_F64, A_MODREG,
  MP_NONE, MP_66, MP_F3, MP_F2,
} from "./tables/attrs";
import { MAP0 } from "./tables/map0";
import { MAP1, MAP2, MAP3 } from "./tables/map0f";
import { groupCheck, G_VALID, G_LOCK } from "./tables/groups";
import {
  ENC_VEX, ENC_EVEX, ENC_XOP, OPINFO_MODRM, OPINFO_IMM8, OPINFO_IMM32, vexOpcodeInfo, vexValidSib,
  F_PP_SHIFT, F_L_SHIFT, F_W_SHIFT, F_VVVV_SHIFT, F_VP_SHIFT, F_Z_SHIFT, F_B_SHIFT, F_AAA_SHIFT,
  F_RP_SHIFT, F_R_SHIFT, F_X_SHIFT, F_B3_SHIFT,
} from "./tables/vex";
import { valid3DNowSuffix } from "./tables/amd3dnow";

// ---- status codes, prefix bits, register and segment numbers: the record layout's (src/decoder/wasm-layout.ts) ----
export { ST_OK, ST_INVALID, ST_TRUNCATED, ST_TOO_LONG, P_LOCK, P_REP, P_REPNE, P_OPSIZE, P_ADSIZE, P_SEG, P_REX, P_REX_LOST, REG_RIP, REG_NONE, SEG_FS, SEG_GS } from "../src/decoder/wasm-layout";
import { ST_OK, ST_INVALID, ST_TRUNCATED, ST_TOO_LONG, P_LOCK, P_REP, P_REPNE, P_OPSIZE, P_ADSIZE, P_SEG, P_REX, P_REX_LOST, REG_RIP, REG_NONE, SEG_FS, SEG_GS } from "../src/decoder/wasm-layout";

// ---- encodings ----
export const ENC_LEGACY: u32 = 0;
export const ENC_3DNOW: u32 = 4;

/** Segment numbers (SDM Sreg encoding + 1); 0 = no override. */
export const SEG_NONE: u32 = 0;

/** The architectural maximum instruction length. */
export const MAX_INSN_LEN: u32 = 15;

// ---- the decoded instruction ----
export let dStart: usize = 0;
export let dLen: u32 = 0;
export let dStatus: u32 = 0;
export let dEnc: u32 = 0;
/** 0 = one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A (VEX/EVEX/XOP: their map field). */
export let dMap: u32 = 0;
export let dOp: u32 = 0;
export let dPrefixes: u32 = 0;
/** Legacy prefix and REX bytes before the opcode (or before the VEX/EVEX/XOP escape). */
export let dPrefixCount: u32 = 0;
/** Mandatory prefix in the SSE sense (MP_*), or VEX/EVEX pp. */
export let dMandatory: u32 = 0;
export let dSeg: u32 = 0;
export let dRex: u32 = 0;
export let dRexW: u32 = 0;
export let dRexR: u32 = 0;
export let dRexX: u32 = 0;
export let dRexB: u32 = 0;
export let dOpSize: u32 = 4;
export let dAddrSize: u32 = 8;
/** ModRM byte, or -1 when the instruction has none. */
export let dModrm: i32 = -1;
export let dSib: i32 = -1;
export let dDispSize: u32 = 0;
export let dDisp: i64 = 0;
export let dImmSize: u32 = 0;
/** First immediate, sign-extended from its size (imm64 of B8+r and moffs taken as is). */
export let dImm: i64 = 0;
/** Second immediate (ENTER's Ib, EXTRQ/INSERTQ's second Ib). */
export let dImm2: i64 = 0;
export let dMemBase: u32 = REG_NONE;
export let dMemIndex: u32 = REG_NONE;
export let dMemScale: u32 = 1;
/** The instruction addresses memory through ModRM (or a moffs). */
export let dHasMem: bool = false;
/** Packed VEX/EVEX fields (see tables/vex.ts F_*), 0 for legacy encodings. */
export let dVexFields: u32 = 0;

// ---- cursor ----
let cur: usize = 0;
let limit: usize = 0;
let fault: u32 = 0;

/** Next byte; past the range or the 15-byte window it records the fault and yields 0. */
@inline function fetch(): u32 {
  if (cur < limit) return <u32>load<u8>(cur++);
  if (fault == 0) fault = cur - dStart >= <usize>MAX_INSN_LEN ? ST_TOO_LONG : ST_TRUNCATED;
  return 0;
}

@inline function peek(): i32 {
  return cur < limit ? <i32>load<u8>(cur) : -1;
}

function fetchSigned(size: u32): i64 {
  if (size == 1) return <i64><i8>fetch();
  if (cur + size <= limit) {
    const at = cur;
    cur += size;
    if (size == 4) return <i64>load<i32>(at);
    if (size == 2) return <i64>load<i16>(at);
    return load<i64>(at);
  }
  if (size == 2) {
    const lo = fetch();
    return <i64><i16>(lo | (fetch() << 8));
  }
  let v: u64 = 0;
  for (let i: u32 = 0; i < size; i++) v |= (<u64>fetch()) << (<u64>(i * 8));
  if (size == 4) return <i64><i32><u32>v;
  return <i64>v;
}

// What each byte means in prefix position: a P_* bit, the segment number (bits 8-11), or REX.
const PX_REX: u32 = 0x1000;
const PREFIX_CLASS = new StaticArray<u16>(256);
PREFIX_CLASS[0xf0] = <u16>P_LOCK;
PREFIX_CLASS[0xf2] = <u16>P_REPNE;
PREFIX_CLASS[0xf3] = <u16>P_REP;
PREFIX_CLASS[0x66] = <u16>P_OPSIZE;
PREFIX_CLASS[0x67] = <u16>P_ADSIZE;
PREFIX_CLASS[0x26] = <u16>(P_SEG | (1 << 8));
PREFIX_CLASS[0x2e] = <u16>(P_SEG | (2 << 8));
PREFIX_CLASS[0x36] = <u16>(P_SEG | (3 << 8));
PREFIX_CLASS[0x3e] = <u16>(P_SEG | (4 << 8));
PREFIX_CLASS[0x64] = <u16>(P_SEG | (5 << 8));
PREFIX_CLASS[0x65] = <u16>(P_SEG | (6 << 8));
for (let rex = 0x40; rex <= 0x4f; rex++) PREFIX_CLASS[rex] = <u16>PX_REX;

/**
 * Clears what a decode may leave unset. Fields that every path assigns (status, opcode, sizes,
 * mandatory prefix) and memory-operand fields guarded by dHasMem are not reset: this runs once per
 * instruction on the hot path.
 */
@inline function resetState(start: usize, end: usize): void {
  dStart = start;
  cur = start;
  limit = end - start > MAX_INSN_LEN ? start + MAX_INSN_LEN : end;
  fault = 0;
  dEnc = ENC_LEGACY;
  dMap = 0;
  dPrefixes = 0;
  dSeg = SEG_NONE;
  dRex = 0;
  dModrm = -1;
  dSib = -1;
  dDispSize = 0;
  dImmSize = 0;
  dImm = 0;
  dImm2 = 0;
  dHasMem = false;
  dVexFields = 0;
}

/**
 * Records only the length and status of the instruction at `start` (found by the fast length
 * path); the other fields are undefined until decodeAt() runs.
 */
export function setLengthOnly(start: usize, len: u32, status: u32): void {
  dStart = start;
  dLen = len;
  dStatus = status;
}

/**
 * Decodes one instruction at `start`; bytes at or past `end` are never read.
 * Returns the length (also in dLen); dStatus says whether it is a valid instruction.
 */
export function decodeAt(start: usize, end: usize): u32 {
  resetState(start, end);
  let lastRep: u32 = 0;
  let b = fetch();
  // Legacy prefixes and REX, in any order and count; a REX counts only directly before the opcode.
  let cls = <u32>unchecked(PREFIX_CLASS[b]);
  while (cls != 0 && fault == 0) {
    if (cls == PX_REX) {
      if (dRex != 0) dPrefixes |= P_REX_LOST;
      dRex = b;
    } else {
      if (cls & (P_REP | P_REPNE)) lastRep = b;
      if (cls & P_SEG) dSeg = cls >> 8;
      dPrefixes |= cls & 0xff;
      if (dRex != 0) { dRex = 0; dPrefixes |= P_REX_LOST; }
    }
    b = fetch();
    cls = <u32>unchecked(PREFIX_CLASS[b]);
  }
  dPrefixCount = <u32>(cur - start) - 1;
  if (dRex != 0) dPrefixes |= P_REX;
  dRexW = (dRex >> 3) & 1;
  dRexR = (dRex >> 2) & 1;
  dRexX = (dRex >> 1) & 1;
  dRexB = dRex & 1;
  dMandatory = lastRep == 0xf3 ? MP_F3 : lastRep == 0xf2 ? MP_F2 : (dPrefixes & P_OPSIZE) ? MP_66 : MP_NONE;
  dAddrSize = (dPrefixes & P_ADSIZE) ? 4 : 8;

  let valid = true;
  if (b == 0xc4 || b == 0xc5 || b == 0x62 || (b == 0x8f && peek() >= 0 && (peek() & 0x1f) >= 8)) {
    valid = decodeVexFamily(b);
  } else if (b == 0x0f) {
    valid = decodeEscape();
  } else {
    dOp = b;
    valid = decodeLegacy(unchecked(MAP0[b]), 0);
  }
  dLen = <u32>(cur - start);
  dStatus = fault != 0 ? fault : valid ? ST_OK : ST_INVALID;
  return dLen;
}

function decodeEscape(): bool {
  const b1 = fetch();
  const mp = dMandatory;
  if (b1 == 0x38) {
    dMap = 2;
    dOp = fetch();
    return decodeLegacy(unchecked(MAP2[dOp * 4 + mp]), 2);
  }
  if (b1 == 0x3a) {
    dMap = 3;
    dOp = fetch();
    return decodeLegacy(unchecked(MAP3[dOp * 4 + mp]), 3);
  }
  dMap = 1;
  dOp = b1;
  if (b1 == 0x0f) return decode3DNow();
  return decodeLegacy(unchecked(MAP1[b1 * 4 + mp]), 1);
}

/** Operand size from REX.W / 66h and the opcode's default-size attributes. */
@inline function operandSize(attr: u32): u32 {
  if (attr & A_F64) return 8;
  if (dRexW) return 8;
  if (dPrefixes & P_OPSIZE) return 2;
  return (attr & A_D64) ? 8 : 4;
}

function decodeLegacy(attr: u32, map: u32): bool {
  dOpSize = operandSize(attr);
  let valid = (attr & A_INVALID) == 0;
  let lockOk = (attr & A_LOCK) != 0;
  if (attr & A_MODRM) {
    if (attr & A_MODREG) dModrm = <i32>fetch();
    else decodeModrm();
    const isReg = (dModrm >> 6) == 3 || (attr & A_MODREG) != 0;
    if ((attr & A_MEM) && isReg) valid = false;
    if ((attr & A_REG) && !isReg) valid = false;
    if (attr & A_GROUP) {
      const g = groupCheck(map, dOp, <u32>dModrm, dMandatory, dRexR, (dPrefixes & P_OPSIZE) != 0, (dPrefixes & P_ADSIZE) != 0);
      if ((g & G_VALID) == 0) valid = false;
      lockOk = (g & G_LOCK) != 0;
    }
    if (isReg) lockOk = false;
  } else {
    lockOk = false;
  }
  if ((dPrefixes & P_LOCK) && !lockOk) valid = false;
  decodeImmediate(attr & I_MASK);
  return valid;
}

function decode3DNow(): bool {
  dEnc = ENC_3DNOW;
  dOpSize = 4;
  decodeModrm();
  const suffix = fetch();
  dImmSize = 1;
  dImm = <i64>suffix;
  return (dPrefixes & P_LOCK) == 0 && valid3DNowSuffix(suffix);
}

/** VEX (C4/C5), EVEX (62) and XOP (8F) forms; `first` is the escape byte, already consumed. */
function decodeVexFamily(first: u32): bool {
  // None of 66/F2/F3/LOCK/REX may precede these encodings.
  let valid = (dPrefixes & (P_LOCK | P_REP | P_REPNE | P_OPSIZE)) == 0 && dRex == 0;
  let r: u32 = 0, x: u32 = 0, bb: u32 = 0, w: u32 = 0, vvvv: u32 = 0, l: u32 = 0, pp: u32 = 0;
  let map: u32 = 1;
  let rp: u32 = 0, vp: u32 = 0, z: u32 = 0, bcst: u32 = 0, aaa: u32 = 0;
  let enc = ENC_VEX;
  if (first == 0xc5) {
    const p1 = fetch();
    r = (~p1 >> 7) & 1;
    vvvv = (~p1 >> 3) & 15;
    l = (p1 >> 2) & 1;
    pp = p1 & 3;
  } else if (first == 0xc4 || first == 0x8f) {
    if (first == 0x8f) enc = ENC_XOP;
    const p1 = fetch();
    const p2 = fetch();
    r = (~p1 >> 7) & 1;
    x = (~p1 >> 6) & 1;
    bb = (~p1 >> 5) & 1;
    map = p1 & 0x1f;
    w = p2 >> 7;
    vvvv = (~p2 >> 3) & 15;
    l = (p2 >> 2) & 1;
    pp = p2 & 3;
  } else {
    enc = ENC_EVEX;
    const p0 = fetch();
    const p1 = fetch();
    const p2 = fetch();
    r = (~p0 >> 7) & 1;
    x = (~p0 >> 6) & 1;
    bb = (~p0 >> 5) & 1;
    rp = (~p0 >> 4) & 1;
    map = p0 & 7;
    if (p0 & 8) valid = false;        // reserved, must be 0
    if ((p1 & 4) == 0) valid = false; // fixed, must be 1
    w = p1 >> 7;
    vvvv = (~p1 >> 3) & 15;
    pp = p1 & 3;
    z = p2 >> 7;
    l = (p2 >> 5) & 3;
    bcst = (p2 >> 4) & 1;
    vp = (~p2 >> 3) & 1;
    aaa = p2 & 7;
  }
  dEnc = enc;
  dMap = map;
  dRexW = w; dRexR = r; dRexX = x; dRexB = bb;
  dMandatory = pp;
  dOpSize = w ? 8 : 4;
  dOp = fetch();
  dVexFields = (pp << F_PP_SHIFT) | (l << F_L_SHIFT) | (w << F_W_SHIFT) | (vvvv << F_VVVV_SHIFT)
    | (vp << F_VP_SHIFT) | (z << F_Z_SHIFT) | (bcst << F_B_SHIFT) | (aaa << F_AAA_SHIFT)
    | (rp << F_RP_SHIFT) | (r << F_R_SHIFT) | (x << F_X_SHIFT) | (bb << F_B3_SHIFT);
  if (fault != 0) return false;
  const info = vexOpcodeInfo(enc, map, dOp);
  if (info == 0) return false;
  if (info & OPINFO_MODRM) decodeModrm();
  if (info & OPINFO_IMM8) decodeImmediate(I_B);
  else if (info & OPINFO_IMM32) decodeImmediate(I_J32); // XOP map 0A: BEXTR/LWPINS/LWPVAL id
  if (!valid) return false;
  return vexValidSib(enc, map, dOp, dVexFields, dModrm < 0 ? 0 : <u32>dModrm, dSib);
}

/** ModRM, then SIB and displacement as ModRM asks; fills the memory-operand fields. */
function decodeModrm(): void {
  const modrm = fetch();
  dModrm = <i32>modrm;
  const mod = modrm >> 6;
  if (mod == 3) return;
  dHasMem = true;
  dMemBase = REG_NONE;
  dMemIndex = REG_NONE;
  dMemScale = 1;
  dDisp = 0;
  const rm = modrm & 7;
  let dispSize: u32 = mod == 1 ? 1 : mod == 2 ? 4 : 0;
  if (rm == 4) {
    const sib = fetch();
    dSib = <i32>sib;
    const base = sib & 7;
    const index = ((sib >> 3) & 7) | (dRexX << 3);
    if (index != 4) dMemIndex = index;
    dMemScale = 1 << (sib >> 6);
    if (base == 5 && mod == 0) dispSize = 4;
    else dMemBase = base | (dRexB << 3);
  } else if (rm == 5 && mod == 0) {
    dMemBase = REG_RIP;
    dispSize = 4;
  } else {
    dMemBase = rm | (dRexB << 3);
  }
  dDispSize = dispSize;
  if (dispSize != 0) dDisp = fetchSigned(dispSize);
}

function decodeImmediate(kind: u32): void {
  let size: u32 = 0;
  switch (kind) {
    case I_NONE: return;
    case I_B: size = 1; break;
    case I_W: size = 2; break;
    case I_Z: size = dOpSize == 2 ? 2 : 4; break;
    case I_V: size = dOpSize; break;
    case I_J32: size = 4; break;
    case I_MOFFS: {
      size = dAddrSize;
      dHasMem = true;
      dMemBase = REG_NONE;
      dMemIndex = REG_NONE;
      dMemScale = 1;
      dImmSize = size;
      let v: u64 = 0;
      for (let i: u32 = 0; i < size; i++) v |= (<u64>fetch()) << (<u64>(i * 8));
      dImm = <i64>v; // an address: zero-extended, never sign-extended
      dDisp = dImm;
      return;
    }
    case I_WB:
      dImmSize = 2;
      dImm = <i64><u16>fetchSigned(2);
      dImm2 = <i64><u8>fetch();
      return;
    case I_BB:
      dImmSize = 1;
      dImm = <i64><u8>fetch();
      dImm2 = <i64><u8>fetch();
      return;
    case I_G3B: case I_G3Z: {
      const reg = (<u32>dModrm >> 3) & 7;
      if (reg > 1) return;
      size = kind == I_G3B ? 1 : (dOpSize == 2 ? 2 : 4);
      break;
    }
    default: return;
  }
  dImmSize = size;
  dImm = fetchSigned(size);
}
