// VEX (C4 / C5) instruction rows, 64-bit mode.
// Sources: Intel SDM vol. 2 opcode map (A.3) and instruction pages; AMD APM vol. 4 (FMA4, VPERMIL2*).
//
// Legend: NP/P66/PF3/PF2 = VEX.pp; W0/W1 (none = WIG); L0 = 128, L1 = 256, L01 = both (or LIG for scalars);
// RO/MO = register / memory form only; NV = no vvvv operand (vvvv must be 1111);
// RK = ModRM.reg is k/tmm (VEX.R must be 0); VK = vvvv is k/tmm (< 8); BZ = rm is tmm (VEX.B must be 0).

import {
  vex, vexI, opLayout, ENC_VEX, OPINFO_EXISTS,
  NP, P66, PF3, PF2, W0, W1, L0, L1, L01, RO, MO, G, NV, RK, VK, BZ, K,
  SK_VSIB, SK_RM0, SK_AMX3, SK_SIBMEM, M0F, M0F38, M0F3A,
} from "./vex-build";

/** 66-prefixed packed-integer family over an opcode range (AVX / AVX2: 128 and 256). */
function int66(map: u32, lo: u32, hi: u32, flags: u32): void {
  for (let op = lo; op <= hi; op++) vex(map, op, P66, flags);
}

/** FMA3 family at op: packed (even) / scalar (odd) pairs, W0 = ps/ss, W1 = pd/sd. */
function fma3(op: u32): void {
  // 96/97, A6/A7, B6/B7: fmaddsub / fmsubadd (packed)
  // 98/9A/9C/9E, A8.., B8..: packed;  99/9B/9D/9F, A9.., B9..: scalar
  vex(M0F38, op, P66, L01);
}

export function addVexRows(): void {
  // ================= map 0F =================
  vex(M0F, 0x10, NP | P66, L01 | NV);            // vmovups / vmovupd xmm, xmm/m
  vex(M0F, 0x10, PF3 | PF2, L01 | RO);           // vmovss / vmovsd xmm, xmm, xmm
  vex(M0F, 0x10, PF3 | PF2, L01 | MO | NV);      // vmovss / vmovsd xmm, m32/m64
  vex(M0F, 0x11, NP | P66, L01 | NV);            // vmovups / vmovupd xmm/m, xmm
  vex(M0F, 0x11, PF3 | PF2, L01 | RO);           // vmovss / vmovsd xmm, xmm, xmm
  vex(M0F, 0x11, PF3 | PF2, L01 | MO | NV);      // vmovss / vmovsd m, xmm
  vex(M0F, 0x12, NP, L0);                        // vmovhlps xmm,xmm,xmm / vmovlps xmm,xmm,m64
  vex(M0F, 0x12, P66, L0 | MO);                  // vmovlpd xmm, xmm, m64
  vex(M0F, 0x12, PF3 | PF2, L01 | NV);           // vmovsldup / vmovddup
  vex(M0F, 0x13, NP | P66, L0 | MO | NV);        // vmovlps / vmovlpd m64, xmm
  vex(M0F, 0x14, NP | P66, L01);                 // vunpcklps / vunpcklpd
  vex(M0F, 0x15, NP | P66, L01);                 // vunpckhps / vunpckhpd
  vex(M0F, 0x16, NP, L0);                        // vmovlhps / vmovhps xmm, xmm, m64
  vex(M0F, 0x16, P66, L0 | MO);                  // vmovhpd xmm, xmm, m64
  vex(M0F, 0x16, PF3, L01 | NV);                 // vmovshdup
  vex(M0F, 0x17, NP | P66, L0 | MO | NV);        // vmovhps / vmovhpd m64, xmm
  vex(M0F, 0x28, NP | P66, L01 | NV);            // vmovaps / vmovapd
  vex(M0F, 0x29, NP | P66, L01 | NV);            // vmovaps / vmovapd store
  vex(M0F, 0x2a, PF3 | PF2, L01);                // vcvtsi2ss / vcvtsi2sd xmm, xmm, r/m32|64
  vex(M0F, 0x2b, NP | P66, L01 | MO | NV);       // vmovntps / vmovntpd
  vex(M0F, 0x2c, PF3 | PF2, L01 | NV);           // vcvttss2si / vcvttsd2si
  vex(M0F, 0x2d, PF3 | PF2, L01 | NV);           // vcvtss2si / vcvtsd2si
  vex(M0F, 0x2e, NP | P66, L01 | NV);            // vucomiss / vucomisd
  vex(M0F, 0x2f, NP | P66, L01 | NV);            // vcomiss / vcomisd

  // AVX-512 mask-register instructions (VEX-encoded): W0/W1 x NP/66 select w/q/b/d
  for (let op: u32 = 0x41; op <= 0x4a; op++) {
    if (op == 0x43 || op == 0x44 || op == 0x48 || op == 0x49) continue;
    // kand 41, kandn 42, kor 45, kxnor 46, kxor 47, kadd 4A: k, k, k (L1)
    vex(M0F, op, NP | P66, L1 | RO | RK | VK);
  }
  vex(M0F, 0x44, NP | P66, L0 | RO | NV | RK);   // knot k, k
  vex(M0F, 0x4b, P66, W0 | L1 | RO | RK | VK);   // kunpckbw
  vex(M0F, 0x4b, NP, L1 | RO | RK | VK);         // kunpckwd (W0) / kunpckdq (W1)
  vex(M0F, 0x90, NP | P66, L0 | NV | RK);        // kmov k, k/m
  vex(M0F, 0x91, NP | P66, L0 | MO | NV | RK);   // kmov m, k  (reg is the k source)
  vex(M0F, 0x92, NP | P66, W0 | L0 | RO | NV | RK); // kmovw / kmovb k, r32
  vex(M0F, 0x92, PF2, L0 | RO | NV | RK);        // kmovd k, r32 (W0) / kmovq k, r64 (W1)
  vex(M0F, 0x93, NP | P66, W0 | L0 | RO | NV);   // kmovw / kmovb r32, k
  vex(M0F, 0x93, PF2, L0 | RO | NV);             // kmovd r32, k / kmovq r64, k
  vex(M0F, 0x98, NP | P66, L0 | RO | NV | RK);   // kortest
  vex(M0F, 0x99, NP | P66, L0 | RO | NV | RK);   // ktest

  vex(M0F, 0x50, NP | P66, L01 | RO | NV);       // vmovmskps / vmovmskpd r32, xmm
  vex(M0F, 0x51, NP | P66, L01 | NV);            // vsqrtps / vsqrtpd
  vex(M0F, 0x51, PF3 | PF2, L01);                // vsqrtss / vsqrtsd
  vex(M0F, 0x52, NP, L01 | NV);                  // vrsqrtps
  vex(M0F, 0x52, PF3, L01);                      // vrsqrtss
  vex(M0F, 0x53, NP, L01 | NV);                  // vrcpps
  vex(M0F, 0x53, PF3, L01);                      // vrcpss
  for (let op: u32 = 0x54; op <= 0x57; op++) vex(M0F, op, NP | P66, L01); // vand/vandn/vor/vxor ps/pd
  for (let op: u32 = 0x58; op <= 0x5f; op++) {
    if (op == 0x5a || op == 0x5b) continue;
    vex(M0F, op, NP | P66 | PF3 | PF2, L01);     // vadd/vmul/vsub/vmin/vdiv/vmax ps/pd/ss/sd
  }
  vex(M0F, 0x5a, NP | P66, L01 | NV);            // vcvtps2pd / vcvtpd2ps
  vex(M0F, 0x5a, PF3 | PF2, L01);                // vcvtss2sd / vcvtsd2ss
  vex(M0F, 0x5b, NP | P66 | PF3, L01 | NV);      // vcvtdq2ps / vcvtps2dq / vcvttps2dq
  int66(M0F, 0x60, 0x6d, L01);                   // vpunpck*, vpacksswb, vpcmpgt*, vpackuswb, vpackssdw
  vex(M0F, 0x6e, P66, L0 | NV);                  // vmovd / vmovq xmm, r/m
  vex(M0F, 0x6f, P66 | PF3, L01 | NV);           // vmovdqa / vmovdqu
  vexI(M0F, 0x70, P66 | PF3 | PF2, L01 | NV);    // vpshufd / vpshufhw / vpshuflw
  vexI(M0F, 0x71, P66, L01 | RO | G(2));         // vpsrlw  vvvv, rm, imm8
  vexI(M0F, 0x71, P66, L01 | RO | G(4));         // vpsraw
  vexI(M0F, 0x71, P66, L01 | RO | G(6));         // vpsllw
  vexI(M0F, 0x72, P66, L01 | RO | G(2));         // vpsrld
  vexI(M0F, 0x72, P66, L01 | RO | G(4));         // vpsrad
  vexI(M0F, 0x72, P66, L01 | RO | G(6));         // vpslld
  vexI(M0F, 0x73, P66, L01 | RO | G(2));         // vpsrlq
  vexI(M0F, 0x73, P66, L01 | RO | G(3));         // vpsrldq
  vexI(M0F, 0x73, P66, L01 | RO | G(6));         // vpsllq
  vexI(M0F, 0x73, P66, L01 | RO | G(7));         // vpslldq
  int66(M0F, 0x74, 0x76, L01);                   // vpcmpeqb / w / d
  opLayout(ENC_VEX, M0F, 0x77, OPINFO_EXISTS);   // no ModRM
  vex(M0F, 0x77, NP, L01 | NV);                  // vzeroupper (L0) / vzeroall (L1)
  vex(M0F, 0x7c, P66 | PF2, L01);                // vhaddpd / vhaddps
  vex(M0F, 0x7d, P66 | PF2, L01);                // vhsubpd / vhsubps
  vex(M0F, 0x7e, P66, L0 | NV);                  // vmovd / vmovq r/m, xmm
  vex(M0F, 0x7e, PF3, L0 | NV);                  // vmovq xmm, xmm/m64
  vex(M0F, 0x7f, P66 | PF3, L01 | NV);           // vmovdqa / vmovdqu store
  vex(M0F, 0xae, NP, L0 | MO | NV | G(2));       // vldmxcsr m32
  vex(M0F, 0xae, NP, L0 | MO | NV | G(3));       // vstmxcsr m32
  vexI(M0F, 0xc2, NP | P66 | PF3 | PF2, L01);    // vcmpps / pd / ss / sd
  vexI(M0F, 0xc4, P66, L0);                      // vpinsrw xmm, xmm, r32/m16, imm8
  vexI(M0F, 0xc5, P66, L0 | RO | NV);            // vpextrw r32, xmm, imm8
  vexI(M0F, 0xc6, NP | P66, L01);                // vshufps / vshufpd
  vex(M0F, 0xd0, P66 | PF2, L01);                // vaddsubpd / vaddsubps
  int66(M0F, 0xd1, 0xd5, L01);                   // vpsrlw/d/q, vpaddq, vpmullw
  vex(M0F, 0xd6, P66, L0 | NV);                  // vmovq xmm/m64, xmm
  vex(M0F, 0xd7, P66, L01 | RO | NV);            // vpmovmskb r32, xmm
  int66(M0F, 0xd8, 0xe5, L01);                   // vpsubus*, vpminub, vpand, vpaddus*, vpmaxub, vpandn, vpavg*, vpsra*, vpmulh*
  vex(M0F, 0xe6, P66 | PF3 | PF2, L01 | NV);     // vcvttpd2dq / vcvtdq2pd / vcvtpd2dq
  vex(M0F, 0xe7, P66, L01 | MO | NV);            // vmovntdq
  int66(M0F, 0xe8, 0xef, L01);                   // vpsubs*, vpminsw, vpor, vpadds*, vpmaxsw, vpxor
  vex(M0F, 0xf0, PF2, L01 | MO | NV);            // vlddqu
  int66(M0F, 0xf1, 0xf6, L01);                   // vpsll*, vpmuludq, vpmaddwd, vpsadbw
  vex(M0F, 0xf7, P66, L0 | RO | NV);             // vmaskmovdqu
  int66(M0F, 0xf8, 0xfe, L01);                   // vpsub*, vpadd*

  // ================= map 0F38 =================
  int66(M0F38, 0x00, 0x0b, L01);                 // vpshufb .. vpmulhrsw
  vex(M0F38, 0x0c, P66, W0 | L01);               // vpermilps xmm, xmm, xmm/m
  vex(M0F38, 0x0d, P66, W0 | L01);               // vpermilpd
  vex(M0F38, 0x0e, P66, W0 | L01 | NV);          // vtestps
  vex(M0F38, 0x0f, P66, W0 | L01 | NV);          // vtestpd
  vex(M0F38, 0x13, P66, W0 | L01 | NV);          // vcvtph2ps
  vex(M0F38, 0x16, P66, W0 | L1);                // vpermps
  vex(M0F38, 0x17, P66, L01 | NV);               // vptest
  vex(M0F38, 0x18, P66, W0 | L01 | NV);          // vbroadcastss
  vex(M0F38, 0x19, P66, W0 | L1 | NV);           // vbroadcastsd ymm
  vex(M0F38, 0x1a, P66, W0 | L1 | MO | NV);      // vbroadcastf128
  int66(M0F38, 0x1c, 0x1e, L01 | NV);            // vpabsb / w / d
  int66(M0F38, 0x20, 0x25, L01 | NV);            // vpmovsx*
  vex(M0F38, 0x28, P66, L01);                    // vpmuldq
  vex(M0F38, 0x29, P66, L01);                    // vpcmpeqq
  vex(M0F38, 0x2a, P66, L01 | MO | NV);          // vmovntdqa
  vex(M0F38, 0x2b, P66, L01);                    // vpackusdw
  vex(M0F38, 0x2c, P66, W0 | L01 | MO);          // vmaskmovps load
  vex(M0F38, 0x2d, P66, W0 | L01 | MO);          // vmaskmovpd load
  vex(M0F38, 0x2e, P66, W0 | L01 | MO);          // vmaskmovps store
  vex(M0F38, 0x2f, P66, W0 | L01 | MO);          // vmaskmovpd store
  int66(M0F38, 0x30, 0x35, L01 | NV);            // vpmovzx*
  vex(M0F38, 0x36, P66, W0 | L1);                // vpermd
  int66(M0F38, 0x37, 0x40, L01);                 // vpcmpgtq, vpmin*/vpmax*, vpmulld
  vex(M0F38, 0x41, P66, L0 | NV);                // vphminposuw
  vex(M0F38, 0x45, P66, L01);                    // vpsrlvd (W0) / vpsrlvq (W1)
  vex(M0F38, 0x46, P66, W0 | L01);               // vpsravd
  vex(M0F38, 0x47, P66, L01);                    // vpsllvd / vpsllvq
  // AMX
  vex(M0F38, 0x49, NP, W0 | L0 | MO | NV | G(0));                   // ldtilecfg m512
  vex(M0F38, 0x49, P66, W0 | L0 | MO | NV | G(0));                  // sttilecfg m512
  vex(M0F38, 0x49, NP, W0 | L0 | RO | NV | G(0) | K(SK_RM0));       // tilerelease (C0)
  vex(M0F38, 0x49, PF2, W0 | L0 | RO | NV | RK | K(SK_RM0));        // tilezero tmm
  vex(M0F38, 0x4b, PF2 | P66, W0 | L0 | MO | NV | RK | K(SK_SIBMEM)); // tileloadd / tileloaddt1
  vex(M0F38, 0x4b, PF3, W0 | L0 | MO | NV | RK | K(SK_SIBMEM));     // tilestored
  vex(M0F38, 0x5c, PF3 | PF2, W0 | L0 | RO | RK | VK | BZ | K(SK_AMX3)); // tdpbf16ps / tdpfp16ps
  vex(M0F38, 0x5e, NP | P66 | PF3 | PF2, W0 | L0 | RO | RK | VK | BZ | K(SK_AMX3)); // tdpbuud/usd/sud/ssd
  vex(M0F38, 0x6c, NP | P66, W0 | L0 | RO | RK | VK | BZ | K(SK_AMX3)); // tcmmrlfp16ps / tcmmimfp16ps
  // AVX-VNNI / AVX-VNNI-INT8 / AVX-VNNI-INT16
  vex(M0F38, 0x50, NP | P66 | PF3 | PF2, W0 | L01); // vpdpbuud / vpdpbusd / vpdpbsud / vpdpbssd
  vex(M0F38, 0x51, NP | P66 | PF3 | PF2, W0 | L01); // ...s (saturating)
  vex(M0F38, 0x52, P66, W0 | L01);               // vpdpwssd
  vex(M0F38, 0x53, P66, W0 | L01);               // vpdpwssds
  vex(M0F38, 0xd2, NP | P66 | PF3, W0 | L01);    // vpdpwuud / vpdpwusd / vpdpwsud
  vex(M0F38, 0xd3, NP | P66 | PF3, W0 | L01);    // ...s
  vex(M0F38, 0x58, P66, W0 | L01 | NV);          // vpbroadcastd
  vex(M0F38, 0x59, P66, W0 | L01 | NV);          // vpbroadcastq
  vex(M0F38, 0x5a, P66, W0 | L1 | MO | NV);      // vbroadcasti128
  vex(M0F38, 0x72, PF3, W0 | L01 | NV);          // vcvtneps2bf16
  vex(M0F38, 0x78, P66, W0 | L01 | NV);          // vpbroadcastb
  vex(M0F38, 0x79, P66, W0 | L01 | NV);          // vpbroadcastw
  vex(M0F38, 0x8c, P66, L01 | MO);               // vpmaskmovd / vpmaskmovq load
  vex(M0F38, 0x8e, P66, L01 | MO);               // vpmaskmovd / vpmaskmovq store
  for (let op: u32 = 0x90; op <= 0x93; op++) {
    vex(M0F38, op, P66, L01 | MO | K(SK_VSIB)); // vpgatherdd/dq, vpgatherqd/qq, vgatherdps/dpd, vgatherqps/qpd
  }
  for (let op: u32 = 0x96; op <= 0x9f; op++) fma3(op); // vfmaddsub132.. vfnmsub132
  for (let op: u32 = 0xa6; op <= 0xaf; op++) fma3(op); // ...213
  for (let op: u32 = 0xb6; op <= 0xbf; op++) fma3(op); // ...231
  vex(M0F38, 0xb0, NP | P66 | PF3 | PF2, W0 | L01 | MO | NV); // vcvtneoph2ps / vcvtneeph2ps / vcvtneebf162ps / vcvtneobf162ps
  vex(M0F38, 0xb1, P66 | PF3, W0 | L01 | MO | NV); // vbcstnesh2ps / vbcstnebf162ps
  vex(M0F38, 0xb4, P66, W1 | L01);               // vpmadd52luq
  vex(M0F38, 0xb5, P66, W1 | L01);               // vpmadd52huq
  vex(M0F38, 0xcb, PF2, W0 | L1 | RO);           // vsha512rnds2 ymm, ymm, xmm
  vex(M0F38, 0xcc, PF2, W0 | L1 | RO | NV);      // vsha512msg1 ymm, xmm
  vex(M0F38, 0xcd, PF2, W0 | L1 | RO | NV);      // vsha512msg2 ymm, ymm
  vex(M0F38, 0xcf, P66, W0 | L01);               // vgf2p8mulb
  vex(M0F38, 0xda, NP | P66, W0 | L0);           // vsm3msg1 / vsm3msg2
  vex(M0F38, 0xda, PF3 | PF2, W0 | L01);         // vsm4key4 / vsm4rnds4
  vex(M0F38, 0xdb, P66, L0 | NV);                // vaesimc
  for (let op: u32 = 0xdc; op <= 0xdf; op++) vex(M0F38, op, P66, L01); // vaesenc(last) / vaesdec(last)
  for (let op: u32 = 0xe0; op <= 0xef; op++) vex(M0F38, op, P66, L0 | MO); // cmpccxadd m, r, r
  vex(M0F38, 0xf2, NP, L0);                      // andn r, r, r/m
  vex(M0F38, 0xf3, NP, L0 | G(1));               // blsr  vvvv, r/m
  vex(M0F38, 0xf3, NP, L0 | G(2));               // blsmsk
  vex(M0F38, 0xf3, NP, L0 | G(3));               // blsi
  vex(M0F38, 0xf5, NP, L0);                      // bzhi r, r/m, r
  vex(M0F38, 0xf5, PF3 | PF2, L0);               // pext / pdep
  vex(M0F38, 0xf6, PF2, L0);                     // mulx
  vex(M0F38, 0xf7, NP | P66 | PF3 | PF2, L0);    // bextr / shlx / sarx / shrx

  // ================= map 0F3A (imm8) =================
  vex(M0F3A, 0x00, P66, W1 | L1 | NV);           // vpermq
  vex(M0F3A, 0x01, P66, W1 | L1 | NV);           // vpermpd
  vex(M0F3A, 0x02, P66, W0 | L01);               // vpblendd
  vex(M0F3A, 0x04, P66, W0 | L01 | NV);          // vpermilps imm
  vex(M0F3A, 0x05, P66, W0 | L01 | NV);          // vpermilpd imm
  vex(M0F3A, 0x06, P66, W0 | L1);                // vperm2f128
  vex(M0F3A, 0x08, P66, L01 | NV);               // vroundps
  vex(M0F3A, 0x09, P66, L01 | NV);               // vroundpd
  vex(M0F3A, 0x0a, P66, L01);                    // vroundss
  vex(M0F3A, 0x0b, P66, L01);                    // vroundsd
  int66(M0F3A, 0x0c, 0x0f, L01);                 // vblendps / vblendpd / vpblendw / vpalignr
  vex(M0F3A, 0x14, P66, L0 | NV);                // vpextrb r/m8
  vex(M0F3A, 0x15, P66, L0 | NV);                // vpextrw r/m16
  vex(M0F3A, 0x16, P66, L0 | NV);                // vpextrd / vpextrq
  vex(M0F3A, 0x17, P66, L0 | NV);                // vextractps
  vex(M0F3A, 0x18, P66, W0 | L1);                // vinsertf128
  vex(M0F3A, 0x19, P66, W0 | L1 | NV);           // vextractf128
  vex(M0F3A, 0x1d, P66, W0 | L01 | NV);          // vcvtps2ph
  vex(M0F3A, 0x20, P66, L0);                     // vpinsrb
  vex(M0F3A, 0x21, P66, L0);                     // vinsertps
  vex(M0F3A, 0x22, P66, L0);                     // vpinsrd / vpinsrq
  vex(M0F3A, 0x30, P66, L0 | RO | NV | RK);      // kshiftrb (W0) / kshiftrw (W1)
  vex(M0F3A, 0x31, P66, L0 | RO | NV | RK);      // kshiftrd / kshiftrq
  vex(M0F3A, 0x32, P66, L0 | RO | NV | RK);      // kshiftlb / kshiftlw
  vex(M0F3A, 0x33, P66, L0 | RO | NV | RK);      // kshiftld / kshiftlq
  vex(M0F3A, 0x38, P66, W0 | L1);                // vinserti128
  vex(M0F3A, 0x39, P66, W0 | L1 | NV);           // vextracti128
  vex(M0F3A, 0x40, P66, L01);                    // vdpps
  vex(M0F3A, 0x41, P66, L0);                     // vdppd
  vex(M0F3A, 0x42, P66, L01);                    // vmpsadbw
  vex(M0F3A, 0x44, P66, L01);                    // vpclmulqdq
  vex(M0F3A, 0x46, P66, W0 | L1);                // vperm2i128
  vex(M0F3A, 0x48, P66, L01);                    // vpermil2ps (AMD XOP-era, is4 + imm4)
  vex(M0F3A, 0x49, P66, L01);                    // vpermil2pd
  vex(M0F3A, 0x4a, P66, W0 | L01);               // vblendvps
  vex(M0F3A, 0x4b, P66, W0 | L01);               // vblendvpd
  vex(M0F3A, 0x4c, P66, W0 | L01);               // vpblendvb
  for (let op: u32 = 0x5c; op <= 0x5f; op++) vex(M0F3A, op, P66, L01); // FMA4 vfmaddsub/vfmsubadd ps/pd
  for (let op: u32 = 0x60; op <= 0x63; op++) vex(M0F3A, op, P66, L0 | NV); // vpcmpestrm/i, vpcmpistrm/i
  for (let op: u32 = 0x68; op <= 0x6f; op++) vex(M0F3A, op, P66, L01); // FMA4 vfmadd / vfmsub
  for (let op: u32 = 0x78; op <= 0x7f; op++) vex(M0F3A, op, P66, L01); // FMA4 vfnmadd / vfnmsub
  vex(M0F3A, 0xce, P66, W1 | L01);               // vgf2p8affineqb
  vex(M0F3A, 0xcf, P66, W1 | L01);               // vgf2p8affineinvqb
  vex(M0F3A, 0xde, P66, W0 | L0);                // vsm3rnds2
  vex(M0F3A, 0xdf, P66, L0 | NV);                // vaeskeygenassist
  vex(M0F3A, 0xf0, PF2, L0 | NV);                // rorx
}
