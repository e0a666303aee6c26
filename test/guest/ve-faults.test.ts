// Every rejection step of the #VE handler, host validation (as KVM), adversarial hosts, the TD
// lifecycle, and the rule that a fault changes no register, no memory and no device.
import { describe, it, expect } from "vitest";
import { tinyTd, MMIO_VA, MMIO_GPA, RIP, CODE_GPA } from "../support/td.js";
import { decoder, hex } from "../support/decoder.js";
import type { VeOutcome } from "../../src/guest/ve-handler.js";
import { Host } from "../../src/host/host.js";
import { RegisterBlock } from "../../src/devices/register-block.js";
import { Td, TdError } from "../../src/machine/td.js";
import { STATUS, mmioReadRequest, mmioWriteRequest } from "../../src/tdvmcall/abi.js";
import { PF } from "../../src/guest/paging.js";

const SHARED = 1n << 47n;

/** Runs `code` against the device page and checks that a fault left everything as it was. */
function expectFault(code: string, setup: (t: ReturnType<typeof tinyTd>) => void, error: string, step: string, config = {}) {
  const t = tinyTd(code, config);
  setup(t);
  t.device.poke(0, 8, 0x1122334455667788n);
  const before = t.vcpu.snapshot();
  const deviceBefore = t.device.bytes.slice();
  const run = t.td.runMmioInstruction(t.vcpu);
  expect(run.outcome).toBe("fault");
  if (run.outcome !== "fault") return run;
  expect([run.error, run.step]).toEqual([error, step]);
  expect(t.vcpu.snapshot()).toEqual(before);
  expect(t.device.bytes).toEqual(deviceBefore);
  return run;
}

/** Delivers a crafted #VE to the handler (cases the CPU side never produces). */
function directVe(code: string, veOverrides: { gla?: bigint; gpa?: bigint } = {}): VeOutcome {
  const { td, vcpu } = tinyTd(code);
  return td.deliver(vcpu, { exitReason: 48, exitQualification: 0x81n, gla: veOverrides.gla ?? MMIO_VA, gpa: veOverrides.gpa ?? (MMIO_GPA | SHARED), instrLen: 0 }) as VeOutcome;
}

describe("rejection steps (linux mode)", () => {
  it("0: a private GPA panics", () => {
    expect(directVe("8B 07", { gpa: MMIO_GPA })).toMatchObject({ outcome: "fault", error: "PANIC", step: "private_gpa" });
  });
  it("1: user mode", () => {
    expectFault("8B 07", ({ vcpu }) => { vcpu.cpl = 3; }, "EFAULT", "user_mode");
  });
  it("2: all 15 bytes at RIP must be readable, even for a 2-byte MOV (Q11)", () => {
    const t = tinyTd("90");
    const code = new Uint8Array(4096);
    code.set(hex("8B 07"), 4094);
    const td = new Td(decoder);
    td.addPrivateRegion(CODE_GPA, code);
    td.finalize();
    td.mapPrivate(RIP, CODE_GPA, 4096);
    td.mapMmio(MMIO_VA, MMIO_GPA, 4096, t.device);
    const vcpu = td.createVcpu();
    vcpu.rip = RIP + 4094n;
    vcpu.set("rdi", MMIO_VA);
    const before = vcpu.snapshot();
    expect(td.runMmioInstruction(vcpu)).toMatchObject({ outcome: "fault", error: "EFAULT", step: "fetch" });
    expect(vcpu.snapshot()).toEqual(before);
  });
  it("3: insn_decode() fails (15-byte limit)", () => {
    expect(directVe("66 ".repeat(16) + "8B 07")).toMatchObject({ outcome: "fault", error: "EINVAL", step: "decode" });
  });
  it("4: not an MMIO instruction for the kernel (Q6: REX then 66)", () => {
    expectFault("48 66 8B 07", () => undefined, "EINVAL", "classify");
  });
  it("4: MOVSXD and moffs are refused", () => {
    expectFault("48 63 07", () => undefined, "EINVAL", "classify");
    const run = expectFault("A1 00 10 00 00 00 C9 FF FF", () => undefined, "EINVAL", "classify");
    expect(run && run.outcome === "fault" && run.insn?.arch?.kind).toBe("read");
  });
  it("5: the register lookup cannot fail: EVEX R and R' are ignored (SPEC section 17.5, kernel oracle)", () => {
    const run = directVe("62 E2 7D 48 8B 07");
    expect(run).toMatchObject({ outcome: "handled", length: 6 });
    expect(run.outcome === "handled" && run.insn?.linux.emulated && run.insn.linux.access.regNumber).toBe(0);
  });
  it("6: ve.gla below TASK_SIZE_MAX or in the vsyscall page (v6.12+), and the check can be turned off", () => {
    expect(directVe("8B 07", { gla: 0x1000n })).toMatchObject({ step: "gla_check", error: "EINVAL" });
    expect(directVe("8B 07", { gla: 0xffffffffff600010n })).toMatchObject({ step: "gla_check" });
    // The bounds, through the TD: TASK_SIZE_MAX itself is kernel space; 5-level paging moves it.
    const at = (gla: bigint, config = {}) => {
      const { td, vcpu } = tinyTd("8B 07", config);
      return td.deliverFast(vcpu, { exitReason: 48, exitQualification: 0x81n, gla, gpa: MMIO_GPA | SHARED, instrLen: 0 }).step;
    };
    expect(at(0x0000_7fff_ffff_efffn)).toBe("gla_check");
    expect(at(0x0000_7fff_ffff_f000n)).toBe(null);
    expect(at(0xffff_ffff_ff5f_ffffn)).toBe(null);
    expect(at(0xffff_ffff_ff60_0fffn)).toBe("gla_check");
    expect(at(0xffff_ffff_ff60_1000n)).toBe(null);
    expect(at(0x0000_9000_0000_0000n)).toBe(null);
    expect(at(0x0000_9000_0000_0000n, { fiveLevelPaging: true })).toBe("gla_check");
    expect(at(0x00ff_ffff_ffff_f000n, { fiveLevelPaging: true })).toBe(null);
  });
  it("7: the access the kernel computes crosses a page", () => {
    expectFault("8B 07", ({ vcpu }) => vcpu.set("rdi", MMIO_VA + 0xffen), "EFAULT", "page_split");
  });
  it("7: two distinct segment overrides make the address all-ones (Q9): size 1 passes, size 4 faults", () => {
    const ok = tinyTd("2E 3E 8A 07");
    ok.device.poke(0, 1, 0x5an);
    expect(ok.td.runMmioInstruction(ok.vcpu)).toMatchObject({ outcome: "handled", length: 4 });
    expect(ok.vcpu.get("rax") & 0xffn).toBe(0x5an);
    expectFault("2E 3E 8B 07", () => undefined, "EFAULT", "page_split");
  });
  it("8: MOVS is refused with -EINVAL, or -EFAULT when RAX is within size-1 bytes of a page end (Q12)", () => {
    expectFault("A4", ({ vcpu }) => { vcpu.set("rsi", MMIO_VA); vcpu.set("rax", 0x1000n); }, "EINVAL", "movs");
    expectFault("F3 48 A5", ({ vcpu }) => { vcpu.set("rsi", MMIO_VA); vcpu.set("rcx", 1n); vcpu.set("rax", 0x1ffcn); }, "EFAULT", "page_split");
  });
  it("7-8: MOVS's page test uses the kernel's size (A4: 1 byte, even with REX.W), REX.B, FS/GS and Q9", () => {
    const movs = (regs: Partial<Record<"rax" | "r8", bigint>>, fsBase = 0n) => ({ vcpu }: ReturnType<typeof tinyTd>) => {
      vcpu.set("rsi", MMIO_VA);
      for (const [r, v] of Object.entries(regs)) vcpu.set(r as "rax", v);
      vcpu.fsBase = fsBase;
    };
    // insn_decode_mmio gives A4 one byte whatever the prefixes: RAX 7 bytes before a page end passes.
    expectFault("48 A4", movs({ rax: 0x1ff9n }), "EINVAL", "movs");
    // REX.B: the operand is R8, not RAX.
    expectFault("49 A5", movs({ rax: 0x1000n, r8: 0x1ffen }), "EFAULT", "page_split");
    expectFault("49 A5", movs({ rax: 0x1ffen, r8: 0x1000n }), "EINVAL", "movs");
    // FS adds its base: RAX + FS_BASE = ...ffe crosses with 4 bytes.
    expectFault("64 A5", movs({ rax: 0x1ff0n }, 0xen), "EFAULT", "page_split");
    // Two distinct segment overrides: all-ones, which crosses for 4 bytes.
    expectFault("2E 3E A5", movs({ rax: 0x1000n }), "EFAULT", "page_split");
  });
  it("7: a register-form MOV's address is the register plus the FS/GS base", () => {
    // 65 8B CB: the kernel reads [RBX + GS_BASE] = 0x1000 (4 bytes: no split); without GS it would split.
    const t = tinyTd("65 8B CB");
    t.vcpu.set("rbx", 0x1ffdn);
    t.vcpu.gsBase = 3n;
    t.device.poke(0x40, 4, 0xcafef00dn);
    const run = t.td.deliver(t.vcpu, { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA + 0x40n, gpa: (MMIO_GPA + 0x40n) | SHARED, instrLen: 0 });
    expect(run).toMatchObject({ outcome: "handled", length: 3 });
    expect(t.vcpu.get("rcx")).toBe(0xcafef00dn);
    t.vcpu.gsBase = 0n;
    t.vcpu.rip = RIP;
    expect(t.td.deliver(t.vcpu, { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA + 0x40n, gpa: (MMIO_GPA + 0x40n) | SHARED, instrLen: 0 })).toMatchObject({ step: "page_split" });
  });
  it("9: a non-zero host status is -EIO and the register stays untouched", () => {
    expectFault("8B 07", () => undefined, "EIO", "tdvmcall", { host: { override: () => ({ r10: STATUS.INVALID_OPERAND, r11: 0x1234n }) } });
    expectFault("89 07", () => undefined, "EIO", "tdvmcall", { host: { override: () => ({ r10: STATUS.RETRY, r11: 0n }) } });
  });
});

describe("adversarial host", () => {
  it("garbage above the access size in R11 is ignored (only the low size bytes are used)", () => {
    for (const mode of ["linux", "arch"] as const) {
      const t = tinyTd("8A 07", { mode, host: { override: () => ({ r10: 0n, r11: 0xdeadbeef000000abn }) } });
      t.vcpu.set("rax", 0x1111111111111111n);
      expect(t.td.runMmioInstruction(t.vcpu).outcome).toBe("handled");
      expect(t.vcpu.get("rax")).toBe(0x11111111111111abn);
    }
  });
});

describe("arch mode", () => {
  it("emulates what the kernel refuses (moffs, MOVSXD) and refuses what the CPU would not do as MMIO", () => {
    const moffs = tinyTd("48 A1 00 10 00 00 00 C9 FF FF", { mode: "arch" });
    moffs.device.poke(0, 8, 0x0102030405060708n);
    expect(moffs.td.runMmioInstruction(moffs.vcpu)).toMatchObject({ outcome: "handled", length: 10 });
    expect(moffs.vcpu.get("rax")).toBe(0x0102030405060708n);
    const sx = tinyTd("48 63 07", { mode: "arch" });
    sx.device.poke(0, 4, 0x80000000n);
    expect(sx.td.runMmioInstruction(sx.vcpu)).toMatchObject({ outcome: "handled", length: 3 });
    expect(sx.vcpu.get("rax")).toBe(0xffffffff80000000n);
  });

  describe("string moves, one element per #VE", () => {
    const MEM = RIP + 0x800n; // the code page is private memory the handler may write
    it("MOVSB from the device into memory steps RSI and RDI", () => {
      const t = tinyTd("A4", { mode: "arch" });
      t.device.poke(0x10, 1, 0x5an);
      t.vcpu.set("rsi", MMIO_VA + 0x10n);
      t.vcpu.set("rdi", MEM);
      const run = t.td.runMmioInstruction(t.vcpu);
      expect(run).toMatchObject({ outcome: "handled", length: 1, regs: { rsi: MMIO_VA + 0x11n, rdi: MEM + 1n, rip: RIP + 1n } });
      expect(t.td.memory.read(CODE_GPA + 0x800n, 1)[0]).toBe(0x5a);
    });
    it("REP MOVSQ from memory to the device restarts until RCX is 0; DF steps down", () => {
      const t = tinyTd("F3 48 A5", { mode: "arch" });
      t.td.memory.write(CODE_GPA + 0x800n, hex("11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 00"));
      t.vcpu.set("rsi", MEM + 8n);
      t.vcpu.set("rdi", MMIO_VA + 0x28n);
      t.vcpu.set("rcx", 2n);
      t.vcpu.rflags = 0x402n; // DF
      const first = t.td.runMmioInstruction(t.vcpu);
      expect(first).toMatchObject({ outcome: "handled", length: 0, regs: { rcx: 1n, rsi: MEM, rdi: MMIO_VA + 0x20n } });
      expect(t.vcpu.rip).toBe(RIP); // the CPU runs the instruction again for the next element
      expect(t.device.peek(0x28, 8)).toBe(0x00ffeeddccbbaa99n);
      const second = t.td.runMmioInstruction(t.vcpu);
      expect(second).toMatchObject({ outcome: "handled", length: 3, regs: { rcx: 0n, rip: RIP + 3n } });
      expect(t.device.peek(0x20, 8)).toBe(0x8877665544332211n);
      expect(t.td.runMmioInstruction(t.vcpu)).toMatchObject({ outcome: "no_ve" }); // RIP moved on: zeros, no access
    });
    it("device to device is two TDVMCALLs; 67h uses ESI/EDI (zero-extended)", () => {
      const t = tinyTd("67 66 A5", { mode: "arch" });
      t.device.poke(0x100, 2, 0xbeefn);
      t.vcpu.set("rsi", MMIO_VA + 0x100n);
      t.vcpu.set("rdi", MMIO_VA + 0x200n);
      const run = t.td.deliver(t.vcpu, { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA, gpa: MMIO_GPA | SHARED, instrLen: 0 });
      // 67h: ESI = low 32 bits of MMIO_VA, which is not mapped: the source faults, nothing changes.
      expect(run).toMatchObject({ outcome: "fault", error: "EFAULT", step: "movs_operand" });
      const u = tinyTd("66 A5", { mode: "arch" });
      u.device.poke(0x100, 2, 0xbeefn);
      u.vcpu.set("rsi", MMIO_VA + 0x100n);
      u.vcpu.set("rdi", MMIO_VA + 0x200n);
      const both = u.td.runMmioInstruction(u.vcpu);
      expect(both).toMatchObject({ outcome: "handled", length: 2 });
      if (both.outcome === "handled" && "tdvmcalls" in both) expect(both.tdvmcalls.map((c) => c.request.r13)).toEqual([0n, 1n]);
      expect(u.device.peek(0x200, 2)).toBe(0xbeefn);
    });
    it("an operand that faults, crosses a page or is not MMIO on either side changes nothing", () => {
      expectFault("A4", ({ vcpu }) => { vcpu.set("rsi", MMIO_VA); vcpu.set("rdi", 0x1000n); }, "EFAULT", "movs_operand", { mode: "arch" });
      expectFault("A5", ({ vcpu }) => { vcpu.set("rsi", MMIO_VA + 0xffen); vcpu.set("rdi", MEM); }, "EFAULT", "movs_operand", { mode: "arch" });
      const t = tinyTd("A4", { mode: "arch" });
      t.vcpu.set("rsi", MEM);
      t.vcpu.set("rdi", MEM + 1n);
      const before = t.vcpu.snapshot();
      expect(t.td.deliver(t.vcpu, { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA, gpa: MMIO_GPA | SHARED, instrLen: 0 }))
        .toMatchObject({ outcome: "fault", error: "EINVAL", step: "movs_operand" });
      expect(t.vcpu.snapshot()).toEqual(before);
      expectFault("A4", ({ vcpu }) => { vcpu.set("rsi", MMIO_VA); vcpu.set("rdi", MEM); }, "EIO", "tdvmcall",
        { mode: "arch", host: { override: () => ({ r10: STATUS.RETRY, r11: 0n }) } });
    });
  });
});

describe("CPU side", () => {
  it("an instruction fetch from a shared page raises #PF (present, fetch)", () => {
    const { td, vcpu } = tinyTd("8B 07");
    vcpu.rip = MMIO_VA;
    expect(td.runMmioInstruction(vcpu)).toEqual({ outcome: "page_fault", va: MMIO_VA, errorCode: PF.PRESENT | PF.FETCH });
  });
  it("no #VE for register-form MOVs or ordinary memory", () => {
    expect(tinyTd("8B C0").td.runMmioInstruction(tinyTd("8B C0").vcpu).outcome).toBe("no_ve");
    const t = tinyTd("8B 07");
    t.vcpu.set("rdi", RIP);
    expect(t.td.runMmioInstruction(t.vcpu)).toMatchObject({ outcome: "no_ve" });
  });
});

describe("host validation (KVM)", () => {
  const host = () => {
    const bus = new Host({ gpaw: 48 });
    const dev = new RegisterBlock("d", 16);
    dev.poke(0, 8, 0x8877665544332211n);
    bus.bus.attach(0x1000n, 16, dev);
    return { host: bus, dev };
  };
  it("refuses bad sizes, directions and private ends with INVALID_OPERAND", () => {
    const { host: h } = host();
    expect(h.handle({ ...mmioReadRequest(4, 0x1000n | SHARED), r12: 3n }).r10).toBe(STATUS.INVALID_OPERAND);
    expect(h.handle({ ...mmioReadRequest(4, 0x1000n | SHARED), r13: 2n }).r10).toBe(STATUS.INVALID_OPERAND);
    expect(h.handle(mmioReadRequest(4, 0x1000n)).r10).toBe(STATUS.INVALID_OPERAND);
    expect(h.handle(mmioReadRequest(2, SHARED - 1n)).r10).toBe(STATUS.INVALID_OPERAND);
    expect(h.last?.exit).toBeNull();
  });
  it("strips the shared bit, zero-extends reads, passes low bytes of writes, and types the exit", () => {
    const { host: h, dev } = host();
    expect(h.handle(mmioReadRequest(2, 0x1002n | SHARED))).toEqual({ r10: 0n, r11: 0x4433n });
    expect(h.last?.exit).toEqual({ type: "mmio", gpa: 0x1002n, size: 2, isWrite: false, data: 0x4433n });
    h.handle(mmioWriteRequest(1, 0x1000n | SHARED, 0xffffffffffffff80n));
    expect(dev.peek(0, 1)).toBe(0x80n);
  });
  it("unclaimed GPAs read all-ones and drop writes, counted", () => {
    const { host: h } = host();
    expect(h.handle(mmioReadRequest(4, 0x9000n | SHARED)).r11).toBe(0xffffffffn);
    h.handle(mmioWriteRequest(4, 0x9000n | SHARED, 1n));
    expect([h.bus.unclaimedReads, h.bus.unclaimedWrites]).toEqual([1, 1]);
  });
  it("R10 != 0 is a KVM hypercall, unknown sub-functions are unsupported", () => {
    const { host: h } = host();
    expect(h.handle({ ...mmioReadRequest(4, SHARED), r10: 9n }).r10).toBe(BigInt.asUintN(64, -1000n));
    expect(h.last?.exit).toMatchObject({ type: "hypercall", nr: 9n });
    expect(h.handle({ ...mmioReadRequest(4, SHARED), r11: 0x10001n }).r10).toBe(STATUS.SUBFUNC_UNSUPPORTED);
  });
});

describe("TD lifecycle", () => {
  it("refuses calls in the wrong phase", () => {
    const td = new Td(decoder);
    expect(() => td.createVcpu()).toThrow(TdError);
    td.addPrivateRegion(0n, 4096);
    td.finalize();
    expect(() => td.addPrivateRegion(0x2000n, 4096)).toThrowError(/created TD/);
    expect(() => td.finalize()).toThrow(TdError);
  });
  it("a 2^52-byte TD costs nothing until touched", () => {
    const td = new Td(decoder, { gpaw: 52 });
    td.finalize();
    td.mapMmio(0xffffc90000000000n, (1n << 50n), 4096, new RegisterBlock("far", 4096));
    expect(td.memory.pageCount).toBe(1);
    expect(td.memory.sharedBit).toBe(1n << 51n);
  });
});

describe("the host cannot touch private memory", () => {
  it("hostRead of a private page fails; of a backed shared page works", () => {
    const td = new Td(decoder, { attributes: 1n << 28n });
    td.addPrivateRegion(0x10000n, Uint8Array.of(42));
    td.finalize();
    expect(td.attributes).toBe(1n << 28n);
    expect(() => td.memory.hostRead(0x10000n, 1)).toThrowError(/cannot read private memory/);
    td.memory.addShared(0x20000n | td.memory.sharedBit, 4096, true);
    td.memory.write(0x20000n | td.memory.sharedBit, Uint8Array.of(7));
    expect(td.memory.hostRead(0x20000n | td.memory.sharedBit, 1)[0]).toBe(7);
  });
});
