// Result records in linear memory. src/decoder/layout.ts mirrors these offsets for the JS side.
import {
  dLen, dStatus, dEnc, dMap, dOp, dMandatory, dSeg, dRex, dPrefixes, dOpSize, dAddrSize, dModrm,
  dSib, dMemBase, dMemIndex, dMemScale, dDispSize, dDisp, dImmSize, dImm, dImm2, dRexR, dHasMem, REG_RIP, REG_NONE,
  P_REP, P_REPNE,
} from "./decoder";
import {
  lKind, lReject, lQuirks, lSize, lReg, lOpndBytes, lAddrBytes, lImm, lMemBase, lMemIndex, lMemScale,
  lDisp, lSeg, lAddrInvalid, lRegForm, lLen, LR_NOT_MMIO,
} from "./linux";
import { aKind, aSize, aReg, aHighByte, aExtendTo, divergence, linuxLength, ensureClassified, classified } from "./classify";

/** Compact record: length, status, architectural kind, kernel kind. */
export const COMPACT_SIZE: u32 = 4;
/** Full record: every field below. */
export const FULL_SIZE: u32 = 96;

// Full record offsets
export const R_OFFSET = 0;      // u32 offset of the instruction from the input start
export const R_LEN = 4;         // u8
export const R_STATUS = 5;      // u8
export const R_ENC = 6;         // u8
export const R_MAP = 7;         // u8
export const R_OPCODE = 8;      // u8
export const R_MANDATORY = 9;   // u8
export const R_SEG = 10;        // u8
export const R_REX = 11;        // u8
export const R_PREFIXES = 12;   // u16
export const R_OPSIZE = 14;     // u8
export const R_ADDRSIZE = 15;   // u8
export const R_MODRM = 16;      // u8
export const R_SIB = 17;        // u8
export const R_FLAGS = 18;      // u8: F_*
export const R_REG = 19;        // u8 ModRM.reg with REX.R (255 without ModRM)
export const R_MEM_BASE = 20;   // u8
export const R_MEM_INDEX = 21;  // u8
export const R_MEM_SCALE = 22;  // u8
export const R_DISP_SIZE = 23;  // u8
export const R_DISP = 24;       // i64
export const R_IMM = 32;        // i64
export const R_IMM2 = 40;       // i64
export const R_IMM_SIZE = 48;   // u8
export const R_A_KIND = 49;     // u8
export const R_A_SIZE = 50;     // u8
export const R_A_REG = 51;      // u8
export const R_A_EXTEND = 52;   // u8
export const R_L_KIND = 53;     // u8
export const R_L_SIZE = 54;     // u8
export const R_L_REG = 55;      // u8
export const R_L_EXTEND = 56;   // u8 (opnd_bytes for ZX/SX)
export const R_L_LEN = 57;      // u8
export const R_L_REJECT = 58;   // u8
export const R_L_QUIRKS = 59;   // u8
export const R_DIVERGENCE = 60; // u32
export const R_L_IMM = 64;      // i64
export const R_L_DISP = 72;     // i64
export const R_L_BASE = 80;     // u8
export const R_L_INDEX = 81;    // u8
export const R_L_SCALE = 82;    // u8
export const R_L_SEG = 83;      // u8
export const R_L_FLAGS = 84;    // u8: LF_*
export const R_L_ADDRSIZE = 85; // u8

export const F_MODRM: u32 = 1;
export const F_SIB: u32 = 2;
export const F_MEM: u32 = 4;
export const F_RIP: u32 = 8;
export const F_HIGH_BYTE: u32 = 16;

export const LF_ADDR_INVALID: u32 = 1;
export const LF_REG_FORM: u32 = 2;
export const LF_RIP: u32 = 4;

/**
 * Plan record: one reading (the kernel's or the CPU's) packed for the #VE handler, read on the JS
 * side as six u32 words (src/decoder/plan.ts).
 *   word 0: kind, size, register (REG_NONE: none), extension (MOVZX/MOVSX destination / opnd_bytes)
 *   word 1: verdict (kernel: LR_*; CPU: decode status), length, flags (PF_*), segment override
 *   word 2: base, index, scale (kernel's address operand); address size (byte 3)
 *   word 3: displacement bits 31:0 (kernel)
 *   words 4-5: immediate, sign-extended to 64 bits
 */
export const PLAN_SIZE: u32 = 24;
export const PF_ADDR_INVALID: u32 = 1;
export const PF_REG_FORM: u32 = 2;
export const PF_HIGH_BYTE: u32 = 4;
/** CPU reading: an F3/F2 prefix (REP for string moves). */
export const PF_REP: u32 = 8;

/** The kernel's reading of the last decodeLinux() as a plan record. */
export function writeKernelPlan(out: usize): void {
  const flags = (lAddrInvalid ? PF_ADDR_INVALID : 0) | (lRegForm ? PF_REG_FORM : 0);
  writePlan(out, lKind, lSize, lReg, lKind == 4 || lKind == 5 ? lOpndBytes : 0, lReject, lLen, flags, lSeg,
    lMemBase, lMemIndex, lMemScale, lAddrBytes, <u32>lDisp, lImm);
}

/** The CPU's reading of the last decodeAt() + classifyArchOnly() as a plan record (no address operand). */
export function writeArchPlan(out: usize): void {
  const flags = (aHighByte ? PF_HIGH_BYTE : 0) | ((dPrefixes & (P_REP | P_REPNE)) != 0 ? PF_REP : 0);
  writePlan(out, aKind, aSize, aReg, aExtendTo, dStatus, dLen, flags, dSeg, 0, 0, 0, dAddrSize, 0, dImm);
}

@inline function writePlan(
  out: usize, kind: u32, size: u32, reg: u32, extendTo: u32, verdict: u32, length: u32, flags: u32, seg: u32,
  base: u32, index: u32, scale: u32, addrBytes: u32, disp: u32, imm: i64,
): void {
  store<u32>(out, kind | (size << 8) | (reg << 16) | (extendTo << 24), 0);
  store<u32>(out, verdict | (length << 8) | (flags << 16) | (seg << 24), 4);
  store<u32>(out, base | (index << 8) | (scale << 16) | (addrBytes << 24), 8);
  store<u32>(out, disp, 12);
  store<i64>(out, imm, 16);
}

/** Writes the compact record of the last decode at `out`. */
@inline export function writeCompact(out: usize): void {
  store<u8>(out, <u8>dLen);
  store<u8>(out, <u8>dStatus, 1);
  store<u8>(out, <u8>aKind, 2);
  store<u8>(out, <u8>lKind, 3);
}

/**
 * Writes only the fields of a full record that the #VE fast path reads (InsnView): lengths,
 * statuses, both readings' kind/size/register/extension, flags and divergence. Other fields of
 * the record at `out` are left as they were.
 */
export function writeVeFields(out: usize): void {
  if (!classified && lKind == 0) {
    writeVeNotMmio(out);
    return;
  }
  ensureClassified(); // a register-form MOV: the kernel's full reading is wanted (Q3)
  writeVeClassified(out);
}

/** analyze() found neither reading MMIO: both kinds none, the kernel refuses, nothing diverges. */
function writeVeNotMmio(out: usize): void {
  store<u8>(out, <u8>dLen, R_LEN);
  store<u8>(out, <u8>dStatus, R_STATUS);
  store<u8>(out, 0, R_FLAGS);
  store<u8>(out, 0, R_A_KIND);
  store<u8>(out, 0, R_A_SIZE);
  store<u8>(out, <u8>REG_NONE, R_A_REG);
  store<u8>(out, 0, R_A_EXTEND);
  store<u8>(out, 0, R_L_KIND);
  store<u8>(out, 0, R_L_SIZE);
  store<u8>(out, <u8>REG_NONE, R_L_REG);
  store<u8>(out, 0, R_L_EXTEND);
  store<u8>(out, <u8>dLen, R_L_LEN);
  store<u8>(out, <u8>LR_NOT_MMIO, R_L_REJECT);
  store<u32>(out, 0, R_DIVERGENCE);
  store<i64>(out, 0, R_L_IMM);
  store<u8>(out, 0, R_L_FLAGS);
}

function writeVeClassified(out: usize): void {
  store<u8>(out, <u8>dLen, R_LEN);
  store<u8>(out, <u8>dStatus, R_STATUS);
  store<u8>(out, <u8>(aHighByte ? F_HIGH_BYTE : 0), R_FLAGS);
  writeReadings(out);
  store<u8>(out, <u8>(lAddrInvalid ? LF_ADDR_INVALID : 0), R_L_FLAGS);
}

/** Both readings' kind, size, register and extension, the kernel's length and verdict, divergences. */
@inline function writeReadings(out: usize): void {
  store<u8>(out, <u8>aKind, R_A_KIND);
  store<u8>(out, <u8>aSize, R_A_SIZE);
  store<u8>(out, <u8>aReg, R_A_REG);
  store<u8>(out, <u8>aExtendTo, R_A_EXTEND);
  store<u8>(out, <u8>lKind, R_L_KIND);
  store<u8>(out, <u8>lSize, R_L_SIZE);
  store<u8>(out, <u8>lReg, R_L_REG);
  store<u8>(out, <u8>(lKind == 4 || lKind == 5 ? lOpndBytes : 0), R_L_EXTEND);
  store<u8>(out, <u8>linuxLength, R_L_LEN);
  store<u8>(out, <u8>lReject, R_L_REJECT);
  store<u32>(out, divergence, R_DIVERGENCE);
  store<i64>(out, lImm, R_L_IMM);
}

/** Writes the full record of the last decode (and classification) at `out`. */
export function writeFull(out: usize, offset: u32): void {
  ensureClassified();
  const hasMem = dHasMem;
  store<u32>(out, offset, R_OFFSET);
  store<u8>(out, <u8>dLen, R_LEN);
  store<u8>(out, <u8>dStatus, R_STATUS);
  store<u8>(out, <u8>dEnc, R_ENC);
  store<u8>(out, <u8>dMap, R_MAP);
  store<u8>(out, <u8>dOp, R_OPCODE);
  store<u8>(out, <u8>dMandatory, R_MANDATORY);
  store<u8>(out, <u8>dSeg, R_SEG);
  store<u8>(out, <u8>dRex, R_REX);
  store<u16>(out, <u16>dPrefixes, R_PREFIXES);
  store<u8>(out, <u8>dOpSize, R_OPSIZE);
  store<u8>(out, <u8>dAddrSize, R_ADDRSIZE);
  store<u8>(out, <u8>(dModrm < 0 ? 0 : dModrm), R_MODRM);
  store<u8>(out, <u8>(dSib < 0 ? 0 : dSib), R_SIB);
  let flags: u32 = 0;
  if (dModrm >= 0) flags |= F_MODRM;
  if (dSib >= 0) flags |= F_SIB;
  if (hasMem) flags |= F_MEM;
  if (dHasMem && dMemBase == REG_RIP) flags |= F_RIP;
  if (aHighByte) flags |= F_HIGH_BYTE;
  store<u8>(out, <u8>flags, R_FLAGS);
  store<u8>(out, <u8>(dModrm < 0 ? 255 : (((<u32>dModrm >> 3) & 7) | (dRexR << 3))), R_REG);
  // Memory-operand fields are only defined for instructions that address memory.
  store<u8>(out, <u8>(dHasMem ? dMemBase : REG_NONE), R_MEM_BASE);
  store<u8>(out, <u8>(dHasMem ? dMemIndex : REG_NONE), R_MEM_INDEX);
  store<u8>(out, <u8>(dHasMem ? dMemScale : 1), R_MEM_SCALE);
  store<u8>(out, <u8>dDispSize, R_DISP_SIZE);
  store<i64>(out, dHasMem ? dDisp : 0, R_DISP);
  store<i64>(out, dImm, R_IMM);
  store<i64>(out, dImm2, R_IMM2);
  store<u8>(out, <u8>dImmSize, R_IMM_SIZE);
  writeReadings(out);
  store<u8>(out, <u8>lQuirks, R_L_QUIRKS);
  store<i64>(out, lDisp, R_L_DISP);
  store<u8>(out, <u8>lMemBase, R_L_BASE);
  store<u8>(out, <u8>lMemIndex, R_L_INDEX);
  store<u8>(out, <u8>lMemScale, R_L_SCALE);
  store<u8>(out, <u8>lSeg, R_L_SEG);
  let lflags: u32 = 0;
  if (lAddrInvalid) lflags |= LF_ADDR_INVALID;
  if (lRegForm) lflags |= LF_REG_FORM;
  if (lMemBase == REG_RIP) lflags |= LF_RIP;
  store<u8>(out, <u8>lflags, R_L_FLAGS);
  store<u8>(out, <u8>lAddrBytes, R_L_ADDRSIZE);
  // The tail after the last field (86-95) is padding: zero it, or it shows an earlier input.
  store<u16>(out, 0, R_L_ADDRSIZE + 1);
  store<u64>(out, 0, R_L_ADDRSIZE + 3);
}
