// The word-based instruction fetch (VeMemory.fetchCodeAt, CodeFetcher.fetchAt: RIP read from a
// register view instead of passed as two numbers, so nothing is boxed per #VE) reads the same
// bytes, count and pages as fetchCode at every RIP: inside a page, across a page, into an
// unmapped page, and at user CPL. (An engine over a VeMemory without it, which falls back to
// fetchCode, is test/examples/foreign-cpu.test.ts.)
import { describe, expect, it } from "vitest";
import { GuestMemory } from "../../src/guest/memory.js";
import { DirectMap } from "../../src/guest/paging.js";
import { MappedMemory } from "../../src/guest/mapped-memory.js";
import { SLOT } from "../../src/guest/cpu.js";

const TEXT = 0xffffffff81000000n;

function memoryWithCode(): MappedMemory {
  const memory = new GuestMemory(48);
  memory.addPrivate(0x100000n, 3 * 4096);
  const bytes = new Uint8Array(3 * 4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
  for (let p = 0; p < 3; p++) memory.write(0x100000n + BigInt(p * 4096), bytes.subarray(p * 4096, (p + 1) * 4096));
  const map = new DirectMap(memory);
  map.map(TEXT, 0x100000n, 2 * 4096); // the third page's VA stays unmapped
  map.map(0xfffff000n, 0x102000n, 4096); // a page whose successor wraps bits 31:0
  return new MappedMemory(memory, map);
}

describe("word-based instruction fetch", () => {
  it("reads what fetchCode reads at 3,000 RIPs, TLB cold and warm", () => {
    const a = memoryWithCode(), b = memoryWithCode();
    const words = new Uint32Array(40);
    const outA = new Uint8Array(15), outB = new Uint8Array(15);
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    const bases = [TEXT, 0xfffff000n];
    let full = 0, short = 0;
    for (let i = 0; i < 3000; i++) {
      const base = bases[rnd() % 2];
      const rip = base + BigInt(rnd() % (3 * 4096));
      const lo = Number(rip & 0xffffffffn), hi = Number((rip >> 32n) & 0xffffffffn);
      words[2 * SLOT.RIP] = lo; words[2 * SLOT.RIP + 1] = hi;
      const cpl = rnd() % 8 === 0 ? 3 : 0;
      const max = rnd() % 4 === 0 ? 1 + (rnd() % 15) : 15;
      outA.fill(0xcc); outB.fill(0xcc);
      const n = a.fetchCode(lo, hi, cpl, outA, max);
      const m = b.fetchCodeAt(words, 2 * SLOT.RIP, cpl, outB, max);
      expect(m).toBe(n);
      expect(outB).toEqual(outA);
      expect(b.codePages()).toEqual(a.codePages());
      expect(b.fetcher.pageFault).toBe(a.fetcher.pageFault);
      if (n === max) full++; else short++;
    }
    // Both outcomes were exercised (whole fetches, and fetches stopped by an unmapped page).
    expect(full).toBeGreaterThan(1000);
    expect(short).toBeGreaterThan(100);
  });
});
