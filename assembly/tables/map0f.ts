// The two- and three-byte legacy opcode maps (0F, 0F 38, 0F 3A) in 64-bit mode
// (Intel SDM vol. 2, appendix A, tables ).
//
// These maps are indexed by (opcode, mandatory prefix): the same opcode is a different instruction
// (or none) with no prefix, 66, F3 or F2. A row names the prefixes that select an instruction:
// N = none, O = 66, S = F3, D = F2; ALL = the instruction ignores them (F2/F3 are plain REP bytes,
// 66 is the operand-size override). Every (opcode, prefix) not named is invalid.
import {
  I_B, I_BB, I_J32, A_MODRM, A_INVALID, A_GROUP, A_LOCK, A_D64, A_MEM, A_REG, A_F64, A_MODREG,
} from "./attrs";

const M = A_MODRM;
const N: u32 = 1, O: u32 = 2, S: u32 = 4, D: u32 = 8;
const ALL: u32 = 15;

export const MAP1 = new StaticArray<u32>(1024);
export const MAP2 = new StaticArray<u32>(1024);
export const MAP3 = new StaticArray<u32>(1024);

function fill(table: StaticArray<u32>): void {
  for (let i = 0; i < 1024; i++) table[i] = A_INVALID;
}

function put(table: StaticArray<u32>, first: i32, last: i32, prefixes: u32, attr: u32): void {
  for (let op = first; op <= last; op++) {
    for (let mp = 0; mp < 4; mp++) {
      if (prefixes & (1 << mp)) table[op * 4 + mp] = attr;
    }
  }
}

function r1(first: i32, last: i32, prefixes: u32, attr: u32): void { put(MAP1, first, last, prefixes, attr); }
function r2(first: i32, last: i32, prefixes: u32, attr: u32): void { put(MAP2, first, last, prefixes, attr | M); }
function r3(first: i32, last: i32, prefixes: u32, attr: u32): void { put(MAP3, first, last, prefixes, attr | M | I_B); }

fill(MAP1);
fill(MAP2);
fill(MAP3);

// ---- 0F xx ----
r1(0x00, 0x01, ALL, M | A_GROUP);      // group 6 (SLDT...), group 7 (SGDT..., VMCALL, SWAPGS...)
r1(0x02, 0x03, ALL, M);                // LAR, LSL
r1(0x05, 0x09, ALL, 0);                // SYSCALL CLTS SYSRET INVD WBINVD/WBNOINVD
r1(0x0b, 0x0b, ALL, 0);                // UD2
r1(0x0d, 0x0d, ALL, M | A_GROUP);      // PREFETCH/PREFETCHW
r1(0x0e, 0x0e, ALL, 0);                // FEMMS
r1(0x10, 0x11, ALL, M);                // MOVUPS/MOVUPD/MOVSS/MOVSD
r1(0x12, 0x12, N | S | D, M);          // MOVLPS/MOVHLPS, MOVSLDUP, MOVDDUP
r1(0x12, 0x12, O, M | A_MEM);          // MOVLPD
r1(0x13, 0x13, N | O, M | A_MEM);      // MOVLPS/MOVLPD store
r1(0x14, 0x15, N | O, M);              // UNPCKLPx, UNPCKHPx
r1(0x16, 0x16, N | S, M);              // MOVHPS/MOVLHPS, MOVSHDUP
r1(0x16, 0x16, O, M | A_MEM);          // MOVHPD
r1(0x17, 0x17, N | O, M | A_MEM);      // MOVHPS/MOVHPD store
r1(0x18, 0x18, ALL, M | A_GROUP);      // group 16: PREFETCHh, reserved NOPs
r1(0x19, 0x1f, ALL, M | A_GROUP);      // reserved NOPs, ENDBR, RDSSP, NOP Ev
r1(0x20, 0x23, ALL, M | A_GROUP | A_MODREG); // MOV to/from CRn / DRn (ModRM.mod ignored)
r1(0x28, 0x29, N | O, M);              // MOVAPS/MOVAPD
r1(0x2a, 0x2a, ALL, M);                // CVTPI2PS CVTPI2PD CVTSI2SS CVTSI2SD
r1(0x2b, 0x2b, ALL, M | A_MEM);        // MOVNTPS MOVNTPD MOVNTSS MOVNTSD
r1(0x2c, 0x2d, ALL, M);                // CVT(T)PS2PI ... CVT(T)SD2SI
r1(0x2e, 0x2f, N | O, M);              // (U)COMISS/(U)COMISD
r1(0x30, 0x35, ALL, 0);                // WRMSR RDTSC RDMSR RDPMC SYSENTER SYSEXIT
r1(0x37, 0x37, N, 0);                  // GETSEC
r1(0x40, 0x4f, ALL, M);                // CMOVcc
r1(0x50, 0x50, N | O, M | A_REG);      // MOVMSKPS/PD
r1(0x51, 0x51, ALL, M);                // SQRTxx
r1(0x52, 0x53, N | S, M);              // RSQRTPS/SS, RCPPS/SS
r1(0x54, 0x57, N | O, M);              // ANDPx ANDNPx ORPx XORPx
r1(0x58, 0x5a, ALL, M);                // ADD MUL CVTxx2xx
r1(0x5b, 0x5b, N | O | S, M);          // CVTDQ2PS CVTPS2DQ CVTTPS2DQ
r1(0x5c, 0x5f, ALL, M);                // SUB MIN DIV MAX
r1(0x60, 0x6b, N | O, M);              // PUNPCK*, PACK*, PCMPGT*
r1(0x6c, 0x6d, O, M);                  // PUNPCKLQDQ, PUNPCKHQDQ
r1(0x6e, 0x6e, N | O, M);              // MOVD/MOVQ to mm/xmm
r1(0x6f, 0x6f, N | O | S, M);          // MOVQ/MOVDQA/MOVDQU load
r1(0x70, 0x70, ALL, M | I_B);          // PSHUFW PSHUFD PSHUFHW PSHUFLW
r1(0x71, 0x73, N | O, M | I_B | A_GROUP | A_REG); // groups 12-14: PSRLx/PSRAx/PSLLx by Ib
r1(0x74, 0x76, N | O, M);              // PCMPEQx
r1(0x77, 0x77, N, 0);                  // EMMS
r1(0x78, 0x78, N, M | A_F64);          // VMREAD Ey,Gy
r1(0x78, 0x78, O, M | I_BB | A_REG | A_GROUP); // EXTRQ xmm,Ib,Ib (group: /0 only)
r1(0x78, 0x78, D, M | I_BB | A_REG);   // INSERTQ xmm,xmm,Ib,Ib
r1(0x79, 0x79, N, M | A_F64);          // VMWRITE Gy,Ey
r1(0x79, 0x79, O | D, M | A_REG);      // EXTRQ xmm,xmm / INSERTQ xmm,xmm
r1(0x7c, 0x7d, O | D, M);              // HADDPx, HSUBPx
r1(0x7e, 0x7e, N | O | S, M);          // MOVD/MOVQ from mm/xmm, MOVQ xmm
r1(0x7f, 0x7f, N | O | S, M);          // MOVQ/MOVDQA/MOVDQU store
r1(0x80, 0x8f, ALL, I_J32 | A_F64);    // Jcc rel32
r1(0x90, 0x9f, ALL, M);                // SETcc
r1(0xa0, 0xa1, ALL, A_D64);            // PUSH/POP FS
r1(0xa2, 0xa2, ALL, 0);                // CPUID
r1(0xa3, 0xa3, ALL, M);                // BT
r1(0xa4, 0xa4, ALL, M | I_B);          // SHLD Ib
r1(0xa5, 0xa5, ALL, M);                // SHLD CL
r1(0xa6, 0xa7, ALL, M | A_GROUP | A_REG); // VIA PadLock (register forms only)
r1(0xa8, 0xa9, ALL, A_D64);            // PUSH/POP GS
r1(0xaa, 0xaa, ALL, 0);                // RSM
r1(0xab, 0xab, ALL, M | A_LOCK);       // BTS
r1(0xac, 0xac, ALL, M | I_B);          // SHRD Ib
r1(0xad, 0xad, ALL, M);                // SHRD CL
r1(0xae, 0xae, ALL, M | A_GROUP);      // group 15: FXSAVE... fences, RDFSBASE...
r1(0xaf, 0xaf, ALL, M);                // IMUL Gv,Ev
r1(0xb0, 0xb1, ALL, M | A_LOCK);       // CMPXCHG
r1(0xb2, 0xb2, ALL, M | A_MEM);        // LSS
r1(0xb3, 0xb3, ALL, M | A_LOCK);       // BTR
r1(0xb4, 0xb5, ALL, M | A_MEM);        // LFS, LGS
r1(0xb6, 0xb7, ALL, M);                // MOVZX
r1(0xb8, 0xb8, S, M);                  // POPCNT (no prefix: JMPE, not decoded by default)
r1(0xb9, 0xb9, ALL, M);                // UD1
r1(0xba, 0xba, ALL, M | I_B | A_GROUP); // group 8: BT/BTS/BTR/BTC Ev,Ib
r1(0xbb, 0xbb, ALL, M | A_LOCK);       // BTC
r1(0xbc, 0xbd, ALL, M);                // BSF/TZCNT, BSR/LZCNT
r1(0xbe, 0xbf, ALL, M);                // MOVSX
r1(0xc0, 0xc1, ALL, M | A_LOCK);       // XADD
r1(0xc2, 0xc2, ALL, M | I_B);          // CMPccPS/PD/SS/SD
r1(0xc3, 0xc3, N, M | A_MEM);          // MOVNTI
r1(0xc4, 0xc4, N | O, M | I_B);        // PINSRW
r1(0xc5, 0xc5, N | O, M | I_B | A_REG); // PEXTRW
r1(0xc6, 0xc6, N | O, M | I_B);        // SHUFPS/PD
r1(0xc7, 0xc7, ALL, M | A_GROUP);      // group 9: CMPXCHG8B/16B, XRSTORS, VMPTRLD, RDRAND, RDSEED, RDPID...
r1(0xc8, 0xcf, ALL, 0);                // BSWAP
r1(0xd0, 0xd0, O | D, M);              // ADDSUBPD/PS
r1(0xd1, 0xd5, N | O, M);              // PSRLx, PADDQ, PMULLW
r1(0xd6, 0xd6, O, M);                  // MOVQ xmm/m64,xmm
r1(0xd6, 0xd6, S | D, M | A_REG);      // MOVQ2DQ, MOVDQ2Q
r1(0xd7, 0xd7, N | O, M | A_REG);      // PMOVMSKB
r1(0xd8, 0xe5, N | O, M);              // PSUBUSx ... PMULHW
r1(0xe6, 0xe6, O | S | D, M);          // CVTTPD2DQ, CVTDQ2PD, CVTPD2DQ
r1(0xe7, 0xe7, N | O, M | A_MEM);      // MOVNTQ / MOVNTDQ
r1(0xe8, 0xef, N | O, M);              // PSUBSx ... PXOR
r1(0xf0, 0xf0, D, M | A_MEM);          // LDDQU
r1(0xf1, 0xf6, N | O, M);              // PSLLx, PMULUDQ, PMADDWD, PSADBW
r1(0xf7, 0xf7, N | O, M | A_REG);      // MASKMOVQ / MASKMOVDQU
r1(0xf8, 0xfe, N | O, M);              // PSUBx, PADDx
r1(0xff, 0xff, ALL, M);                // UD0

// ---- 0F 38 xx (every row has ModRM) ----
r2(0x00, 0x0b, N | O, 0);              // PSHUFB ... PMULHRSW (MMX and SSE forms)
r2(0x10, 0x10, O, 0);                  // PBLENDVB
r2(0x14, 0x15, O, 0);                  // BLENDVPS/PD
r2(0x17, 0x17, O, 0);                  // PTEST
r2(0x1c, 0x1e, N | O, 0);              // PABSB/W/D
r2(0x20, 0x25, O, 0);                  // PMOVSX*
r2(0x28, 0x29, O, 0);                  // PMULDQ, PCMPEQQ
r2(0x2a, 0x2a, O, A_MEM);              // MOVNTDQA
r2(0x2b, 0x2b, O, 0);                  // PACKUSDW
r2(0x30, 0x35, O, 0);                  // PMOVZX*
r2(0x37, 0x41, O, 0);                  // PCMPGTQ, PMIN*/PMAX*, PMULLD, PHMINPOSUW
r2(0x80, 0x82, O, A_MEM | A_F64);      // INVEPT, INVVPID, INVPCID
r2(0xc8, 0xcd, N, 0);                  // SHA1NEXTE ... SHA256MSG2
r2(0xcf, 0xcf, O, 0);                  // GF2P8MULB
r2(0xd8, 0xd8, S, A_MEM | A_GROUP);    // Key Locker: AESENCWIDE128KL ... AESDECWIDE256KL (/0-/3)
r2(0xdb, 0xdf, O, 0);                  // AESIMC, AESENC/ENCLAST/DEC/DECLAST
r2(0xdc, 0xdc, S, 0);                  // AESENC128KL m, LOADIWKEY reg
r2(0xdd, 0xdf, S, A_MEM);              // AESDEC128KL, AESENC256KL, AESDEC256KL
r2(0xf0, 0xf1, N | O, A_MEM);          // MOVBE
r2(0xf0, 0xf1, D, 0);                  // CRC32
r2(0xf5, 0xf5, O, A_MEM);              // WRUSS
r2(0xf6, 0xf6, N, A_MEM);              // WRSS
r2(0xf6, 0xf6, O | S, 0);              // ADCX, ADOX
r2(0xf8, 0xf8, O | S | D, A_MEM);      // MOVDIR64B, ENQCMDS, ENQCMD
r2(0xf9, 0xf9, N, A_MEM);              // MOVDIRI
r2(0xfa, 0xfb, S, A_REG);              // ENCODEKEY128, ENCODEKEY256
r2(0xfc, 0xfc, ALL, A_MEM);            // AADD AAND AXOR AOR

// ---- 0F 3A xx (every row has ModRM and Ib) ----
r3(0x08, 0x0e, O, 0);                  // ROUNDPS/PD/SS/SD, BLENDPS/PD, PBLENDW
r3(0x0f, 0x0f, N | O, 0);              // PALIGNR
r3(0x14, 0x17, O, 0);                  // PEXTRB/W/D/Q, EXTRACTPS
r3(0x20, 0x22, O, 0);                  // PINSRB, INSERTPS, PINSRD/Q
r3(0x40, 0x42, O, 0);                  // DPPS, DPPD, MPSADBW
r3(0x44, 0x44, O, 0);                  // PCLMULQDQ
r3(0x60, 0x63, O, 0);                  // PCMPESTRM/I, PCMPISTRM/I
r3(0xcc, 0xcc, N, 0);                  // SHA1RNDS4
r3(0xce, 0xcf, O, 0);                  // GF2P8AFFINEQB, GF2P8AFFINEINVQB
r3(0xdf, 0xdf, O, 0);                  // AESKEYGENASSIST
r3(0xf0, 0xf0, S, A_GROUP);            // HRESET Ib (ModRM must be C0)
