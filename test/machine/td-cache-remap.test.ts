// The decode cache after the code at RIP is remapped rather than rewritten (issue 10, item 6): a
// new mapping, a new PTE or a CR3 load may show other bytes, or none, without writing the old
// page. Every scenario runs with the cache off and on; the outcomes must be the same.
import { describe, it, expect } from "vitest";
import { tinyTd, pagedTd, RIP, MMIO_VA, MMIO_GPA } from "../support/td.js";
import { hex } from "../support/decoder.js";
import { PageTableBuilder, type PageTableWalker } from "../../src/guest/paging.js";

type Made = ReturnType<typeof tinyTd>;
const ve = (td: Made["td"]) => ({ exitReason: 48 as const, exitQualification: 0x81n, gla: MMIO_VA, gpa: MMIO_GPA | td.memory.sharedBit, instrLen: 0 as const });

/** A private page at `gpa` holding `code` (added after finalize, as a hot-plugged page would be). */
function codePage(td: Made["td"], gpa: bigint, code: string): void {
  td.memory.addPrivate(gpa, 4096);
  td.memory.write(gpa, hex(code));
}

/**
 * Warms the TD at RIP (two #VEs: a miss and a hit when cached), lets `change` remap, then takes one
 * more #VE; answers what the guest and device can observe.
 */
function observe(make: () => Made, change: (m: Made) => void) {
  const m = make();
  const { td, vcpu, device } = m;
  device.poke(0, 4, 0x12345678n);
  for (let i = 0; i < 2; i++) {
    vcpu.rip = RIP;
    expect(td.deliverFast(vcpu, ve(td)).handled).toBe(true);
  }
  change(m);
  vcpu.rip = RIP;
  vcpu.set("rax", 0xabcdn);
  const r = td.deliverFast(vcpu, ve(td));
  return { handled: r.handled, step: r.handled ? null : r.step, length: r.length, rip: vcpu.rip, rax: vcpu.get("rax"), device: device.peek(0, 4) };
}

function sameWithAndWithoutCache(make: (cache: boolean) => Made, change: (m: Made) => void) {
  const off = observe(() => make(false), change);
  const on = observe(() => make(true), change);
  expect(on).toEqual(off);
  return on;
}

describe("decode cache after a remap (item 6)", () => {
  it("RIP remapped (direct map) onto other bytes: the store runs, not the cached load", () => {
    const r = sameWithAndWithoutCache((decodeCache) => tinyTd("8B 07", { decodeCache }), ({ td }) => {
      codePage(td, 0x200000n, "89 07");
      td.mapPrivate(RIP, 0x200000n, 4096);
    });
    expect(r).toMatchObject({ handled: true, rax: 0xabcdn, device: 0xabcdn, rip: RIP + 2n });
  });

  it("RIP remapped onto a missing page: the #VE fails at the fetch step", () => {
    const r = sameWithAndWithoutCache((decodeCache) => tinyTd("8B 07", { decodeCache }), ({ td }) => {
      td.mapPrivate(RIP, 0x500000n, 4096);
    });
    expect(r).toMatchObject({ handled: false, step: "fetch", rip: RIP, rax: 0xabcdn, device: 0x12345678n });
  });

  it("a new PTE for RIP (page tables) onto other bytes", () => {
    const r = sameWithAndWithoutCache((decodeCache) => pagedTd("8B 07", 4, { decodeCache }), ({ td }) => {
      codePage(td, 0x300000n, "88 07");
      td.mapPrivate(RIP, 0x300000n, 4096);
    });
    expect(r).toMatchObject({ handled: true, length: 2, device: 0x123456cdn });
  });

  it("a CR3 load onto tables that map RIP to other bytes, and onto empty tables", () => {
    // The second set of tables is built before the warm-up, so only the CR3 load changes later.
    const withTables = (decodeCache: boolean) => {
      const m = pagedTd("8B 07", 5, { decodeCache });
      codePage(m.td, 0x300000n, "89 07");
      const b = new PageTableBuilder(m.td.memory, 0x900000n, 16, 5);
      b.map(RIP, 0x300000n, 4096);
      b.map(MMIO_VA, MMIO_GPA | m.td.memory.sharedBit, 4096);
      (m as Made & { cr3: bigint }).cr3 = b.cr3;
      return m;
    };
    const other = sameWithAndWithoutCache(withTables, (m) => {
      (m.td.translator as PageTableWalker).cr3 = (m as Made & { cr3: bigint }).cr3;
    });
    expect(other).toMatchObject({ handled: true, device: 0xabcdn });
    const empty = sameWithAndWithoutCache((decodeCache) => {
      const m = pagedTd("8B 07", 4, { decodeCache });
      m.td.memory.addPrivate(0x400000n, 4096);
      return m;
    }, ({ td }) => { (td.translator as PageTableWalker).cr3 = 0x400000n; });
    expect(empty).toMatchObject({ handled: false, step: "fetch" });
  });

  it("a remap onto the same bytes keeps the entry (no decode), and an unchanged TD keeps hitting", () => {
    const { td, vcpu } = tinyTd("8B 07", { decodeCache: true });
    for (let i = 0; i < 3; i++) { vcpu.rip = RIP; td.deliverFast(vcpu, ve(td)); }
    codePage(td, 0x200000n, "8B 07");
    td.mapPrivate(RIP, 0x200000n, 4096);
    vcpu.rip = RIP;
    expect(td.deliverFast(vcpu, ve(td)).handled).toBe(true);
    expect([td.decodeCache!.hits, td.decodeCache!.misses, td.decodeCache!.size]).toEqual([3, 1, 1]);
  });
});
