// kernelAddressWords (the #VE engine's address of an access, as 32-bit halves) against the same
// sum in BigInt, on random plans and registers weighted towards carries across bit 32 and 2^64.
import { describe, it, expect } from "vitest";
import { kernelAddressWords } from "../../src/guest/ve-engine.js";
import { VePlan } from "../../src/decoder/plan.js";
import { SLOT } from "../../src/guest/cpu.js";
import { rng } from "../support/random.js";
import { randomAddressCase, ADDRESS_WORDS } from "../support/address-case.js";

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
    const w = new Uint32Array(ADDRESS_WORDS);
    const out = new Uint32Array(2);
    const bad: string[] = [];
    for (let i = 0; i < 200_000 && bad.length < 5; i++) {
      const p = randomAddressCase(r, w);
      kernelAddressWords(p, w, out);
      const got = BigInt(out[0]) | (BigInt(out[1]) << 32n);
      const want = reference(p, w);
      if (got !== want) bad.push(`${JSON.stringify(p)} regs ${Array.from(w).join(",")}: 0x${got.toString(16)} != 0x${want.toString(16)}`);
    }
    expect(bad).toEqual([]);
  });
});
