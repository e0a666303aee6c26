// The record layout as named tables for the TypeScript side, built from wasm-layout.ts (the one
// source both compilers read). test/decoder/layout.test.ts checks the compiled WASM against it.
import * as L from "./wasm-layout.js";

export const COMPACT_SIZE = L.COMPACT_SIZE;
export const FULL_SIZE = L.FULL_SIZE;

/** Byte offsets of a full record's fields. */
export const R = {
  OFFSET: L.R_OFFSET, LEN: L.R_LEN, STATUS: L.R_STATUS, ENC: L.R_ENC, MAP: L.R_MAP, OPCODE: L.R_OPCODE,
  MANDATORY: L.R_MANDATORY, SEG: L.R_SEG, REX: L.R_REX, PREFIXES: L.R_PREFIXES, OPSIZE: L.R_OPSIZE,
  ADDRSIZE: L.R_ADDRSIZE, MODRM: L.R_MODRM, SIB: L.R_SIB, FLAGS: L.R_FLAGS, REG: L.R_REG,
  MEM_BASE: L.R_MEM_BASE, MEM_INDEX: L.R_MEM_INDEX, MEM_SCALE: L.R_MEM_SCALE, DISP_SIZE: L.R_DISP_SIZE,
  DISP: L.R_DISP, IMM: L.R_IMM, IMM2: L.R_IMM2, IMM_SIZE: L.R_IMM_SIZE, A_KIND: L.R_A_KIND,
  A_SIZE: L.R_A_SIZE, A_REG: L.R_A_REG, A_EXTEND: L.R_A_EXTEND, L_KIND: L.R_L_KIND, L_SIZE: L.R_L_SIZE,
  L_REG: L.R_L_REG, L_EXTEND: L.R_L_EXTEND, L_LEN: L.R_L_LEN, L_REJECT: L.R_L_REJECT,
  L_QUIRKS: L.R_L_QUIRKS, DIVERGENCE: L.R_DIVERGENCE, L_IMM: L.R_L_IMM, L_DISP: L.R_L_DISP,
  L_BASE: L.R_L_BASE, L_INDEX: L.R_L_INDEX, L_SCALE: L.R_L_SCALE, L_SEG: L.R_L_SEG, L_FLAGS: L.R_L_FLAGS,
  L_ADDRSIZE: L.R_L_ADDRSIZE,
} as const;

/** Byte offsets of a compact record's fields. */
export const C = { LEN: L.C_LEN, STATUS: L.C_STATUS, A_KIND: L.C_A_KIND, L_KIND: L.C_L_KIND } as const;

/** R.FLAGS bits. */
export const FLAG = { MODRM: L.F_MODRM, SIB: L.F_SIB, MEM: L.F_MEM, RIP: L.F_RIP, HIGH_BYTE: L.F_HIGH_BYTE } as const;
/** R.L_FLAGS bits. */
export const LFLAG = { ADDR_INVALID: L.LF_ADDR_INVALID, REG_FORM: L.LF_REG_FORM, RIP: L.LF_RIP } as const;
/** R.PREFIXES bits. */
export const PREFIX = {
  LOCK: L.P_LOCK, REP: L.P_REP, REPNE: L.P_REPNE, OPSIZE: L.P_OPSIZE, ADSIZE: L.P_ADSIZE, SEG: L.P_SEG,
  REX: L.P_REX, REX_LOST: L.P_REX_LOST,
} as const;

/** Kind numbers as stored in records (0 = not an MMIO access). */
export const KIND = {
  none: L.K_NONE, read: L.K_READ, write: L.K_WRITE, write_imm: L.K_WRITE_IMM,
  read_zero_extend: L.K_READ_ZERO_EXTEND, read_sign_extend: L.K_READ_SIGN_EXTEND, movs: L.K_MOVS,
} as const;

/** The kernel's verdicts (REJECT_NAMES order). */
export const REJECT = {
  none: L.LR_NONE, decode_failed: L.LR_DECODE_FAILED, not_mmio: L.LR_NOT_MMIO, movs: L.LR_MOVS,
  bad_register: L.LR_BAD_REGISTER,
} as const;

export const REG_RIP = L.REG_RIP;
export const REG_NONE = L.REG_NONE;

/** Batch modes. */
export const MODE = { length: L.MODE_LENGTH, classify: L.MODE_CLASSIFY, full: L.MODE_FULL, mmio: L.MODE_MMIO } as const;
