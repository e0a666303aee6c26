// The one-byte opcode map in 64-bit mode (Intel SDM vol. 2, appendix A, table A-2).
// One row per opcode or run of opcodes; the comment names the instruction.
import {
  I_B, I_W, I_Z, I_V, I_MOFFS, I_WB, I_J32, I_G3B, I_G3Z,
  A_MODRM, A_INVALID, A_GROUP, A_LOCK, A_D64, A_MEM, A_PREFIX, A_F64,
} from "./attrs";

const M = A_MODRM;
const X = A_INVALID;

export const MAP0 = new StaticArray<u32>(256);

function row(first: i32, last: i32, attr: u32): void {
  for (let op = first; op <= last; op++) MAP0[op] = attr;
}

/** The eight ALU families 00-3F share one shape: Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / rAX,Iz. */
function alu(base: i32, lockable: bool): void {
  const lock: u32 = lockable ? A_LOCK : 0;
  row(base + 0, base + 1, M | lock);
  row(base + 2, base + 3, M);
  row(base + 4, base + 4, I_B);
  row(base + 5, base + 5, I_Z);
}

alu(0x00, true);            // ADD
row(0x06, 0x07, X);         // PUSH/POP ES
alu(0x08, true);            // OR
row(0x0e, 0x0e, X);         // PUSH CS
row(0x0f, 0x0f, 0);         // two-byte escape (handled by the decoder)
alu(0x10, true);            // ADC
row(0x16, 0x17, X);         // PUSH/POP SS
alu(0x18, true);            // SBB
row(0x1e, 0x1f, X);         // PUSH/POP DS
alu(0x20, true);            // AND
row(0x26, 0x26, A_PREFIX);  // ES:
row(0x27, 0x27, X);         // DAA
alu(0x28, true);            // SUB
row(0x2e, 0x2e, A_PREFIX);  // CS:
row(0x2f, 0x2f, X);         // DAS
alu(0x30, true);            // XOR
row(0x36, 0x36, A_PREFIX);  // SS:
row(0x37, 0x37, X);         // AAA
alu(0x38, false);           // CMP
row(0x3e, 0x3e, A_PREFIX);  // DS:
row(0x3f, 0x3f, X);         // AAS
row(0x40, 0x4f, A_PREFIX);  // REX (the decoder treats them specially)
row(0x50, 0x5f, A_D64);     // PUSH/POP r64
row(0x60, 0x62, X);         // PUSHA/POPA/BOUND (62 is EVEX, handled by the decoder)
row(0x63, 0x63, M);         // MOVSXD Gv,Ed
row(0x64, 0x67, A_PREFIX);  // FS: GS: 66 67
row(0x68, 0x68, I_Z | A_D64); // PUSH Iz
row(0x69, 0x69, M | I_Z);   // IMUL Gv,Ev,Iz
row(0x6a, 0x6a, I_B | A_D64); // PUSH Ib
row(0x6b, 0x6b, M | I_B);   // IMUL Gv,Ev,Ib
row(0x6c, 0x6f, 0);         // INS/OUTS
row(0x70, 0x7f, I_B | A_F64); // Jcc rel8
row(0x80, 0x80, M | I_B | A_GROUP); // group 1 Eb,Ib
row(0x81, 0x81, M | I_Z | A_GROUP); // group 1 Ev,Iz
row(0x82, 0x82, X);         // group 1 alias, invalid in 64-bit mode
row(0x83, 0x83, M | I_B | A_GROUP); // group 1 Ev,Ib
row(0x84, 0x85, M);         // TEST
row(0x86, 0x87, M | A_LOCK); // XCHG
row(0x88, 0x8b, M);         // MOV
row(0x8c, 0x8c, M | A_GROUP); // MOV Ev,Sreg
row(0x8d, 0x8d, M | A_MEM); // LEA
row(0x8e, 0x8e, M | A_GROUP); // MOV Sreg,Ew
row(0x8f, 0x8f, M | A_GROUP | A_D64); // group 1A: POP Ev (XOP when ModRM.mmmmm >= 8)
row(0x90, 0x97, 0);         // NOP/PAUSE/XCHG rAX,r
row(0x98, 0x99, 0);         // CBW/CWD family
row(0x9a, 0x9a, X);         // CALLF ptr
row(0x9b, 0x9b, 0);         // FWAIT
row(0x9c, 0x9d, A_D64);     // PUSHF/POPF
row(0x9e, 0x9f, 0);         // SAHF/LAHF
row(0xa0, 0xa3, I_MOFFS);   // MOV AL/rAX <-> moffs
row(0xa4, 0xa7, 0);         // MOVS/CMPS
row(0xa8, 0xa8, I_B);       // TEST AL,Ib
row(0xa9, 0xa9, I_Z);       // TEST rAX,Iz
row(0xaa, 0xaf, 0);         // STOS/LODS/SCAS
row(0xb0, 0xb7, I_B);       // MOV r8,Ib
row(0xb8, 0xbf, I_V);       // MOV r,Iv (imm64 with REX.W)
row(0xc0, 0xc1, M | I_B | A_GROUP); // group 2 shifts by Ib
row(0xc2, 0xc2, I_W | A_F64); // RET Iw
row(0xc3, 0xc3, A_F64);     // RET
row(0xc4, 0xc5, X);         // LES/LDS (VEX in 64-bit mode, handled by the decoder)
row(0xc6, 0xc6, M | I_B | A_GROUP); // group 11: MOV Eb,Ib / XABORT
row(0xc7, 0xc7, M | I_Z | A_GROUP); // group 11: MOV Ev,Iz / XBEGIN
row(0xc8, 0xc8, I_WB | A_D64); // ENTER Iw,Ib
row(0xc9, 0xc9, A_D64);     // LEAVE
row(0xca, 0xca, I_W);       // RETF Iw
row(0xcb, 0xcc, 0);         // RETF, INT3
row(0xcd, 0xcd, I_B);       // INT Ib
row(0xce, 0xce, X);         // INTO
row(0xcf, 0xcf, 0);         // IRET
row(0xd0, 0xd3, M | A_GROUP); // group 2 shifts by 1 / CL
row(0xd4, 0xd6, X);         // AAM, AAD, SALC
row(0xd7, 0xd7, 0);         // XLAT
row(0xd8, 0xdf, M | A_GROUP); // x87 escapes
row(0xe0, 0xe3, I_B | A_F64); // LOOPcc / JrCXZ rel8
row(0xe4, 0xe7, I_B);       // IN/OUT Ib
row(0xe8, 0xe9, I_J32 | A_F64); // CALL/JMP rel32
row(0xea, 0xea, X);         // JMPF ptr
row(0xeb, 0xeb, I_B | A_F64); // JMP rel8
row(0xec, 0xef, 0);         // IN/OUT DX
row(0xf0, 0xf0, A_PREFIX);  // LOCK
row(0xf1, 0xf1, 0);         // INT1
row(0xf2, 0xf3, A_PREFIX);  // REPNE / REP
row(0xf4, 0xf5, 0);         // HLT, CMC
row(0xf6, 0xf6, M | I_G3B | A_GROUP); // group 3 Eb
row(0xf7, 0xf7, M | I_G3Z | A_GROUP); // group 3 Ev
row(0xf8, 0xfd, 0);         // CLC STC CLI STI CLD STD
row(0xfe, 0xff, M | A_GROUP); // group 4 / group 5
