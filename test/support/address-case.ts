// Random #VE address cases for the engine's 32-bit-word address arithmetic: a plan's address
// terms and a register file, weighted towards the values that carry across bit 32 and 2^64.
import { VePlan } from "../../src/decoder/plan.js";

/** Register words (40: the 16 GPRs, RIP and the FS/GS bases as 32-bit halves) the cases fill. */
export const ADDRESS_WORDS = 40;

/**
 * Fills `w` with random register words and returns a plan with random address terms (base,
 * index, scale, displacement, length, 67h, FS/GS, invalid address, register form), drawing from
 * `r` (floats in [0, 1)).
 */
export function randomAddressCase(r: () => number, w: Uint32Array): VePlan {
  const u32 = () => (r() < 0.3 ? [0, 0xffffffff, 0x80000000, 0xfffff000][(r() * 4) | 0] : (r() * 0x1_0000_0000) >>> 0);
  const pick = <T>(xs: T[]): T => xs[(r() * xs.length) | 0];
  for (let j = 0; j < ADDRESS_WORDS; j++) w[j] = u32();
  const p = new VePlan();
  p.addressInvalid = r() < 0.02;
  p.registerForm = r() < 0.1;
  p.base = pick([0, 3, 5, 7, 12, 15, 16, 255]);
  p.index = pick([0, 1, 6, 9, 14, 255, 255]);
  p.scale = pick([1, 2, 4, 8]);
  p.dispLo = u32();
  p.dispHi = r() < 0.5 ? (p.dispLo >= 0x80000000 ? 0xffffffff : 0) : u32();
  p.length = 1 + ((r() * 15) | 0);
  p.addressSize = r() < 0.2 ? 4 : 8;
  p.seg = pick([0, 0, 5, 6]);
  return p;
}
