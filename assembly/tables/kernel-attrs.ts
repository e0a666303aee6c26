// What the Linux kernel's instruction decoder (arch/x86/lib/insn.c and its inat tables) knows about
// every opcode, in every map and encoding: whether a ModRM byte follows, which immediate, whether the
// byte escapes to another map, and whether the decode is refused. Needed only to say *why* the
// kernel refuses an instruction that is not one of its MMIO opcodes (tables/kernel-mmio.ts has those):
// insn_decode() failing or running past 15 bytes is "insn_decode", a decoded non-MMIO opcode is
// "not_mmio".
//
// Written from the x86 opcode map (Intel SDM vol. 2 appendix A, the AVX-512, AVX512-FP16 and APX
// specifications) as the kernel's decoder models it: one attribute set per opcode byte, map and
// last legacy prefix (VEX/EVEX: pp); a map row that names instructions only under some prefixes
// gives the other prefixes no attributes at all (a bare opcode byte), while a row without prefixed
// forms ignores the prefix. The legacy and VEX/EVEX instruction sets come from our own
// architectural tables (map0f.ts, vex-rows.ts, evex-rows.ts); this file adds where the kernel's
// model of them differs. Proven against the compiled kernel tables, every opcode x map x encoding x
// prefix class x ModRM.reg, by test/decoder/kernel-oracle.test.ts.
import { MAP1, MAP2, MAP3 } from "./map0f";
import { A_MODRM, A_INVALID, A_F64, I_MASK, I_B, I_W, I_Z, I_V, I_MOFFS, I_WB, I_J32, I_BB } from "./attrs";
import { vexFormExists, vexFormExistsForReg, vexOpcodeInfo, ENC_VEX, ENC_EVEX, OPINFO_MODRM, OPINFO_IMM8, OPINFO_IMM32 } from "./vex";
import { profileNewerOpcodeMap, profileApxMap4 } from "../profile";

/** A ModRM byte follows. */
export const KI_MODRM: u32 = 1;
/** Immediate kind, bits 1-3 (KI_IMM_*). */
export const KI_IMM_SHIFT: u32 = 1;
export const KI_IMM_MASK: u32 = 7 << KI_IMM_SHIFT;
export const KI_IB: u32 = 1 << KI_IMM_SHIFT;
export const KI_IW: u32 = 2 << KI_IMM_SHIFT;
export const KI_ID: u32 = 3 << KI_IMM_SHIFT;
/** (4: a 64-bit immediate, which no row of the kernel's map has.) Far pointer (CALLF/JMPF Ap): 16 bits + a 16- or 32-bit offset; refused with a 64-bit operand. */
export const KI_PTR: u32 = 5 << KI_IMM_SHIFT;
/** Iz: 2 bytes with a 16-bit operand size, else 4. */
export const KI_IZ: u32 = 6 << KI_IMM_SHIFT;
/** Iv: 2, 4 or 8 bytes by operand size. */
export const KI_IV: u32 = 7 << KI_IMM_SHIFT;
/** A second, 8-bit immediate follows the first (ENTER). */
export const KI_SECOND_IB: u32 = 1 << 4;
/** A moffs of the address size follows (MOV AL/rAX <-> moffs). */
export const KI_MOFFS: u32 = 1 << 5;
/** The operand size becomes 64 bits once the ModRM stage is done (near branches, PUSH Iz...). */
export const KI_FORCE64: u32 = 1 << 6;
/** The byte escapes to another map (0F, then 0F 38 / 0F 3A): KI_ESC_* in bits 7-8. */
export const KI_ESC_SHIFT: u32 = 7;
export const KI_ESC_MASK: u32 = 3 << KI_ESC_SHIFT;
/** An opcode-extension group: the ModRM.reg row decides the immediate and the VEX acceptance. */
export const KI_GROUP: u32 = 1 << 9;
/** A VEX/EVEX encoding of this opcode decodes. */
export const KI_VEX_OK: u32 = 1 << 10;
/** Only the VEX/EVEX encoding exists: the legacy encoding is refused. */
export const KI_MUST_VEX: u32 = 1 << 11;
/** Only the EVEX encoding exists: a VEX encoding is refused. */
export const KI_EVEX_ONLY: u32 = 1 << 12;
/** APX-promoted legacy instruction (EVEX map 4): pp = 66 with W = 0 makes the operand 16 bits. */
export const KI_SCALABLE: u32 = 1 << 13;

// ---- one-byte map ----
// One character per opcode, 16 per row:
//   .  no ModRM, no immediate          m  ModRM                  g  ModRM, group (rows decide)
//   b  Ib    w  Iw    z  Iz    v  Iv    B  ModRM + Ib             Z  ModRM + Iz
//   o  moffs p  far pointer    e  Iw + Ib (ENTER)   J  Iz, 64-bit operand (CALL/JMP rel32: f64;
//   the d64 PUSH Iz keeps a 16-bit immediate under 66)
//   E  0F escape
// Prefix bytes (26 2E 36 3E 64-67 F0 F2 F3, REX 40-4F, VEX C4 C5, EVEX 62, REX2 D5) are read as
// prefixes before the opcode; the characters say what the byte is when it ends up the opcode
// anyway (after a REX2, or a REX before it).
const MAP0_SHAPES =
  "mmmmbz..mmmmbz.E" + // 00 ADD, PUSH/POP ES, OR, PUSH CS, 0F
  "mmmmbz..mmmmbz.." + // 10 ADC, SBB
  "mmmmbz..mmmmbz.." + // 20 AND, ES:, DAA, SUB, CS:, DAS
  "mmmmbz..mmmmbz.." + // 30 XOR, SS:, AAA, CMP, DS:, AAS
  "................" + // 40 REX (INC/DEC outside 64-bit mode)
  "................" + // 50 PUSH/POP
  "..mm....zZbB...." + // 60 PUSHA POPA BOUND/EVEX MOVSXD/ARPL, FS: GS: 66 67, PUSH IMUL PUSH IMUL, INS/OUTS
  "bbbbbbbbbbbbbbbb" + // 70 Jcc rel8
  "BZBBmmmmmmmmmmmm" + // 80 group 1 (82 outside 64-bit mode), TEST XCHG MOV, MOV Sreg, LEA, group 1A
  "..........p....." + // 90 NOP/XCHG, CBW CWD, CALLF, FWAIT, PUSHF POPF SAHF LAHF
  "oooo....bz......" + // A0 MOV moffs, MOVS CMPS, TEST, STOS LODS SCAS
  "bbbbbbbbvvvvvvvv" + // B0 MOV r8,Ib / MOV r,Iv
  "BBw.mmBZe.w..b.." + // C0 group 2, RET Iw, RET, LES/LDS (VEX), group 11, ENTER LEAVE RETF INT3 INT INTO IRET
  "mmmmbb..mmmmmmmm" + // D0 group 2, AAM AAD (REX2), SALC XLAT, x87
  "bbbbbbbbJJpb...." + // E0 LOOPcc JrCXZ, IN/OUT Ib, CALL JMP rel32, JMPF, JMP rel8, IN/OUT DX
  "......gg......mm";  // F0 LOCK INT1 REPNE REP HLT CMC, group 3, CLC..STD, groups 4/5

function shapeAttr(c: i32): u32 {
  switch (c) {
    case 0x6d: return KI_MODRM;                     // m
    case 0x67: return KI_MODRM | KI_GROUP;          // g
    case 0x62: return KI_IB;                        // b
    case 0x77: return KI_IW;                        // w
    case 0x7a: return KI_IZ;                        // z
    case 0x76: return KI_IV;                        // v
    case 0x42: return KI_MODRM | KI_IB;             // B
    case 0x5a: return KI_MODRM | KI_IZ;             // Z
    case 0x6f: return KI_MOFFS;                     // o
    case 0x70: return KI_PTR;                       // p
    case 0x65: return KI_IW | KI_SECOND_IB;         // e
    case 0x4a: return KI_IZ | KI_FORCE64;           // J
    case 0x45: return 1 << KI_ESC_SHIFT;            // E
    default: return 0;                              // .
  }
}

const MAP0_ATTRS = new StaticArray<u32>(256);
for (let i = 0; i < 256; i++) MAP0_ATTRS[i] = shapeAttr(MAP0_SHAPES.charCodeAt(i));

/** The one-byte map (legacy, and REX2 with M0 = 0). */
@inline export function kernelPrimary(op: u32): u32 {
  return unchecked(MAP0_ATTRS[op]);
}

// ---- 0F, 0F 38, 0F 3A and the VEX/EVEX maps: one entry per (map, opcode, prefix) ----
// The kernel's decoder keeps one table per map and last prefix (VEX/EVEX: pp). An entry says whether
// the legacy encoding decodes, and whether a VEX or EVEX encoding is accepted. By default it is what
// our architectural tables say (map0f.ts, vex-rows.ts, evex-rows.ts), with the kernel's own rules:
// every VEX-accepted entry accepts EVEX too; an entry with a legacy form can only be marked
// "VEX/EVEX accepted", never "EVEX only" (that flag also refuses the legacy form), so its EVEX-only
// instructions take VEX as well. Where the kernel's opcode map knows other instructions than ours
// (older or newer extensions), KERNEL_ROWS say so.

/** Entry bits: the legacy encoding decodes; a VEX encoding is accepted; an EVEX one is. */
const E_LEGACY: u8 = 1, E_VEX: u8 = 2, E_EVEX: u8 = 4;
/** Explicit entry (KERNEL_ROWS): the bits above | E_SET. */
const E_SET: u8 = 8;

// Rows: "map pp opcodes class", opcodes as hex bytes and ranges; class: - none, L legacy only,
// V VEX (and EVEX, legacy refused), E EVEX only, B legacy and VEX/EVEX. One list per opcode-map
// generation: both releases, then what only 6.1's older map or only 6.12's newer one has.
const KERNEL_ROWS_ALL =
  // 0F 19 / 0F 1D (reserved-NOP rows) and 0F FF (UD0): the kernel's map has no row (no ModRM).
  "1 0 19 1d ff -; 1 1 19 1d ff -; 1 2 19 1d ff -; 1 3 19 1d ff -;" +
  // CMOVcc / SETcc rows that also hold the mask-register VEX forms (KAND..., KMOV, KORTEST) at
  // no prefix and 66 (KMOV also F2): under F3/F2 the kernel finds nothing.
  "1 2 41-42 44-47 4a-4b 90-93 98-99 2b -; 1 3 41-42 44-47 4a-4b 90-91 98-99 2b -;" +
  // 66/F2 0F 78/79: the kernel knows the AVX-512 conversions there, not SSE4a EXTRQ/INSERTQ.
  "1 1 78-79 E; 1 3 78-79 E;" +
  // 0F 3A 08/0A without prefix (VRNDSCALEPH/SH): the kernel's row is not EVEX-only.
  "3 0 08 0a B;" +
  // AMD FMA4 and VPERMIL2 (0F 3A 48/49, 5C-5F, 68-6F, 78-7F under 66): not in the kernel's map.
  "3 1 48-49 5c-5f 68-6f 78-7f -;" +
  // VEX rows the kernel marks as taking the legacy encoding too: VPBLENDVB (66 0F 3A 4C), AMX
  // LDTILECFG/STTILECFG/TILELOADD/TDPBxxD (0F 38 49 4B 5E), TDPBF16PS (F3 0F 38 5C), AVX512-VNNI
  // VPDPBUSD... (66 0F 38 50-53).
  "3 1 4c B; 2 0 49 5e B; 2 1 49 4b 50-53 5e B; 2 2 5c 5e B; 2 3 49 4b 5e B;";

// 6.1 has none of AVX-VNNI(-INT8/INT16), AVX-IFMA, AVX-NE-CONVERT, CMPccXADD, SHA512, SM3/SM4,
// RAO-INT, Key Locker, AMX-FP16, VSM3RNDS2; its F3 0F 38 72 (VCVTNEPS2BF16) and 66 0F 38 B4/B5
// (VPMADD52LUQ/HUQ) are the EVEX-only AVX-512 forms.
const KERNEL_ROWS_6_1 =
  "2 0 50-51 6c b0 d2-d3 da fc -; 2 1 6c b0-b1 d2-d3 da e0-ef fc -; 2 1 b4-b5 E;" +
  "2 2 50-51 b0-b1 d2-d3 d8 da dc-df fa-fc -; 2 2 72 E; 2 3 50-51 5c b0 cb-cd da fc -; 3 1 de -;";

// 6.12 marks these VEX rows as taking the legacy encoding too: AMX-FP16 (0F 38 6C), AVX-IFMA (66 0F 38 B4/B5), SM3/SM4 (0F 38 DA), CMPccXADD (66 0F 38 E0-EF),
// VCVTNEPS2BF16 (F3 0F 38 72), TDPFP16PS (F2 0F 38 5C), VSM3RNDS2 (66 0F 3A DE).
const KERNEL_ROWS_6_12 =
  "2 0 6c da B; 2 1 6c b4-b5 da e0-ef B; 2 2 72 B; 2 3 5c B; 3 1 de B;";

/** Per profile generation: 8 maps x 256 opcodes x 4 prefixes, E_* bits (0: derive). */
const ROWS_NEW = new StaticArray<u8>(8 << 10);
const ROWS_OLD = new StaticArray<u8>(8 << 10);

function hexAt(s: string, i: i32): u32 {
  const c = s.charCodeAt(i);
  return <u32>(c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
}

/** Parses "map pp ops... class;" rows into `table`. */
function addRows(table: StaticArray<u8>, rows: string): void {
  const items = rows.split(";");
  for (let k = 0; k < items.length; k++) {
    const words = items[k].trim().split(" ");
    if (words.length < 4) continue;
    const map = hexAt(words[0], 0), pp = hexAt(words[1], 0);
    const cls = words[words.length - 1];
    const bits: u8 = cls == "L" ? E_LEGACY : cls == "V" ? E_VEX | E_EVEX : cls == "E" ? E_EVEX : cls == "B" ? E_LEGACY | E_VEX | E_EVEX : 0;
    for (let w = 2; w < words.length - 1; w++) {
      const r = words[w];
      const first = (hexAt(r, 0) << 4) | hexAt(r, 1);
      const last = r.length > 2 ? (hexAt(r, 3) << 4) | hexAt(r, 4) : first;
      for (let op = first; op <= last; op++) table[<i32>((map << 10) | (op << 2) | pp)] = bits | E_SET;
    }
  }
}
addRows(ROWS_NEW, KERNEL_ROWS_ALL);
addRows(ROWS_OLD, KERNEL_ROWS_ALL);
addRows(ROWS_OLD, KERNEL_ROWS_6_1);
addRows(ROWS_NEW, KERNEL_ROWS_6_12);

@inline function legacyTable(map: u32): StaticArray<u32> {
  return map == 1 ? MAP1 : map == 2 ? MAP2 : MAP3;
}

/** The kernel's entry for (map, op, pp): E_* bits. */
function entry(map: u32, op: u32, pp: u32): u32 {
  const set = <u32>unchecked((profileNewerOpcodeMap ? ROWS_NEW : ROWS_OLD)[(map << 10) | (op << 2) | pp]);
  if (set != 0) return set & ~(<u32>E_SET);
  const legacy = map <= 3 && (unchecked(legacyTable(map)[op * 4 + pp]) & A_INVALID) == 0;
  const vex = vexFormExists(ENC_VEX, map, op, pp);
  const evex = vex || vexFormExists(ENC_EVEX, map, op, pp);
  let e: u32 = legacy ? E_LEGACY : 0;
  if (vex || (evex && legacy)) e |= E_VEX;
  if (evex) e |= E_EVEX;
  return e;
}

/** Some prefix selects an entry of its own (otherwise the kernel ignores the prefix). */
function hasVariants(map: u32, op: u32): bool {
  return entry(map, op, 1) != 0 || entry(map, op, 2) != 0 || entry(map, op, 3) != 0;
}

/** Our architectural attributes (attrs.ts) in the kernel's terms. */
function fromArch(a: u32): u32 {
  let k: u32 = (a & A_MODRM) != 0 ? KI_MODRM : 0;
  switch (a & I_MASK) {
    case I_B: k |= KI_IB; break;
    case I_BB: k |= KI_IB | KI_SECOND_IB; break;
    case I_W: k |= KI_IW; break;
    case I_Z: k |= KI_IZ; break;
    case I_V: k |= KI_IV; break;
    case I_MOFFS: k |= KI_MOFFS; break;
    case I_WB: k |= KI_IW | KI_SECOND_IB; break;
    case I_J32: k |= KI_IZ | KI_FORCE64; break;
  }
  if ((a & A_F64) != 0) k |= KI_FORCE64;
  return k;
}

/** Escape-map opcodes that are groups in the kernel's map: ModRM for every prefix and encoding. */
@inline function isEscapeGroup(map: u32, op: u32): bool {
  return (map == 1 && op >= 0x71 && op <= 0x73) || (map == 2 && (op == 0xc6 || op == 0xc7 || op == 0xf3));
}

// Answers are remembered per opcode-map generation (profile.ts switches APX map 4 with it; KNOWN
// marks a computed answer): a refusal's reason costs a table read after the first time.
const KNOWN: u32 = 0x8000;
const ESC_MEMO = new StaticArray<u16>(2 * 3 * 1024);
const AVX_MEMO = new StaticArray<u16>(2 * 8 * 1024);

/**
 * The escape maps reached by 0F (map 1), 0F 38 (2) or 0F 3A (3), or by REX2 with M0 = 1 (map 1),
 * under last-prefix id `lp` (0 none, 1 66, 2 F3, 3 F2).
 */
export function kernelEscape(map: u32, op: u32, lp: u32): u32 {
  const i = ((profileNewerOpcodeMap ? 3 : 0) + map - 1) * 1024 + op * 4 + lp;
  let a = <u32>unchecked(ESC_MEMO[i]);
  if (a == 0) {
    a = escape(map, op, lp) | KNOWN;
    unchecked(ESC_MEMO[i] = <u16>a);
  }
  return a & ~KNOWN;
}

function escape(map: u32, op: u32, lp: u32): u32 {
  if (map == 1) {
    if (op == 0x38) return 2 << KI_ESC_SHIFT;
    if (op == 0x3a) return 3 << KI_ESC_SHIFT;
    if (op == 0x0f) return KI_MODRM | KI_IB; // 3DNow!: the suffix byte is read as an immediate
  }
  if (isEscapeGroup(map, op)) return KI_MODRM | KI_GROUP;
  if (lp != 0 && !hasVariants(map, op)) lp = 0;
  const e = entry(map, op, lp);
  if (e == 0) return 0;
  // VEX/EVEX only: the legacy escape refuses it, but REX2 (which skips that check) takes the
  // row's ModRM and immediate.
  if ((e & E_LEGACY) == 0) return KI_MUST_VEX | KI_MODRM | (map == 1 ? vexImm(1, op) : map == 3 ? KI_IB : 0);
  if (map == 2) return KI_MODRM;
  if (map == 3) return KI_MODRM | KI_IB;
  // A row the kernel keeps though we do not (B/L rows): the unprefixed row's shape.
  let a = unchecked(MAP1[op * 4 + lp]);
  if ((a & A_INVALID) != 0) a = unchecked(MAP1[op * 4]);
  return fromArch(a);
}

/** Immediate of a group row (the group's opcode byte carries none of its own). */
export function kernelGroupImm(map: u32, op: u32, reg: u32, lp: u32): u32 {
  if (map == 0) {
    if (op == 0xf6) return reg <= 1 ? KI_IB : 0;
    if (op == 0xf7) return reg <= 1 ? KI_IZ : 0;
    return 0;
  }
  // Groups 12-14 (0F 71-73): the shifts by Ib. No prefix: MMX rows /2 /4 /6 (73: /2 /6); 66: the
  // SSE rows, plus PSRLDQ/PSLLDQ (73 /3 /7) and the EVEX VPRORD/VPROLD (72 /0 /1); F3/F2: no row.
  if (map == 1 && op >= 0x71 && op <= 0x73 && lp <= 1) {
    if (op == 0x73) return reg == 2 || reg == 6 || (lp == 1 && (reg == 3 || reg == 7)) ? KI_IB : 0;
    return reg == 2 || reg == 4 || reg == 6 || (lp == 1 && op == 0x72 && reg <= 1) ? KI_IB : 0;
  }
  return 0;
}

/** Whether a legacy or REX2 opcode is a group whose rows carry the immediates. */
export function kernelLegacyGroup(map: u32, op: u32): bool {
  return (map == 0 && (op == 0xf6 || op == 0xf7)) || (map == 1 && op >= 0x71 && op <= 0x73);
}

// ---- VEX / EVEX ----

/** VEX/EVEX opcodes whose ModRM.reg selects the instruction (SDM table A-6). */
function isVexGroup(m: u32, op: u32): bool {
  if (m == 1) return op == 0x71 || op == 0x72 || op == 0x73 || op == 0xae;
  if (m == 2) return op == 0xf3 || op == 0xc6 || op == 0xc7;
  return false;
}

function vexImm(m: u32, op: u32): u32 {
  const info = vexOpcodeInfo(ENC_VEX, m, op) | vexOpcodeInfo(ENC_EVEX, m, op);
  if (m == 3 || (info & OPINFO_IMM8) != 0) return KI_IB;
  if ((info & OPINFO_IMM32) != 0) return KI_ID;
  return 0;
}

/**
 * A VEX or EVEX encoding of map `m` (0-31), opcode `op`, pp `pp`: 0 when refused; KI_EVEX_ONLY
 * when only an EVEX encoding is accepted.
 */
export function kernelAvx(m: u32, op: u32, pp: u32): u32 {
  if (m > 7) return 0;
  const i = ((profileNewerOpcodeMap ? 8 : 0) + m) * 1024 + op * 4 + pp;
  let a = <u32>unchecked(AVX_MEMO[i]);
  if (a == 0) {
    a = avx(m, op, pp) | KNOWN;
    unchecked(AVX_MEMO[i] = <u16>a);
  }
  return a & ~KNOWN;
}

function avx(m: u32, op: u32, pp: u32): u32 {
  if (m == 4) return profileApxMap4 ? kernelApx(op, pp) : 0;
  // USER_MSR (6.10+): VEX map 7 F8 /0, URDMSR (F2) and UWRMSR (F3) with a 32-bit immediate.
  if (m == 7) return profileNewerOpcodeMap && op == 0xf8 && pp >= 2 ? KI_VEX_OK | KI_MODRM | KI_ID : 0;
  if (!((m >= 1 && m <= 3) || m == 5 || m == 6)) return 0;
  if (isVexGroup(m, op)) return KI_MODRM | KI_GROUP | vexImm(m, op);
  const e = entry(m, op, pp);
  if ((e & (E_VEX | E_EVEX)) == 0) return 0;
  let k: u32 = KI_VEX_OK | vexImm(m, op);
  if ((e & E_VEX) == 0) k |= KI_EVEX_ONLY;
  if (((vexOpcodeInfo(ENC_VEX, m, op) | vexOpcodeInfo(ENC_EVEX, m, op)) & OPINFO_MODRM) != 0) k |= KI_MODRM;
  return k;
}

/**
 * Whether a VEX/EVEX group row (ModRM.reg `reg`) is accepted: any VEX or EVEX form of that row (the
 * kernel checks the row's VEX flag only, so its EVEX-only rows take VEX too). Group 17 (0F 38 F3,
 * BLSR/BLSMSK/BLSI) has no prefixed rows: every pp finds the unprefixed ones.
 */
export function kernelAvxGroupRow(m: u32, op: u32, pp: u32, reg: u32): bool {
  if (m == 4) return true;
  const p = m == 2 && op == 0xf3 ? 0 : pp;
  return vexFormExistsForReg(ENC_VEX, m, op, p, reg) || vexFormExistsForReg(ENC_EVEX, m, op, p, reg);
}

// ---- EVEX map 4: APX-promoted legacy instructions (6.10+) ----
// "pps opcodes shape": pps lists the pp values (0 none, 1 66, 2 F3, 3 F2) that select the row;
// shape as in MAP0_SHAPES (Z rows, and s = group 3's ModRM with TEST Iz, are scalable: 66 with
// W = 0 gives them a 16-bit immediate); g = group, any pp, every ModRM.reg.
const APX_ROWS =
  "0 00 02 08 0a 10 12 18 1a 20 22 28 2a 30 32 38 3a 84 8f f9 m;" +                 // 8-bit ALU, CCMP, CTEST Eb, POP2, MOVDIRI
  "01 01 03 09 0b 11 13 19 1b 21 23 29 2b 31 33 39 3b 60 61 85 88 a5 ad af f4 f5 m;" + // ALU, MOVBE, CTEST, POPCNT, SHLD/SHRD CL, IMUL, TZCNT, LZCNT
  "01 24 2c 6b B; 01 69 Z; 013 40-4f m;" +                                          // SHLD/SHRD Ib, IMUL Ib/Iz; CMOVcc/CFCMOVcc
  "1 65 m; 012 66 m; 02 f0 m; 012 f1 m; 2 f2 m; 123 f8 m;" +                        // WRUSS, WRSS/ADCX/ADOX, CRC32/INVEPT/INVVPID/INVPCID, MOVDIR64B/ENQCMD(S)
  "g 80 83 c0 c1 B; g 81 Z; g d0-d3 fe ff f6 m; g f7 s;";                          // groups 1, 2, 3, 4, 5

/** Map 4 entries by opcode and pp (KI_* | 1 << 31 when set). */
const APX = new StaticArray<u32>(1024);

function addApxRows(): void {
  const items = APX_ROWS.split(";");
  for (let k = 0; k < items.length; k++) {
    const words = items[k].trim().split(" ");
    if (words.length < 3) continue;
    const pps = words[0];
    const shape = words[words.length - 1].charCodeAt(0);
    let attr = shapeAttr(shape) | KI_VEX_OK | KI_EVEX_ONLY;
    if (shape == 0x5a || shape == 0x73) attr |= KI_SCALABLE | (shape == 0x73 ? KI_MODRM : 0);
    if (pps == "g") attr |= KI_GROUP | KI_MODRM;
    for (let w = 1; w < words.length - 1; w++) {
      const r = words[w];
      const first = (hexAt(r, 0) << 4) | hexAt(r, 1);
      const last = r.length > 2 ? (hexAt(r, 3) << 4) | hexAt(r, 4) : first;
      for (let op = first; op <= last; op++) {
        for (let pp: u32 = 0; pp < 4; pp++) {
          if (pps == "g" || pps.indexOf(String.fromCharCode(0x30 + pp)) >= 0) APX[<i32>(op * 4 + pp)] = attr | (1 << 31);
        }
      }
    }
  }
}
addApxRows();

function kernelApx(op: u32, pp: u32): u32 {
  const a = unchecked(APX[op * 4 + pp]);
  return a == 0 ? 0 : a & ~(1 << 31);
}
