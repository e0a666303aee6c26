// Issue 10 item 12: an access that crosses a page with MMIO on one side. Arch mode does what the
// CPU does: one part per page, the MMIO part through TDVMCALLs of 1/2/4/8 bytes, the memory part
// through guest memory, the value assembled; a failure changes nothing. Linux mode refuses
// (page_split), as the kernel does.
import { describe, it, expect } from "vitest";
import { Td, type TdConfig } from "../../src/machine/td.js";
import { RegisterBlock } from "../../src/devices/register-block.js";
import { STATUS } from "../../src/tdvmcall/abi.js";
import { decoder, hex } from "../support/decoder.js";

const RIP = 0xffffffff81000000n;
const CODE_GPA = 0x100000n;
const DATA_GPA = 0x200000n;
const BASE = 0xffffc90000010000n; // page 0: MMIO (device A), page 1: private memory, page 2: MMIO (device B), page 3: MMIO (device C)

function splitTd(code: string, config: TdConfig = {}) {
  const td = new Td(decoder, { mode: "arch", ...config });
  const bytes = new Uint8Array(4096);
  bytes.set(hex(code));
  td.addPrivateRegion(CODE_GPA, bytes);
  td.addPrivateRegion(DATA_GPA, 4096);
  td.finalize();
  td.mapPrivate(RIP, CODE_GPA, 4096);
  const a = new RegisterBlock("a", 4096), b = new RegisterBlock("b", 4096), c = new RegisterBlock("c", 4096);
  td.mapMmio(BASE, 0xfe000000n, 4096, a);
  td.mapPrivate(BASE + 0x1000n, DATA_GPA, 4096);
  td.mapMmio(BASE + 0x2000n, 0xfe001000n, 4096, b);
  td.mapMmio(BASE + 0x3000n, 0xfe100000n, 4096, c);
  const vcpu = td.createVcpu();
  vcpu.rip = RIP;
  td.memory.write(DATA_GPA, Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff));
  return { td, vcpu, a, b, c };
}

describe("arch mode splits a page-crossing MMIO access (issue 10 item 12)", () => {
  it("MMIO then memory: a 4-byte read is a 2-byte TDVMCALL and 2 bytes of guest memory", () => {
    const { td, vcpu, a } = splitTd("8B 07"); // mov eax, [rdi]
    a.poke(0xffe, 2, 0xbbaan);
    vcpu.set("rdi", BASE + 0xffen);
    vcpu.set("rax", 0xffff_ffff_ffff_ffffn);
    const run = td.runMmioInstruction(vcpu);
    expect(run).toMatchObject({ outcome: "handled", length: 2 });
    expect(vcpu.get("rax")).toBe(0x0100bbaan); // memory bytes 0x00, 0x01; bits 63:32 zeroed
    expect(a.trace).toEqual([{ op: "read", offset: 0xffe, size: 2, value: 0xbbaan }]);
    expect(vcpu.rip).toBe(RIP + 2n);
    expect(td.host.bus.unclaimedReads).toBe(0);
  });

  it("memory then MMIO: the CPU raises the #VE on the second page; 3 memory bytes and a 1-byte TDVMCALL", () => {
    const { td, vcpu, b } = splitTd("8B 07");
    b.poke(0, 1, 0x5an);
    vcpu.set("rdi", BASE + 0x1ffdn);
    const run = td.runMmioInstruction(vcpu);
    expect(run).toMatchObject({ outcome: "handled", ve: { gla: BASE + 0x2000n } });
    expect(vcpu.get("rax")).toBe(0x5afffefdn);
    expect(b.trace).toEqual([{ op: "read", offset: 0, size: 1, value: 0x5an }]);
  });

  it("an 8-byte read with a 3-byte MMIO part makes TDVMCALLs of 2 and 1 bytes", () => {
    const { td, vcpu, a } = splitTd("48 8B 07"); // mov rax, [rdi]
    a.poke(0xffd, 2, 0x2211n);
    a.poke(0xfff, 1, 0x33n);
    vcpu.set("rdi", BASE + 0xffdn);
    const run = td.runMmioInstruction(vcpu);
    expect(run).toMatchObject({ outcome: "handled", length: 3 });
    expect(vcpu.get("rax")).toBe(0x0403020100332211n);
    expect(a.trace.map((t) => [t.offset, t.size])).toEqual([[0xffd, 2], [0xfff, 1]]);
    if (run.outcome === "handled") expect(run.tdvmcalls.map((c) => c.request.r12)).toEqual([2n, 1n]);
  });

  it("a write crossing from MMIO into memory: the device takes its 2 bytes, memory the other 2", () => {
    const { td, vcpu, a } = splitTd("89 37"); // mov [rdi], esi
    vcpu.set("rdi", BASE + 0xffen);
    vcpu.set("rsi", 0xddccbbaan);
    expect(td.runMmioInstruction(vcpu)).toMatchObject({ outcome: "handled" });
    expect(a.trace).toEqual([{ op: "write", offset: 0xffe, size: 2, value: 0xbbaan }]);
    expect([...td.memory.read(DATA_GPA, 3)]).toEqual([0xcc, 0xdd, 0x02]);
  });

  it("MMIO on two devices: each gets its part", () => {
    const { td, vcpu, b, c } = splitTd("89 37");
    vcpu.set("rsi", 0x44332211n);
    vcpu.set("rdi", BASE + 0x2ffen);
    expect(td.runMmioInstruction(vcpu)).toMatchObject({ outcome: "handled" });
    expect(b.trace).toEqual([{ op: "write", offset: 0xffe, size: 2, value: 0x2211n }]);
    expect(c.trace).toEqual([{ op: "write", offset: 0, size: 2, value: 0x4433n }]);
  });

  it("a host error on a later part leaves memory and registers untouched", () => {
    let n = 0;
    const { td, vcpu, a } = splitTd("48 89 37", { // mov [rdi], rsi: MMIO part 3 bytes (2 + 1), then memory
      host: { override: () => (++n === 2 ? { r10: STATUS.INVALID_OPERAND, r11: 0n } : undefined) },
    });
    vcpu.set("rdi", BASE + 0xffdn);
    vcpu.set("rsi", 0x8877665544332211n);
    const before = vcpu.snapshot();
    const memory = td.memory.read(DATA_GPA, 4096).slice();
    const run = td.runMmioInstruction(vcpu);
    expect(run).toMatchObject({ outcome: "fault", error: "EIO", step: "tdvmcall" });
    expect(vcpu.snapshot()).toEqual(before);
    expect(Buffer.from(td.memory.read(DATA_GPA, 4096)).equals(Buffer.from(memory))).toBe(true);
    expect(a.trace).toEqual([{ op: "write", offset: 0xffd, size: 2, value: 0x2211n }]);
  });

  it("a read whose second part fails changes no register", () => {
    let n = 0;
    const { td, vcpu } = splitTd("8B 07", { host: { override: () => (++n === 2 ? { r10: STATUS.INVALID_OPERAND, r11: 0n } : undefined) } });
    vcpu.set("rdi", BASE + 0x2ffen); // device b then device c
    vcpu.set("rax", 0x1234n);
    const before = vcpu.snapshot();
    expect(td.runMmioInstruction(vcpu)).toMatchObject({ outcome: "fault", error: "EIO" });
    expect(vcpu.snapshot()).toEqual(before);
  });

  it("a second page that is not mapped: EFAULT at page_split, no TDVMCALL, nothing changed", () => {
    const { td, vcpu, c } = splitTd("8B 07");
    vcpu.set("rdi", BASE + 0x3ffen); // device c, then an unmapped page
    const before = vcpu.snapshot();
    const ve = { exitReason: 48 as const, exitQualification: 0x81n, gla: BASE + 0x3ffen, gpa: (0xfe100ffen | td.memory.sharedBit), instrLen: 0 as const };
    const run = td.deliver(vcpu, ve);
    expect(run).toMatchObject({ outcome: "fault", error: "EFAULT", step: "page_split" });
    if (run.outcome === "fault") expect(run.detail).toMatch(/#PF .* at 0xffffc90000014000/);
    expect(vcpu.snapshot()).toEqual(before);
    expect(c.accesses).toBe(0);
    expect(td.host.calls).toBe(0);
  });

  it("Linux mode refuses the same access (page_split), as the kernel does", () => {
    const { td, vcpu, a } = splitTd("8B 07", { mode: "linux" });
    vcpu.set("rdi", BASE + 0xffen);
    const before = vcpu.snapshot();
    expect(td.runMmioInstruction(vcpu)).toMatchObject({ outcome: "fault", error: "EFAULT", step: "page_split" });
    expect(vcpu.snapshot()).toEqual(before);
    expect(a.accesses).toBe(0);
  });
});

/** A moffs64 operand: the absolute address as 8 little-endian bytes. */
const moffs = (address: bigint): string =>
  Array.from({ length: 8 }, (_, i) => ((address >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, "0")).join(" ");

describe("a moffs64 MOV (A0-A3) above 4 GiB: the plan carries the whole absolute address (issue 10)", () => {
  it("arch mode: a read crossing a page splits at the full address", () => {
    const { td, vcpu, a } = splitTd(`A1 ${moffs(BASE + 0xffen)}`); // mov eax, [moffs64]
    a.poke(0xffe, 2, 0xbbaan);
    vcpu.set("rax", 0xffff_ffff_ffff_ffffn);
    expect(td.runMmioInstruction(vcpu)).toMatchObject({ outcome: "handled", length: 9 });
    expect(vcpu.get("rax")).toBe(0x0100bbaan);
    expect(a.trace).toEqual([{ op: "read", offset: 0xffe, size: 2, value: 0xbbaan }]);
    expect(vcpu.rip).toBe(RIP + 9n);
  });

  it("arch mode: a write crossing a page, and accesses that do not cross", () => {
    const w = splitTd(`48 A3 ${moffs(BASE + 0xffcn)}`); // mov [moffs64], rax
    w.vcpu.set("rax", 0x8877665544332211n);
    expect(w.td.runMmioInstruction(w.vcpu)).toMatchObject({ outcome: "handled", length: 10 });
    expect(w.a.trace).toEqual([{ op: "write", offset: 0xffc, size: 4, value: 0x44332211n }]);
    expect([...w.td.memory.read(DATA_GPA, 4)]).toEqual([0x55, 0x66, 0x77, 0x88]);

    const r = splitTd(`48 A1 ${moffs(BASE + 0x2010n)}`); // mov rax, [moffs64]: inside device B's page
    r.b.poke(0x10, 8, 0x0102030405060708n);
    expect(r.td.runMmioInstruction(r.vcpu)).toMatchObject({ outcome: "handled", length: 10 });
    expect(r.vcpu.get("rax")).toBe(0x0102030405060708n);
    expect(r.b.trace).toEqual([{ op: "read", offset: 0x10, size: 8, value: 0x0102030405060708n }]);
  });

  it("Linux mode refuses moffs (insn_decode_mmio does not know A0-A3), crossing or not", () => {
    for (const address of [BASE + 0xffen, BASE + 0x10n]) {
      const { td, vcpu, a } = splitTd(`A1 ${moffs(address)}`, { mode: "linux" });
      const before = vcpu.snapshot();
      expect(td.runMmioInstruction(vcpu)).toMatchObject({ outcome: "fault", error: "EINVAL", step: "classify" });
      expect(vcpu.snapshot()).toEqual(before);
      expect(a.trace).toEqual([]);
    }
  });
});
