// Offsets of the result records written by assembly/record.ts. The WASM side is the source of
// truth; test/decoder/layout.test.ts checks that both sides agree.

export const COMPACT_SIZE = 4;
export const FULL_SIZE = 96;

export const R = {
  OFFSET: 0, LEN: 4, STATUS: 5, ENC: 6, MAP: 7, OPCODE: 8, MANDATORY: 9, SEG: 10, REX: 11,
  PREFIXES: 12, OPSIZE: 14, ADDRSIZE: 15, MODRM: 16, SIB: 17, FLAGS: 18, REG: 19,
  MEM_BASE: 20, MEM_INDEX: 21, MEM_SCALE: 22, DISP_SIZE: 23, DISP: 24, IMM: 32, IMM2: 40,
  IMM_SIZE: 48, A_KIND: 49, A_SIZE: 50, A_REG: 51, A_EXTEND: 52, L_KIND: 53, L_SIZE: 54,
  L_REG: 55, L_EXTEND: 56, L_LEN: 57, L_REJECT: 58, L_QUIRKS: 59, DIVERGENCE: 60, L_IMM: 64,
  L_DISP: 72, L_BASE: 80, L_INDEX: 81, L_SCALE: 82, L_SEG: 83, L_FLAGS: 84, L_ADDRSIZE: 85,
} as const;

export const FLAG = { MODRM: 1, SIB: 2, MEM: 4, RIP: 8, HIGH_BYTE: 16 } as const;
export const LFLAG = { ADDR_INVALID: 1, REG_FORM: 2, RIP: 4 } as const;
export const PREFIX = {
  LOCK: 1, REP: 2, REPNE: 4, OPSIZE: 8, ADSIZE: 16, SEG: 32, REX: 64, REX_LOST: 128,
} as const;

export const REG_RIP = 16;
export const REG_NONE = 255;

export const MODE = { length: 0, classify: 1, full: 2, mmio: 3 } as const;
