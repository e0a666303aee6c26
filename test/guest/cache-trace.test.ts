// The decode cache (hits, invalidation on code writes and conversions) and the #VE trace.
import { describe, it, expect } from "vitest";
import { tinyTd, pagedTd, RIP, CODE_GPA, MMIO_VA, MMIO_GPA } from "../support/td.js";
import type { PageTableWalker } from "../../src/guest/paging.js";
import { hex } from "../support/decoder.js";
import { jsonlWriter, type VeTraceEvent } from "../../src/machine/trace.js";

describe("decode cache", () => {
  it("hits on the second #VE at the same RIP and drops entries when their code page is written", () => {
    const { td, vcpu, device } = tinyTd("8B 07", { decodeCache: true });
    device.poke(0, 8, 0x1122334455667788n);
    td.runMmioInstruction(vcpu);
    vcpu.rip = RIP;
    td.runMmioInstruction(vcpu);
    expect([td.decodeCache!.hits, td.decodeCache!.misses]).toEqual([1, 1]);
    expect(vcpu.get("rax")).toBe(0x55667788n);

    td.memory.write(CODE_GPA, hex("8A 07")); // self-modifying code: now a byte load
    vcpu.rip = RIP;
    vcpu.set("rax", 0n);
    const run = td.runMmioInstruction(vcpu);
    expect(td.decodeCache!.invalidations).toBe(1);
    expect(run).toMatchObject({ outcome: "handled", length: 2 });
    expect(vcpu.get("rax")).toBe(0x88n);
  });

  it("converting a code page drops its entries too", () => {
    const { td, vcpu } = tinyTd("8B 07", { decodeCache: true });
    td.runMmioInstruction(vcpu);
    td.memory.convert(CODE_GPA, 4096, "private");
    expect(td.decodeCache!.size).toBe(0);
  });
});

describe("typed outcomes", () => {
  it("decode the instruction on first read, from the bytes the #VE fetched", () => {
    for (const decodeCache of [false, true]) {
      const { td, vcpu } = tinyTd("8B 47 10", { decodeCache });
      const run = td.deliver(vcpu, { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA, gpa: MMIO_GPA | td.memory.sharedBit, instrLen: 0 });
      td.memory.write(CODE_GPA, hex("90 90 90")); // the code changes after the #VE
      expect(run.outcome).toBe("handled");
      if (run.outcome !== "handled") continue;
      expect(run.insn.length).toBe(3);
      expect(Array.from(run.insn.bytes)).toEqual([0x8b, 0x47, 0x10]);
      expect(run.insn.ip).toBe(RIP);
      expect(run.insn).toBe(run.insn); // made once
    }
  });
});

describe("instruction fetch keeps no stale code (TLB, no decode cache)", () => {
  const ve = (td: ReturnType<typeof tinyTd>["td"]) => ({ exitReason: 48 as const, exitQualification: 0x81n, gla: MMIO_VA, gpa: MMIO_GPA | td.memory.sharedBit, instrLen: 0 as const });

  it("sees rewritten code and a remapped code page on the next #VE", () => {
    const { td, vcpu, device } = tinyTd("8B 07");
    device.poke(0, 8, 0x1122334455667788n);
    expect(td.deliverFast(vcpu, ve(td))).toMatchObject({ handled: true, length: 2 });
    td.memory.write(CODE_GPA, hex("89 07")); // now a store of EAX
    vcpu.rip = RIP;
    vcpu.set("rax", 0xabcdn);
    expect(td.deliverFast(vcpu, ve(td))).toMatchObject({ handled: true, length: 2 });
    expect(device.peek(0, 4)).toBe(0xabcdn);

    // Another private page with a byte load, mapped over RIP.
    const other = new Uint8Array(4096);
    other.set(hex("8A 07"));
    td.memory.addPrivate(0x200000n, 4096);
    td.memory.write(0x200000n, other.subarray(0, 16));
    td.mapPrivate(RIP, 0x200000n, 4096);
    vcpu.rip = RIP;
    vcpu.set("rax", 0n);
    expect(td.deliverFast(vcpu, ve(td))).toMatchObject({ handled: true, length: 2 });
    expect(vcpu.get("rax")).toBe(0xcdn);
  });

  it("follows page-table changes and CR3 loads", () => {
    const { td, vcpu, device } = pagedTd("8B 07", 4);
    device.poke(0, 4, 0x12345678n);
    expect(td.deliverFast(vcpu, ve(td)).handled).toBe(true);
    // Map RIP onto a page with a 2-byte store instead: the table write changes the translation.
    td.memory.addPrivate(0x300000n, 4096);
    td.memory.write(0x300000n, hex("88 07"));
    td.mapPrivate(RIP, 0x300000n, 4096);
    vcpu.rip = RIP;
    vcpu.set("rax", 0x99n);
    expect(td.deliverFast(vcpu, ve(td))).toMatchObject({ handled: true, length: 2 });
    expect(device.peek(0, 4)).toBe(0x12345699n);
    // A CR3 load onto an empty table: the fetch faults.
    const walker = td.translator as PageTableWalker;
    td.memory.addPrivate(0x400000n, 4096);
    walker.cr3 = 0x400000n;
    vcpu.rip = RIP;
    expect(td.deliverFast(vcpu, ve(td))).toMatchObject({ handled: false, step: "fetch" });
  });
});

describe("trace", () => {
  it("emits one event per #VE with request, exit, response and register delta, as JSON lines", () => {
    const { td, vcpu, device } = tinyTd("0F B6 07");
    device.poke(0, 1, 0x80n);
    vcpu.set("rax", 0xffffffffffffffffn);
    const events: VeTraceEvent[] = [];
    const lines: string[] = [];
    td.onVe((e) => events.push(e));
    td.onVe(jsonlWriter((l) => lines.push(l)));
    td.runMmioInstruction(vcpu);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      seq: 1, rip: RIP, outcome: "handled",
      decode: { length: 3, arch: "read_zero_extend/1", linux: "read_zero_extend/1", diverges: ["extend_keeps_upper"] },
      exit: { type: "mmio", size: 1, isWrite: false, data: 0x80n },
      regs: { rax: 0xffffffff00000080n, rip: RIP + 3n },
    });
    const json = JSON.parse(lines[0]);
    expect(json.bytes).toBe("0fb607");
    expect(json.tdvmcalls[0].request.r11).toBe("0x30");
    expect(json.regs.rax).toBe("0xffffffff00000080");
  });

  it("port I/O #VEs are events too (nothing decoded), and so are deliverFast's", () => {
    const { td, vcpu } = tinyTd("8B 07", { host: { pio: (exit) => (exit.port === 0x3f8 ? 0x41n : undefined) } });
    const events: VeTraceEvent[] = [];
    td.onVe((e) => events.push(e));
    const inb = (0x3f8n << 16n) | 8n; // IN, 1 byte, port 0x3f8
    td.deliverPortIo(vcpu, { exitReason: 30, exitQualification: inb, instrLen: 1 });
    vcpu.rip = RIP;
    td.deliverFast(vcpu, { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA, gpa: MMIO_GPA | td.memory.sharedBit, instrLen: 0 });
    expect(events.map((e) => [e.seq, e.ve.exitReason, e.outcome])).toEqual([[1, 30, "handled"], [2, 48, "handled"]]);
    expect(events[0]).toMatchObject({
      rip: RIP, bytes: null, decode: null, exit: { type: "pio", port: 0x3f8, size: 1, isWrite: false, data: 0x41n },
      regs: { rax: 0x41n, rip: RIP + 1n },
    });
    expect(events[1]).toMatchObject({ rip: RIP, decode: { length: 2 }, exit: { type: "mmio" } });
  });
});

describe("one decode per #VE", () => {
  it("a traced #VE is decoded once, and the trace and outcome describe that decode", async () => {
    const { vi } = await import("vitest");
    const { td, vcpu } = tinyTd("8B 47 10");
    const events: VeTraceEvent[] = [];
    td.onVe((e) => events.push(e));
    const d = td.decoder;
    const spies = [vi.spyOn(d, "decode"), vi.spyOn(d, "decodePlan"), vi.spyOn(d, "decodeWithPlan")];
    const run = td.deliver(vcpu, { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA + 0x10n, gpa: (MMIO_GPA + 0x10n) | td.memory.sharedBit, instrLen: 0 });
    const calls = spies.map((s) => s.mock.calls.length);
    spies.forEach((s) => s.mockRestore());
    expect(calls).toEqual([0, 0, 1]);
    expect(run.outcome === "handled" && run.insn.length).toBe(3);
    expect(events[0].decode).toMatchObject({ length: 3, arch: "read/4", linux: "read/4" });
  });

  it("an untraced #VE decodes only the handler's plan, once (straight path generated or not)", async () => {
    const { vi } = await import("vitest");
    for (const generatedCode of [false, true]) {
      const { td, vcpu } = tinyTd("8B 47 10", { generatedCode });
      // The WebAssembly plan decodes, however they are reached (decodePlan, or its bound form).
      const d = td.decoder as unknown as { decodePlanFn: (...args: number[]) => number };
      const raw = d.decodePlanFn;
      let planDecodes = 0;
      d.decodePlanFn = (...args) => { planDecodes++; return raw(...args); };
      const spies = [vi.spyOn(td.decoder, "decode"), vi.spyOn(td.decoder, "decodeWithPlan")];
      try {
        td.deliverFast(vcpu, { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA + 0x10n, gpa: (MMIO_GPA + 0x10n) | td.memory.sharedBit, instrLen: 0 });
      } finally {
        d.decodePlanFn = raw;
      }
      const calls = spies.map((s) => s.mock.calls.length);
      spies.forEach((s) => s.mockRestore());
      expect([...calls, planDecodes], `generatedCode ${generatedCode}`).toEqual([0, 0, 1]);
    }
  });
});
