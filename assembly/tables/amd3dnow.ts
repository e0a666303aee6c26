// 3DNow! (0F 0F ModRM imm8): the trailing byte selects the instruction (AMD APM vol. 5).
const SUFFIX_OK = new StaticArray<bool>(256);

function ok(suffix: i32): void { SUFFIX_OK[suffix] = true; }

ok(0x0c); // PI2FW
ok(0x0d); // PI2FD
ok(0x1c); // PF2IW
ok(0x1d); // PF2ID
ok(0x8a); // PFNACC
ok(0x8e); // PFPNACC
ok(0x90); // PFCMPGE
ok(0x94); // PFMIN
ok(0x96); // PFRCP
ok(0x97); // PFRSQRT
ok(0x9a); // PFSUB
ok(0x9e); // PFADD
ok(0xa0); // PFCMPGT
ok(0xa4); // PFMAX
ok(0xa6); // PFRCPIT1
ok(0xa7); // PFRSQIT1
ok(0xaa); // PFSUBR
ok(0xae); // PFACC
ok(0xb0); // PFCMPEQ
ok(0xb4); // PFMUL
ok(0xb6); // PFRCPIT2
ok(0xb7); // PMULHRW
ok(0xbb); // PSWAPD
ok(0xbf); // PAVGUSB

/** Whether `suffix` names a 3DNow! instruction. */
export function valid3DNowSuffix(suffix: u32): bool {
  return unchecked(SUFFIX_OK[suffix & 0xff]);
}
