// The engine's generated code (generated.ts): a hot cached #VE site's own code (site-code.ts) and
// the uncached straight path (straight-code.ts). When a site gets code, that it goes with its
// cache entry, the cache's bound on how many sites have code, that nothing but numbers reaches the
// generated source, that generatedCode: false turns both off, and that where code generation is
// not allowed (Node's --disallow-code-generation-from-strings, as a browser's CSP without
// 'unsafe-eval') the generic paths give the same answers. That the code answers every site as the
// general path does is test/guest/compiled-access.test.ts.
import { describe, expect, it, vi } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tinyTd, RIP, CODE_GPA, MMIO_VA, MMIO_GPA } from "../support/td.js";
import { Td } from "../../src/machine/td.js";
import { RegisterBlock } from "../../src/devices/register-block.js";
import type { MappedMemory } from "../../src/guest/mapped-memory.js";
import { hex } from "../support/decoder.js";
import { DecodeCache, DecodeCacheEntry } from "../../src/guest/decode-cache.js";
import { compileAccess, CompiledAccess } from "../../src/guest/compiled-access.js";
import { siteCode, type SiteEngine } from "../../src/guest/site-code.js";
import { SITE_CODE_AFTER, VeResult } from "../../src/guest/ve-engine.js";
import { TdvmcallFrame } from "../../src/tdvmcall/abi.js";
import { VePlan } from "../../src/decoder/plan.js";
import { decoder } from "../support/decoder.js";
import type { VeInfo } from "../../src/guest/memory.js";

/** A readl at RIP with the decode cache and the given siteCode; `readl()` runs one #VE. */
function readlSite(siteCodeAfter?: number | false) {
  const t = tinyTd("8B 47 10", { decodeCache: true, siteCode: siteCodeAfter });
  t.device.poke(0x10, 4, 0x12345678n);
  const ve: VeInfo = { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA + 0x10n, gpa: (0xfee00010n) | t.td.memory.sharedBit, instrLen: 0 };
  const readl = () => {
    t.vcpu.rip = RIP;
    t.vcpu.set("rax", 0xffffffffffffffffn);
    const r = t.td.deliverFast(t.vcpu, ve);
    expect([r.handled, t.vcpu.get("rax"), t.vcpu.rip]).toEqual([true, 0x12345678n, RIP + 3n]);
    return r;
  };
  return { ...t, readl };
}

describe("generated code", () => {
  it(`a site gets code of its own once the compiled path has found it ${SITE_CODE_AFTER} times, and runs it from then on`, () => {
    const { td, readl } = readlSite();
    // The first #VE decodes, the second teaches the cache's front table the RIP; the compiled
    // path finds the site from the third on.
    for (let i = 0; i < 2 + SITE_CODE_AFTER; i++) expect(readl().entry?.site ?? null).toBeNull();
    const r = readl();
    expect(r.entry?.site).toBeTypeOf("function");
    expect(td.decodeCache!.siteCodes).toBe(1);
    for (let i = 0; i < 100; i++) readl();
    expect(td.decodeCache!.siteCodes).toBe(1);
  });

  it("generatedCode: false generates nothing, for sites or the uncached straight path", () => {
    const t = tinyTd("8B 47 10", { decodeCache: true, siteCode: 0, generatedCode: false });
    const ve: VeInfo = { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA + 0x10n, gpa: 0xfee00010n | t.td.memory.sharedBit, instrLen: 0 };
    for (let i = 0; i < 10; i++) { t.vcpu.rip = RIP; t.td.deliverFast(t.vcpu, ve); }
    expect(t.td.decodeCache!.siteCodes).toBe(0);
    const u = tinyTd("8B 47 10", { generatedCode: false });
    u.td.deliverFast(u.vcpu, ve);
    expect(String((u.td.engine as unknown as { uncached: unknown }).uncached)).toContain("runDecoded");
    const v = tinyTd("8B 47 10");
    v.td.deliverFast(v.vcpu, ve);
    expect(String((v.td.engine as unknown as { uncached: unknown }).uncached)).toContain("function straight");
  });

  it("siteCode: false never generates; 0 generates on the compiled path's first find", () => {
    const never = readlSite(false);
    for (let i = 0; i < 500; i++) never.readl();
    expect(never.td.decodeCache!.siteCodes).toBe(0);
    const atOnce = readlSite(0);
    atOnce.readl(); atOnce.readl();
    expect(atOnce.readl().entry?.site).toBeTypeOf("function");
  });

  it("the code goes with its entry: writing the site's code page drops both, and the new instruction is decoded", () => {
    const { td, vcpu, device, readl } = readlSite(0);
    for (let i = 0; i < 5; i++) readl();
    expect(td.decodeCache!.siteCodes).toBe(1);
    td.memory.write(CODE_GPA, hex("8A 47 10")); // now a byte load: AL only
    expect(td.decodeCache!.siteCodes).toBe(0);
    device.poke(0x10, 1, 0xabn);
    for (let i = 0; i < 5; i++) {
      vcpu.rip = RIP;
      vcpu.set("rax", 0x1111111111111111n);
      const r = td.deliverFast(vcpu, { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA + 0x10n, gpa: 0xfee00010n | td.memory.sharedBit, instrLen: 0 });
      expect([r.handled, vcpu.get("rax")]).toEqual([true, 0x11111111111111abn]);
    }
    expect(td.decodeCache!.siteCodes).toBe(1);
  });

  it("a cache gives code to at most siteCodeLimit live entries, and counts what its drops take away", () => {
    const cache = new DecodeCache(16, 2);
    const plan = decoder.decodePlan(3, new VePlan(), true);
    const entries = [0, 1, 2].map((i) => cache.put(i * 16, 0xffffffff, plan, new Uint8Array(15), [256 + i]));
    const code = () => true;
    expect(entries.map((e) => cache.giveSiteCode(e, code, cache))).toEqual([true, true, false]);
    expect(cache.giveSiteCode(entries[0], code, cache)).toBe(false); // it has code already
    cache.invalidatePage(256);
    expect([cache.siteCodes, entries[0].site]).toEqual([1, null]);
    expect(cache.giveSiteCode(entries[0], code, cache)).toBe(false); // no longer live
    expect(cache.giveSiteCode(entries[2], code, cache)).toBe(true);
    cache.clear();
    expect(cache.siteCodes).toBe(0);
  });

  it("writes nothing but numbers into the generated source", () => {
    const plan = decoder.decodePlan(3, new VePlan(), true);
    const good = compileAccess(plan, true)!;
    const result = new VeResult();
    const cache = new DecodeCache();
    const engine: SiteEngine = {
      frame: new TdvmcallFrame(), host: { handleFrame: () => {} }, result, memory: { fetchCode: () => 0, codeEpoch: () => 1 } as never,
      cache, veWords: new Uint32Array(4), operand: new Uint32Array(2), glaTaskSizeMaxHi: 0x7fff,
    };
    const entry = new DecodeCacheEntry(0, 0xffffffff, plan, new Uint8Array(15), [1]);
    expect(siteCode(engine, entry, good)).toBeTypeOf("function");
    const g = globalThis as { siteCodeInjected?: boolean };
    for (const [field, value] of [["dispLo", "0; globalThis.siteCodeInjected = true; 0"], ["length", 1.5], ["baseAt", 64], ["size", Number.NaN]] as const) {
      const bad = Object.assign(Object.create(CompiledAccess.prototype) as CompiledAccess, good, { [field]: value });
      expect(siteCode(engine, entry, bad), field).toBeNull();
    }
    expect(g.siteCodeInjected).toBeUndefined();
  });

  it("the uncached straight path copies code from the fetch's TLB as fetchAt does, and calls fetchAt wherever the TLB cannot answer", () => {
    // Two code pages, so that a RIP near the first page's end fetches across into the second. A
    // TD with generated code runs beside one without (runDecoded and fetchAt on every #VE) through
    // the same events: repeated #VEs, code rewritten, a remap, RIPs at and past the last offset
    // whose 15 bytes stay in the page.
    const make = (generatedCode: boolean) => {
      const td = new Td(decoder, { generatedCode });
      td.addPrivateRegion(CODE_GPA, new Uint8Array(8192));
      td.finalize();
      td.mapPrivate(RIP, CODE_GPA, 8192);
      const device = new RegisterBlock("regs", 4096);
      td.mapMmio(MMIO_VA, MMIO_GPA, 4096, device);
      device.poke(0x10, 8, 0x1122334455667788n);
      const vcpu = td.createVcpu();
      const mapped = (td as unknown as { mapped: MappedMemory }).mapped;
      return { td, vcpu, mapped, fetchAt: vi.spyOn(mapped.fetcher, "fetchAt") };
    };
    const gen = make(true), plain = make(false);
    const ve: VeInfo = { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA + 0x10n, gpa: (MMIO_GPA + 0x10n) | gen.td.memory.sharedBit, instrLen: 0 };
    /** One #VE at `rip` with RAX `rax` on both TDs: the same outcome, which it returns. */
    const atRip = (rip: bigint, rax = 0xaaaaaaaaaaaaaaaan) => {
      const out = [gen, plain].map((t) => {
        t.vcpu.rip = rip;
        t.vcpu.set("rdi", MMIO_VA);
        t.vcpu.set("rax", rax);
        const r = t.td.deliverFast(t.vcpu, ve);
        return { handled: r.handled, error: r.error, rax: t.vcpu.get("rax"), rip: t.vcpu.rip, plan: r.plan?.toJSON(), pages: t.mapped.codePages() };
      });
      expect(out[0]).toEqual(out[1]);
      return out[0];
    };
    const both = (offset: number) => atRip(RIP + BigInt(offset));
    const code = (offset: number, bytes: string) => { for (const t of [gen, plain]) t.td.memory.write(CODE_GPA + BigInt(offset), hex(bytes)); };
    const fetchAtCalls = () => gen.fetchAt.mock.calls.length;

    code(0, "8B 47 10"); // mov eax, [rdi+0x10]
    expect(both(0)).toMatchObject({ handled: true, rax: 0x55667788n, pages: [Number(CODE_GPA >> 12n)] });
    expect(fetchAtCalls()).toBe(1); // the TLB was cold
    for (let i = 0; i < 20; i++) both(0);
    expect(fetchAtCalls()).toBe(1); // then the written-out TLB hit, with the same pages
    expect(String((gen.td.engine as unknown as { uncached: unknown }).uncached)).toContain("fetchView[fetchSlot]");

    code(0, "48 8B 47 10"); // mov rax, [rdi+0x10]: guest memory changed, so the TLB is refilled and the new bytes read
    expect(both(0)).toMatchObject({ handled: true, rax: 0x1122334455667788n, rip: RIP + 4n });
    expect(fetchAtCalls()).toBe(2);
    both(0);
    expect(fetchAtCalls()).toBe(2);

    for (const t of [gen, plain]) t.td.mapPrivate(MMIO_VA + 0x100000n, CODE_GPA, 4096); // a new mapping: the translator changed
    both(0);
    expect(fetchAtCalls()).toBe(3);

    // The same low 32 bits of RIP in another 4 GiB (the same TLB slot, another VA): the second
    // code page, holding an 8-byte write, mapped there.
    const far = RIP - 0x100000000n;
    for (const t of [gen, plain]) t.td.mapPrivate(far, CODE_GPA + 4096n, 4096);
    code(4096, "48 89 47 10"); // mov [rdi+0x10], rax
    both(0);
    const farCalls = fetchAtCalls();
    expect(atRip(far, 0x0102030405060708n)).toMatchObject({ handled: true, rip: far + 4n, pages: [Number(CODE_GPA >> 12n) + 1] });
    expect(fetchAtCalls()).toBe(farCalls + 1); // RIP's bits 63:32 differ: a miss
    both(0);
    expect(fetchAtCalls()).toBe(farCalls + 2); // and back again

    // A fetch at CPL 3 of the same page takes its TLB slot: a #VE at CPL 0 may not use it.
    both(0);
    const cplCalls = fetchAtCalls();
    const userBytes = new Uint8Array(15);
    expect(gen.mapped.fetcher.fetch(Number(RIP & 0xffffffffn), Number(RIP >> 32n), 3, userBytes, 15)).toBe(15); // (itself a fetchAt call)
    both(0);
    expect(fetchAtCalls()).toBe(cplCalls + 2);

    code(4096 - 15, "8B 47 10"); // the last offset whose 15 bytes stay in the page: the TLB answers
    both(4096 - 15); // (through fetchAt: guest memory changed)
    const lastCalls = fetchAtCalls();
    both(4096 - 15);
    expect(fetchAtCalls()).toBe(lastCalls);
    code(4096 - 14, "8B 47 10"); // one further: the fetch crosses into the second page, through fetchAt
    const calls = fetchAtCalls();
    expect(both(4096 - 14)).toMatchObject({ handled: true, pages: [Number(CODE_GPA >> 12n), Number(CODE_GPA >> 12n) + 1] });
    both(4096 - 14);
    expect(fetchAtCalls()).toBe(calls + 2);
  });

  it("where code generation is not allowed, every site keeps the generic compiled path with the same answers", () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const dist = (path: string) => JSON.stringify(pathToFileURL(`${root}dist/${path}`).href);
    const script = `
      const { loadDecoder } = await import(${dist("src/decoder/node.js")});
      const { readlTd, READL_RIP_LO, READL_VALUE } = await import(${dist("bench/readl-td.js")});
      const decoder = await loadDecoder();
      const site = readlTd(decoder, true), uncached = readlTd(decoder, false);
      let wrong = 0;
      for (const t of [site, uncached]) {
        for (let i = 0; i < 2000; i++) {
          t.vcpu.words[32] = READL_RIP_LO;
          t.vcpu.set("rax", 0n);
          if (!t.td.deliverFast(t.vcpu, t.ve).handled || t.vcpu.get("rax") !== READL_VALUE || t.vcpu.words[32] !== READL_RIP_LO + 3) wrong++;
        }
      }
      let refused = false;
      try { new Function("return 1"); } catch (e) { refused = e instanceof EvalError; }
      // Whether the uncached TD runs on its own straight path (straight-code.ts) or on runDecoded.
      const ownStraightPath = !String(uncached.td.engine.uncached).includes("runDecoded");
      console.log(JSON.stringify({ wrong, siteCodes: site.td.decodeCache.siteCodes, hits: site.td.decodeCache.hits, refused, ownStraightPath }));
    `;
    const run = (flags: string[]) => {
      const r = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", script], { encoding: "utf8", cwd: root });
      if (r.status !== 0) throw new Error(`the child failed: ${r.stderr}`);
      return JSON.parse(r.stdout) as { wrong: number; siteCodes: number; hits: number; refused: boolean; ownStraightPath: boolean };
    };
    expect(run([])).toEqual({ wrong: 0, siteCodes: 1, hits: 1999, refused: false, ownStraightPath: true });
    expect(run(["--disallow-code-generation-from-strings"])).toEqual({ wrong: 0, siteCodes: 0, hits: 1999, refused: true, ownStraightPath: false });
  });
});
