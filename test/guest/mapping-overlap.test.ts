// Overlapping mappings (issue 10, item 11): the latest map() call wins where mappings overlap, at
// every size, in the direct map as in real page tables.
import { describe, it, expect } from "vitest";
import { GuestMemory } from "../../src/guest/memory.js";
import { DirectMap, PageTableBuilder, PageTableWalker, type Translator } from "../../src/guest/paging.js";

const VA = 0xffff_8880_0000_0000n;
const A = 0x1000_0000n, B = 0x2000_0000n, C = 0x3000_0000n;
const PAGES = [1, 2, 62, 63, 64, 65, 300];

function memory(): GuestMemory {
  const m = new GuestMemory(48);
  for (const gpa of [A, B, C]) m.addPrivate(gpa, 512 * 4096);
  return m;
}

const gpaAt = (t: Translator, va: bigint) => {
  const r = t.translate(va, "read", 0);
  return "gpa" in r ? r.gpa : null;
};

describe("overlapping mappings: the later one wins at every size", () => {
  for (const n of PAGES) {
    it(`${n} page(s) over ${n} page(s)`, () => {
      const mem = memory();
      const direct = new DirectMap(mem);
      const builder = new PageTableBuilder(mem, 0x4000_0000n, 64);
      const walker = new PageTableWalker(mem, builder.cr3);
      for (const map of [direct.map.bind(direct), builder.map.bind(builder)]) {
        map(VA, A, n * 4096);
        map(VA, B, n * 4096);
      }
      for (const t of [direct, walker]) {
        expect(gpaAt(t, VA)).toBe(B);
        expect(gpaAt(t, VA + BigInt(n * 4096 - 1))).toBe(B + BigInt(n * 4096 - 1));
      }
    });
  }

  for (const [small, large] of [[1, 300], [63, 65], [62, 64], [2, 65]]) {
    it(`mixed sizes: ${small} page(s) and ${large} page(s), in both orders`, () => {
      // Large then small: the small one wins inside it, the large one around it.
      let d = new DirectMap(memory());
      d.map(VA, A, large * 4096);
      d.map(VA + 0x1000n, B, small * 4096);
      expect([gpaAt(d, VA), gpaAt(d, VA + 0x1000n), gpaAt(d, VA + BigInt((small + 1) * 4096))])
        .toEqual([A, B, A + BigInt((small + 1) * 4096)]);
      // Small then large: the large one wins everywhere.
      d = new DirectMap(memory());
      d.map(VA + 0x1000n, B, small * 4096);
      d.map(VA, A, large * 4096);
      expect([gpaAt(d, VA), gpaAt(d, VA + 0x1000n), gpaAt(d, VA + BigInt(small * 4096))])
        .toEqual([A, A + 0x1000n, A + BigInt(small * 4096)]);
      // Three in a row: the last decides again.
      d.map(VA + 0x1000n, C, small * 4096);
      expect(gpaAt(d, VA + 0x1000n)).toBe(C);
    });
  }

  it("small mappings sharing one page: each byte goes to the latest mapping that holds it", () => {
    const d = new DirectMap(memory());
    d.map(VA, A, 0x800);           // first half of the page
    d.map(VA + 0x800n, B, 0x800);  // second half
    d.map(VA + 0x400n, C, 0x100);  // a hole punched into the first
    expect([gpaAt(d, VA), gpaAt(d, VA + 0x400n), gpaAt(d, VA + 0x500n), gpaAt(d, VA + 0x900n)])
      .toEqual([A, C, A + 0x500n, B + 0x100n]);
  });
});
