// The MMIO batch's common case, straight from the bytes: a MOV-family memory access with no prefix
// but REX (88/89/8A/8B/C6/C7, 0F B6/B7/BE/BF). For these the kernel's decoder provably takes the
// same opcode and operands as the CPU (no segment override, no REX made void, no emulate prefix:
// see classify.ts kernelDecodeMatchesCpu), so both readings, their comparison and the full record
// follow from REX, opcode, ModRM, SIB, displacement and immediate, computed in locals and written
// with wide stores. Anything else returns 0 and takes decodeAt() + classify.ts.
// test/decoder/fast-path.test.ts checks the records equal the general path's byte for byte.
import { REG_RIP, REG_NONE, P_REX } from "./decoder";
import { K_READ, K_WRITE, K_WRITE_IMM, K_READ_ZERO_EXTEND, K_READ_SIGN_EXTEND, LR_NONE } from "./linux";
import { DV_HIGH_BYTE, DV_EXTEND_UPPER } from "./classify";
import { fastTablesOn } from "./fastlen";
import {
  PLAN_KIND, PLAN_VERDICT, PLAN_BASE, PLAN_DISP, PLAN_IMM, PF_HIGH_BYTE, R_A_KIND, R_L_KIND, R_FLAGS, FULL_SIZE,
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

/** A full record's worth of scratch for movPlan(). */
const SCRATCH: usize = memory.data(FULL_SIZE, 16);

/**
 * The #VE plan (record.ts writeKernelPlan / writeArchPlan layout) of the MOV at `at`, from
 * movRecord(): false when it is not the common shape. At least 12 bytes must be readable at `at`
 * (the longest such MOV: REX, C7, ModRM, SIB, disp32, imm32).
 */
export function movPlan(at: usize, out: usize, kernel: bool): bool {
  if (!fastTablesOn) return false;
  const compact = movRecord(load<u64>(at), at, 0, SCRATCH);
  if (compact == 0) return false;
  const len = compact & 0xff;
  if (kernel) {
    store<u32>(out, load<u32>(SCRATCH, R_L_KIND), PLAN_KIND);              // kind, size, register, opnd_bytes
    store<u32>(out, len << 8, PLAN_VERDICT);                                // LR_NONE, length, no flags or segment
    store<u32>(out, (load<u32>(SCRATCH, R_L_BASE) & 0xffffff) | (8 << 24), PLAN_BASE); // base, index, scale, 8
    store<u32>(out, load<u32>(SCRATCH, R_L_DISP), PLAN_DISP);
    store<i64>(out, load<i64>(SCRATCH, R_L_IMM), PLAN_IMM);
  } else {
    const highByte = (load<u8>(SCRATCH, R_FLAGS) & F_HIGH_BYTE) != 0;
    store<u32>(out, load<u32>(SCRATCH, R_A_KIND), PLAN_KIND);              // kind, size, register, extension
    store<u32>(out, (len << 8) | ((highByte ? PF_HIGH_BYTE : 0) << 16), PLAN_VERDICT); // ST_OK, no REP or segment
    store<u32>(out, (load<u32>(SCRATCH, R_MEM_BASE) & 0xffffff) | (8 << 24), PLAN_BASE); // base, index, scale, 8
    store<u32>(out, load<u32>(SCRATCH, R_DISP), PLAN_DISP);                 // (arch mode splits page-crossing accesses)
    store<i64>(out, load<i64>(SCRATCH, R_IMM), PLAN_IMM);
  }
  return true;
}
