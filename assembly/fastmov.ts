// The MMIO batch's common case, straight from the bytes: a MOV-family memory access with no prefix
// but REX (88/89/8A/8B/C6/C7, 0F B6/B7/BE/BF). For these the kernel's decoder provably takes the
// same opcode and operands as the CPU (no segment override, no REX made void, no emulate prefix:
// see classify.ts kernelDecodeMatchesCpu), so both readings, their comparison and the full record
// follow from REX, opcode, ModRM, SIB, displacement and immediate, computed in locals and written
// with wide stores. Anything else returns 0 and takes decodeAt() + classify.ts.
// test/decoder/fast-path.test.ts checks the records equal the general path's byte for byte.
import { REG_RIP, REG_NONE, P_REX, SEG_FS, SEG_GS } from "./decoder";
import { K_READ, K_WRITE, K_WRITE_IMM, K_READ_ZERO_EXTEND, K_READ_SIGN_EXTEND, LR_NONE, LR_NOT_MMIO } from "./linux";
import { DV_HIGH_BYTE, DV_EXTEND_UPPER } from "./classify";
import { fastTablesOn } from "./fastlen";
import {
  PLAN_KIND, PLAN_VERDICT, PLAN_BASE, PLAN_DISP, PLAN_IMM, PLAN_DISP_HI, PF_HIGH_BYTE, R_A_KIND, R_L_KIND, R_FLAGS, FULL_SIZE,
  F_MODRM, F_SIB, F_MEM, F_RIP, F_HIGH_BYTE, LF_RIP, R_OFFSET, R_LEN, R_OPCODE, R_PREFIXES, R_MODRM, R_MEM_BASE,
  R_DISP, R_IMM, R_IMM2, R_IMM_SIZE, R_L_EXTEND, R_DIVERGENCE, R_L_IMM, R_L_DISP, R_L_BASE, R_L_FLAGS,
} from "../src/decoder/wasm-layout";

/**
 * The compact record (length, status 0, both kinds) of the MOV at `at` whose first 8 bytes are `w`,
 * writing its full record at `full` (at offset `offset` from the input start); 0 when this is not
 * such a MOV. At least 12 bytes must be readable at `at` (the longest such MOV: REX, C7, ModRM,
 * SIB, disp32, imm32), all inside the instruction's range.
 */
export function movRecord(w: u64, at: usize, offset: u32, full: usize): u32 {
  let pos: u32 = 0;
  let rex: u32 = <u32>w & 0xff;
  if ((rex & 0xf0) == 0x40) pos = 1;
  else rex = 0;
  let op = <u32>(w >> (<u64>pos << 3)) & 0xff;
  let map: u32 = 0;
  if (op == 0x0f) {
    map = 1;
    pos++;
    op = <u32>(w >> (<u64>pos << 3)) & 0xff;
  }
  // The opcode's kind and whether its access size is one byte; 0: not handled here.
  let kind: u32 = 0;
  if (map == 0) {
    if (op == 0x88 || op == 0x89) kind = K_WRITE;
    else if (op == 0x8a || op == 0x8b) kind = K_READ;
    else if (op == 0xc6 || op == 0xc7) kind = K_WRITE_IMM;
  } else if (op == 0xb6 || op == 0xb7) kind = K_READ_ZERO_EXTEND;
  else if (op == 0xbe || op == 0xbf) kind = K_READ_SIGN_EXTEND;
  if (kind == 0) return 0;
  const modrm = <u32>(w >> ((<u64>pos + 1) << 3)) & 0xff;
  const mod = modrm >> 6, rm = modrm & 7, regField = (modrm >> 3) & 7;
  if (mod == 3 || (kind == K_WRITE_IMM && regField != 0)) return 0; // register form, or not MOV

  const rexW = (rex >> 3) & 1, rexR = (rex >> 2) & 1, rexX = (rex >> 1) & 1, rexB = rex & 1;
  const opSize: u32 = rexW != 0 ? 8 : 4;
  let p = at + <usize>pos + 2; // after ModRM
  // Memory operand, as decodeModrm() finds it.
  let base = REG_NONE, index = REG_NONE, scale: u32 = 1, sib: u32 = 0, hasSib = false;
  let dispSize: u32 = mod == 1 ? 1 : mod == 2 ? 4 : 0;
  if (rm == 4) {
    sib = <u32>load<u8>(p++);
    hasSib = true;
    const idx = ((sib >> 3) & 7) | (rexX << 3);
    if (idx != 4) index = idx;
    scale = 1 << (sib >> 6);
    if ((sib & 7) == 5 && mod == 0) dispSize = 4;
    else base = (sib & 7) | (rexB << 3);
  } else if (rm == 5 && mod == 0) {
    base = REG_RIP;
    dispSize = 4;
  } else {
    base = rm | (rexB << 3);
  }
  let disp: i64 = 0;
  if (dispSize == 1) disp = <i64>load<i8>(p);
  else if (dispSize == 4) disp = <i64>load<i32>(p);
  p += dispSize;
  let immSize: u32 = 0;
  let imm: i64 = 0;
  if (op == 0xc6) { immSize = 1; imm = <i64>load<i8>(p); }
  else if (op == 0xc7) { immSize = 4; imm = <i64>load<i32>(p); }
  const len = <u32>(p - at) + immSize;

  // Both readings: the same kind, size and register; the CPU's AH..BH and MOVZX/MOVSX widths differ.
  const size: u32 = (op & 1) == 0 ? 1 : map == 1 ? 2 : opSize; // 88 8A C6 B6 BE: byte forms
  const reg: u32 = kind == K_WRITE_IMM ? REG_NONE : regField | (rexR << 3);
  const extend: u32 = map == 1 ? opSize : 0;
  const highByte = map == 0 && size == 1 && reg >= 4 && reg <= 7 && rex == 0;
  const divergence = (highByte ? DV_HIGH_BYTE : 0) | (map == 1 && opSize == 4 ? DV_EXTEND_UPPER : 0);

  const flags = F_MODRM | (hasSib ? F_SIB : 0) | F_MEM | (base == REG_RIP ? F_RIP : 0) | (highByte ? F_HIGH_BYTE : 0);
  // Four adjacent byte fields per u32 store, in the order of src/decoder/wasm-layout.ts.
  store<u32>(full, offset, R_OFFSET);
  store<u32>(full, len | (map << 24), R_LEN);                            // len, status, encoding, map
  store<u32>(full, op | (rex << 24), R_OPCODE);                          // opcode, mandatory, segment, REX
  store<u32>(full, (rex != 0 ? P_REX : 0) | (opSize << 16) | (8 << 24), R_PREFIXES); // u16 prefixes, sizes
  store<u32>(full, modrm | (sib << 8) | (flags << 16) | ((regField | (rexR << 3)) << 24), R_MODRM); // + SIB, flags, reg
  store<u32>(full, base | (index << 8) | (scale << 16) | (dispSize << 24), R_MEM_BASE);
  store<i64>(full, disp, R_DISP);
  store<i64>(full, imm, R_IMM);
  store<i64>(full, 0, R_IMM2);
  store<u32>(full, immSize | (kind << 8) | (size << 16) | (reg << 24), R_IMM_SIZE); // + the CPU's reading
  store<u32>(full, extend | (kind << 8) | (size << 16) | (reg << 24), R_IMM_SIZE + 4); // extension, kernel's reading
  store<u32>(full, extend | (len << 8) | (LR_NONE << 16), R_L_EXTEND);   // opnd_bytes, length, verdict, quirks
  store<u32>(full, divergence, R_DIVERGENCE);
  store<i64>(full, kind == K_WRITE_IMM ? imm : 0, R_L_IMM);
  store<i64>(full, disp, R_L_DISP);
  store<u32>(full, base | (index << 8) | (scale << 16), R_L_BASE);      // kernel's address, no segment
  store<u16>(full, <u16>((base == REG_RIP ? LF_RIP : 0) | (8 << 8)), R_L_FLAGS); // + address size
  store<u16>(full, 0, R_L_FLAGS + 2);                                      // padding 86-95, as writeFull
  store<u64>(full, 0, R_L_FLAGS + 4);
  return len | (kind << 16) | (kind << 24);
}

// movPlan's tables: the plan's words as templates, so a #VE ORs in what the REX byte and the
// operand size add instead of assembling every field (and the branch predictor has nothing to guess
// from one #VE to the next). They live at fixed addresses in static memory (memory.data), so a
// lookup is one load at a constant offset, not a global's pointer read first.
/**
 * By byte 0 | byte 1 << 8 (u16): what a shape's first two bytes say, in one load instead of a chain
 * of compares and shifts each waiting on the last: REX.RXB (bits 0-2), no REX byte (bit 3: AH..BH
 * possible), bytes before the opcode (bits 4-5), the 0F map (bit 6), "prefix and REX: byte 2 may be
 * 0F" (bit 7), the operand size (bits 8-11: 2 under 66, 8 under REX.W, else 4), the segment
 * override (bits 12-14: SEG_FS under 64, SEG_GS under 65) and a 16-bit immediate for C7 (bit 15).
 */
const PLAN_HEAD: usize = memory.data(65536 * 2);
for (let i: u32 = 0; i < 65536; i++) {
  const b0 = i & 0xff, b1 = i >> 8;
  const prefix: u32 = b0 == 0x64 ? 1 : b0 == 0x65 ? 2 : b0 == 0x66 ? 3 : 0;
  let pos: u32 = prefix != 0 ? 1 : 0;
  const r = pos == 0 ? b0 : b1;
  const hasRex: u32 = (r & 0xf0) == 0x40 ? 1 : 0;
  pos += hasRex;
  let map: u32 = 0;
  if (pos < 2 && (pos == 0 ? b0 : b1) == 0x0f) { map = 1; pos++; }
  const maybe0F: u32 = prefix != 0 && hasRex != 0 ? 1 : 0;
  const rex: u32 = hasRex != 0 ? r & 15 : 0;
  const opSize: u32 = (rex & 8) != 0 ? 8 : prefix == 3 ? 2 : 4;
  const seg: u32 = prefix == 1 ? SEG_FS : prefix == 2 ? SEG_GS : 0;
  store<u16>(PLAN_HEAD + (i << 1), <u16>((rex & 7) | ((hasRex ^ 1) << 3) | (pos << 4) | (map << 6) | (maybe0F << 7)
    | (opSize << 8) | (seg << 12) | (opSize == 2 ? 1 << 15 : 0)));
}
/**
 * By map << 8 | opcode: K_* kind (bits 0-3), a byte-sized access (bit 4), AH..BH possible (bit 5:
 * 88, 8A), an immediate (bit 6), MOVSXD (bit 7: the readings differ); 0: not handled here.
 */
const PLAN_OP: usize = memory.data(512);
/**
 * By map << 8 | opcode: the plan's kind word as the opcode fixes it: kind, size 1 (byte forms) or 2
 * (MOVZX/MOVSX from a word), register 255 for C6/C7 (whose ModRM.reg is 0 and whose REX.R an OR
 * leaves at 255), extendTo 0.
 */
const PLAN_W0: usize = memory.data(512 * 4);
/** By map << 8 | opcode: what the operand size is multiplied by into that word: its size byte, its extendTo byte, or 0. */
const PLAN_OPSIZE: usize = memory.data(512 * 4);
for (let i: u32 = 0; i < 512; i++) {
  const op = i & 0xff, map = i >> 8;
  let kind: u32 = 0;
  if (map == 0) {
    if (op == 0x88 || op == 0x89) kind = K_WRITE;
    else if (op == 0x8a || op == 0x8b) kind = K_READ;
    else if (op == 0xc6 || op == 0xc7) kind = K_WRITE_IMM;
    else if (op == 0x63) kind = K_READ; // MOVSXD: the CPU's reading without REX.W (movPlan)
  } else if (op == 0xb6 || op == 0xb7) kind = K_READ_ZERO_EXTEND;
  else if (op == 0xbe || op == 0xbf) kind = K_READ_SIGN_EXTEND;
  if (kind == 0) continue;
  const byteForm = (op & 1) == 0 && op != 0x63; // 88 8A C6 B6 BE
  const size: u32 = byteForm ? 1 : map == 1 ? 2 : 0; // 0: the operand size, ORed in
  const highByte = map == 0 && byteForm && kind != K_WRITE_IMM;
  store<u8>(PLAN_OP + i, kind | (byteForm ? 16 : 0) | (highByte ? 32 : 0) | (kind == K_WRITE_IMM ? 64 : 0) | (op == 0x63 && map == 0 ? 128 : 0));
  store<u32>(PLAN_W0 + (i << 2), kind | (size << 8) | ((kind == K_WRITE_IMM ? REG_NONE : 0) << 16));
  store<u32>(PLAN_OPSIZE + (i << 2), map == 1 ? 1 << 24 : byteForm ? 0 : 1 << 8);
}
/**
 * By REX.X,REX.B << 8 | ModRM: the plan's address word (base, index, scale) of a ModRM with no SIB,
 * 0 for one with a SIB (SIB_ADDRESS has it); in the top byte, instead of the address size:
 * displacement bytes (bits 0-2), a SIB byte (bit 3), register form (bit 5).
 */
const MODRM_ADDRESS: usize = memory.data(1024 * 4);
for (let i: u32 = 0; i < 1024; i++) {
  const m = i & 0xff, rexB = (i >> 8) & 1, mod = m >> 6, rm = m & 7;
  const dispSize: u32 = mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 5) ? 4 : 0;
  let word: u32 = 0;
  if (mod == 3) word = 32 << 24;
  else if (rm == 4) word = (dispSize | 8) << 24;
  else word = (mod == 0 && rm == 5 ? REG_RIP : rm | (rexB << 3)) | (REG_NONE << 8) | (1 << 16) | (dispSize << 24);
  store<u32>(MODRM_ADDRESS + (i << 2), word);
}
/**
 * By (mod 0) << 10 | REX.X,REX.B << 8 | SIB: the plan's address word of a SIB byte; in the top byte,
 * 4 when it has no base but a disp32 (base 5 under mod 0), else 0.
 */
const SIB_ADDRESS: usize = memory.data(2048 * 4);
for (let i: u32 = 0; i < 2048; i++) {
  const sib = i & 0xff, rexB = (i >> 8) & 1, rexX = (i >> 9) & 1, mod0 = i >> 10;
  const idx = ((sib >> 3) & 7) | (rexX << 3);
  const noBase = mod0 != 0 && (sib & 7) == 5;
  const base: u32 = noBase ? REG_NONE : (sib & 7) | (rexB << 3);
  store<u32>(SIB_ADDRESS + (i << 2), base | ((idx == 4 ? REG_NONE : idx) << 8) | ((1 << (sib >> 6)) << 16) | ((noBase ? 4 : 0) << 24));
}

/**
 * The #VE plan (record.ts writePlan layout) of the MOV at `at`, written straight into the plan's
 * words: its length, or 0 when it is not such a MOV. The shapes are movRecord()'s and, common in
 * kernel code, the same behind one FS, GS or operand-size prefix (a per-CPU `%gs:` access, a 16-bit
 * `writew`); on these the kernel's decoder takes the same opcode and operands as the CPU, and both
 * readings agree but for the CPU's AH..BH flag. MOVSXD, common in compiled code, has the same
 * shapes but readings of its own (movsxdPlan). At least 14 bytes must be readable at `at`, all
 * inside the instruction's range (the longest such MOV is 13 bytes; loads a shape does not use
 * are made anyway and dropped by select()).
 */
@inline export function movPlan(at: usize, out: usize, kernel: bool): u32 {
  if (!fastTablesOn) return 0;
  const w = load<u64>(at);
  // Prefix, REX and 0F from the first two bytes; only "prefix, REX, 0F" looks at a third.
  const head = <u32>load<u16>(<usize>(<u32>w & 0xffff) << 1, PLAN_HEAD);
  const third0F = (head >> 7) & <u32>((<u32>(w >> 16) & 0xff) == 0x0f);
  const pos = ((head >> 4) & 3) + third0F;
  const map = ((head >> 6) & 1) | third0F;
  const rex = head & 7; // REX.RXB
  const rest = w >> (<u64>pos << 3); // opcode, ModRM, SIB
  const opIndex = (map << 8) | (<u32>rest & 0xff);
  const opInfo = <u32>load<u8>(<usize>opIndex, PLAN_OP);
  const modrm = <u32>(rest >> 8) & 0xff;
  const rexXB = (rex & 3) << 8;
  const mAddress = load<u32>(<usize>(rexXB | modrm) << 2, MODRM_ADDRESS);
  const sAddress = load<u32>(<usize>((<u32>(modrm < 0x40) << 10) | rexXB | (<u32>(rest >> 16) & 0xff)) << 2, SIB_ADDRESS);
  const regField = (modrm >> 3) & 7;
  // Conditions below combine with & and select, not && and ?: (which compile to branches the
  // predictor misses from one #VE's instruction to the next).
  const isImm = (opInfo >> 6) & 1;
  // C6/C7 (PLAN_OP bit 6) with a ModRM.reg other than 0 are not MOVs: (ModRM & 0x38) + 0x38 has
  // bit 6 set for every reg but 0.
  if ((<u32>(opInfo == 0) | (mAddress >> 29) | (opInfo & ((modrm & 0x38) + 0x38) & 0x40)) != 0) return 0; // not such a MOV

  // The address word: the SIB's when there is one (its top byte adds a disp32 to mod 0's none).
  const hasSib = (mAddress >> 27) & 1;
  const address = mAddress | select<u32>(sAddress, 0, hasSib);
  const dispSize = (address >> 24) & 7;
  const p = at + <usize>pos + 2 + <usize>hasSib; // the displacement
  // One 32-bit load each for the displacement and the immediate, narrowed by shifts.
  const dispShift = (4 - dispSize) << 3; // 24, 0 for 1, 4 bytes (32 = 0 for none: selected away)
  const disp: i64 = <i64>select<i32>((load<i32>(p) << dispShift) >> dispShift, 0, dispSize != 0);
  const q = p + <usize>dispSize; // the immediate
  const opSize = (head >> 8) & 15;
  const byteForm = (opInfo >> 4) & 1;
  const immSize: u32 = select<u32>(select<u32>(1, 4 >> (head >> 15), byteForm), 0, isImm); // C7: 2 or 4
  const immShift = (4 - immSize) << 3;
  const imm: i64 = <i64>select<i32>((load<i32>(q) << immShift) >> immShift, 0, immSize != 0);
  const len = <u32>(q - at) + immSize;

  // The kind word: the opcode's template, the operand size as its size or extendTo, ModRM.reg with REX.R.
  const kindWord = load<u32>(<usize>opIndex << 2, PLAN_W0) | (opSize * load<u32>(<usize>opIndex << 2, PLAN_OPSIZE))
    | (regField << 16) | ((rex & 4) << 17);
  // AH..BH: the CPU's reading of a byte register 4-7 with no REX (88/8A; C6's reg is none, and a
  // MOVZX/MOVSX source is memory).
  const highByte = <u32>!kernel & (opInfo >> 5) & (regField >> 2) & (head >> 3);
  const seg = (head >> 12) & 7;
  if ((opInfo & 128) != 0) return movsxdPlan(out, kernel, kindWord, len, seg, address, disp);
  store<u32>(out, kindWord, PLAN_KIND);
  store<u32>(out, (len << 8) | (highByte * (PF_HIGH_BYTE << 16)) | (seg << 24), PLAN_VERDICT); // verdict 0
  store<u32>(out, (address & 0xffffff) | (8 << 24), PLAN_BASE);
  store<u32>(out, <u32>disp, PLAN_DISP);
  store<i64>(out, imm, PLAN_IMM);
  store<u32>(out, <u32>(disp >> 32), PLAN_DISP_HI);
  return len;
}

/**
 * movPlan()'s MOVSXD (63 /r, memory form), where the readings differ: the kernel's decoder does not
 * classify it (LR_NOT_MMIO: its plan is the refusal's fixed words and the length); the CPU reads
 * 4 bytes sign-extended to 8 under REX.W, else 2 or 4 bytes as a plain MOV (`kindWord`).
 */
@inline function movsxdPlan(out: usize, kernel: bool, kindWord: u32, len: u32, seg: u32, address: u32, disp: i64): u32 {
  if (kernel) {
    store<u32>(out, REG_NONE << 16, PLAN_KIND);
    store<u32>(out, LR_NOT_MMIO | (len << 8), PLAN_VERDICT);
    store<u32>(out, REG_NONE | (REG_NONE << 8) | (1 << 16) | (8 << 24), PLAN_BASE);
    store<u32>(out, 0, PLAN_DISP);
    store<i64>(out, 0, PLAN_IMM);
    store<u32>(out, 0, PLAN_DISP_HI);
    return len;
  }
  const wide = ((kindWord >> 8) & 0xff) == 8; // REX.W: the operand size 8 went into the size byte
  store<u32>(out, select<u32>(K_READ_SIGN_EXTEND | (4 << 8) | (kindWord & 0xff0000) | (8 << 24), kindWord, wide), PLAN_KIND);
  store<u32>(out, (len << 8) | (seg << 24), PLAN_VERDICT);
  store<u32>(out, (address & 0xffffff) | (8 << 24), PLAN_BASE);
  store<u32>(out, <u32>disp, PLAN_DISP);
  store<i64>(out, 0, PLAN_IMM);
  store<u32>(out, <u32>(disp >> 32), PLAN_DISP_HI);
  return len;
}
