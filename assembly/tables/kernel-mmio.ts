// How the Linux kernel's instruction decoder (arch/x86/lib/insn.c and its inat tables) reads the
// opcode bytes insn_decode_mmio() can classify (88 89 8A 8B C6 C7 A4 A5, and 0F B6 B7 BE BF) in
// every map they can be reached from: whether a ModRM byte follows, which immediate, and whether
// the decode is accepted at all. Written from the x86 opcode map (Intel SDM vol. 2 appendix A and
// the APX/AVX-512 tables) as the kernel's decoder models it: one attribute set per opcode byte and
// map, selected by the last legacy prefix (or VEX/EVEX pp), groups by ModRM.reg. Proven equal to
// the compiled kernel tables by test/decoder/kernel-oracle.test.ts (every map, pp, W and ModRM.reg).

/** A ModRM byte follows. */
export const KA_MODRM: u32 = 1;
/** An 8-bit immediate follows (sign-extended). */
export const KA_IMM8: u32 = 2;
/** Iz: a 16-bit immediate with a 16-bit operand size, else 32 bits (sign-extended). */
export const KA_IMMZ: u32 = 4;
/** Operand size is forced to 64 bits (near branches). */
export const KA_FORCE64: u32 = 8;
/** EVEX-promoted legacy instruction (APX map 4): pp = 66 with W = 0 makes the operand 16 bits. */
export const KA_SCALABLE: u32 = 16;
/** Decodes at all (0 alone = a bare opcode byte the decoder accepts with nothing after it). */
export const KA_OK: u32 = 32;

/** Kernel decode failed: the encoding is rejected (only VEX/EVEX can be). */
export const KA_REJECT: u32 = 0;

// Last-prefix ids as the decoder derives them: none, 66, F3, F2 (VEX/EVEX: pp).
const LP_66: u32 = 1;

/**
 * One-byte map (legacy, and REX2 with M0 = 0). Every MMIO opcode decodes whatever the prefixes and
 * ModRM.reg: MOV Eb/Ev,Gb/Gv and back take a ModRM; group 11 (C6/C7) takes a ModRM and its
 * immediate for every ModRM.reg (MOV, XABORT, XBEGIN and the undefined rows alike); MOVS has none.
 */
@inline export function kernelMap0(op: u32): u32 {
  switch (op) {
    case 0x88: case 0x89: case 0x8a: case 0x8b: return KA_OK | KA_MODRM;
    case 0xc6: return KA_OK | KA_MODRM | KA_IMM8;
    case 0xc7: return KA_OK | KA_MODRM | KA_IMMZ;
    case 0xa4: case 0xa5: return KA_OK;
    default: return 0;
  }
}

/**
 * Two-byte (0F) map, reached by a legacy 0F escape or by REX2 with M0 = 1 (where the kernel then
 * classifies the byte as if it were one-byte). `lp`: last-prefix id.
 *   0F B6/B7/BE/BF MOVZX/MOVSX: ModRM.
 *   0F 88-8B Js/Jns/Jp/Jnp rel32: no ModRM, a 32-bit displacement (Jz with the operand forced to 64).
 *   0F C6 SHUFPS (none) / SHUFPD (66): ModRM + Ib; under F3/F2 no instruction: a bare byte.
 *   0F C7 group 9: ModRM for every row.
 *   0F A4 SHLD Ev,Gv,Ib: ModRM + Ib; 0F A5 SHLD Ev,Gv,CL: ModRM.
 */
@inline export function kernelMap0F(op: u32, lp: u32): u32 {
  switch (op) {
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: return KA_OK | KA_MODRM;
    case 0x88: case 0x89: case 0x8a: case 0x8b: return KA_OK | KA_IMMZ | KA_FORCE64;
    case 0xc6: return lp <= LP_66 ? KA_OK | KA_MODRM | KA_IMM8 : KA_OK;
    case 0xc7: return KA_OK | KA_MODRM;
    case 0xa4: return KA_OK | KA_MODRM | KA_IMM8;
    case 0xa5: return KA_OK | KA_MODRM;
    default: return 0;
  }
}

/**
 * VEX (`evex` false) and EVEX (`evex` true) encodings of the MMIO opcode bytes: map `m`, pp `pp`,
 * ModRM.reg `reg` (for the groups). KA_REJECT where the kernel's decode fails. `apx`: the kernel
 * knows EVEX map 4 (6.10+).
 *   map 1 (0F) C6, pp none/66: VSHUFPS/VSHUFPD (VEX and EVEX): ModRM + Ib.
 *   map 2 (0F38) pp 66: 88/89 VEXPANDPS/PD, VPEXPANDD/Q; 8A/8B VCOMPRESSPS/PD, VPCOMPRESSD/Q:
 *     EVEX only, ModRM.
 *   map 2 pp 66 C6/C7: groups 18/19 (gather/scatter prefetch, rows 1 2 5 6): ModRM. The kernel
 *     only asks whether a group row accepts VEX-family encodings, so a VEX form decodes too.
 *   map 4 (APX, EVEX only) pp none/66: 88 POPCNT, A5 SHLD Ev,Gv,CL: ModRM; 66 with W = 0 is the
 *     16-bit form.
 * Everything else (map 0, maps 3 and 5-31, other pp, A4) has no VEX/EVEX form: rejected.
 */
export function kernelVex(evex: bool, m: u32, pp: u32, op: u32, reg: u32, apx: bool): u32 {
  if (m == 1) return op == 0xc6 && pp <= LP_66 ? KA_OK | KA_MODRM | KA_IMM8 : KA_REJECT;
  if (m == 2) {
    if (pp != LP_66) return KA_REJECT;
    if (op >= 0x88 && op <= 0x8b) return evex ? KA_OK | KA_MODRM : KA_REJECT;
    if (op == 0xc6 || op == 0xc7) return reg == 1 || reg == 2 || reg == 5 || reg == 6 ? KA_OK | KA_MODRM : KA_REJECT;
    return KA_REJECT;
  }
  if (m == 4 && evex && apx && pp <= LP_66 && (op == 0x88 || op == 0xa5)) return KA_OK | KA_MODRM | KA_SCALABLE;
  return KA_REJECT;
}
