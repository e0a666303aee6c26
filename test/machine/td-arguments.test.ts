// Issue 10 items 8, 10 and 14: the TD and its vCPUs refuse bad calls with a typed error and
// change nothing (no half-restored snapshot, no RAX written before a bad instruction length).
import { describe, it, expect } from "vitest";
import { Td, TdError } from "../../src/machine/td.js";
import { VcpuError, Vcpu } from "../../src/guest/vcpu.js";
import { RegisterBlock } from "../../src/devices/register-block.js";
import { decoder } from "../support/decoder.js";
import { tinyTd, MMIO_VA, CODE_GPA, RIP } from "../support/td.js";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return null;
}

const inb = (port: number) => (BigInt(port) << 16n) | 8n; // 1-byte IN

describe("port I/O #VE instruction length (item 8)", () => {
  it("instrLen outside 1-15 or not an integer is a TdError bad_ve, with RAX and RIP unchanged", () => {
    for (const instrLen of [1.5, NaN, -2, 0, 16, 2 ** 53, Infinity, "2" as unknown as number]) {
      const { td, vcpu } = tinyTd("90");
      vcpu.set("rax", 0x1122334455667788n);
      const before = vcpu.snapshot();
      const e = thrown(() => td.deliverPortIo(vcpu, { exitReason: 30, exitQualification: inb(0x3f8), instrLen }));
      expect(e, String(instrLen)).toBeInstanceOf(TdError);
      expect((e as TdError).code).toBe("bad_ve");
      expect(vcpu.snapshot()).toEqual(before);
      expect(td.veDelivered).toBe(0);
    }
  });

  it("a valid length still advances RIP by it", () => {
    const { td, vcpu } = tinyTd("90");
    expect(td.deliverPortIo(vcpu, { exitReason: 30, exitQualification: inb(0x3f8), instrLen: 2 })).toMatchObject({ length: 2 });
    expect(vcpu.rip).toBe(RIP + 2n);
  });
});

describe("lifecycle (item 10)", () => {
  it("mapping and delivering before finalize() are a TdError wrong_phase", () => {
    const td = new Td(decoder);
    td.addPrivateRegion(CODE_GPA, new Uint8Array(4096));
    const vcpu = new Vcpu();
    const ve = { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA, gpa: 0n, instrLen: 0 } as const;
    const calls: [string, () => unknown][] = [
      ["mapPrivate", () => td.mapPrivate(RIP, CODE_GPA, 4096)],
      ["mapShared", () => td.mapShared(RIP, CODE_GPA, 4096)],
      ["mapMmio", () => td.mapMmio(MMIO_VA, 0xfee00000n, 4096, new RegisterBlock("r", 4096))],
      ["deliver", () => td.deliver(vcpu, ve)],
      ["deliverFast", () => td.deliverFast(vcpu, ve)],
      ["deliverPortIo", () => td.deliverPortIo(vcpu, { exitReason: 30, exitQualification: inb(0x3f8), instrLen: 1 })],
    ];
    for (const [name, call] of calls) {
      const e = thrown(call);
      expect(e, name).toBeInstanceOf(TdError);
      expect((e as TdError).code, name).toBe("wrong_phase");
    }
    expect(vcpu.snapshot()).toEqual(new Vcpu().snapshot());
    td.finalize();
    expect(() => td.mapPrivate(RIP, CODE_GPA, 4096)).not.toThrow();
  });
});

describe("vCPU registers (item 14)", () => {
  it("restore() with a Number (or anything but 16 bigints) changes nothing", () => {
    const v = new Vcpu();
    v.set("rax", 5n);
    v.rip = 0x1000n;
    const before = v.snapshot();
    const bad = [
      { ...before, gprs: [...before.gprs.slice(0, 8), 7, ...before.gprs.slice(9)] },
      { ...before, gprs: before.gprs.slice(0, 15) },
      { ...before, rip: 1 },
      { ...before, cpl: 4 },
      { ...before, gsBase: undefined },
      null,
    ];
    for (const s of bad) {
      const e = thrown(() => v.restore(s as never));
      expect(e, JSON.stringify(s, (_k, x) => (typeof x === "bigint" ? String(x) : x))).toBeInstanceOf(VcpuError);
      expect(v.snapshot()).toEqual(before);
    }
    const good = { ...before, gprs: before.gprs.map((_, i) => BigInt(i)), rip: 0x2000n };
    v.restore(good);
    expect(v.snapshot()).toEqual(good);
  });

  it("get/set of eax, rip, 16 or -1 and a Number value are a VcpuError, not silently ignored", () => {
    const v = new Vcpu();
    for (const reg of ["eax", "rip", "RAX", 16, -1, 1.5]) {
      expect(thrown(() => v.set(reg as never, 1n)), String(reg)).toBeInstanceOf(VcpuError);
      expect(thrown(() => v.get(reg as never)), String(reg)).toBeInstanceOf(VcpuError);
    }
    expect(thrown(() => v.set("rax", 1 as never))).toBeInstanceOf(VcpuError);
    expect(thrown(() => { v.rip = 1 as never; })).toBeInstanceOf(VcpuError);
    expect(v.snapshot()).toEqual(new Vcpu().snapshot());
    v.set(3, -1n);
    expect(v.get("rbx")).toBe(2n ** 64n - 1n);
  });
});

describe("addPrivateRegion (item 9)", () => {
  it("a region that overlaps half-way adds no page at all, and the measurement is unchanged", () => {
    const td = new Td(decoder);
    td.addPrivateRegion(0x105000n, new Uint8Array(4096));
    const pages = td.memory.pageCount;
    const measurement = td.measurement;
    for (const [gpa, contents] of [[0x100000n, 0x8000], [0x100000n, new Uint8Array(0x6000)], [0x100000n, [1, 2] as never], [0x100000n, "x" as never]] as const) {
      const e = thrown(() => td.addPrivateRegion(gpa, contents));
      expect(e).toBeInstanceOf(TdError);
      expect((e as TdError).code).toBe("bad_region");
      expect(td.memory.pageCount).toBe(pages);
      expect(td.memory.kindOf(0x100000n)).toBeNull();
    }
    expect(td.measurement).toBe(measurement);
    td.addPrivateRegion(0x100000n, 0x5000); // the free part is still free
    expect(td.memory.pageCount).toBe(pages + 5);
  });
});
