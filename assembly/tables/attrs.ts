// Opcode attribute bits shared by the legacy-map tables and the decoder core.
//
// One u32 per (map, opcode) for the one-byte map, and per (map, opcode, mandatory prefix) for the
// 0F / 0F38 / 0F3A maps. Bits 0-3 say which immediate follows; the rest are yes/no properties.

// Immediate kinds (bits 0..3)
export const I_NONE: u32 = 0;
/** 8-bit immediate or rel8. */
export const I_B: u32 = 1;
/** 16-bit immediate (RET/RETF Iw). */
export const I_W: u32 = 2;
/** Iz: 16 bits with a 16-bit operand size, else 32 (sign-extended to 64 under REX.W). */
export const I_Z: u32 = 3;
/** Iv of B8+r: 16 / 32 / 64 bits by operand size (the only imm64). */
export const I_V: u32 = 4;
/** moffs of A0-A3: 8 bytes, or 4 under 67h. */
export const I_MOFFS: u32 = 5;
/** ENTER: Iw then Ib. */
export const I_WB: u32 = 6;
/** rel32 of near JMP/CALL/Jcc: Intel CPUs ignore 66h in 64-bit mode, so always 4 bytes. */
export const I_J32: u32 = 7;
/** Group 3 F6: Ib only for /0 and /1 (TEST). */
export const I_G3B: u32 = 8;
/** Group 3 F7: Iz only for /0 and /1 (TEST). */
export const I_G3Z: u32 = 9;
/** Two 8-bit immediates (SSE4a EXTRQ / INSERTQ). */
export const I_BB: u32 = 10;
export const I_MASK: u32 = 15;

/** A ModRM byte follows the opcode. */
export const A_MODRM: u32 = 1 << 4;
/** No instruction here in 64-bit mode (undefined or invalid in long mode). */
export const A_INVALID: u32 = 1 << 5;
/** Validity depends on ModRM beyond mod: decided by groups.ts. */
export const A_GROUP: u32 = 1 << 6;
/** LOCK is allowed on the memory form. */
export const A_LOCK: u32 = 1 << 7;
/** Default operand size is 64 bits (PUSH/POP/near branches...). */
export const A_D64: u32 = 1 << 8;
/** Only the memory form exists (mod = 3 is invalid). */
export const A_MEM: u32 = 1 << 9;
/** Only the register form exists (mod != 3 is invalid). */
export const A_REG: u32 = 1 << 10;
/** A legacy prefix byte (one-byte map only). */
export const A_PREFIX: u32 = 1 << 11;
/** Operand size is forced to 64 bits; 66h is ignored (near branches in Intel 64-bit mode). */
export const A_F64: u32 = 1 << 12;
/** ModRM always names registers whatever its mod field (MOV to/from control/debug registers). */
export const A_MODREG: u32 = 1 << 13;

// Mandatory prefix index used by the 0F maps (the last F2/F3 wins, else 66h, else none)
export const MP_NONE: u32 = 0;
export const MP_66: u32 = 1;
export const MP_F3: u32 = 2;
export const MP_F2: u32 = 3;
