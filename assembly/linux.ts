// The Linux kernel's reading of the same bytes: its instruction decoder's prefix rules followed by
// insn_decode_mmio() and the ModRM.reg register lookup (SPEC sections 4-6, quirks Q1-Q15).
//
// Only the kernel's MMIO opcodes need its full decode; for every other opcode the kernel's answer
// is "not MMIO" whatever its length, so the scan stops at the opcode.
import { vexOpcodeInfo, ENC_VEX, ENC_EVEX, OPINFO_MODRM, OPINFO_IMM8 } from "./tables/vex";
import { REG_NONE, REG_RIP, SEG_NONE, MAX_INSN_LEN } from "./decoder";

// Kernel MMIO types (enum insn_mmio_type, numbered as our kinds) and why the kernel refuses: the
// record layout's (src/decoder/wasm-layout.ts).
export { K_NONE, K_READ, K_WRITE, K_WRITE_IMM, K_READ_ZERO_EXTEND, K_READ_SIGN_EXTEND, K_MOVS, LR_NONE, LR_DECODE_FAILED, LR_NOT_MMIO, LR_MOVS, LR_BAD_REGISTER } from "../src/decoder/wasm-layout";
import { K_NONE, K_READ, K_WRITE, K_WRITE_IMM, K_READ_ZERO_EXTEND, K_READ_SIGN_EXTEND, K_MOVS, LR_NONE, LR_DECODE_FAILED, LR_NOT_MMIO, LR_MOVS, LR_BAD_REGISTER } from "../src/decoder/wasm-layout";

// Quirk flags seen while decoding (mapped to divergence reasons by classify.ts).
export const LQ_REX_ORDER: u32 = 1;     // Q6: REX followed by a prefix/REX ended prefix parsing
export const LQ_PREFIX_LIMIT: u32 = 2;  // Q7: a 5th distinct legacy prefix became the opcode
export const LQ_EMULATE_PREFIX: u32 = 4; // Q8: Xen/KVM emulate prefix swallowed
export const LQ_MULTI_SEG: u32 = 8;     // Q9: two or more distinct segment overrides
export const LQ_VEX: u32 = 16;          // Q5: opcode came from a VEX/EVEX map
export const LQ_REX2: u32 = 32;         // REX2 (D5) prefix decoded

export let lKind: u32 = K_NONE;
export let lReject: u32 = LR_NONE;
export let lQuirks: u32 = 0;
export let lLen: u32 = 0;
export let lSize: u32 = 0;
/** Slot number 0-15 read or written (RAX..R15); REG_NONE for WRITE_IMM/MOVS. */
export let lReg: u32 = REG_NONE;
export let lOpndBytes: u32 = 4;
export let lAddrBytes: u32 = 8;
export let lImm: i64 = 0;
export let lModrm: i32 = -1;
export let lMemBase: u32 = REG_NONE;
export let lMemIndex: u32 = REG_NONE;
export let lMemScale: u32 = 1;
export let lDisp: i64 = 0;
/** SEG_FS / SEG_GS when that base is added; SEG_NONE otherwise. */
export let lSeg: u32 = SEG_NONE;
/** The kernel cannot compute the address (Q9 or an unknown register): it uses all-ones. */
export let lAddrInvalid: bool = false;
/** Register form (mod = 3): the kernel uses the r/m register's value as the address (Q3). */
export let lRegForm: bool = false;

let p: usize = 0;
let lim: usize = 0;
let failed = false;

@inline function next(): u32 {
  if (p < lim) return <u32>load<u8>(p++);
  failed = true;
  return 0;
}

@inline function at(i: usize): u32 {
  return <u32>load<u8>(p + i);
}

function isLegacyPrefix(b: u32): bool {
  return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65
    || b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3;
}

function reset(start: usize, end: usize): void {
  p = start;
  lim = end - start > MAX_INSN_LEN ? start + MAX_INSN_LEN : end;
  failed = false;
  lKind = K_NONE; lReject = LR_NONE; lQuirks = 0; lLen = 0;
  resetOperands();
}

function resetOperands(): void {
  lSize = 0; lReg = REG_NONE; lOpndBytes = 4; lAddrBytes = 8; lImm = 0; lModrm = -1;
  lMemBase = REG_NONE; lMemIndex = REG_NONE; lMemScale = 1; lDisp = 0; lSeg = SEG_NONE;
  lAddrInvalid = false; lRegForm = false;
}

/** Quirks that explain a "not MMIO" verdict: they changed which byte the kernel took as opcode. */
const OPCODE_QUIRKS: u32 = LQ_REX_ORDER | LQ_PREFIX_LIMIT | LQ_EMULATE_PREFIX | LQ_REX2;

/** Q8: a leading UD2 + "xen" or UD2 + "kvm" marker is swallowed as a 5-byte prefix. */
function skipEmulatePrefix(): void {
  if (lim - p < 5 || at(0) != 0x0f || at(1) != 0x0b) return;
  const a = at(2), b = at(3), c = at(4);
  if ((a == 0x78 && b == 0x65 && c == 0x6e) || (a == 0x6b && b == 0x76 && c == 0x6d)) {
    p += 5;
    lQuirks |= LQ_EMULATE_PREFIX;
  }
}

/** Lets classify.ts mark "no MMIO kind" without a full reset (see analyze()). */
export function setLinuxKind(kind: u32): void {
  lKind = kind;
}

/**
 * The kernel's verdict when its decode provably picks the same opcode byte as the CPU's and that
 * byte is not one insn_decode_mmio() knows: "not MMIO" (classify.ts decides when that holds).
 */
export function linuxNotMmio(start: usize, end: usize): void {
  reset(start, end);
  lReject = LR_NOT_MMIO;
}

/**
 * The kernel's reading when its decode provably sees what the CPU's does: a valid legacy
 * instruction with no segment override, no REX made void by a later prefix, fewer than five
 * prefix bytes and no emulate prefix (classify.ts checks). Then the kernel takes the same opcode,
 * operand size, ModRM, SIB, displacement and immediate, and only insn_decode_mmio()'s table and
 * the register lookup remain. The arguments are the CPU decode's fields.
 */
export function linuxFromArch(
  start: usize, len: u32, map: u32, op: u32, opSize: u32, addrSize: u32, modrm: i32, rexR: u32, rexB: u32,
  memBase: u32, memIndex: u32, memScale: u32, disp: i64, imm: i64,
): void {
  lKind = K_NONE; lReject = LR_NONE; lQuirks = 0; lLen = len;
  resetOperands();
  lOpndBytes = opSize;
  lAddrBytes = addrSize;
  classifyOpcode(map == 1 ? 0x0f : op, map == 1 ? op : 0);
  if (lKind == K_NONE) {
    resetOperands();
    lReject = LR_NOT_MMIO;
    return;
  }
  if (lKind == K_MOVS) {
    lMemBase = rexB << 3; // no ModRM: the address is computed as if ModRM were 00 (RAX / R8)
    lReject = LR_MOVS;
    return;
  }
  lModrm = modrm;
  if ((<u32>modrm >> 6) == 3) {
    lRegForm = true;
    lMemBase = (<u32>modrm & 7) | (rexB << 3);
  } else {
    lMemBase = memBase;
    lMemIndex = memIndex;
    lMemScale = memScale;
    lDisp = disp;
  }
  if (lKind == K_WRITE_IMM) lImm = imm;
  else lReg = ((<u32>modrm >> 3) & 7) | (rexR << 3);
}

/** Kernel decode + MMIO classification of the instruction at `start`. */
export function decodeLinux(start: usize, end: usize): void {
  reset(start, end);
  skipEmulatePrefix();

  // Legacy prefixes: duplicates are skipped, at most 4 distinct are kept (Q7).
  let seen: u32 = 0; // packed distinct prefix bytes
  let distinct: u32 = 0;
  let segCount: u32 = 0;
  let segByte: u32 = 0;
  let b = next();
  while (!failed && isLegacyPrefix(b)) {
    let dup = false;
    for (let i: u32 = 0; i < distinct; i++) if (((seen >> (i * 8)) & 0xff) == b) dup = true;
    if (!dup) {
      if (distinct == 4) { lQuirks |= LQ_PREFIX_LIMIT; break; }
      seen |= b << (distinct * 8);
      distinct++;
      if (b == 0x66) lOpndBytes = 2;
      else if (b == 0x67) lAddrBytes = 4;
      else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65) {
        segCount++;
        segByte = b;
      }
    }
    b = next();
  }

  // REX (Q6: whatever follows it is the opcode), or REX2.
  let rexR: u32 = 0, rexX: u32 = 0, rexB: u32 = 0, regHigh: u32 = 0, baseHigh: u32 = 0, indexHigh: u32 = 0;
  let singleByteOpcode = false;
  if (b >= 0x40 && b <= 0x4f) {
    if (b & 8) lOpndBytes = 8;
    rexR = (b >> 2) & 1; rexX = (b >> 1) & 1; rexB = b & 1;
    b = next();
    if (isLegacyPrefix(b) || (b >= 0x40 && b <= 0x4f)) lQuirks |= LQ_REX_ORDER;
  } else if (b == 0xd5) {
    const payload = next();
    lQuirks |= LQ_REX2;
    if (payload & 8) lOpndBytes = 8;
    rexR = (payload >> 2) & 1; rexX = (payload >> 1) & 1; rexB = payload & 1;
    regHigh = (payload >> 6) & 1; indexHigh = (payload >> 5) & 1; baseHigh = (payload >> 4) & 1;
    singleByteOpcode = true;
    b = next();
  }

  // VEX / EVEX: in 64-bit mode C4/C5/62 always start one; the opcode is a single byte (Q5).
  let vexEnc: u32 = 0;
  let vexMap: u32 = 0;
  if (b == 0xc5 || b == 0xc4 || b == 0x62) {
    vexEnc = b == 0x62 ? ENC_EVEX : ENC_VEX;
    if (b == 0xc5) {
      const p1 = next();
      rexR = (~p1 >> 7) & 1;
      vexMap = 1;
    } else if (b == 0xc4) {
      const p1 = next();
      const p2 = next();
      rexR = (~p1 >> 7) & 1; rexX = (~p1 >> 6) & 1; rexB = (~p1 >> 5) & 1;
      vexMap = p1 & 0x1f;
      if (p2 & 0x80) lOpndBytes = 8;
    } else {
      const p0 = next();
      const p1 = next();
      next();
      rexR = (~p0 >> 7) & 1; rexX = (~p0 >> 6) & 1; rexB = (~p0 >> 5) & 1;
      regHigh = (~p0 >> 4) & 1;
      vexMap = p0 & 7;
      if (p1 & 0x80) lOpndBytes = 8;
    }
    lQuirks |= LQ_VEX;
    singleByteOpcode = true;
    b = next();
  }

  if (segCount > 1) { lQuirks |= LQ_MULTI_SEG; lAddrInvalid = true; }
  else if (segByte == 0x64) lSeg = 5;
  else if (segByte == 0x65) lSeg = 6;

  // Opcode and classification (insn_decode_mmio looks at opcode bytes only).
  const op0 = b;
  let op1: u32 = 0;
  if (op0 == 0x0f && !singleByteOpcode) op1 = next();
  if (failed) { finish(start, LR_DECODE_FAILED); return; }
  classifyOpcode(op0, op1);
  if (lKind == K_NONE) { finish(start, LR_NOT_MMIO); return; }

  // Operands: ModRM except for MOVS; immediates of C6/C7 (VEX opcodes by their own table).
  let hasModrm = lKind != K_MOVS;
  let immSize: u32 = 0;
  if (vexEnc != 0) {
    const info = vexOpcodeInfo(vexEnc, vexMap, op0);
    if (info == 0) { finish(start, LR_DECODE_FAILED); return; }
    hasModrm = (info & OPINFO_MODRM) != 0;
    immSize = (info & OPINFO_IMM8) ? 1 : 0;
  } else if (op0 == 0xc6) immSize = 1;
  else if (op0 == 0xc7) immSize = lOpndBytes == 2 ? 2 : 4;

  if (hasModrm) decodeAddress(rexX | (indexHigh << 1), rexB | (baseHigh << 1));
  else lMemBase = rexB << 3; // no ModRM: the address is computed as if ModRM were 00 (RAX / R8)
  if (immSize == 1) lImm = <i64><i8>next();
  else if (immSize == 2) { const lo = next(); lImm = <i64><i16>(lo | (next() << 8)); }
  else if (immSize == 4) {
    let v: u32 = 0;
    for (let i: u32 = 0; i < 4; i++) v |= next() << (i * 8);
    lImm = <i64><i32>v;
  }
  if (failed) { finish(start, LR_DECODE_FAILED); return; }

  // Register slot from ModRM.reg (not for WRITE_IMM or MOVS): no high-byte case (Q1).
  if (lKind != K_WRITE_IMM && lKind != K_MOVS) {
    const regno = ((<u32>lModrm >> 3) & 7) | (rexR << 3) | (regHigh << 4);
    if (regno >= 16) { finish(start, LR_BAD_REGISTER); return; }
    lReg = regno;
  }
  finish(start, lKind == K_MOVS ? LR_MOVS : LR_NONE);
}

function finish(start: usize, reject: u32): void {
  lLen = <u32>(p - start);
  lReject = reject;
  if (reject == LR_NONE || reject == LR_MOVS) return;
  // A refused instruction has no operands: keep only what says why, so the record is the same
  // whichever way the verdict was reached.
  lKind = K_NONE;
  resetOperands();
  if (reject == LR_NOT_MMIO) lQuirks &= OPCODE_QUIRKS;
}

function classifyOpcode(op0: u32, op1: u32): void {
  switch (op0) {
    case 0x88: lKind = K_WRITE; lSize = 1; return;
    case 0x89: lKind = K_WRITE; lSize = lOpndBytes; return;
    case 0xc6: lKind = K_WRITE_IMM; lSize = 1; return;
    case 0xc7: lKind = K_WRITE_IMM; lSize = lOpndBytes; return;
    case 0x8a: lKind = K_READ; lSize = 1; return;
    case 0x8b: lKind = K_READ; lSize = lOpndBytes; return;
    case 0xa4: lKind = K_MOVS; lSize = 1; return;
    case 0xa5: lKind = K_MOVS; lSize = lOpndBytes; return;
    case 0x0f:
      if (op1 == 0xb6 || op1 == 0xb7) { lKind = K_READ_ZERO_EXTEND; lSize = op1 == 0xb6 ? 1 : 2; }
      else if (op1 == 0xbe || op1 == 0xbf) { lKind = K_READ_SIGN_EXTEND; lSize = op1 == 0xbe ? 1 : 2; }
      return;
    default: return;
  }
}

/** ModRM/SIB/displacement as the kernel reads them; `xBits`/`bBits` hold register bits 3 and 4. */
function decodeAddress(xBits: u32, bBits: u32): void {
  const modrm = next();
  lModrm = <i32>modrm;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod == 3) {
    lRegForm = true;
    setBase(rm | (bBits << 3));
    return;
  }
  let dispSize: u32 = mod == 1 ? 1 : mod == 2 ? 4 : 0;
  if (rm == 4) {
    const sib = next();
    const index = ((sib >> 3) & 7) | (xBits << 3);
    if (index != 4) {
      if (index >= 16) lAddrInvalid = true;
      else lMemIndex = index;
    }
    lMemScale = 1 << (sib >> 6);
    if ((sib & 7) == 5 && mod == 0) dispSize = 4;
    else setBase((sib & 7) | (bBits << 3));
  } else if (rm == 5 && mod == 0) {
    lMemBase = REG_RIP;
    dispSize = 4;
  } else {
    setBase(rm | (bBits << 3));
  }
  if (dispSize == 1) lDisp = <i64><i8>next();
  else if (dispSize == 4) {
    let v: u32 = 0;
    for (let i: u32 = 0; i < 4; i++) v |= next() << (i * 8);
    lDisp = <i64><i32>v;
  }
}

@inline function setBase(reg: u32): void {
  if (reg >= 16) lAddrInvalid = true;
  else lMemBase = reg;
}
