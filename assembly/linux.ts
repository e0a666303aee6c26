// The Linux kernel's reading of the same bytes: its instruction decoder's prefix rules followed by
// insn_decode_mmio() and the ModRM.reg register lookup (SPEC sections 4-6 and 17, quirks Q1-Q15),
// for the kernel profile selected in profile.ts. Proven against the kernel's own compiled decoder
// (test/decoder/kernel-oracle.test.ts, npm run check:linux).
//
// Only the kernel's MMIO opcodes need its full decode (their attributes: tables/kernel-mmio.ts);
// for every other opcode the kernel refuses whatever follows, so the scan stops at the opcode, and
// only then kernel-insn.ts says why: its decoder fails ("insn_decode") or decodes a non-MMIO
// instruction ("not_mmio", with the kernel's length).
import { REG_NONE, REG_RIP, SEG_NONE, MAX_INSN_LEN } from "./decoder";
import { profileRex2, profileApxMap4 } from "./profile";
import { kernelInsnLength, kernelInsnStop } from "./kernel-insn";
import { kernelMap0, kernelMap0F, kernelVex, KA_REJECT, KA_MODRM, KA_IMM8, KA_IMMZ, KA_FORCE64, KA_SCALABLE } from "./tables/kernel-mmio";

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
  refuse(start);
}

/**
 * A refusal before insn_decode_mmio() could classify anything: the kernel's decoder either fails
 * (LR_DECODE_FAILED, lLen = the bytes it read) or decodes another instruction (LR_NOT_MMIO, lLen =
 * its length).
 */
function refuse(start: usize): void {
  const n = kernelInsnLength(start, lim);
  lReject = n == 0 ? LR_DECODE_FAILED : LR_NOT_MMIO;
  lLen = n == 0 ? kernelInsnStop : n;
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

/** Last-prefix id of a legacy prefix byte (the decoder's selector for opcode variants). */
@inline function lastPrefixId(b: u32): u32 {
  return b == 0x66 ? 1 : b == 0xf3 ? 2 : b == 0xf2 ? 3 : 0;
}

@inline function isSegmentPrefix(b: u32): bool {
  return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

/**
 * Kernel decode + MMIO classification of the instruction at `start`, as insn_decode() then
 * insn_decode_mmio() and the register lookup do it (SPEC sections 4-6 and 17).
 */
export function decodeLinux(start: usize, end: usize): void {
  reset(start, end);
  skipEmulatePrefix();

  // Legacy prefixes: the decoder keeps up to 4 distinct ones in slots; a repeat is skipped; a 5th
  // distinct one ends the prefixes and becomes the opcode (Q7). The last prefix byte seen goes to
  // slot 3: with 3 distinct prefixes it is then held twice (section 17.1).
  let slots: u32 = 0; // slot i in byte i
  let distinct: u32 = 0;
  let last: u32 = 0;
  let b = next();
  while (!failed && isLegacyPrefix(b)) {
    let dup = false;
    for (let i: u32 = 0; i < distinct; i++) if (((slots >> (i * 8)) & 0xff) == b) dup = true;
    if (!dup) {
      if (distinct == 4) { lQuirks |= LQ_PREFIX_LIMIT; break; }
      slots |= b << (distinct * 8);
      distinct++;
      if (b == 0x66) lOpndBytes = 2;
      else if (b == 0x67) lAddrBytes = 4;
    }
    last = b;
    b = next();
  }
  // Then the last prefix goes to slot 3, and the segment lookup walks the slots up to the first
  // empty one.
  let segCount: u32 = 0;
  let segByte: u32 = 0;
  if (last != 0) {
    const slot3 = slots >> 24;
    if (last != slot3) {
      if (slot3 != 0) { // four distinct: the last one trades places with the one in slot 3
        for (let i: u32 = 0; i < 3; i++) if (((slots >> (i * 8)) & 0xff) == last) slots = (slots & ~(0xff << (i * 8))) | (slot3 << (i * 8));
      }
      slots = (slots & 0xffffff) | (last << 24);
    }
    for (let i: u32 = 0; i < 4; i++) {
      const s = (slots >> (i * 8)) & 0xff;
      if (s == 0) break;
      if (isSegmentPrefix(s)) { segCount++; segByte = s; }
    }
  }

  // REX, or REX2 (6.10+): the register lookup reads R/X/B from the prefix byte itself, which for
  // REX2 is D5 (R=1, X=0, B=1) whatever the payload says (section 17.3).
  let rex: u32 = 0;
  let rex2 = false;
  let rex2Map1 = false;
  if (b >= 0x40 && b <= 0x4f) {
    rex = b;
    if (b & 8) lOpndBytes = 8;
    b = next();
    if (isLegacyPrefix(b) || (b >= 0x40 && b <= 0x4f)) lQuirks |= LQ_REX_ORDER;
  } else if (b == 0xd5 && profileRex2) {
    rex = b;
    const payload = next();
    if (payload & 8) lOpndBytes = 8;
    rex2 = true;
    rex2Map1 = (payload & 0x80) != 0;
    lQuirks |= LQ_REX2;
    b = next();
  }

  // VEX / EVEX (not after REX2): in 64-bit mode C4/C5/62 always start one; the opcode is a single
  // byte. Their register-extension bits are not used by the lookups (section 17.5).
  let vex = false;
  let evex = false;
  let vexMap: u32 = 0;
  let vexPp: u32 = 0;
  let vexW = false;
  if (!rex2 && (b == 0xc5 || b == 0xc4 || b == 0x62)) {
    vex = true;
    if (b == 0xc5) {
      vexPp = next() & 3;
      vexMap = 1;
    } else if (b == 0xc4) {
      vexMap = next() & 0x1f;
      const p2 = next();
      vexPp = p2 & 3;
      vexW = (p2 & 0x80) != 0;
      if (vexW) lOpndBytes = 8;
    } else {
      evex = true;
      vexMap = next() & 7;
      const p1 = next();
      vexPp = p1 & 3;
      vexW = (p1 & 0x80) != 0;
      if (next() & 0x80) lOpndBytes = 8; // the kernel tests bit 7 of P2 (z), not W (section 17.2)
    }
    lQuirks |= LQ_VEX;
    b = next();
  }

  // Opcode and its attributes (tables/kernel-mmio.ts: only the bytes insn_decode_mmio() knows).
  const op0 = b;
  let op1: u32 = 0;
  let attr: u32 = 0;
  if (!failed && op0 == 0x0f && !vex && !rex2) op1 = next();
  if (failed) { finish(start, LR_DECODE_FAILED); return; }
  if (vex) {
    if (!isMmioOpcode(op0)) { finish(start, LR_NOT_MMIO); return; }
    const reg = p < lim ? (at(0) >> 3) & 7 : 0;
    attr = kernelVex(evex, vexMap, vexPp, op0, reg, profileApxMap4);
    if (attr == KA_REJECT) { finish(start, LR_DECODE_FAILED); return; }
    if ((attr & KA_SCALABLE) != 0 && !vexW && vexPp == 1) lOpndBytes = 2;
  } else if (rex2) {
    attr = rex2Map1 ? kernelMap0F(op0, lastPrefixId(last)) : kernelMap0(op0);
  } else {
    attr = op0 == 0x0f ? kernelMap0F(op1, lastPrefixId(last)) : kernelMap0(op0);
  }
  if (attr & KA_FORCE64) lOpndBytes = 8;
  // insn_decode_mmio() looks at opcode bytes only (a REX2 map-1 byte counts as one-byte).
  classifyOpcode(op0, op1);
  if (lKind == K_NONE) { finish(start, LR_NOT_MMIO); return; }

  if (segCount > 1) { lQuirks |= LQ_MULTI_SEG; lAddrInvalid = true; }
  else if (segByte == 0x64) lSeg = 5;
  else if (segByte == 0x65) lSeg = 6;

  // ModRM / SIB / displacement, then the immediate. Without a ModRM the address is computed as if
  // ModRM were 00 (RAX, or R8 with REX.B / REX2).
  const rexR = (rex >> 2) & 1, rexX = (rex >> 1) & 1, rexB = rex & 1;
  if (attr & KA_MODRM) decodeAddress(rexX, rexB);
  else { lModrm = 0; lMemBase = rexB << 3; }
  // A string instruction addressed through RDI takes the default segment: its overrides are not
  // looked at (neither FS/GS nor the two-override failure). Reached by MOVS opcode bytes that
  // have a ModRM (REX2 map 1, APX map 4).
  if (lKind == K_MOVS && lMemBase == 7) { lSeg = SEG_NONE; lAddrInvalid = false; lQuirks &= ~LQ_MULTI_SEG; }
  if (attr & KA_IMM8) lImm = <i64><i8>next();
  else if (attr & KA_IMMZ) {
    if (lOpndBytes == 2) { const lo = next(); lImm = <i64><i16>(lo | (next() << 8)); }
    else {
      let v: u32 = 0;
      for (let i: u32 = 0; i < 4; i++) v |= next() << (i * 8);
      lImm = <i64><i32>v;
    }
  }
  if (failed) { finish(start, LR_DECODE_FAILED); return; }
  if (lKind != K_WRITE_IMM) lImm = 0;

  // Register slot from ModRM.reg (not for WRITE_IMM or MOVS): no high-byte case (Q1); with 16
  // slots and a 4-bit number the lookup cannot fail.
  if (lKind != K_WRITE_IMM && lKind != K_MOVS) lReg = ((<u32>lModrm >> 3) & 7) | (rexR << 3);
  finish(start, lKind == K_MOVS ? LR_MOVS : LR_NONE);
}

@inline function isMmioOpcode(op: u32): bool {
  return op == 0x88 || op == 0x89 || op == 0x8a || op == 0x8b || op == 0xc6 || op == 0xc7 || op == 0xa4 || op == 0xa5;
}

function finish(start: usize, reject: u32): void {
  lLen = <u32>(p - start);
  lReject = reject;
  if (reject == LR_NONE || reject == LR_MOVS) return;
  // Not one of the MMIO opcodes: whether the kernel's decoder gets that far is kernel-insn.ts's say.
  if (reject == LR_NOT_MMIO) refuse(start);
  // A refused instruction has no operands: keep only what says why, so the record is the same
  // whichever way the verdict was reached.
  lKind = K_NONE;
  resetOperands();
  lQuirks &= OPCODE_QUIRKS;
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

/** ModRM/SIB/displacement as the kernel reads them; `xBits`/`bBits` are REX.X and REX.B. */
function decodeAddress(xBits: u32, bBits: u32): void {
  const modrm = next();
  lModrm = <i32>modrm;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod == 3) {
    lRegForm = true;
    lMemBase = rm | (bBits << 3);
    return;
  }
  let dispSize: u32 = mod == 1 ? 1 : mod == 2 ? 4 : 0;
  if (rm == 4) {
    const sib = next();
    const index = ((sib >> 3) & 7) | (xBits << 3);
    if (index != 4) lMemIndex = index;
    lMemScale = 1 << (sib >> 6);
    if ((sib & 7) == 5 && mod == 0) dispSize = 4;
    else lMemBase = (sib & 7) | (bBits << 3);
  } else if (rm == 5 && mod == 0) {
    lMemBase = REG_RIP;
    dispSize = 4;
  } else {
    lMemBase = rm | (bBits << 3);
  }
  if (dispSize == 1) lDisp = <i64><i8>next();
  else if (dispSize == 4) {
    let v: u32 = 0;
    for (let i: u32 = 0; i < 4; i++) v |= next() << (i * 8);
    lDisp = <i64><i32>v;
  }
}

