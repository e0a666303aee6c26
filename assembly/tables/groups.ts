// Opcode groups: instructions whose identity (and validity) depends on ModRM beyond "has ModRM".
// groupCheck() answers for one decoded ModRM whether an instruction exists there and whether LOCK
// may precede it. Rows follow the SDM's opcode-extension table (vol. 2, table A-6).
import { MP_NONE, MP_66, MP_F3, MP_F2 } from "./attrs";

/** The encoding names an instruction. */
export const G_VALID: u32 = 1;
/** LOCK is allowed (memory form of a read-modify-write instruction). */
export const G_LOCK: u32 = 2;

const V = G_VALID;
const VL = G_VALID | G_LOCK;

// Register-form (mod = 3) encodings of 0F 01 by mandatory prefix: one bit per ModRM byte C0..FF.
const GRP7_REG = new StaticArray<u64>(4);

function grp7(mp: u32, modrm: i32): void {
  GRP7_REG[mp] |= (<u64>1) << <u64>(modrm - 0xc0);
}
function grp7Run(mp: u32, first: i32, last: i32): void {
  for (let m = first; m <= last; m++) grp7(mp, m);
}

// no prefix
grp7Run(MP_NONE, 0xc0, 0xc7);  // ENCLV VMCALL VMLAUNCH VMRESUME VMXOFF PCONFIG WRMSRNS PBNDKB
grp7Run(MP_NONE, 0xc8, 0xcb);  // MONITOR MWAIT CLAC STAC
grp7(MP_NONE, 0xcf);           // ENCLS
grp7Run(MP_NONE, 0xd0, 0xd1);  // XGETBV XSETBV
grp7Run(MP_NONE, 0xd4, 0xd7);  // VMFUNC XEND XTEST ENCLU
grp7Run(MP_NONE, 0xd8, 0xdf);  // VMRUN VMMCALL VMLOAD VMSAVE STGI CLGI SKINIT INVLPGA
grp7Run(MP_NONE, 0xe0, 0xe7);  // SMSW reg
grp7(MP_NONE, 0xe8);           // SERIALIZE
grp7Run(MP_NONE, 0xee, 0xef);  // RDPKRU WRPKRU
grp7Run(MP_NONE, 0xf0, 0xff);  // LMSW reg, SWAPGS RDTSCP MONITORX MWAITX CLZERO RDPRU INVLPGB TLBSYNC
// 66
grp7Run(MP_66, 0xcc, 0xcf);    // TDCALL SEAMRET SEAMOPS SEAMCALL
grp7Run(MP_66, 0xd8, 0xdf);    // VMRUN ... INVLPGA (66 is ignored)
grp7Run(MP_66, 0xe0, 0xe7);    // SMSW reg (16-bit)
grp7Run(MP_66, 0xf0, 0xf7);    // LMSW reg
grp7Run(MP_66, 0xf8, 0xf9);    // SWAPGS RDTSCP (66 ignored)
grp7(MP_66, 0xfc);             // CLZERO
// F3
grp7(MP_F3, 0xc6);             // WRMSRLIST
grp7(MP_F3, 0xca);             // ERETU
grp7Run(MP_F3, 0xd8, 0xdf);    // VMRUN VMGEXIT VMLOAD VMSAVE STGI CLGI SKINIT INVLPGA
grp7Run(MP_F3, 0xe0, 0xe7);    // SMSW reg
grp7(MP_F3, 0xe8);             // SETSSBSY
grp7(MP_F3, 0xea);             // SAVEPREVSSP
grp7Run(MP_F3, 0xec, 0xef);    // UIRET TESTUI CLUI STUI
grp7Run(MP_F3, 0xf0, 0xf7);    // LMSW reg
grp7Run(MP_F3, 0xf8, 0xf9);    // SWAPGS RDTSCP (F3 ignored)
grp7(MP_F3, 0xfa);             // MCOMMIT
grp7Run(MP_F3, 0xfc, 0xfe);    // CLZERO RMPQUERY RMPADJUST
grp7(MP_F3, 0xff);             // PSMASH
// F2
grp7(MP_F2, 0xc6);             // RDMSRLIST
grp7(MP_F2, 0xca);             // ERETS
grp7Run(MP_F2, 0xd8, 0xdf);    // VMRUN VMGEXIT VMLOAD VMSAVE STGI CLGI SKINIT INVLPGA
grp7Run(MP_F2, 0xe0, 0xe7);    // SMSW reg
grp7Run(MP_F2, 0xe8, 0xe9);    // XSUSLDTRK XRESLDTRK
grp7Run(MP_F2, 0xf0, 0xf7);    // LMSW reg
grp7Run(MP_F2, 0xf8, 0xf9);    // SWAPGS RDTSCP (F2 ignored)
grp7(MP_F2, 0xfc);             // CLZERO
grp7(MP_F2, 0xfe);             // RMPUPDATE
grp7(MP_F2, 0xff);             // PVALIDATE

/**
 * Validity of a group encoding. `map` 0 = one-byte map, 1 = 0F; `mp` the mandatory prefix;
 * `rexR` the REX.R bit (ModRM.reg bit 3); `has66` whether a 66h prefix is present (it can void an
 * F3-selected instruction); `has67` whether a 67h prefix is present.
 */
export function groupCheck(map: u32, op: u32, modrm: u32, mp: u32, rexR: u32, has66: bool, has67: bool): u32 {
  const mod = modrm >> 6;
  const reg = (modrm >> 3) & 7;
  const isReg = mod == 3;
  if (map == 0) return group1Byte(op, modrm, mod, reg, isReg);
  if (map == 2) return reg <= 3 ? V : 0;                     // F3 0F 38 D8: wide Key Locker ops
  if (map == 3) return modrm == 0xc0 ? V : 0;                // F3 0F 3A F0 C0: HRESET
  return group0F(op, modrm, reg, isReg, mp, rexR, has66, has67);
}

function group1Byte(op: u32, modrm: u32, mod: u32, reg: u32, isReg: bool): u32 {
  switch (op) {
    case 0x8c: return reg <= 5 ? V : 0;                      // MOV Ev,Sreg
    case 0x8e: return reg <= 5 && reg != 1 ? V : 0;          // MOV Sreg,Ew (not CS)
    case 0x8f: return reg == 0 ? V : 0;                      // POP Ev
    case 0x80: case 0x81: case 0x83: return reg == 7 ? V : VL; // ADD..CMP (CMP cannot be locked)
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
      return V;                                              // ROL ROR RCL RCR SHL SHR SAL(alias) SAR
    case 0xc6: return reg == 0 || modrm == 0xf8 ? V : 0;     // MOV Eb,Ib / XABORT
    case 0xc7: return reg == 0 || modrm == 0xf8 ? V : 0;     // MOV Ev,Iz / XBEGIN
    case 0xf6: case 0xf7: return reg == 2 || reg == 3 ? VL : V; // TEST NOT NEG MUL IMUL DIV IDIV
    case 0xfe: return reg <= 1 ? VL : 0;                     // INC/DEC Eb
    case 0xff:                                               // INC DEC CALL CALLF JMP JMPF PUSH
      if (reg <= 1) return VL;
      if (reg == 3 || reg == 5) return isReg ? 0 : V;
      return reg == 7 ? 0 : V;
    default: return x87(op, modrm, reg, isReg);
  }
}

/** x87 escapes D8-DF: every memory form exists except a few holes; register forms per row. */
function x87(op: u32, modrm: u32, reg: u32, isReg: bool): u32 {
  if (!isReg) {
    if (op == 0xd9) return reg == 1 ? 0 : V;                 // /1 undefined
    if (op == 0xdb) return reg == 4 || reg == 6 ? 0 : V;     // /4 /6 undefined
    if (op == 0xdd) return reg == 5 ? 0 : V;                 // /5 undefined
    return V;
  }
  const low = modrm & 0x3f; // position within the register half: 00..3F
  switch (op) {
    case 0xd9:
      if (low < 0x10) return V;                              // FLD, FXCH
      if (low == 0x10) return V;                             // FNOP
      if (low < 0x18) return 0;
      if (low < 0x20) return V;                              // FSTP1 alias
      if (low == 0x22 || low == 0x23 || low == 0x26 || low == 0x27 || low == 0x2f) return 0;
      return V;                                              // FCHS FABS FTST FXAM FLDx F2XM1...
    case 0xda:
      if (low < 0x20) return V;                              // FCMOVcc
      return low == 0x29 ? V : 0;                            // FUCOMPP
    case 0xdb:
      if (low < 0x20) return V;                              // FCMOVNcc
      if (low >= 0x20 && low <= 0x24) return V;              // FNENI FNDISI FNCLEX FNINIT FNSETPM
      if (low >= 0x28 && low < 0x38) return V;               // FUCOMI FCOMI
      return 0;
    case 0xdd:
      return low < 0x30 ? V : 0;                             // FFREE FXCH4 FST FSTP FUCOM FUCOMP
    case 0xde:
      if (low >= 0x18 && low < 0x20) return low == 0x19 ? V : 0; // FCOMPP
      return V;
    case 0xdf:
      if (low < 0x20) return V;                              // FFREEP FXCH7 FSTP8 FSTP9
      if (low == 0x20) return V;                             // FNSTSW AX
      if (low >= 0x28 && low < 0x38) return V;               // FUCOMIP FCOMIP
      return 0;
    default: return V;                                       // D8, DC: every register form
  }
}

function group0F(op: u32, modrm: u32, reg: u32, isReg: bool, mp: u32, rexR: u32, has66: bool, has67: bool): u32 {
  switch (op) {
    case 0x00:                                               // SLDT STR LLDT LTR VERR VERW, LKGS
      return reg <= 5 || (reg == 6 && mp == MP_F2) ? V : 0;
    case 0x01:
      if (isReg) return (GRP7_REG[mp] >> <u64>(modrm - 0xc0)) & 1 ? V : 0;
      if (reg == 5) return mp == MP_F3 ? V : 0;              // RSTORSSP
      return V;                                              // SGDT SIDT LGDT LIDT SMSW LMSW INVLPG
    case 0x0d: return V;                                     // PREFETCH/PREFETCHW, reserved NOPs
    case 0x18: return V;                                     // PREFETCHh / reserved NOPs
    case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
      return V;                                              // reserved NOPs, ENDBR, RDSSP, NOP Ev
    case 0x20: case 0x22: {                                  // MOV r64,CRn / MOV CRn,r64
      const cr = reg | (rexR << 3);
      return cr == 0 || cr == 2 || cr == 3 || cr == 4 || cr == 8 ? V : 0;
    }
    case 0x21: case 0x23: return rexR ? 0 : V;               // MOV r64,DRn / MOV DRn,r64
    case 0x71: case 0x72:                                    // PSRLx PSRAx PSLLx by Ib
      return reg == 2 || reg == 4 || reg == 6 ? V : 0;
    case 0x73:                                               // PSRLQ PSRLDQ PSLLQ PSLLDQ by Ib
      if (reg == 2 || reg == 6) return V;
      return (reg == 3 || reg == 7) && mp == MP_66 ? V : 0;
    case 0x78: return reg == 0 ? V : 0;                      // EXTRQ xmm,Ib,Ib
    case 0xa6: return mp == MP_F3 && (reg != 0 || has67) ? V : 0; // VIA PadLock: MONTMUL (67 only), XSHA1 XSHA256 ...
    case 0xa7: return reg == 0 || mp == MP_F3 ? V : 0;       // VIA PadLock: XSTORE, XCRYPTxxx
    case 0xae: return group15(reg, isReg, mp, has66);
    case 0xba: return reg < 4 ? 0 : reg == 4 ? V : VL;       // BT BTS BTR BTC Ev,Ib
    case 0xc7: return group9(reg, isReg, mp);
    default: return V;
  }
}

function group15(reg: u32, isReg: bool, mp: u32, has66: bool): u32 {
  if (!isReg) {
    if (mp == MP_NONE) return V;                             // FXSAVE ... CLFLUSH
    if (mp == MP_66) return reg == 6 || reg == 7 ? V : 0;    // CLWB, CLFLUSHOPT
    if (mp == MP_F3) return (reg == 4 && !has66) || reg == 6 ? V : 0; // PTWRITE m, CLRSSBSY
    return 0;
  }
  if (mp == MP_NONE) return reg >= 5 ? V : 0;                // LFENCE MFENCE SFENCE
  if (mp == MP_F3) return reg <= 6 && (reg != 4 || !has66) ? V : 0; // RD/WR FS/GS BASE, PTWRITE, INCSSP, UMONITOR
  if (mp == MP_66) return reg == 6 ? V : 0;                  // TPAUSE
  return reg == 6 ? V : 0;                                   // UMWAIT
}

function group9(reg: u32, isReg: bool, mp: u32): u32 {
  if (!isReg) {
    if (reg == 1) return VL;                                 // CMPXCHG8B/16B
    if (reg >= 3 && reg <= 5) return mp == MP_NONE ? V : 0;  // XRSTORS XSAVEC XSAVES
    if (reg == 6) return mp != MP_F2 ? V : 0;                // VMPTRLD VMCLEAR VMXON
    if (reg == 7) return mp == MP_NONE ? V : 0;              // VMPTRST
    return 0;
  }
  if (reg == 6) return mp == MP_NONE || mp == MP_66 || mp == MP_F3 ? V : 0; // RDRAND, SENDUIPI
  if (reg == 7) return mp != MP_F2 ? V : 0;                  // RDSEED, RDPID
  return 0;
}
