// Any bytes at RIP, any registers, either mode, any host answer: the #VE path never throws, a
// fault changes no register or device byte, and a handled #VE advances RIP by 1..15 bytes (0 for
// an unfinished arch-mode REP MOVS).
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { tinyTd, MMIO_VA, MMIO_GPA, RIP } from "../support/td.js";

describe("#VE path robustness", () => {
  it("random instructions, registers and host answers", () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 15 }),
      fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 16, maxLength: 16 }),
      fc.constantFrom("linux" as const, "arch" as const),
      fc.option(fc.record({ r10: fc.constantFrom(0n, 1n, 0x8000000000000000n), r11: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) })),
      (code, regs, mode, answer) => {
        const hex = Array.from(code, (b) => b.toString(16).padStart(2, "0")).join(" ");
        const { td, vcpu, device } = tinyTd(hex, { mode, host: answer ? { override: () => answer } : undefined });
        regs.forEach((v, i) => vcpu.set(i, v));
        vcpu.set("rdi", MMIO_VA);
        const before = vcpu.snapshot();
        const deviceBefore = device.bytes.slice();
        const run = td.deliver(vcpu, { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA, gpa: MMIO_GPA | td.memory.sharedBit, instrLen: 0 });
        if (run.outcome === "fault") {
          expect(vcpu.snapshot()).toEqual(before);
          expect(device.bytes).toEqual(deviceBefore);
        } else {
          expect(run.outcome).toBe("handled");
          if (run.outcome === "handled") {
            // 0 only for an arch-mode REP string move with elements left (the CPU restarts it).
            if (run.length === 0) expect([mode, run.insn.arch?.kind, run.insn.prefixes.rep || run.insn.prefixes.repne]).toEqual(["arch", "movs", true]);
            else expect(run.length).toBeGreaterThanOrEqual(1);
            expect(run.length).toBeLessThanOrEqual(15);
            expect(vcpu.rip).toBe(RIP + BigInt(run.length));
          }
        }
      },
    ), { numRuns: 1500, seed: Number(process.env.VE_MMIO_SEED ?? 99) });
  });
});
