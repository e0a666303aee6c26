// VEX / EVEX / XOP opcode attributes for 64-bit mode.
//
// Interface used by the decoder core (assembly/decoder.ts):
//   vexOpcodeInfo(enc, map, opcode)        -> OPINFO_* flags, 0 = no such opcode (invalid)
//   vexValid(enc, map, opcode, fields, modrm) -> whether this exact encoding is a valid instruction
//
// PLACEHOLDER: structural rules only; the full per-instruction table replaces this file.

export const ENC_VEX: u32 = 1;
export const ENC_EVEX: u32 = 2;
export const ENC_XOP: u32 = 3;

/** The opcode exists in this map (for at least one pp/W/L). */
export const OPINFO_EXISTS: u32 = 1;
/** A ModRM byte follows the opcode (every VEX/EVEX/XOP form except VEX 0F 77). */
export const OPINFO_MODRM: u32 = 2;
/** An 8-bit immediate follows ModRM/SIB/displacement. */
export const OPINFO_IMM8: u32 = 4;

// Packed prefix fields passed to vexValid (all values already un-inverted).
export const F_PP_SHIFT: u32 = 0;   // 2 bits: 0 none, 1 66, 2 F3, 3 F2
export const F_L_SHIFT: u32 = 2;    // 2 bits: VEX.L (0/1) or EVEX.L'L (0..3)
export const F_W_SHIFT: u32 = 4;    // 1 bit
export const F_VVVV_SHIFT: u32 = 5; // 4 bits: register number from vvvv (0..15)
export const F_VP_SHIFT: u32 = 9;   // 1 bit: EVEX V' (register number bit 4)
export const F_Z_SHIFT: u32 = 10;   // 1 bit: EVEX.z
export const F_B_SHIFT: u32 = 11;   // 1 bit: EVEX.b
export const F_AAA_SHIFT: u32 = 12; // 3 bits: EVEX.aaa (opmask register)
export const F_RP_SHIFT: u32 = 15;  // 1 bit: EVEX R' (register number bit 4 of ModRM.reg)
export const F_R_SHIFT: u32 = 16;   // 1 bit: R (bit 3 of ModRM.reg)
export const F_X_SHIFT: u32 = 17;   // 1 bit: X (bit 3 of SIB.index; EVEX: bit 4 of ModRM.rm when mod=3)
export const F_B3_SHIFT: u32 = 18;  // 1 bit: B (bit 3 of ModRM.rm / SIB.base)

export function vexOpcodeInfo(enc: u32, map: u32, opcode: u32): u32 {
  if (enc == ENC_VEX && map == 1 && opcode == 0x77) return OPINFO_EXISTS;
  let info = OPINFO_EXISTS | OPINFO_MODRM;
  if (enc == ENC_XOP) {
    if (map == 8 || map == 10) info |= OPINFO_IMM8;
    else if (map != 9) return 0;
  } else if (map == 3) info |= OPINFO_IMM8;
  else if (map == 1 && ((opcode >= 0x70 && opcode <= 0x73) || opcode == 0xc2 || opcode == 0xc4 || opcode == 0xc5 || opcode == 0xc6)) info |= OPINFO_IMM8;
  else if (map < 1 || map > 6) return 0;
  return info;
}

export function vexValid(enc: u32, map: u32, opcode: u32, fields: u32, modrm: u32): bool {
  return true;
}
