// Arguments the TD checks before changing anything (found by the TD fuzz suite, test/fuzz/td-api):
// config fields, mapping addresses and sizes, devices, #VE and vCPU shapes, page-table pool room,
// reentrant delivery. Each was a TypeError, a RangeError, a silent acceptance or a half-done call.
import { describe, it, expect } from "vitest";
import { Td, TdError } from "../../src/machine/td.js";
import { Vcpu, VcpuError } from "../../src/guest/vcpu.js";
import { RegisterBlock } from "../../src/devices/register-block.js";
import { decoder } from "../support/decoder.js";
import { tinyTd, MMIO_VA, MMIO_GPA, RIP } from "../support/td.js";

function code(f: () => unknown): string {
  try { f(); } catch (e) { return e instanceof TdError ? e.code : `${(e as Error).name}`; }
  return "none";
}

const ve = (td: Td) => ({ exitReason: 48 as const, exitQualification: 0x81n, gla: MMIO_VA, gpa: MMIO_GPA | td.memory.sharedBit, instrLen: 0 as const });

describe("the TD refuses malformed arguments with a TdError", () => {
  it("config: gpaw 47, an unknown mode or kernel, paging levels 3, a Number pool GPA, siteCode true or -1 or 1.5, generatedCode 1, null", () => {
    for (const config of [{ gpaw: 47 }, { mode: "x" }, { kernel: "5.0" }, { paging: { levels: 3, poolGpa: 0x800000n, poolPages: 4 } },
      { paging: { levels: 4, poolGpa: 0x800000, poolPages: 4 } }, { maxVcpus: 1.5 }, { host: { override: 5 } },
      { siteCode: true }, { siteCode: -1 }, { siteCode: 1.5 }, { generatedCode: 1 }, null].entries()) {
      expect(code(() => new Td(decoder, config[1] as never)), String(config[0])).toBe("bad_config");
    }
    expect(code(() => new Td(null as never))).toBe("bad_config");
    expect(code(() => tinyTd("90").td.onVe(null as never))).toBe("bad_config");
  });

  it("mappings: a Number address, size -1, NaN or 2^60, a negative or unaligned GPA, a device that is not one; nothing is mapped", () => {
    const { td, vcpu } = tinyTd("8B 07");
    const pages = td.memory.pageCount;
    const calls: (() => unknown)[] = [
      () => td.mapPrivate(1 as never, 0x100000n, 4096), () => td.mapPrivate(RIP, 0x100000n, -1), () => td.mapPrivate(RIP, 0x100000n, NaN),
      () => td.mapPrivate(RIP, 0x100000n, 2 ** 60), () => td.mapPrivate(RIP, -1n, 4096), () => td.mapShared(RIP, 0x100800n, 4096),
      () => td.mapPrivate(2n ** 64n - 4096n, 0x100000n, 8192),
      () => td.mapMmio(0xffffc90000100000n, 0xfe000000n, 4096, {} as never),
      () => td.mapMmio(0xffffc90000100000n, MMIO_GPA, 4096, new RegisterBlock("dup", 16)), // the device's GPA is taken
      () => td.convert(1 as never, 4096, true), () => td.convert(0x100000n, 100, true),
    ];
    for (const call of calls) expect(code(call), call.toString()).toBe("bad_region");
    expect(td.memory.pageCount).toBe(pages);
    expect(td.deliverFast(vcpu, ve(td)).handled).toBe(true); // the mappings are as they were
  });

  it("a page-table pool too small for a mapping refuses it before writing any entry", () => {
    const td = new Td(decoder, { paging: { levels: 4, poolGpa: 0x800000n, poolPages: 4 } });
    td.finalize();
    td.mapPrivate(0x1000n, 0x100000n, 4096); // takes the 3 tables under the root
    const pool = () => [0n, 1n, 2n, 3n].flatMap((i) => Array.from(td.memory.read(0x800000n + i * 4096n, 4096)));
    const tables = pool();
    expect(code(() => td.mapPrivate(0xffff800000000000n, 0x100000n, 4096))).toBe("bad_region");
    expect(code(() => td.mapPrivate(0x400000000n, 0x100000n, 4096 * 4096))).toBe("bad_region");
    expect(pool()).toEqual(tables);
  });

  it("a #VE or vCPU that is not one is bad_ve on every delivering call (deliverFast checks only when it fails)", () => {
    const { td, vcpu } = tinyTd("8B 07");
    const before = vcpu.snapshot();
    for (const call of [() => td.deliver(vcpu, null as never), () => td.deliverFast(vcpu, { ...ve(td), gpa: 5 } as never),
      () => td.deliverFast(null as never, ve(td)), () => td.deliver({ words: new Uint32Array(4), cpl: 0 }, ve(td)),
      () => td.deliverFast({ words: new Uint32Array(4), cpl: 0 }, ve(td)), () => td.deliverFast({ words: vcpu.words, cpl: 7 } as never, ve(td)),
      () => td.runMmioInstruction({ words: vcpu.words, cpl: 0 } as never), () => td.deliverPortIo({} as never, { exitReason: 30, exitQualification: 8n, instrLen: 1 })]) {
      expect(code(call), call.toString()).toBe("bad_ve");
    }
    expect(vcpu.snapshot()).toEqual(before);
    expect(td.veDelivered).toBe(0);
    expect(td.deliverFast(vcpu, ve(td)).handled).toBe(true);
  });

  it("cpl is 0-3 (a VcpuError otherwise), as restore() already checked", () => {
    const v = new Vcpu();
    for (const cpl of [4, -1, 1.5, "0"]) expect(() => { v.cpl = cpl as never; }).toThrow(VcpuError);
    expect(v.cpl).toBe(0);
  });

  it("a delivering call from a device or trace listener of the same TD is reentrant; the outer call still completes or fails cleanly", () => {
    const m = tinyTd("8B 07");
    const far = 0xffffc90000100000n, farGpa = 0xfd000000n;
    let inner: unknown = null;
    m.td.mapMmio(far, farGpa, 4096, { name: "re", read: () => { try { m.td.deliverFast(m.vcpu, ve(m.td)); } catch (e) { inner = e; } return 7n; }, write: () => {} });
    m.vcpu.set("rdi", far);
    const r = m.td.deliverFast(m.vcpu, { ...ve(m.td), gla: far, gpa: farGpa | m.td.memory.sharedBit });
    expect([r.handled, m.vcpu.get("rax"), m.vcpu.rip, m.td.veDelivered]).toEqual([true, 7n, RIP + 2n, 1]);
    expect((inner as TdError).code).toBe("reentrant");

    const l = tinyTd("8B 07");
    l.td.onVe(() => { l.td.deliver(l.vcpu, ve(l.td)); });
    const e = (() => { try { l.td.deliver(l.vcpu, ve(l.td)); } catch (x) { return x as TdError; } return null; })();
    expect([e?.code, (e?.cause as TdError).code, l.td.veDelivered, l.vcpu.rip]).toEqual(["listener_failed", "reentrant", 1, RIP + 2n]);
  });
});
