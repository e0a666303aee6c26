// 4/5-level paging with tables in guest memory: translations, #PF error codes, shared-memory rules.
import { describe, it, expect } from "vitest";
import { GuestMemory } from "../../src/guest/memory.js";
import { PageTableBuilder, PageTableWalker, PF } from "../../src/guest/paging.js";
import { pagedTd } from "../support/td.js";

function setup(levels: 4 | 5 = 4) {
  const mem = new GuestMemory(levels === 5 ? 52 : 48);
  const pt = new PageTableBuilder(mem, 0x10000n, 16, levels);
  mem.addPrivate(0x200000n, 8192);
  mem.addShared(0x300000n | mem.sharedBit, 4096, false);
  pt.map(0xffffffff81000000n, 0x200000n, 4096);
  pt.map(0xffffffff81001000n, 0x201000n, 4096, { writable: false, noExec: true });
  pt.map(0xffffc90000000000n, 0x300000n | mem.sharedBit, 4096, { noExec: true });
  pt.map(0x400000n, 0x200000n, 4096, { user: true });
  return { mem, walker: new PageTableWalker(mem, pt.cr3, levels) };
}

describe("page-table walks", () => {
  for (const levels of [4, 5] as const) {
    it(`${levels}-level: translates kernel, user and shared mappings`, () => {
      const { walker, mem } = setup(levels);
      expect(walker.translate(0xffffffff81000123n, "fetch", 0)).toEqual({ gpa: 0x200123n });
      expect(walker.translate(0xffffc90000000010n, "read", 0)).toEqual({ gpa: 0x300010n | mem.sharedBit });
      expect(walker.translate(0x400008n, "read", 3)).toEqual({ gpa: 0x200008n });
    });
  }

  it("raises #PF with SDM error codes", () => {
    const { walker } = setup();
    expect(walker.translate(0xffffffff82000000n, "read", 0)).toEqual({ pageFault: 0 });                        // not present
    expect(walker.translate(0xffffffff81001000n, "write", 0)).toEqual({ pageFault: PF.PRESENT | PF.WRITE });    // read-only
    expect(walker.translate(0xffffffff81001000n, "fetch", 0)).toEqual({ pageFault: PF.PRESENT | PF.FETCH });    // NX
    expect(walker.translate(0xffffffff81000000n, "read", 3)).toEqual({ pageFault: PF.PRESENT | PF.USER });      // supervisor page
    expect(walker.translate(0xffffc90000000000n, "fetch", 0)).toEqual({ pageFault: PF.PRESENT | PF.FETCH });    // shared + NX
  });

  it("instruction fetch from a shared page faults even when the PTE allows execution", () => {
    const { mem, walker } = setup();
    const pt = new PageTableBuilder(mem, 0x40000n, 8);
    pt.map(0xffffc90000002000n, 0x300000n | mem.sharedBit, 4096);
    const w = new PageTableWalker(mem, pt.cr3);
    expect(w.translate(0xffffc90000002000n, "fetch", 0)).toEqual({ pageFault: PF.PRESENT | PF.FETCH });
    void walker;
  });

  it("a walk that reads a table entry from shared memory faults", () => {
    const mem = new GuestMemory(48);
    mem.addShared(0x50000n | mem.sharedBit, 4096, true); // CR3 points at a shared page
    const w = new PageTableWalker(mem, 0x50000n | mem.sharedBit);
    expect(w.translate(0xffffffff81000000n, "read", 0)).toEqual({ pageFault: PF.PRESENT });
  });
});

describe("a TD on real page tables", () => {
  for (const levels of [4, 5] as const) {
    it(`${levels}-level: the #VE path fetches, decodes and emulates through the walk`, () => {
      const { td, vcpu, device } = pagedTd("0F B7 07", levels);
      device.poke(0, 2, 0xbeefn);
      vcpu.set("rax", 0xffffffffffffffffn);
      expect(td.runMmioInstruction(vcpu)).toMatchObject({ outcome: "handled", length: 3 });
      expect(vcpu.get("rax")).toBe(0xffffffff0000beefn);
      expect(td.memory.sharedBit).toBe(levels === 5 ? 1n << 51n : 1n << 47n);
    });
  }
});
