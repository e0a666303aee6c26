// XOP (8F) instruction rows (AMD APM vol. 4 / vol. 3 for TBM and LWP), 64-bit mode.
// XOP.pp must be 00 for every instruction. Map 08: imm8 (is4 or predicate), map 09: none, map 0A: imm32.
import { xop, NP, W0, W1, L0, L01, RO, NV, G, XOP8, XOP9, XOPA } from "./vex-build";

export function addXopRows(): void {
  // ---------------- map 08 (imm8) ----------------
  // integer multiply-accumulate: xmm1, xmm2, xmm3/m128, xmm4 (is4)
  xop(XOP8, 0x85, NP, W0 | L0);                  // vpmacssww
  xop(XOP8, 0x86, NP, W0 | L0);                  // vpmacsswd
  xop(XOP8, 0x87, NP, W0 | L0);                  // vpmacssdql
  xop(XOP8, 0x8e, NP, W0 | L0);                  // vpmacssdd
  xop(XOP8, 0x8f, NP, W0 | L0);                  // vpmacssdqh
  xop(XOP8, 0x95, NP, W0 | L0);                  // vpmacsww
  xop(XOP8, 0x96, NP, W0 | L0);                  // vpmacswd
  xop(XOP8, 0x97, NP, W0 | L0);                  // vpmacsdql
  xop(XOP8, 0x9e, NP, W0 | L0);                  // vpmacsdd
  xop(XOP8, 0x9f, NP, W0 | L0);                  // vpmacsdqh
  xop(XOP8, 0xa6, NP, W0 | L0);                  // vpmadcsswd
  xop(XOP8, 0xb6, NP, W0 | L0);                  // vpmadcswd
  xop(XOP8, 0xa2, NP, L01);                      // vpcmov (W selects which operand is r/m)
  xop(XOP8, 0xa3, NP, L0);                       // vpperm
  for (let op: u32 = 0xc0; op <= 0xc3; op++) xop(XOP8, op, NP, W0 | L0 | NV); // vprotb/w/d/q xmm, xmm/m, imm8
  for (let op: u32 = 0xcc; op <= 0xcf; op++) xop(XOP8, op, NP, W0 | L0);      // vpcomb/w/d/q
  for (let op: u32 = 0xec; op <= 0xef; op++) xop(XOP8, op, NP, W0 | L0);      // vpcomub/uw/ud/uq

  // ---------------- map 09 ----------------
  // TBM: vvvv = destination GPR, r/m = source; W = operand size
  for (let r: u32 = 1; r <= 7; r++) xop(XOP9, 0x01, NP, L0 | G(r)); // blcfill blsfill blcs tzmsk blcic blsic t1mskc
  xop(XOP9, 0x02, NP, L0 | G(1));                // blcmsk
  xop(XOP9, 0x02, NP, L0 | G(6));                // blci
  xop(XOP9, 0x12, NP, L0 | RO | NV | G(0));      // llwpcb r
  xop(XOP9, 0x12, NP, L0 | RO | NV | G(1));      // slwpcb r
  xop(XOP9, 0x80, NP, W0 | L01 | NV);            // vfrczps
  xop(XOP9, 0x81, NP, W0 | L01 | NV);            // vfrczpd
  xop(XOP9, 0x82, NP, W0 | L0 | NV);             // vfrczss
  xop(XOP9, 0x83, NP, W0 | L0 | NV);             // vfrczsd
  // vprot* / vpshl* / vpsha* with a vector count: W selects which source is r/m
  for (let op: u32 = 0x90; op <= 0x9b; op++) xop(XOP9, op, NP, L0);
  // horizontal add / subtract: xmm, xmm/m128
  xop(XOP9, 0xc1, NP, W0 | L0 | NV);             // vphaddbw
  xop(XOP9, 0xc2, NP, W0 | L0 | NV);             // vphaddbd
  xop(XOP9, 0xc3, NP, W0 | L0 | NV);             // vphaddbq
  xop(XOP9, 0xc6, NP, W0 | L0 | NV);             // vphaddwd
  xop(XOP9, 0xc7, NP, W0 | L0 | NV);             // vphaddwq
  xop(XOP9, 0xcb, NP, W0 | L0 | NV);             // vphadddq
  xop(XOP9, 0xd1, NP, W0 | L0 | NV);             // vphaddubw
  xop(XOP9, 0xd2, NP, W0 | L0 | NV);             // vphaddubd
  xop(XOP9, 0xd3, NP, W0 | L0 | NV);             // vphaddubq
  xop(XOP9, 0xd6, NP, W0 | L0 | NV);             // vphadduwd
  xop(XOP9, 0xd7, NP, W0 | L0 | NV);             // vphadduwq
  xop(XOP9, 0xdb, NP, W0 | L0 | NV);             // vphaddudq
  xop(XOP9, 0xe1, NP, W0 | L0 | NV);             // vphsubbw
  xop(XOP9, 0xe2, NP, W0 | L0 | NV);             // vphsubwd
  xop(XOP9, 0xe3, NP, W0 | L0 | NV);             // vphsubdq

  // ---------------- map 0A (imm32) ----------------
  xop(XOPA, 0x10, NP, L0 | NV);                  // bextr r, r/m, imm32
  xop(XOPA, 0x12, NP, L0 | G(0));                // lwpins r(vvvv), r/m32, imm32
  xop(XOPA, 0x12, NP, L0 | G(1));                // lwpval
}
