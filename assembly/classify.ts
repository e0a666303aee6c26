// MMIO classification of a decoded instruction: the architectural reading (what the CPU does when
// the access hits an emulated device) and the divergence report against the kernel's reading.
import {
  dStatus, dEnc, dMap, dOp, dModrm, dOpSize, dRex, dPrefixes, dHasMem, dLen, dStart, dRexR, dRexB, dPrefixCount,
  dAddrSize, dMemBase, dMemIndex, dMemScale, dDisp, dImm,
  ST_OK, ENC_LEGACY, P_LOCK, P_REX_LOST, P_SEG, REG_NONE, decodeAt, setLengthOnly,
} from "./decoder";
import { fastDecode, FAST_SLOW_MMIO, FAST_KIND_SHIFT } from "./fastlen";
import { ENC_VEX, ENC_EVEX } from "./tables/vex";
import {
  decodeLinux, linuxNotMmio, linuxFromArch, lKind, lReject, setLinuxKind, lQuirks, lSize, lReg, lLen, lAddrInvalid, lRegForm, lOpndBytes,
  K_NONE, K_READ, K_WRITE, K_WRITE_IMM, K_READ_ZERO_EXTEND, K_READ_SIGN_EXTEND, K_MOVS,
  LR_NONE, LR_NOT_MMIO, LR_MOVS,
  LQ_REX_ORDER, LQ_PREFIX_LIMIT, LQ_EMULATE_PREFIX, LQ_MULTI_SEG, LQ_VEX, LQ_REX2,
} from "./linux";

// Divergence reasons (bit set): where the kernel's handling differs from the architecture.
export const DV_HIGH_BYTE: u32 = 1 << 0;       // Q1
export const DV_EXTEND_UPPER: u32 = 1 << 1;    // Q2
export const DV_REGISTER_FORM: u32 = 1 << 2;   // Q3
export const DV_GROUP_REG: u32 = 1 << 3;       // Q4
export const DV_VEX_MAP: u32 = 1 << 4;         // Q5
export const DV_REX_ORDER: u32 = 1 << 5;       // Q6
export const DV_PREFIX_LIMIT: u32 = 1 << 6;    // Q7
export const DV_EMULATE_PREFIX: u32 = 1 << 7;  // Q8
export const DV_MULTI_SEGMENT: u32 = 1 << 8;   // Q9
export const DV_LOCK: u32 = 1 << 9;            // Q10
export const DV_MOFFS: u32 = 1 << 10;
export const DV_MOVSXD: u32 = 1 << 11;
export const DV_MOVS: u32 = 1 << 12;           // Q12
export const DV_REX2: u32 = 1 << 13;
export const DV_LENGTH: u32 = 1 << 14;
export const DV_INVALID_EMULATED: u32 = 1 << 15;
export const DV_REJECTED: u32 = 1 << 16;
export const DV_OPERAND: u32 = 1 << 17;

/** Architectural MMIO reading (kinds as in linux.ts K_*). */
export let aKind: u32 = K_NONE;
export let aSize: u32 = 0;
/** Register number 0-15, or REG_NONE. */
export let aReg: u32 = REG_NONE;
/** The register is AH/CH/DH/BH (aReg 4-7 without REX, byte size). */
export let aHighByte: bool = false;
/** Destination width for MOVZX/MOVSX/MOVSXD: the register size written (2, 4 or 8). */
export let aExtendTo: u32 = 0;
export let divergence: u32 = 0;

function classifyArch(): void {
  aKind = K_NONE; aSize = 0; aReg = REG_NONE; aHighByte = false; aExtendTo = 0;
  if (dStatus != ST_OK || dEnc != ENC_LEGACY || !dHasMem) return;
  const reg = dModrm >= 0 ? (((<u32>dModrm >> 3) & 7) | (dRexR << 3)) : REG_NONE;
  if (dMap == 0) {
    switch (dOp) {
      case 0x88: setArch(K_WRITE, 1, reg); return;
      case 0x89: setArch(K_WRITE, dOpSize, reg); return;
      case 0x8a: setArch(K_READ, 1, reg); return;
      case 0x8b: setArch(K_READ, dOpSize, reg); return;
      case 0xc6: setArch(K_WRITE_IMM, 1, REG_NONE); return;
      case 0xc7: setArch(K_WRITE_IMM, dOpSize, REG_NONE); return;
      case 0xa0: setArch(K_READ, 1, 0); return;
      case 0xa1: setArch(K_READ, dOpSize, 0); return;
      case 0xa2: setArch(K_WRITE, 1, 0); return;
      case 0xa3: setArch(K_WRITE, dOpSize, 0); return;
      case 0x63:
        if (dOpSize == 8) { setArch(K_READ_SIGN_EXTEND, 4, reg); aExtendTo = 8; }
        else setArch(K_READ, dOpSize, reg); // MOVSXD without REX.W is a plain load
        return;
      default: return;
    }
  }
  if (dMap == 1 && (dOp == 0xb6 || dOp == 0xb7 || dOp == 0xbe || dOp == 0xbf)) {
    const kind = dOp < 0xbe ? K_READ_ZERO_EXTEND : K_READ_SIGN_EXTEND;
    setArch(kind, (dOp & 1) ? 2 : 1, reg);
    aExtendTo = dOpSize;
    aHighByte = false; // the destination is a 16/32/64-bit register, never AH..BH
  }
}

/** The CPU's reading alone, of the instruction decodeAt() just decoded (the #VE plan in arch mode). */
export function classifyArchOnly(): void {
  classifyArch();
  classifyArchMovs();
}

/** String moves have no ModRM, so they are classified apart from the memory-operand forms. */
function classifyArchMovs(): void {
  if (dStatus == ST_OK && dEnc == ENC_LEGACY && dMap == 0 && (dOp == 0xa4 || dOp == 0xa5)) {
    aKind = K_MOVS;
    aSize = dOp == 0xa4 ? 1 : dOpSize;
  }
}

@inline function setArch(kind: u32, size: u32, reg: u32): void {
  aKind = kind;
  aSize = size;
  aReg = reg;
  aHighByte = size == 1 && reg != REG_NONE && reg >= 4 && reg <= 7 && dRex == 0;
}

/**
 * Decodes the instruction at `at` both ways and classifies it. The kernel's own decode runs only
 * where it can reach another verdict than "not MMIO": an opcode byte insn_decode_mmio() knows, the
 * UD2 of an emulate prefix (Q8), a REX the CPU ignores (Q6), five or more prefix bytes (Q7), or an
 * encoding the CPU rejects (REX2, prefixes before VEX...).
 */
export function analyze(at: usize, end: usize): void {
  analyzeWith(at, end, alwaysDecodeLinux ? 0 : fastDecode(at, end));
}

/** analyze() with fastDecode()'s answer for this instruction already known (0: none). */
export function analyzeWith(at: usize, end: usize, fast: u32): void {
  // Common shapes whose opcode neither reading can treat as MMIO need only their length; a
  // register-form MOV/MOVZX/MOVSX (no prefix but REX) is never a memory access for the CPU, but the
  // kernel still classifies it by opcode (Q3).
  if (!alwaysDecodeLinux && fast != 0 && ((fast >> 8) & 0xff) == ST_OK && (fast & FAST_SLOW_MMIO) == 0) {
    setLengthOnly(at, fast & 0xff, ST_OK);
    markNotMmio(end, false);
    const kernelKind = fast >> FAST_KIND_SHIFT;
    if (kernelKind != K_NONE) {
      setLinuxKind(kernelKind);
      divergence = DV_REGISTER_FORM;
    }
    return;
  }
  decodeAt(at, end);
  if (alwaysDecodeLinux || kernelMayEmulate() || archMayBeMmio()) classifyDecoded(at, end);
  else markNotMmio(end, true);
}

/** Both readings of the instruction decodeAt() just decoded at `at`, and their comparison. */
function classifyDecoded(at: usize, end: usize): void {
  if (alwaysDecodeLinux || kernelMayEmulate()) {
    if (!alwaysDecodeLinux && kernelDecodeMatchesCpu()) {
      linuxFromArch(at, dLen, dMap, dOp, dOpSize, dAddrSize, dModrm, dRexR, dRexB,
        dMemBase, dMemIndex, dMemScale, dDisp, dImm);
    } else {
      decodeLinux(at, end);
    }
  } else {
    linuxNotMmio(at, end);
  }
  classify();
  classified = true;
}

/**
 * The compact outputs (kinds, divergence) are known without classifying: neither reading is MMIO,
 * or (analyze() then sets the kernel's kind) a register-form MOV. ensureClassified() fills in the
 * rest, decoding fully first if only the length is known, when a full record is wanted.
 */
function markNotMmio(end: usize, fullyDecoded: bool): void {
  aKind = K_NONE;
  setLinuxKind(K_NONE);
  divergence = 0;
  classified = false;
  decoded = fullyDecoded;
  classifiedEnd = end;
}

/** analyze() classified fully; false when it only established that neither reading is MMIO. */
export let classified = true;
let classifiedEnd: usize = 0;
/** decodeAt() has run for the current instruction (false after the fast length path). */
let decoded = true;

/** Completes the classification that analyze() skipped (before writing a full record). */
export function ensureClassified(): void {
  if (classified) return;
  if (!decoded) decodeAt(dStart, classifiedEnd);
  decoded = true;
  classifyDecoded(dStart, classifiedEnd);
}

/** Only these opcodes can be a MOV-family memory access on the CPU (besides the kernel's set). */
@inline function archMayBeMmio(): bool {
  return dEnc == ENC_LEGACY && dMap == 0 && ((dOp >= 0xa0 && dOp <= 0xa3) || dOp == 0x63);
}

/** Test switch: run the kernel decode on every instruction, to prove the shortcut changes nothing. */
export let alwaysDecodeLinux = false;

export function setAlwaysDecodeLinux(on: bool): void {
  alwaysDecodeLinux = on;
}

/**
 * The kernel's decoder provably takes the same opcode and operands as the CPU's: no quirk of its
 * prefix handling (Q6-Q9) and no emulate prefix (Q8) can apply.
 */
@inline function kernelDecodeMatchesCpu(): bool {
  return dStatus == ST_OK && dEnc == ENC_LEGACY && (dPrefixes & (P_REX_LOST | P_SEG)) == 0
    && dPrefixCount < 5 && !(dMap == 1 && dOp == 0x0b);
}

function kernelMayEmulate(): bool {
  if (dStatus != ST_OK || (dPrefixes & P_REX_LOST) != 0 || dPrefixCount >= 5) return true;
  const op = dOp;
  const kernelOpcode = op == 0x88 || op == 0x89 || op == 0x8a || op == 0x8b || op == 0xc6 || op == 0xc7
    || op == 0xa4 || op == 0xa5;
  if (dEnc == ENC_VEX || dEnc == ENC_EVEX) return kernelOpcode;
  if (dEnc != ENC_LEGACY) return false;
  if (dMap == 0) return kernelOpcode;
  return dMap == 1 && (op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf || op == 0x0b);
}

/**
 * Worth a full record in MMIO mode: an access to memory in either reading, or a divergence.
 * A register-form MOV can never fault on MMIO, so its kernel reading (Q3) alone does not count.
 */
export function isMmioCandidate(): bool {
  if (!classified) return false; // analyze() took a shortcut: nothing reaches memory
  if (aKind != K_NONE) return true;
  if (lKind != K_NONE && !lRegForm) return true;
  return (divergence & ~DV_REGISTER_FORM) != 0;
}

/** Classifies the instruction last decoded by decodeAt() and decodeLinux() at the same start. */
function classify(): void {
  linuxLength = lLen;
  classifyArch();
  classifyArchMovs();
  divergence = compare();
}

/**
 * Kernel length n: what RIP would advance by; for a refusal, the kernel decoder's length of the
 * instruction it refused, or the bytes it read before its decode failed.
 */
export let linuxLength: u32 = 0;

function compare(): u32 {
  let dv: u32 = 0;
  const linuxEmulates = lReject == LR_NONE;
  const archMmio = aKind != K_NONE;
  if ((lQuirks & LQ_REX_ORDER) && archMmio) dv |= DV_REX_ORDER;
  if ((lQuirks & LQ_PREFIX_LIMIT) && archMmio) dv |= DV_PREFIX_LIMIT;
  if ((lQuirks & LQ_EMULATE_PREFIX) && linuxEmulates) dv |= DV_EMULATE_PREFIX;
  if ((lQuirks & LQ_MULTI_SEG) && linuxEmulates) dv |= DV_MULTI_SEGMENT;
  if ((lQuirks & LQ_VEX) && linuxEmulates) dv |= DV_VEX_MAP;
  if ((lQuirks & LQ_REX2) && linuxEmulates) dv |= DV_REX2;
  if (linuxEmulates) {
    if (lRegForm && dStatus == ST_OK) dv |= DV_REGISTER_FORM;
    if ((dPrefixes & P_LOCK) && dStatus != ST_OK) dv |= DV_LOCK;
    if (lKind == K_WRITE_IMM && dModrm >= 0 && ((<u32>dModrm >> 3) & 7) != 0) dv |= DV_GROUP_REG;
    if (dStatus != ST_OK && dv == 0) dv |= DV_INVALID_EMULATED;
  }
  if (archMmio && !linuxEmulates) {
    if (dMap == 0 && dOp >= 0xa0 && dOp <= 0xa3) dv |= DV_MOFFS;
    else if (dMap == 0 && dOp == 0x63) dv |= DV_MOVSXD;
    else if (aKind == K_MOVS) dv |= DV_MOVS;
    else if ((dv & (DV_REX_ORDER | DV_PREFIX_LIMIT)) == 0) dv |= DV_REJECTED;
  }
  if (archMmio && linuxEmulates) {
    if (aHighByte) dv |= DV_HIGH_BYTE; // same register number, SPL..DIL slot instead of AH..BH
    if ((aKind == K_READ_ZERO_EXTEND || aKind == K_READ_SIGN_EXTEND) && lOpndBytes == 4) dv |= DV_EXTEND_UPPER;
    if (linuxLength != dLen) dv |= DV_LENGTH;
    if (aKind != lKind || aSize != lSize || (aReg != lReg && !aHighByte)) dv |= DV_OPERAND;
    if (lAddrInvalid && (lQuirks & LQ_MULTI_SEG) == 0) dv |= DV_OPERAND;
  }
  return dv;
}
