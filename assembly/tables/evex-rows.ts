// EVEX instruction rows (AVX-512 F/CD/ER/PF/VL/DQ/BW/IFMA/VBMI/VBMI2/VNNI/BITALG/VPOPCNTDQ/4FMAPS/
// 4VNNIW/BF16/VP2INTERSECT/FP16, GFNI/VAES/VPCLMULQDQ EVEX forms), 64-bit mode.
// Sources: Intel SDM vol. 2 instruction pages (EVEX.L.pp.map.W opcode lines), AVX512-FP16 spec.
//
// Legend: NP/P66/PF3/PF2 = EVEX.pp; W0/W1 (none = WIG, or a W0/W1 pair with identical rules);
// VL = 128/256/512, L12 = 256/512, L512, L0 = 128 only, LS = scalar (L'L 0..2);
// BC = {1toN} broadcast, ER = {rounding}, SAE = {sae}; NV = no vvvv operand; RO / MO = reg / mem only;
// KD = k-register destination (no zeroing, R/R' must be 0); NZM = store (no zeroing on memory);
// NK = no masking at all; RG = ModRM.reg is a GPR (R' must be 0).

import {
  evex, evexI,
  NP, P66, PF3, PF2, W0, W1, L0, L1, L2, VL, L12, L512, LS, RO, MO, G, NV, BC, ER, SAE,
  NZ, NZM, KR, NK, RK, RG, K, SK_EGATHER, SK_ESCATTER, SK_CPLX,
  M0F, M0F38, M0F3A, MAP5, MAP6,
} from "./vex-build";

/** k-register destination: write-masking allowed, zeroing not; ModRM.reg names k0..k7. */
const KD: u32 = RK | NZ;

/** ps (NP W0) / pd (66 W1) / ss (F3 W0) / sd (F2 W1) arithmetic with rounding or sae. */
function fp4(map: u32, op: u32, rnd: u32): void {
  evex(map, op, NP, W0 | VL | BC | rnd);         // ..ps
  evex(map, op, P66, W1 | VL | BC | rnd);        // ..pd
  evex(map, op, PF3, W0 | LS | rnd);             // ..ss
  evex(map, op, PF2, W1 | LS | rnd);             // ..sd
}

/** FP16: ph (NP W0, map 5) / sh (F3 W0, map 5). */
function fp16(op: u32, rnd: u32): void {
  evex(MAP5, op, NP, W0 | VL | BC | rnd);        // ..ph
  evex(MAP5, op, PF3, W0 | LS | rnd);            // ..sh
}

/** FMA3 triple (132/213/231 share the layout): packed at even-ish ops, scalar at the odd ones. */
function fmaPacked(op: u32): void {
  evex(M0F38, op, P66, VL | BC | ER);            // ..ps (W0) / ..pd (W1)
  evex(MAP6, op, P66, W0 | VL | BC | ER);        // ..ph
}
function fmaScalar(op: u32): void {
  evex(M0F38, op, P66, LS | ER);                 // ..ss (W0) / ..sd (W1)
  evex(MAP6, op, P66, W0 | LS | ER);             // ..sh
}

export function addEvexRows(): void {
  // ======================================= map 0F =======================================
  evex(M0F, 0x10, NP, W0 | VL | NV);             // vmovups
  evex(M0F, 0x10, P66, W1 | VL | NV);            // vmovupd
  evex(M0F, 0x10, PF3, W0 | LS | RO);            // vmovss xmm{k}{z}, xmm, xmm
  evex(M0F, 0x10, PF3, W0 | LS | MO | NV);       // vmovss xmm{k}{z}, m32
  evex(M0F, 0x10, PF2, W1 | LS | RO);            // vmovsd
  evex(M0F, 0x10, PF2, W1 | LS | MO | NV);
  evex(M0F, 0x11, NP, W0 | VL | NV | NZM);       // vmovups store
  evex(M0F, 0x11, P66, W1 | VL | NV | NZM);      // vmovupd store
  evex(M0F, 0x11, PF3, W0 | LS | RO);            // vmovss xmm, xmm, xmm (store form)
  evex(M0F, 0x11, PF3, W0 | LS | MO | NV | NZM); // vmovss m32{k}, xmm
  evex(M0F, 0x11, PF2, W1 | LS | RO);            // vmovsd
  evex(M0F, 0x11, PF2, W1 | LS | MO | NV | NZM);
  evex(M0F, 0x12, NP, W0 | L0 | NK);             // vmovhlps (reg) / vmovlps xmm, xmm, m64
  evex(M0F, 0x12, P66, W1 | L0 | MO | NK);       // vmovlpd xmm, xmm, m64
  evex(M0F, 0x12, PF3, W0 | VL | NV);            // vmovsldup
  evex(M0F, 0x12, PF2, W1 | VL | NV);            // vmovddup
  evex(M0F, 0x13, NP, W0 | L0 | MO | NV | NK);   // vmovlps m64, xmm
  evex(M0F, 0x13, P66, W1 | L0 | MO | NV | NK);  // vmovlpd m64, xmm
  evex(M0F, 0x14, NP, W0 | VL | BC);             // vunpcklps
  evex(M0F, 0x14, P66, W1 | VL | BC);            // vunpcklpd
  evex(M0F, 0x15, NP, W0 | VL | BC);             // vunpckhps
  evex(M0F, 0x15, P66, W1 | VL | BC);            // vunpckhpd
  evex(M0F, 0x16, NP, W0 | L0 | NK);             // vmovlhps (reg) / vmovhps xmm, xmm, m64
  evex(M0F, 0x16, P66, W1 | L0 | MO | NK);       // vmovhpd xmm, xmm, m64
  evex(M0F, 0x16, PF3, W0 | VL | NV);            // vmovshdup
  evex(M0F, 0x17, NP, W0 | L0 | MO | NV | NK);   // vmovhps m64, xmm
  evex(M0F, 0x17, P66, W1 | L0 | MO | NV | NK);  // vmovhpd m64, xmm
  evex(M0F, 0x28, NP, W0 | VL | NV);             // vmovaps
  evex(M0F, 0x28, P66, W1 | VL | NV);            // vmovapd
  evex(M0F, 0x29, NP, W0 | VL | NV | NZM);       // vmovaps store
  evex(M0F, 0x29, P66, W1 | VL | NV | NZM);      // vmovapd store
  evex(M0F, 0x2a, PF3, LS | ER | NK);            // vcvtsi2ss xmm, xmm, r/m32 (W0) / r/m64 (W1)
  evex(M0F, 0x2a, PF2, LS | ER | NK);            // vcvtsi2sd xmm, xmm, r/m32|64 (iced accepts {er} on r/m32 too)
  evex(M0F, 0x2b, NP, W0 | VL | MO | NV | NK);   // vmovntps
  evex(M0F, 0x2b, P66, W1 | VL | MO | NV | NK);  // vmovntpd
  evex(M0F, 0x2c, PF3 | PF2, LS | SAE | NV | NK | RG); // vcvttss2si / vcvttsd2si r32/r64
  evex(M0F, 0x2d, PF3 | PF2, LS | ER | NV | NK | RG);  // vcvtss2si / vcvtsd2si
  evex(M0F, 0x2e, NP, W0 | LS | SAE | NV | NK);  // vucomiss
  evex(M0F, 0x2e, P66, W1 | LS | SAE | NV | NK); // vucomisd
  evex(M0F, 0x2f, NP, W0 | LS | SAE | NV | NK);  // vcomiss
  evex(M0F, 0x2f, P66, W1 | LS | SAE | NV | NK); // vcomisd
  evex(M0F, 0x51, NP, W0 | VL | BC | ER | NV);   // vsqrtps
  evex(M0F, 0x51, P66, W1 | VL | BC | ER | NV);  // vsqrtpd
  evex(M0F, 0x51, PF3, W0 | LS | ER);            // vsqrtss
  evex(M0F, 0x51, PF2, W1 | LS | ER);            // vsqrtsd
  for (let op: u32 = 0x54; op <= 0x57; op++) {   // vand / vandn / vor / vxor
    evex(M0F, op, NP, W0 | VL | BC);             // ..ps
    evex(M0F, op, P66, W1 | VL | BC);            // ..pd
  }
  fp4(M0F, 0x58, ER);                            // vadd
  fp4(M0F, 0x59, ER);                            // vmul
  evex(M0F, 0x5a, NP, W0 | VL | BC | SAE | NV);  // vcvtps2pd
  evex(M0F, 0x5a, P66, W1 | VL | BC | ER | NV);  // vcvtpd2ps
  evex(M0F, 0x5a, PF3, W0 | LS | SAE);           // vcvtss2sd
  evex(M0F, 0x5a, PF2, W1 | LS | ER);            // vcvtsd2ss
  evex(M0F, 0x5b, NP, VL | BC | ER | NV);        // vcvtdq2ps (W0) / vcvtqq2ps (W1)
  evex(M0F, 0x5b, P66, W0 | VL | BC | ER | NV);  // vcvtps2dq
  evex(M0F, 0x5b, PF3, W0 | VL | BC | SAE | NV); // vcvttps2dq
  fp4(M0F, 0x5c, ER);                            // vsub
  fp4(M0F, 0x5d, SAE);                           // vmin
  fp4(M0F, 0x5e, ER);                            // vdiv
  fp4(M0F, 0x5f, SAE);                           // vmax
  evex(M0F, 0x60, P66, VL);                      // vpunpcklbw
  evex(M0F, 0x61, P66, VL);                      // vpunpcklwd
  evex(M0F, 0x62, P66, W0 | VL | BC);            // vpunpckldq
  evex(M0F, 0x63, P66, VL);                      // vpacksswb
  evex(M0F, 0x64, P66, VL | KD);                 // vpcmpgtb k
  evex(M0F, 0x65, P66, VL | KD);                 // vpcmpgtw k
  evex(M0F, 0x66, P66, W0 | VL | BC | KD);       // vpcmpgtd k
  evex(M0F, 0x67, P66, VL);                      // vpackuswb
  evex(M0F, 0x68, P66, VL);                      // vpunpckhbw
  evex(M0F, 0x69, P66, VL);                      // vpunpckhwd
  evex(M0F, 0x6a, P66, W0 | VL | BC);            // vpunpckhdq
  evex(M0F, 0x6b, P66, W0 | VL | BC);            // vpackssdw
  evex(M0F, 0x6c, P66, W1 | VL | BC);            // vpunpcklqdq
  evex(M0F, 0x6d, P66, W1 | VL | BC);            // vpunpckhqdq
  evex(M0F, 0x6e, P66, L0 | NV | NK);            // vmovd xmm, r/m32 (W0) / vmovq xmm, r/m64 (W1)
  evex(M0F, 0x6f, P66 | PF3 | PF2, VL | NV);     // vmovdqa32/64, vmovdqu32/64, vmovdqu8/16
  evexI(M0F, 0x70, P66, W0 | VL | BC | NV);      // vpshufd
  evexI(M0F, 0x70, PF3 | PF2, VL | NV);          // vpshufhw / vpshuflw
  evexI(M0F, 0x71, P66, VL | G(2));              // vpsrlw  vvvv, r/m, imm8
  evexI(M0F, 0x71, P66, VL | G(4));              // vpsraw
  evexI(M0F, 0x71, P66, VL | G(6));              // vpsllw
  evexI(M0F, 0x72, P66, VL | BC | G(0));         // vprord (W0) / vprorq (W1)
  evexI(M0F, 0x72, P66, VL | BC | G(1));         // vprold / vprolq
  evexI(M0F, 0x72, P66, W0 | VL | BC | G(2));    // vpsrld
  evexI(M0F, 0x72, P66, VL | BC | G(4));         // vpsrad / vpsraq
  evexI(M0F, 0x72, P66, W0 | VL | BC | G(6));    // vpslld
  evexI(M0F, 0x73, P66, W1 | VL | BC | G(2));    // vpsrlq
  evexI(M0F, 0x73, P66, VL | NK | G(3));         // vpsrldq (no masking)
  evexI(M0F, 0x73, P66, W1 | VL | BC | G(6));    // vpsllq
  evexI(M0F, 0x73, P66, VL | NK | G(7));         // vpslldq (no masking)
  evex(M0F, 0x74, P66, VL | KD);                 // vpcmpeqb k
  evex(M0F, 0x75, P66, VL | KD);                 // vpcmpeqw k
  evex(M0F, 0x76, P66, W0 | VL | BC | KD);       // vpcmpeqd k
  evex(M0F, 0x78, NP, VL | BC | SAE | NV);       // vcvttps2udq (W0) / vcvttpd2udq (W1)
  evex(M0F, 0x78, P66, VL | BC | SAE | NV);      // vcvttps2uqq / vcvttpd2uqq
  evex(M0F, 0x78, PF3 | PF2, LS | SAE | NV | NK | RG); // vcvttss2usi / vcvttsd2usi
  evex(M0F, 0x79, NP, VL | BC | ER | NV);        // vcvtps2udq / vcvtpd2udq
  evex(M0F, 0x79, P66, VL | BC | ER | NV);       // vcvtps2uqq / vcvtpd2uqq
  evex(M0F, 0x79, PF3 | PF2, LS | ER | NV | NK | RG); // vcvtss2usi / vcvtsd2usi
  evex(M0F, 0x7a, P66, VL | BC | SAE | NV);      // vcvttps2qq / vcvttpd2qq
  evex(M0F, 0x7a, PF3, VL | BC | ER | NV);       // vcvtudq2pd (W0; iced accepts {er}) / vcvtuqq2pd (W1)
  evex(M0F, 0x7a, PF2, VL | BC | ER | NV);       // vcvtudq2ps / vcvtuqq2ps
  evex(M0F, 0x7b, P66, VL | BC | ER | NV);       // vcvtps2qq / vcvtpd2qq
  evex(M0F, 0x7b, PF3, LS | ER | NK);            // vcvtusi2ss xmm, xmm, r/m32|64
  evex(M0F, 0x7b, PF2, LS | ER | NK);            // vcvtusi2sd xmm, xmm, r/m32|64 (iced: {er} on r/m32 too)
  evex(M0F, 0x7e, P66, L0 | NV | NK);            // vmovd r/m32, xmm / vmovq r/m64, xmm
  evex(M0F, 0x7e, PF3, W1 | L0 | NV | NK);       // vmovq xmm, xmm/m64
  evex(M0F, 0x7f, P66 | PF3 | PF2, VL | NV | NZM); // vmovdqa32/64, vmovdqu32/64, vmovdqu8/16 store
  evexI(M0F, 0xc2, NP, W0 | VL | BC | SAE | KD); // vcmpps k
  evexI(M0F, 0xc2, P66, W1 | VL | BC | SAE | KD); // vcmppd k
  evexI(M0F, 0xc2, PF3, W0 | LS | SAE | KD);     // vcmpss k
  evexI(M0F, 0xc2, PF2, W1 | LS | SAE | KD);     // vcmpsd k
  evexI(M0F, 0xc4, P66, L0 | NK);                // vpinsrw xmm, xmm, r32/m16, imm8
  evexI(M0F, 0xc5, P66, L0 | RO | NV | NK | RG); // vpextrw r32, xmm, imm8
  evexI(M0F, 0xc6, NP, W0 | VL | BC);            // vshufps
  evexI(M0F, 0xc6, P66, W1 | VL | BC);           // vshufpd
  evex(M0F, 0xd1, P66, VL);                      // vpsrlw xmm count
  evex(M0F, 0xd2, P66, W0 | VL);                 // vpsrld
  evex(M0F, 0xd3, P66, W1 | VL);                 // vpsrlq
  evex(M0F, 0xd4, P66, W1 | VL | BC);            // vpaddq
  evex(M0F, 0xd5, P66, VL);                      // vpmullw
  evex(M0F, 0xd6, P66, W1 | L0 | NV | NK);       // vmovq xmm/m64, xmm
  evex(M0F, 0xd8, P66, VL);                      // vpsubusb
  evex(M0F, 0xd9, P66, VL);                      // vpsubusw
  evex(M0F, 0xda, P66, VL);                      // vpminub
  evex(M0F, 0xdb, P66, VL | BC);                 // vpandd / vpandq
  evex(M0F, 0xdc, P66, VL);                      // vpaddusb
  evex(M0F, 0xdd, P66, VL);                      // vpaddusw
  evex(M0F, 0xde, P66, VL);                      // vpmaxub
  evex(M0F, 0xdf, P66, VL | BC);                 // vpandnd / vpandnq
  evex(M0F, 0xe0, P66, VL);                      // vpavgb
  evex(M0F, 0xe1, P66, VL);                      // vpsraw xmm count
  evex(M0F, 0xe2, P66, VL);                      // vpsrad / vpsraq xmm count
  evex(M0F, 0xe3, P66, VL);                      // vpavgw
  evex(M0F, 0xe4, P66, VL);                      // vpmulhuw
  evex(M0F, 0xe5, P66, VL);                      // vpmulhw
  evex(M0F, 0xe6, P66, W1 | VL | BC | SAE | NV); // vcvttpd2dq
  evex(M0F, 0xe6, PF3, VL | BC | ER | NV);       // vcvtdq2pd (W0; iced accepts {er}) / vcvtqq2pd (W1)
  evex(M0F, 0xe6, PF2, W1 | VL | BC | ER | NV);  // vcvtpd2dq
  evex(M0F, 0xe7, P66, W0 | VL | MO | NV | NK);  // vmovntdq
  evex(M0F, 0xe8, P66, VL);                      // vpsubsb
  evex(M0F, 0xe9, P66, VL);                      // vpsubsw
  evex(M0F, 0xea, P66, VL);                      // vpminsw
  evex(M0F, 0xeb, P66, VL | BC);                 // vpord / vporq
  evex(M0F, 0xec, P66, VL);                      // vpaddsb
  evex(M0F, 0xed, P66, VL);                      // vpaddsw
  evex(M0F, 0xee, P66, VL);                      // vpmaxsw
  evex(M0F, 0xef, P66, VL | BC);                 // vpxord / vpxorq
  evex(M0F, 0xf1, P66, VL);                      // vpsllw xmm count
  evex(M0F, 0xf2, P66, W0 | VL);                 // vpslld
  evex(M0F, 0xf3, P66, W1 | VL);                 // vpsllq
  evex(M0F, 0xf4, P66, W1 | VL | BC);            // vpmuludq
  evex(M0F, 0xf5, P66, VL);                      // vpmaddwd
  evex(M0F, 0xf6, P66, VL | NK);                 // vpsadbw
  evex(M0F, 0xf8, P66, VL);                      // vpsubb
  evex(M0F, 0xf9, P66, VL);                      // vpsubw
  evex(M0F, 0xfa, P66, W0 | VL | BC);            // vpsubd
  evex(M0F, 0xfb, P66, W1 | VL | BC);            // vpsubq
  evex(M0F, 0xfc, P66, VL);                      // vpaddb
  evex(M0F, 0xfd, P66, VL);                      // vpaddw
  evex(M0F, 0xfe, P66, W0 | VL | BC);            // vpaddd

  // ======================================= map 0F38 =======================================
  evex(M0F38, 0x00, P66, VL);                    // vpshufb
  evex(M0F38, 0x04, P66, VL);                    // vpmaddubsw
  evex(M0F38, 0x0b, P66, VL);                    // vpmulhrsw
  evex(M0F38, 0x0c, P66, W0 | VL | BC);          // vpermilps
  evex(M0F38, 0x0d, P66, W1 | VL | BC);          // vpermilpd
  evex(M0F38, 0x10, P66, W1 | VL);               // vpsrlvw
  evex(M0F38, 0x11, P66, W1 | VL);               // vpsravw
  evex(M0F38, 0x12, P66, W1 | VL);               // vpsllvw
  // down-converting stores (F3): xmm/m, xmm
  for (let op: u32 = 0x10; op <= 0x15; op++) {   // vpmovuswb, vpmovusdb, vpmovusqb, vpmovusdw, vpmovusqw, vpmovusqd
    evex(M0F38, op, PF3, W0 | VL | NV | NZM);
  }
  for (let op: u32 = 0x20; op <= 0x25; op++) {   // vpmovswb, vpmovsdb, vpmovsqb, vpmovsdw, vpmovsqw, vpmovsqd
    evex(M0F38, op, PF3, W0 | VL | NV | NZM);
  }
  for (let op: u32 = 0x30; op <= 0x35; op++) {   // vpmovwb, vpmovdb, vpmovqb, vpmovdw, vpmovqw, vpmovqd
    evex(M0F38, op, PF3, W0 | VL | NV | NZM);
  }
  evex(M0F38, 0x13, P66, W0 | VL | SAE | NV);    // vcvtph2ps
  evex(M0F38, 0x14, P66, VL | BC);               // vprorvd / vprorvq
  evex(M0F38, 0x15, P66, VL | BC);               // vprolvd / vprolvq
  evex(M0F38, 0x16, P66, L12 | BC);              // vpermps / vpermpd
  evex(M0F38, 0x18, P66, W0 | VL | NV);          // vbroadcastss
  evex(M0F38, 0x19, P66, L12 | NV);              // vbroadcastf32x2 (W0) / vbroadcastsd (W1)
  evex(M0F38, 0x1a, P66, L12 | MO | NV);         // vbroadcastf32x4 / vbroadcastf64x2
  evex(M0F38, 0x1b, P66, L512 | MO | NV);        // vbroadcastf32x8 / vbroadcastf64x4
  evex(M0F38, 0x1c, P66, VL | NV);               // vpabsb
  evex(M0F38, 0x1d, P66, VL | NV);               // vpabsw
  evex(M0F38, 0x1e, P66, W0 | VL | BC | NV);     // vpabsd
  evex(M0F38, 0x1f, P66, W1 | VL | BC | NV);     // vpabsq
  for (let op: u32 = 0x20; op <= 0x24; op++) evex(M0F38, op, P66, VL | NV); // vpmovsxbw/bd/bq/wd/wq
  evex(M0F38, 0x25, P66, W0 | VL | NV);          // vpmovsxdq
  evex(M0F38, 0x26, P66 | PF3, VL | KD);         // vptestmb/w, vptestnmb/w
  evex(M0F38, 0x27, P66 | PF3, VL | BC | KD);    // vptestmd/q, vptestnmd/q
  evex(M0F38, 0x28, P66, W1 | VL | BC);          // vpmuldq
  evex(M0F38, 0x28, PF3, VL | RO | NV | NK);     // vpmovm2b / vpmovm2w xmm, k
  evex(M0F38, 0x29, P66, W1 | VL | BC | KD);     // vpcmpeqq k
  evex(M0F38, 0x29, PF3, VL | RO | NV | NK | RK); // vpmovb2m / vpmovw2m k, xmm
  evex(M0F38, 0x2a, P66, W0 | VL | MO | NV | NK); // vmovntdqa
  evex(M0F38, 0x2a, PF3, W1 | VL | RO | NV | NK); // vpbroadcastmb2q xmm, k
  evex(M0F38, 0x2b, P66, W0 | VL | BC);          // vpackusdw
  evex(M0F38, 0x2c, P66, VL | BC | ER);          // vscalefps / vscalefpd
  evex(M0F38, 0x2d, P66, LS | ER);               // vscalefss / vscalefsd
  for (let op: u32 = 0x30; op <= 0x34; op++) evex(M0F38, op, P66, VL | NV); // vpmovzxbw/bd/bq/wd/wq
  evex(M0F38, 0x35, P66, W0 | VL | NV);          // vpmovzxdq
  evex(M0F38, 0x36, P66, L12 | BC);              // vpermd / vpermq
  evex(M0F38, 0x37, P66, W1 | VL | BC | KD);     // vpcmpgtq k
  evex(M0F38, 0x38, P66, VL);                    // vpminsb
  evex(M0F38, 0x38, PF3, VL | RO | NV | NK);     // vpmovm2d / vpmovm2q
  evex(M0F38, 0x39, P66, VL | BC);               // vpminsd / vpminsq
  evex(M0F38, 0x39, PF3, VL | RO | NV | NK | RK); // vpmovd2m / vpmovq2m
  evex(M0F38, 0x3a, P66, VL);                    // vpminuw
  evex(M0F38, 0x3a, PF3, W0 | VL | RO | NV | NK); // vpbroadcastmw2d xmm, k
  evex(M0F38, 0x3b, P66, VL | BC);               // vpminud / vpminuq
  evex(M0F38, 0x3c, P66, VL);                    // vpmaxsb
  evex(M0F38, 0x3d, P66, VL | BC);               // vpmaxsd / vpmaxsq
  evex(M0F38, 0x3e, P66, VL);                    // vpmaxuw
  evex(M0F38, 0x3f, P66, VL | BC);               // vpmaxud / vpmaxuq
  evex(M0F38, 0x40, P66, VL | BC);               // vpmulld / vpmullq
  evex(M0F38, 0x42, P66, VL | BC | SAE | NV);    // vgetexpps / vgetexppd
  evex(M0F38, 0x43, P66, LS | SAE);              // vgetexpss / vgetexpsd
  evex(M0F38, 0x44, P66, VL | BC | NV);          // vplzcntd / vplzcntq
  evex(M0F38, 0x45, P66, VL | BC);               // vpsrlvd / vpsrlvq
  evex(M0F38, 0x46, P66, VL | BC);               // vpsravd / vpsravq
  evex(M0F38, 0x47, P66, VL | BC);               // vpsllvd / vpsllvq
  evex(M0F38, 0x4c, P66, VL | BC | NV);          // vrcp14ps / vrcp14pd
  evex(M0F38, 0x4d, P66, LS);                    // vrcp14ss / vrcp14sd
  evex(M0F38, 0x4e, P66, VL | BC | NV);          // vrsqrt14ps / vrsqrt14pd
  evex(M0F38, 0x4f, P66, LS);                    // vrsqrt14ss / vrsqrt14sd
  evex(M0F38, 0x50, P66, W0 | VL | BC);          // vpdpbusd
  evex(M0F38, 0x51, P66, W0 | VL | BC);          // vpdpbusds
  evex(M0F38, 0x52, P66, W0 | VL | BC);          // vpdpwssd
  evex(M0F38, 0x52, PF3, W0 | VL | BC);          // vdpbf16ps
  evex(M0F38, 0x52, PF2, W0 | L512 | MO);        // vp4dpwssd zmm, zmm+3, m128
  evex(M0F38, 0x53, P66, W0 | VL | BC);          // vpdpwssds
  evex(M0F38, 0x53, PF2, W0 | L512 | MO);        // vp4dpwssds
  evex(M0F38, 0x54, P66, VL | NV);               // vpopcntb / vpopcntw
  evex(M0F38, 0x55, P66, VL | BC | NV);          // vpopcntd / vpopcntq
  evex(M0F38, 0x58, P66, W0 | VL | NV);          // vpbroadcastd xmm/m32
  evex(M0F38, 0x59, P66, VL | NV);               // vbroadcasti32x2 (W0) / vpbroadcastq (W1)
  evex(M0F38, 0x5a, P66, L12 | MO | NV);         // vbroadcasti32x4 / vbroadcasti64x2
  evex(M0F38, 0x5b, P66, L512 | MO | NV);        // vbroadcasti32x8 / vbroadcasti64x4
  evex(M0F38, 0x62, P66, VL | NV);               // vpexpandb / vpexpandw
  evex(M0F38, 0x63, P66, VL | NV | NZM);         // vpcompressb / vpcompressw
  evex(M0F38, 0x64, P66, VL | BC);               // vpblendmd / vpblendmq
  evex(M0F38, 0x65, P66, VL | BC);               // vblendmps / vblendmpd
  evex(M0F38, 0x66, P66, VL);                    // vpblendmb / vpblendmw
  evex(M0F38, 0x68, PF2, VL | BC | NK | RK);     // vp2intersectd / vp2intersectq k-pair
  evex(M0F38, 0x70, P66, W1 | VL);               // vpshldvw
  evex(M0F38, 0x71, P66, VL | BC);               // vpshldvd / vpshldvq
  evex(M0F38, 0x72, P66, W1 | VL);               // vpshrdvw
  evex(M0F38, 0x72, PF3, W0 | VL | BC | NV);     // vcvtneps2bf16
  evex(M0F38, 0x72, PF2, W0 | VL | BC);          // vcvtne2ps2bf16
  evex(M0F38, 0x73, P66, VL | BC);               // vpshrdvd / vpshrdvq
  evex(M0F38, 0x75, P66, VL);                    // vpermi2b / vpermi2w
  evex(M0F38, 0x76, P66, VL | BC);               // vpermi2d / vpermi2q
  evex(M0F38, 0x77, P66, VL | BC);               // vpermi2ps / vpermi2pd
  evex(M0F38, 0x78, P66, W0 | VL | NV);          // vpbroadcastb xmm/m8
  evex(M0F38, 0x79, P66, W0 | VL | NV);          // vpbroadcastw xmm/m16
  evex(M0F38, 0x7a, P66, W0 | VL | RO | NV);     // vpbroadcastb xmm, r32
  evex(M0F38, 0x7b, P66, W0 | VL | RO | NV);     // vpbroadcastw xmm, r32
  evex(M0F38, 0x7c, P66, VL | RO | NV);          // vpbroadcastd r32 (W0) / vpbroadcastq r64 (W1)
  evex(M0F38, 0x7d, P66, VL);                    // vpermt2b / vpermt2w
  evex(M0F38, 0x7e, P66, VL | BC);               // vpermt2d / vpermt2q
  evex(M0F38, 0x7f, P66, VL | BC);               // vpermt2ps / vpermt2pd
  evex(M0F38, 0x83, P66, W1 | VL | BC);          // vpmultishiftqb
  evex(M0F38, 0x88, P66, VL | NV);               // vexpandps / vexpandpd
  evex(M0F38, 0x89, P66, VL | NV);               // vpexpandd / vpexpandq
  evex(M0F38, 0x8a, P66, VL | NV | NZM);         // vcompressps / vcompresspd
  evex(M0F38, 0x8b, P66, VL | NV | NZM);         // vpcompressd / vpcompressq
  evex(M0F38, 0x8d, P66, VL);                    // vpermb / vpermw
  evex(M0F38, 0x8f, P66, W0 | VL | KD);          // vpshufbitqmb k
  for (let op: u32 = 0x90; op <= 0x93; op++) {   // vpgatherdd/dq, vpgatherqd/qq, vgatherdps/dpd, vgatherqps/qpd
    evex(M0F38, op, P66, VL | MO | KR | NZ | K(SK_EGATHER));
  }
  for (let op: u32 = 0xa0; op <= 0xa3; op++) {   // vpscatterdd/dq, vpscatterqd/qq, vscatterdps/dpd, vscatterqps/qpd
    evex(M0F38, op, P66, VL | MO | KR | NZ | K(SK_ESCATTER));
  }
  // FMA3: 96-9F / A6-AF / B6-BF (fmaddsub, fmsubadd, fmadd, fmsub, fnmadd, fnmsub; packed + scalar)
  for (let base: u32 = 0x90; base <= 0xb0; base += 0x10) {
    fmaPacked(base + 0x06);                      // vfmaddsub...
    fmaPacked(base + 0x07);                      // vfmsubadd...
    fmaPacked(base + 0x08); fmaScalar(base + 0x09); // vfmadd
    fmaPacked(base + 0x0a); fmaScalar(base + 0x0b); // vfmsub
    fmaPacked(base + 0x0c); fmaScalar(base + 0x0d); // vfnmadd
    fmaPacked(base + 0x0e); fmaScalar(base + 0x0f); // vfnmsub
  }
  evex(M0F38, 0x9a, PF2, W0 | L512 | MO);        // v4fmaddps zmm, zmm+3, m128
  evex(M0F38, 0x9b, PF2, W0 | LS | MO);          // v4fmaddss xmm, xmm+3, m128
  evex(M0F38, 0xaa, PF2, W0 | L512 | MO);        // v4fnmaddps
  evex(M0F38, 0xab, PF2, W0 | LS | MO);          // v4fnmaddss
  evex(M0F38, 0xb4, P66, W1 | VL | BC);          // vpmadd52luq
  evex(M0F38, 0xb5, P66, W1 | VL | BC);          // vpmadd52huq
  evex(M0F38, 0xc4, P66, VL | BC | NV);          // vpconflictd / vpconflictq
  // AVX512PF gather/scatter prefetch groups (512-bit VSIB): dps/dpd (C6), qps/qpd (C7)
  evex(M0F38, 0xc6, P66, L512 | MO | KR | NZ | G(1) | K(SK_ESCATTER)); // vgatherpf0dps/dpd
  evex(M0F38, 0xc6, P66, L512 | MO | KR | NZ | G(2) | K(SK_ESCATTER)); // vgatherpf1dps/dpd
  evex(M0F38, 0xc6, P66, L512 | MO | KR | NZ | G(5) | K(SK_ESCATTER)); // vscatterpf0dps/dpd
  evex(M0F38, 0xc6, P66, L512 | MO | KR | NZ | G(6) | K(SK_ESCATTER)); // vscatterpf1dps/dpd
  evex(M0F38, 0xc7, P66, L512 | MO | KR | NZ | G(1) | K(SK_ESCATTER)); // vgatherpf0qps/qpd
  evex(M0F38, 0xc7, P66, L512 | MO | KR | NZ | G(2) | K(SK_ESCATTER)); // vgatherpf1qps/qpd
  evex(M0F38, 0xc7, P66, L512 | MO | KR | NZ | G(5) | K(SK_ESCATTER)); // vscatterpf0qps/qpd
  evex(M0F38, 0xc7, P66, L512 | MO | KR | NZ | G(6) | K(SK_ESCATTER)); // vscatterpf1qps/qpd
  // AVX512ER
  evex(M0F38, 0xc8, P66, L512 | BC | SAE | NV);  // vexp2ps / vexp2pd
  evex(M0F38, 0xca, P66, L512 | BC | SAE | NV);  // vrcp28ps / vrcp28pd
  evex(M0F38, 0xcb, P66, LS | SAE);              // vrcp28ss / vrcp28sd
  evex(M0F38, 0xcc, P66, L512 | BC | SAE | NV);  // vrsqrt28ps / vrsqrt28pd
  evex(M0F38, 0xcd, P66, LS | SAE);              // vrsqrt28ss / vrsqrt28sd
  evex(M0F38, 0xcf, P66, W0 | VL);               // vgf2p8mulb
  for (let op: u32 = 0xdc; op <= 0xdf; op++) evex(M0F38, op, P66, VL | NK); // vaesenc/vaesenclast/vaesdec/vaesdeclast

  // ======================================= map 0F3A (imm8) =======================================
  evex(M0F3A, 0x00, P66, W1 | L12 | BC | NV);    // vpermq imm
  evex(M0F3A, 0x01, P66, W1 | L12 | BC | NV);    // vpermpd imm
  evex(M0F3A, 0x03, P66, VL | BC);               // valignd / valignq
  evex(M0F3A, 0x04, P66, W0 | VL | BC | NV);     // vpermilps imm
  evex(M0F3A, 0x05, P66, W1 | VL | BC | NV);     // vpermilpd imm
  evex(M0F3A, 0x08, P66, W0 | VL | BC | SAE | NV); // vrndscaleps
  evex(M0F3A, 0x08, NP, W0 | VL | BC | SAE | NV);  // vrndscaleph
  evex(M0F3A, 0x09, P66, W1 | VL | BC | SAE | NV); // vrndscalepd
  evex(M0F3A, 0x0a, P66, W0 | LS | SAE);         // vrndscaless
  evex(M0F3A, 0x0a, NP, W0 | LS | SAE);          // vrndscalesh
  evex(M0F3A, 0x0b, P66, W1 | LS | SAE);         // vrndscalesd
  evex(M0F3A, 0x0f, P66, VL);                    // vpalignr
  evex(M0F3A, 0x14, P66, L0 | NV | NK);          // vpextrb r/m8
  evex(M0F3A, 0x15, P66, L0 | NV | NK);          // vpextrw r/m16
  evex(M0F3A, 0x16, P66, L0 | NV | NK);          // vpextrd / vpextrq
  evex(M0F3A, 0x17, P66, L0 | NV | NK);          // vextractps
  evex(M0F3A, 0x18, P66, L12);                   // vinsertf32x4 / vinsertf64x2
  evex(M0F3A, 0x19, P66, L12 | NV | NZM);        // vextractf32x4 / vextractf64x2
  evex(M0F3A, 0x1a, P66, L512);                  // vinsertf32x8 / vinsertf64x4
  evex(M0F3A, 0x1b, P66, L512 | NV | NZM);       // vextractf32x8 / vextractf64x4
  evex(M0F3A, 0x1d, P66, W0 | VL | SAE | NV | NZM); // vcvtps2ph
  evex(M0F3A, 0x1e, P66, VL | BC | KD);          // vpcmpud / vpcmpuq k
  evex(M0F3A, 0x1f, P66, VL | BC | KD);          // vpcmpd / vpcmpq k
  evex(M0F3A, 0x20, P66, L0 | NK);               // vpinsrb
  evex(M0F3A, 0x21, P66, W0 | L0 | NK);          // vinsertps
  evex(M0F3A, 0x22, P66, L0 | NK);               // vpinsrd / vpinsrq
  evex(M0F3A, 0x23, P66, L12 | BC);              // vshuff32x4 / vshuff64x2
  evex(M0F3A, 0x25, P66, VL | BC);               // vpternlogd / vpternlogq
  evex(M0F3A, 0x26, P66, VL | BC | SAE | NV);    // vgetmantps / vgetmantpd
  evex(M0F3A, 0x26, NP, W0 | VL | BC | SAE | NV); // vgetmantph
  evex(M0F3A, 0x27, P66, LS | SAE);              // vgetmantss / vgetmantsd
  evex(M0F3A, 0x27, NP, W0 | LS | SAE);          // vgetmantsh
  evex(M0F3A, 0x38, P66, L12);                   // vinserti32x4 / vinserti64x2
  evex(M0F3A, 0x39, P66, L12 | NV | NZM);        // vextracti32x4 / vextracti64x2
  evex(M0F3A, 0x3a, P66, L512);                  // vinserti32x8 / vinserti64x4
  evex(M0F3A, 0x3b, P66, L512 | NV | NZM);       // vextracti32x8 / vextracti64x4
  evex(M0F3A, 0x3e, P66, VL | KD);               // vpcmpub / vpcmpuw k
  evex(M0F3A, 0x3f, P66, VL | KD);               // vpcmpb / vpcmpw k
  evex(M0F3A, 0x42, P66, W0 | VL);               // vdbpsadbw
  evex(M0F3A, 0x43, P66, L12 | BC);              // vshufi32x4 / vshufi64x2
  evex(M0F3A, 0x44, P66, VL | NK);               // vpclmulqdq
  evex(M0F3A, 0x50, P66, VL | BC | SAE);         // vrangeps / vrangepd
  evex(M0F3A, 0x51, P66, LS | SAE);              // vrangess / vrangesd
  evex(M0F3A, 0x54, P66, VL | BC | SAE);         // vfixupimmps / vfixupimmpd
  evex(M0F3A, 0x55, P66, LS | SAE);              // vfixupimmss / vfixupimmsd
  evex(M0F3A, 0x56, P66, VL | BC | SAE | NV);    // vreduceps / vreducepd
  evex(M0F3A, 0x56, NP, W0 | VL | BC | SAE | NV); // vreduceph
  evex(M0F3A, 0x57, P66, LS | SAE);              // vreducess / vreducesd
  evex(M0F3A, 0x57, NP, W0 | LS | SAE);          // vreducesh
  evex(M0F3A, 0x66, P66, VL | BC | NV | KD);     // vfpclassps / vfpclasspd k
  evex(M0F3A, 0x66, NP, W0 | VL | BC | NV | KD); // vfpclassph k
  evex(M0F3A, 0x67, P66, LS | NV | KD);          // vfpclassss / vfpclasssd k
  evex(M0F3A, 0x67, NP, W0 | LS | NV | KD);      // vfpclasssh k
  evex(M0F3A, 0x70, P66, W1 | VL);               // vpshldw
  evex(M0F3A, 0x71, P66, VL | BC);               // vpshldd / vpshldq
  evex(M0F3A, 0x72, P66, W1 | VL);               // vpshrdw
  evex(M0F3A, 0x73, P66, VL | BC);               // vpshrdd / vpshrdq
  evex(M0F3A, 0xc2, NP, W0 | VL | BC | SAE | KD); // vcmpph k
  evex(M0F3A, 0xc2, PF3, W0 | LS | SAE | KD);    // vcmpsh k
  evex(M0F3A, 0xce, P66, W1 | VL | BC);          // vgf2p8affineqb
  evex(M0F3A, 0xcf, P66, W1 | VL | BC);          // vgf2p8affineinvqb

  // ======================================= map 5 (AVX512-FP16) =======================================
  evex(MAP5, 0x10, PF3, W0 | LS | RO);           // vmovsh xmm, xmm, xmm
  evex(MAP5, 0x10, PF3, W0 | LS | MO | NV);      // vmovsh xmm, m16
  evex(MAP5, 0x11, PF3, W0 | LS | RO);           // vmovsh xmm, xmm, xmm (store form)
  evex(MAP5, 0x11, PF3, W0 | LS | MO | NV | NZM); // vmovsh m16, xmm
  evex(MAP5, 0x1d, NP, W0 | LS | ER);            // vcvtss2sh
  evex(MAP5, 0x1d, P66, W0 | VL | BC | ER | NV); // vcvtps2phx
  evex(MAP5, 0x2a, PF3, LS | ER | NK);           // vcvtsi2sh xmm, xmm, r/m32|64
  evex(MAP5, 0x2c, PF3, LS | SAE | NV | NK | RG); // vcvttsh2si
  evex(MAP5, 0x2d, PF3, LS | ER | NV | NK | RG); // vcvtsh2si
  evex(MAP5, 0x2e, NP, W0 | LS | SAE | NV | NK); // vucomish
  evex(MAP5, 0x2f, NP, W0 | LS | SAE | NV | NK); // vcomish
  evex(MAP5, 0x51, NP, W0 | VL | BC | ER | NV);  // vsqrtph
  evex(MAP5, 0x51, PF3, W0 | LS | ER);           // vsqrtsh
  fp16(0x58, ER);                                // vaddph / vaddsh
  fp16(0x59, ER);                                // vmulph / vmulsh
  evex(MAP5, 0x5a, NP, W0 | VL | BC | SAE | NV); // vcvtph2pd
  evex(MAP5, 0x5a, P66, W1 | VL | BC | ER | NV); // vcvtpd2ph
  evex(MAP5, 0x5a, PF3, W0 | LS | SAE);          // vcvtsh2sd
  evex(MAP5, 0x5a, PF2, W1 | LS | ER);           // vcvtsd2sh
  evex(MAP5, 0x5b, NP, VL | BC | ER | NV);       // vcvtdq2ph (W0) / vcvtqq2ph (W1)
  evex(MAP5, 0x5b, P66, W0 | VL | BC | ER | NV); // vcvtph2dq
  evex(MAP5, 0x5b, PF3, W0 | VL | BC | SAE | NV); // vcvttph2dq
  fp16(0x5c, ER);                                // vsubph / vsubsh
  fp16(0x5d, SAE);                               // vminph / vminsh
  fp16(0x5e, ER);                                // vdivph / vdivsh
  fp16(0x5f, SAE);                               // vmaxph / vmaxsh
  evex(MAP5, 0x6e, P66, L0 | NV | NK);           // vmovw xmm, r32/m16 (WIG)
  evex(MAP5, 0x78, NP, W0 | VL | BC | SAE | NV); // vcvttph2udq
  evex(MAP5, 0x78, P66, W0 | VL | BC | SAE | NV); // vcvttph2uqq
  evex(MAP5, 0x78, PF3, LS | SAE | NV | NK | RG); // vcvttsh2usi
  evex(MAP5, 0x79, NP, W0 | VL | BC | ER | NV);  // vcvtph2udq
  evex(MAP5, 0x79, P66, W0 | VL | BC | ER | NV); // vcvtph2uqq
  evex(MAP5, 0x79, PF3, LS | ER | NV | NK | RG); // vcvtsh2usi
  evex(MAP5, 0x7a, P66, W0 | VL | BC | SAE | NV); // vcvttph2qq
  evex(MAP5, 0x7a, PF2, VL | BC | ER | NV);      // vcvtudq2ph (W0) / vcvtuqq2ph (W1)
  evex(MAP5, 0x7b, P66, W0 | VL | BC | ER | NV); // vcvtph2qq
  evex(MAP5, 0x7b, PF3, LS | ER | NK);           // vcvtusi2sh
  evex(MAP5, 0x7c, NP, W0 | VL | BC | SAE | NV); // vcvttph2uw
  evex(MAP5, 0x7c, P66, W0 | VL | BC | SAE | NV); // vcvttph2w
  evex(MAP5, 0x7d, NP, W0 | VL | BC | ER | NV);  // vcvtph2uw
  evex(MAP5, 0x7d, P66, W0 | VL | BC | ER | NV); // vcvtph2w
  evex(MAP5, 0x7d, PF3, W0 | VL | BC | ER | NV); // vcvtw2ph
  evex(MAP5, 0x7d, PF2, W0 | VL | BC | ER | NV); // vcvtuw2ph
  evex(MAP5, 0x7e, P66, L0 | NV | NK);           // vmovw r32/m16, xmm (WIG)

  // ======================================= map 6 (AVX512-FP16) =======================================
  evex(MAP6, 0x13, P66, W0 | VL | BC | SAE | NV); // vcvtph2psx
  evex(MAP6, 0x13, NP, W0 | LS | SAE);           // vcvtsh2ss
  evex(MAP6, 0x2c, P66, W0 | VL | BC | ER);      // vscalefph
  evex(MAP6, 0x2d, P66, W0 | LS | ER);           // vscalefsh
  evex(MAP6, 0x42, P66, W0 | VL | BC | SAE | NV); // vgetexpph
  evex(MAP6, 0x43, P66, W0 | LS | SAE);          // vgetexpsh
  evex(MAP6, 0x4c, P66, W0 | VL | BC | NV);      // vrcpph
  evex(MAP6, 0x4d, P66, W0 | LS);                // vrcpsh
  evex(MAP6, 0x4e, P66, W0 | VL | BC | NV);      // vrsqrtph
  evex(MAP6, 0x4f, P66, W0 | LS);                // vrsqrtsh
  evex(MAP6, 0x56, PF3 | PF2, W0 | VL | BC | ER | K(SK_CPLX)); // vfmaddcph / vfcmaddcph
  evex(MAP6, 0x57, PF3 | PF2, W0 | LS | ER | K(SK_CPLX));      // vfmaddcsh / vfcmaddcsh
  evex(MAP6, 0xd6, PF3 | PF2, W0 | VL | BC | ER | K(SK_CPLX)); // vfmulcph / vfcmulcph
  evex(MAP6, 0xd7, PF3 | PF2, W0 | LS | ER | K(SK_CPLX));      // vfmulcsh / vfcmulcsh
  // FMA ph/sh rows are added with the 0F38 FMA3 rows above (fmaPacked / fmaScalar).
}
