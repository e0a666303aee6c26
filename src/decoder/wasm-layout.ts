// The JS <-> WASM contract in one place: the record layouts the decoder core writes into linear
// memory and the codes inside them. Both compilers read this file: AssemblyScript (assembly/
// imports it) and TypeScript (src/decoder/layout.ts builds the named tables from it), so it holds
// only plain numeric constants and imports nothing. test/decoder/layout.test.ts checks the
// compiled WASM against it.

// ---- record sizes ----
/** Compact record: length, status, architectural kind, kernel kind (one byte each). */
export const COMPACT_SIZE = 4;
/** Full record: every R_* field. */
export const FULL_SIZE = 96;
/** Plan record: one reading packed for the #VE handler, seven u32 words (PLAN_* below). */
export const PLAN_SIZE = 28;

// ---- full record offsets (u8 unless noted) ----
export const R_OFFSET = 0;      // u32: offset of the instruction from the input start
export const R_LEN = 4;
export const R_STATUS = 5;      // ST_*
export const R_ENC = 6;
export const R_MAP = 7;
export const R_OPCODE = 8;
export const R_MANDATORY = 9;
export const R_SEG = 10;
export const R_REX = 11;
export const R_PREFIXES = 12;   // u16: P_*
export const R_OPSIZE = 14;
export const R_ADDRSIZE = 15;
export const R_MODRM = 16;
export const R_SIB = 17;
export const R_FLAGS = 18;      // F_*
export const R_REG = 19;        // ModRM.reg with REX.R (REG_NONE without ModRM)
export const R_MEM_BASE = 20;
export const R_MEM_INDEX = 21;
export const R_MEM_SCALE = 22;
export const R_DISP_SIZE = 23;
export const R_DISP = 24;       // i64
export const R_IMM = 32;        // i64
export const R_IMM2 = 40;       // i64
export const R_IMM_SIZE = 48;
export const R_A_KIND = 49;     // K_*
export const R_A_SIZE = 50;
export const R_A_REG = 51;
export const R_A_EXTEND = 52;
export const R_L_KIND = 53;     // K_*
export const R_L_SIZE = 54;
export const R_L_REG = 55;
export const R_L_EXTEND = 56;   // opnd_bytes for ZX/SX
export const R_L_LEN = 57;
export const R_L_REJECT = 58;   // LR_*
export const R_L_QUIRKS = 59;
export const R_DIVERGENCE = 60; // u32: divergence bits (names.ts DIVERGENCES order)
export const R_L_IMM = 64;      // i64
export const R_L_DISP = 72;     // i64
export const R_L_BASE = 80;
export const R_L_INDEX = 81;
export const R_L_SCALE = 82;
export const R_L_SEG = 83;
export const R_L_FLAGS = 84;    // LF_*
export const R_L_ADDRSIZE = 85;

// ---- compact record offsets ----
export const C_LEN = 0;
export const C_STATUS = 1;
export const C_A_KIND = 2;
export const C_L_KIND = 3;

// ---- R_FLAGS bits ----
export const F_MODRM = 1;
export const F_SIB = 2;
export const F_MEM = 4;
export const F_RIP = 8;
export const F_HIGH_BYTE = 16;

// ---- R_L_FLAGS bits ----
export const LF_ADDR_INVALID = 1;
export const LF_REG_FORM = 2;
export const LF_RIP = 4;

// ---- plan record: byte offsets of its fields ----
// word 0: kind, size, register (REG_NONE: none), extension (MOVZX/MOVSX destination / opnd_bytes)
// word 1: verdict (kernel: LR_*; CPU: ST_*), length, flags (PF_*), segment override
// word 2: base, index, scale (the kernel's address operand), address size
// word 3: displacement bits 31:0; words 4-5: immediate, sign-extended to 64 bits; word 6:
// displacement bits 63:32 (a disp8/disp32 sign-extended, or a moffs64's full absolute address)
export const PLAN_KIND = 0;
export const PLAN_SIZE_BYTES = 1;
export const PLAN_REG = 2;
export const PLAN_EXTEND = 3;
export const PLAN_VERDICT = 4;
export const PLAN_LEN = 5;
export const PLAN_FLAGS = 6;
export const PLAN_SEG = 7;
export const PLAN_BASE = 8;
export const PLAN_INDEX = 9;
export const PLAN_SCALE = 10;
export const PLAN_ADDRSIZE = 11;
export const PLAN_DISP = 12;    // u32
export const PLAN_IMM = 16;     // i64
export const PLAN_DISP_HI = 24; // u32

// ---- PLAN_FLAGS bits ----
export const PF_ADDR_INVALID = 1;
export const PF_REG_FORM = 2;
export const PF_HIGH_BYTE = 4;
/** CPU reading: an F3/F2 prefix (REP for string moves). */
export const PF_REP = 8;

// ---- MMIO kinds (both readings; the kernel's enum insn_mmio_type, numbered as ours) ----
export const K_NONE = 0;
export const K_READ = 1;
export const K_WRITE = 2;
export const K_WRITE_IMM = 3;
export const K_READ_ZERO_EXTEND = 4;
export const K_READ_SIGN_EXTEND = 5;
export const K_MOVS = 6;

// ---- why the kernel refuses (R_L_REJECT; all lead to the #VE fault path) ----
export const LR_NONE = 0;
/** insn_decode() failed (15-byte limit, range end, VEX opcode the kernel tables reject). */
export const LR_DECODE_FAILED = 1;
/** Decoded, but insn_decode_mmio() classifies it INSN_MMIO_DECODE_FAILED. */
export const LR_NOT_MMIO = 2;
/** MOVS: classified, then refused. */
export const LR_MOVS = 3;
/**
 * ModRM.reg names a register beyond the 16 GPR slots. Neither kernel profile reaches it (the
 * lookup reads 4-bit register numbers, kernel oracle); kept so records keep their numbering.
 */
export const LR_BAD_REGISTER = 4;

// ---- decode status (R_STATUS) ----
export const ST_OK = 0;
/** No instruction with this encoding exists (or a prefix is not allowed on it). */
export const ST_INVALID = 1;
/** The range ended before the instruction did. */
export const ST_TRUNCATED = 2;
/** The instruction would be longer than 15 bytes. */
export const ST_TOO_LONG = 3;

// ---- prefix bits (R_PREFIXES) ----
export const P_LOCK = 1;
export const P_REP = 2;      // F3
export const P_REPNE = 4;    // F2
export const P_OPSIZE = 8;   // 66
export const P_ADSIZE = 16;  // 67
export const P_SEG = 32;     // any segment override
export const P_REX = 64;     // a REX byte directly before the opcode
export const P_REX_LOST = 128; // a REX byte that a later prefix made void

// ---- register numbers in operand fields: 0-15 GPRs, RIP, or none ----
export const REG_RIP = 16;
export const REG_NONE = 255;

// ---- segment numbers (SDM Sreg encoding + 1; 0 no override): FS and GS add their base ----
export const SEG_FS = 5;
export const SEG_GS = 6;

// ---- batch modes ----
/** Compact records with length and status only. */
export const MODE_LENGTH = 0;
/** Compact records with both classifications. */
export const MODE_CLASSIFY = 1;
/** A full record for every instruction. */
export const MODE_FULL = 2;
/** Compact records for all, plus full records for MMIO candidates and divergences only. */
export const MODE_MMIO = 3;

// ---- batch input ----
/**
 * Readable bytes the caller reserves after a batch's input: the batch loops load 8 bytes at any
 * instruction start before a range end, so none needs a per-instruction bounds check. Bytes past a
 * range end never change a result (an instruction that would need one is left to the general path).
 */
export const BATCH_INPUT_PAD = 16;
