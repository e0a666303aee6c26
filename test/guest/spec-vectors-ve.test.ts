// SPEC §15 vectors through the #VE handler in both modes: a #VE for the device page is delivered
// at each instruction (even where the CPU itself would raise #UD or make no access: simulators
// can inject such #VEs), and the outcome must be the kernel's, or a correct emulator's.
import { describe, it, expect } from "vitest";
import { tinyTd, MMIO_VA, MMIO_GPA } from "../support/td.js";

type Out = { handled: number } | { fault: string };
const H = (n: number): Out => ({ handled: n });
const F = (step: string): Out => ({ fault: step });

const rows: [string, Out, Out][] = [
  ["8B 07", H(2), H(2)],
  ["48 8B 07", H(3), H(3)],
  ["66 66 8B 07", H(4), H(4)],
  ["8A 27", H(2), H(2)],
  ["44 8A 27", H(3), H(3)],
  ["88 27", H(2), H(2)],
  ["4C 89 47 10", H(4), H(4)],
  ["F0 89 07", H(3), F("decode")],                       // Q10: the CPU would raise #UD
  ["C7 87 00 01 00 00 EF BE AD DE", H(10), H(10)],
  ["C6 F8 00", H(3), F("classify")],                     // Q4 (XABORT), register form (Q3)
  ["0F B6 07", H(3), H(3)],
  ["48 0F BF 07", H(4), H(4)],
  ["8B 04 8D 00 10 00 00", H(7), H(7)],
  ["41 8B 45 00", H(4), H(4)],
  ["67 8B 07", H(3), H(3)],
  ["2E 3E 8A 07", H(4), H(4)],                           // Q9: all-ones address, size 1 passes
  ["2E 3E 8B 07", F("page_split"), H(4)],                // Q9: size 4 crosses
  ["8B C0", H(2), F("classify")],                        // Q3
  ["A4", F("movs"), H(1)],                               // arch: one byte, device to device (RSI = RDI = device)
  ["F3 48 A5", F("movs"), H(3)],                         // arch: REP with RCX = 0 moves nothing
  ["A1 00 10 00 00 00 C9 FF FF", F("classify"), H(9)],   // moffs
  ["63 07", F("classify"), H(2)],                        // MOVSXD
  ["48 66 8B 07", F("classify"), H(4)],                  // Q6
  ["48 48 8B 07", F("classify"), H(4)],                  // Q6
  ["26 2E 36 3E 64 8B 07", F("classify"), H(7)],         // Q7
  ["C5 F8 C6 07 00", H(5), F("classify")],               // Q5
  ["0F 0B 6B 76 6D 8B 07", H(7), F("classify")],         // Q8 (the CPU sees UD2)
  ["66 ".repeat(16) + "8B 07", F("decode"), F("decode")], // 15-byte limit
];

describe("SPEC §15 vectors through the #VE handler", () => {
  for (const mode of ["linux", "arch"] as const) {
    for (const [bytes, linux, arch] of rows) {
      const want = mode === "linux" ? linux : arch;
      it(`${mode}: ${bytes}`, () => {
        const { td, vcpu, device } = tinyTd(bytes, { mode });
        vcpu.set("rax", 0n);
        vcpu.set("rcx", 0n);
        vcpu.set("rsi", MMIO_VA);
        vcpu.set("r13", MMIO_VA);
        device.poke(0x100, 8, 0x1122334455667788n);
        const before = vcpu.snapshot();
        const run = td.deliver(vcpu, { exitReason: 48, exitQualification: 0x81n, gla: MMIO_VA, gpa: MMIO_GPA | td.memory.sharedBit, instrLen: 0 });
        if ("handled" in want) {
          expect(run).toMatchObject({ outcome: "handled", length: want.handled });
          expect(vcpu.rip).toBe(before.rip + BigInt(want.handled));
        } else {
          expect(run).toMatchObject({ outcome: "fault", step: want.fault });
          expect(vcpu.snapshot()).toEqual(before);
        }
      });
    }
  }
});
