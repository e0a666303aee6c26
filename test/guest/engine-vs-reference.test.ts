// The #VE engine (numbers, the decoder's plan, a reused result) against a plain BigInt
// implementation of SPEC §7-8 (and of the SDM's MOVS for arch mode) that reads the full decode
// (test/support/reference-ve.ts): random MOV-family encodings with random prefixes, registers near
// page ends, segment bases, ve.gla, string-move pointers into the device, memory or nowhere, both
// modes, decode cache on and off. Registers, RIP, the outcome, the rejecting step, the MMIO
// request and guest memory must agree exactly.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { tinyTd, MMIO_VA, MMIO_GPA, RIP, CODE_GPA } from "../support/td.js";
import { decoder } from "../support/decoder.js";
import { referenceVe } from "../support/reference-ve.js";
import type { HostExit } from "../../src/host/host.js";

const PREFIXES = [0x66, 0x67, 0x64, 0x65, 0x2e, 0x3e, 0xf2, 0xf3, 0xf0];
const OPCODES = [[0x88], [0x89], [0x8a], [0x8b], [0xc6], [0xc7], [0xa4], [0xa5], [0x0f, 0xb6], [0x0f, 0xb7], [0x0f, 0xbe], [0x0f, 0xbf], [0x63], [0xa1], [0x01]];

const windowArb = fc.record({
  prefixes: fc.array(fc.constantFrom(...PREFIXES), { maxLength: 3 }),
  rex: fc.option(fc.integer({ min: 0x40, max: 0x4f }), { freq: 2 }),
  rexFirst: fc.boolean(),
  opcode: fc.constantFrom(...OPCODES),
  modrm: fc.integer({ min: 0, max: 255 }),
  sib: fc.integer({ min: 0, max: 255 }),
  // Mostly small displacements and immediates, so that register page offsets decide page splits.
  tail: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })), { minLength: 12, maxLength: 12 }),
}).map((w) => {
  const bytes: number[] = [];
  if (w.rex !== null && w.rexFirst) bytes.push(w.rex);
  bytes.push(...w.prefixes);
  if (w.rex !== null && !w.rexFirst) bytes.push(w.rex);
  bytes.push(...w.opcode, w.modrm, w.sib, ...w.tail);
  return Uint8Array.from(bytes.slice(0, 15));
});

/** 64-bit values, half of them a few bytes before a page end. */
const regArb = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.boolean(), fc.integer({ min: 0, max: 15 }))
  .map(([v, nearEnd, k]) => (nearEnd ? (v & ~0xfffn) | BigInt(0xff0 + k) : v));

/** RSI/RDI for string moves: anywhere, in the device page, or in the (private, mapped) code page. */
const pointerArb = fc.oneof(
  { arbitrary: regArb, weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 0xfff }).map((k) => MMIO_VA + BigInt(k)), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 0xfff }).map((k) => RIP + BigInt(k)), weight: 2 },
);

const glaArb = fc.oneof(
  { arbitrary: fc.constant(MMIO_VA + 0x40n), weight: 8 },
  { arbitrary: fc.constant(0x1000n), weight: 1 },
  { arbitrary: fc.constant(0xffffffffff600010n), weight: 1 },
);

describe("#VE engine vs the BigInt reference handler", () => {
  it("agrees on outcome, step, registers, RIP and the MMIO request", () => {
    const seen = new Map<string, number>();
    fc.assert(fc.property(
      windowArb, fc.array(regArb, { minLength: 16, maxLength: 16 }), regArb, regArb, glaArb,
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom("linux" as const, "arch" as const), fc.boolean(),
      fc.record({ rsi: pointerArb, rdi: pointerArb, rcx: fc.oneof(fc.constantFrom(0n, 1n, 2n, 0x1_0000_0000n), regArb), down: fc.boolean() }),
      (window, regs, fsBase, gsBase, gla, deviceValue, mode, decodeCache, strings) => {
        const code = Array.from(window, (b) => b.toString(16).padStart(2, "0")).join(" ");
        const { td, vcpu, device } = tinyTd(code, { mode, decodeCache });
        [regs[1], regs[6], regs[7]] = [strings.rcx, strings.rsi, strings.rdi];
        const rflags = strings.down ? 0x402n : 0x2n;
        regs.forEach((v, i) => vcpu.set(i, v));
        vcpu.rflags = rflags;
        vcpu.fsBase = fsBase;
        vcpu.gsBase = gsBase;
        device.poke(0x40, 8, deviceValue);
        const ve = { exitReason: 48 as const, exitQualification: 0x81n, gla, gpa: (MMIO_GPA + 0x40n) | td.memory.sharedBit, instrLen: 0 as const };
        const guest = { deviceVa: MMIO_VA, device: device.bytes.slice(), memoryVa: RIP, memory: td.memory.read(CODE_GPA, 4096).slice() };
        const want = referenceVe(decoder.decode(window, RIP), mode, { regs, rip: RIP, rflags, fsBase, gsBase }, gla, deviceValue, guest);
        const before = vcpu.snapshot();
        // Twice: the second time, with the cache on, from the cached plan.
        for (let round = 0; round < 2; round++) {
          vcpu.restore(before);
          device.bytes.set(guest.device);
          td.memory.write(CODE_GPA, guest.memory);
          const callsBefore = td.host.calls;
          const r = td.deliverFast(vcpu, ve);
          const key = `${mode}:${r.step ?? "handled"}${r.composite ? " (composite)" : ""}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          expect({ handled: r.handled, error: r.error, step: r.step }).toEqual({ handled: want.handled, error: want.error, step: want.step });
          expect(Array.from(vcpu.gprs)).toEqual(want.regs);
          expect(vcpu.rip).toBe(want.rip);
          if (want.request) {
            const exit = td.host.last!.exit as Extract<HostExit, { type: "mmio" }>;
            expect(td.host.last!.request.r15).toBe(want.request.value);
            expect({ size: exit.size, isWrite: exit.isWrite, gpa: exit.gpa })
              .toEqual({ size: want.request.size, isWrite: want.request.isWrite, gpa: MMIO_GPA + BigInt(want.request.deviceOffset ?? 0x40) });
          } else if (r.step !== "tdvmcall") {
            expect(td.host.calls).toBe(callsBefore);
          }
          const memoryNow = td.memory.read(CODE_GPA, 4096);
          const memoryWant = guest.memory.slice();
          if (want.memoryWrite) memoryWant.set(want.memoryWrite.bytes, want.memoryWrite.offset);
          expect(Buffer.from(memoryNow).equals(Buffer.from(memoryWant))).toBe(true);
        }
      },
    ), { numRuns: 3000, seed: Number(process.env.VE_MMIO_SEED ?? 7) });
    if (process.env.VE_MMIO_SHOW) console.log(seen);
    // The generator reaches every step either mode can take with legacy encodings and an honest host.
    for (const key of ["linux:handled", "linux:classify", "linux:gla_check", "linux:page_split", "linux:movs",
      "arch:handled", "arch:decode", "arch:classify", "arch:movs_operand (composite)", "arch:handled (composite)",
      "arch:page_split (composite)"]) expect(seen.get(key) ?? 0, key).toBeGreaterThan(10);
  });
});
