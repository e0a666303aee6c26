// SPEC §12: port I/O #VE, before and after the 2026 fixes (Q16).
import { describe, it, expect } from "vitest";
import { Vcpu } from "../../src/guest/vcpu.js";
import { handlePortIoVe, decodePortQualification, portMask } from "../../src/guest/port-io.js";
import { Host } from "../../src/host/host.js";
import { STATUS } from "../../src/tdvmcall/abi.js";

/** exit qualification for an IN/OUT of `size` bytes at `port`. */
const qual = (size: number, isIn: boolean, port: number, string = false) =>
  BigInt((size - 1) | (isIn ? 8 : 0) | (string ? 16 : 0)) | (BigInt(port) << 16n);

function run(rax: bigint, size: number, isIn: boolean, fixed: boolean, answer: bigint, status = 0n) {
  const vcpu = new Vcpu();
  vcpu.set("rax", rax);
  vcpu.rip = 0x1000n;
  let out: bigint | null = null;
  const host = new Host({
    gpaw: 48,
    pio: (e) => { if (e.isWrite) out = e.data; return answer; },
    override: status === 0n ? undefined : () => ({ r10: status, r11: answer }),
  });
  const outcome = handlePortIoVe(vcpu, { exitReason: 30, exitQualification: qual(size, isIn, 0x3f8), instrLen: 1 }, (r) => host.handle(r), { fixed });
  return { vcpu, outcome, out, request: host.last?.request };
}

describe("port I/O #VE", () => {
  it("decodes the exit qualification (low 32 bits only; size = (q & 7) + 1)", () => {
    expect(decodePortQualification(qual(4, true, 0xcfc) | (1n << 40n))).toEqual({ size: 4, isIn: true, isString: false, port: 0xcfc });
    expect([portMask(1, false), portMask(2, false), portMask(4, false)]).toEqual([0x1ffn, 0x1ffffn, 0x1ffffffffn]);
    expect([portMask(1, true), portMask(2, true), portMask(4, true)]).toEqual([0xffn, 0xffffn, 0xffffffffn]);
  });

  it("old kernels: IN AL with RAX=0x100 returns 0x26 gives RAX=0x26 (the 9-bit mask clears bit 8)", () => {
    const { vcpu, outcome } = run(0x100n, 1, true, false, 0x26n);
    expect(outcome.outcome).toBe("handled");
    expect(vcpu.get("rax")).toBe(0x26n);
    expect(vcpu.rip).toBe(0x1001n);
  });

  it("fixed kernels: IN AL merges the low byte; IN EAX zero-extends to 64 bits", () => {
    expect(run(0x100n, 1, true, true, 0x26n).vcpu.get("rax")).toBe(0x126n);
    expect(run(0xffffffffffffffffn, 4, true, true, 0x12345678n).vcpu.get("rax")).toBe(0x12345678n);
    expect(run(0xffffffffffffffffn, 4, true, false, 0x12345678n).vcpu.get("rax")).toBe(0xfffffffe12345678n);
  });

  it("OUT sends RAX & mask: one extra bit before the fix", () => {
    expect(run(0x3ffn, 1, false, false, 0n).out).toBe(0x1ffn & 0xffn); // the host takes size bytes
    expect(run(0x3ffn, 1, false, false, 0n).request?.r15).toBe(0x1ffn);
    expect(run(0x3ffn, 1, false, true, 0n).request?.r15).toBe(0xffn);
  });

  it("a failing IN: old kernels leave the mask bits cleared, fixed ones write 0; RIP stays", () => {
    const old = run(0xabcdn, 1, true, false, 0x26n, STATUS.INVALID_OPERAND);
    expect(old.outcome).toMatchObject({ outcome: "fault", error: "EIO" });
    expect(old.vcpu.get("rax")).toBe(0xaa00n); // 0xabcd with the 9-bit mask 0x1ff cleared
    expect(old.vcpu.rip).toBe(0x1000n);
    const fixed = run(0xabcdn, 4, true, true, 0x26n, STATUS.INVALID_OPERAND);
    expect(fixed.vcpu.get("rax")).toBe(0n);
  });

  it("string I/O and user mode fail without touching registers", () => {
    const vcpu = new Vcpu();
    vcpu.set("rax", 5n);
    const t = () => ({ r10: 0n, r11: 0n });
    expect(handlePortIoVe(vcpu, { exitReason: 30, exitQualification: qual(1, true, 0x60, true), instrLen: 1 }, t)).toMatchObject({ outcome: "fault", step: "string_io" });
    vcpu.cpl = 3;
    expect(handlePortIoVe(vcpu, { exitReason: 30, exitQualification: qual(1, true, 0x60), instrLen: 1 }, t)).toMatchObject({ outcome: "fault", step: "user_mode" });
    expect(vcpu.get("rax")).toBe(5n);
  });
});

describe("port I/O through a TD", () => {
  it("the TD's host answers IN; the fix is chosen per TD", async () => {
    const { Td } = await import("../../src/machine/td.js");
    const { decoder } = await import("../support/decoder.js");
    for (const [fixed, want] of [[true, 0x126n], [false, 0x26n]] as const) {
      const td = new Td(decoder, { portIoFixed: fixed, host: { pio: () => 0x26n } });
      td.finalize();
      const vcpu = td.createVcpu();
      vcpu.set("rax", 0x100n);
      expect(td.deliverPortIo(vcpu, { exitReason: 30, exitQualification: qual(1, true, 0x3f8), instrLen: 2 })).toMatchObject({ outcome: "handled", length: 2 });
      expect(vcpu.get("rax")).toBe(want);
    }
  });
});
