// Result records in linear memory, laid out as src/decoder/wasm-layout.ts says (the JS side reads them by the same file).
import {
  dLen, dStatus, dEnc, dMap, dOp, dMandatory, dSeg, dRex, dPrefixes, dOpSize, dAddrSize, dModrm,
  dSib, dMemBase, dMemIndex, dMemScale, dDispSize, dDisp, dImmSize, dImm, dImm2, dRexR, dHasMem, REG_RIP, REG_NONE,
  P_REP, P_REPNE,
} from "./decoder";
import {
  lKind, lReject, lQuirks, lSize, lReg, lOpndBytes, lAddrBytes, lImm, lMemBase, lMemIndex, lMemScale,
  lDisp, lSeg, lAddrInvalid, lRegForm, lLen,
} from "./linux";
import { aKind, aSize, aReg, aHighByte, aExtendTo, divergence, linuxLength, ensureClassified } from "./classify";

// Sizes, offsets and flag bits: src/decoder/wasm-layout.ts, shared with the JS side.
import {
  COMPACT_SIZE, FULL_SIZE, PLAN_SIZE, C_LEN, C_STATUS, C_A_KIND, C_L_KIND,
  R_OFFSET, R_LEN, R_STATUS, R_ENC, R_MAP, R_OPCODE, R_MANDATORY, R_SEG, R_REX, R_PREFIXES, R_OPSIZE,
  R_ADDRSIZE, R_MODRM, R_SIB, R_FLAGS, R_REG, R_MEM_BASE, R_MEM_INDEX, R_MEM_SCALE, R_DISP_SIZE, R_DISP,
  R_IMM, R_IMM2, R_IMM_SIZE, R_A_KIND, R_A_SIZE, R_A_REG, R_A_EXTEND, R_L_KIND, R_L_SIZE, R_L_REG,
  R_L_EXTEND, R_L_LEN, R_L_REJECT, R_L_QUIRKS, R_DIVERGENCE, R_L_IMM, R_L_DISP, R_L_BASE, R_L_INDEX,
  R_L_SCALE, R_L_SEG, R_L_FLAGS, R_L_ADDRSIZE, F_MODRM, F_SIB, F_MEM, F_RIP, F_HIGH_BYTE,
  LF_ADDR_INVALID, LF_REG_FORM, LF_RIP, PF_ADDR_INVALID, PF_REG_FORM, PF_HIGH_BYTE, PF_REP,
  PLAN_KIND, PLAN_VERDICT, PLAN_BASE, PLAN_DISP, PLAN_IMM, PLAN_DISP_HI, K_READ_ZERO_EXTEND, K_READ_SIGN_EXTEND,
} from "../src/decoder/wasm-layout";

export { COMPACT_SIZE, FULL_SIZE, PLAN_SIZE };

/** The kernel's reading of the last decodeLinux() as a plan record. */
export function writeKernelPlan(out: usize): void {
  const flags = (lAddrInvalid ? PF_ADDR_INVALID : 0) | (lRegForm ? PF_REG_FORM : 0);
  writePlan(out, lKind, lSize, lReg, lKind == K_READ_ZERO_EXTEND || lKind == K_READ_SIGN_EXTEND ? lOpndBytes : 0, lReject, lLen, flags, lSeg,
    lMemBase, lMemIndex, lMemScale, lAddrBytes, lDisp, lImm);
}

/**
 * The CPU's reading of the last decodeAt() + classifyArchOnly() as a plan record, with the memory
 * operand (the handler splits an access that crosses a page at the address it computes).
 */
export function writeArchPlan(out: usize): void {
  const flags = (aHighByte ? PF_HIGH_BYTE : 0) | ((dPrefixes & (P_REP | P_REPNE)) != 0 ? PF_REP : 0);
  writePlan(out, aKind, aSize, aReg, aExtendTo, dStatus, dLen, flags, dSeg,
    dHasMem ? dMemBase : REG_NONE, dHasMem ? dMemIndex : REG_NONE, dHasMem ? dMemScale : 1, dAddrSize, dHasMem ? dDisp : 0, dImm);
}

@inline function writePlan(
  out: usize, kind: u32, size: u32, reg: u32, extendTo: u32, verdict: u32, length: u32, flags: u32, seg: u32,
  base: u32, index: u32, scale: u32, addrBytes: u32, disp: i64, imm: i64,
): void {
  // Little-endian words: each holds four consecutive byte fields (PLAN_KIND.., PLAN_VERDICT.., PLAN_BASE..).
  store<u32>(out, kind | (size << 8) | (reg << 16) | (extendTo << 24), PLAN_KIND);
  store<u32>(out, verdict | (length << 8) | (flags << 16) | (seg << 24), PLAN_VERDICT);
  store<u32>(out, base | (index << 8) | (scale << 16) | (addrBytes << 24), PLAN_BASE);
  store<u32>(out, <u32>disp, PLAN_DISP);
  store<i64>(out, imm, PLAN_IMM);
  store<u32>(out, <u32>(disp >> 32), PLAN_DISP_HI);
}

/** Writes the compact record of the last decode at `out`. */
@inline export function writeCompact(out: usize): void {
  store<u8>(out, <u8>dLen, C_LEN);
  store<u8>(out, <u8>dStatus, C_STATUS);
  store<u8>(out, <u8>aKind, C_A_KIND);
  store<u8>(out, <u8>lKind, C_L_KIND);
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
  store<u8>(out, <u8>(lKind == K_READ_ZERO_EXTEND || lKind == K_READ_SIGN_EXTEND ? lOpndBytes : 0), R_L_EXTEND);
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
