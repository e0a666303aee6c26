// kernelAddressWords (the #VE engine's address of an access, as 32-bit halves) against the same
// sum in BigInt, on random plans and registers weighted towards carries across bit 32 and 2^64.
import { describe, it, expect } from "vitest";
import { kernelAddressWords } from "../../src/guest/ve-engine.js";
import { VePlan } from "../../src/decoder/plan.js";
import { SLOT } from "../../src/guest/cpu.js";
import { rng } from "../support/random.js";

const M64 = (1n << 64n) - 1n;
const word = (w: Uint32Array, slot: number): bigint => BigInt(w[2 * slot]) | (BigInt(w[2 * slot + 1]) << 32n);

/** insn_get_addr_ref as the kernel computes it, in BigInt. */
function reference(p: VePlan, w: Uint32Array): bigint {
  if (p.addressInvalid) return M64;
  let va: bigint;
  if (p.registerForm) va = p.base < 16 ? word(w, p.base) : 0n;
  else {
    va = BigInt(p.dispLo) | (BigInt(p.dispHi) << 32n);
    if (p.base === 16) va += word(w, SLOT.RIP) + BigInt(p.length);
    else if (p.base < 16) va += word(w, p.base);
    if (p.index < 16) va += word(w, p.index) * BigInt(p.scale);
  }
  va &= p.addressSize === 4 ? 0xffffffffn : M64;
  if (p.seg === 5) va += word(w, SLOT.FS_BASE);
  if (p.seg === 6) va += word(w, SLOT.GS_BASE);
  return va & M64;
}

describe("kernelAddressWords", () => {
  it("equals the BigInt sum on 200,000 random plans and register files", () => {
    const r = rng(4711);
    const u32 = () => (r() < 0.3 ? [0, 0xffffffff, 0x80000000, 0xfffff000][(r() * 4) | 0] : (r() * 0x1_0000_0000) >>> 0);
    const pick = <T>(xs: T[]): T => xs[(r() * xs.length) | 0];
    const w = new Uint32Array(40);
    const out = new Uint32Array(2);
    const bad: string[] = [];
    for (let i = 0; i < 200_000 && bad.length < 5; i++) {
      for (let j = 0; j < 40; j++) w[j] = u32();
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
      kernelAddressWords(p, w, out);
      const got = BigInt(out[0]) | (BigInt(out[1]) << 32n);
      const want = reference(p, w);
      if (got !== want) bad.push(`${JSON.stringify(p)} regs ${Array.from(w).join(",")}: 0x${got.toString(16)} != 0x${want.toString(16)}`);
    }
    expect(bad).toEqual([]);
  });
});
