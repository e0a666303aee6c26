// Property test: the arch-mode #VE path against an independent reference model of the CPU's MOV
// semantics, for random MOV-family encodings, register states and device values.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { tinyTd, MMIO_VA, RIP } from "../support/td.js";

type Form = "load" | "store" | "store_imm" | "movzx" | "movsx" | "movsxd";
interface Case {
  form: Form; size: 1 | 2 | 4 | 8; width: 2 | 4 | 8; reg: number; base: number; rex40: boolean;
  disp: number; imm: bigint; device: bigint; regs: bigint[];
}

const BASES = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 14, 15]; // no RSP/RBP/R12/R13 (they need SIB or disp forms)

/** Little-endian bytes of a register file, the reference model's own representation. */
const toBytes = (v: bigint) => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const fromBytes = (b: number[]) => b.reduce((acc, x, i) => acc | (BigInt(x) << BigInt(8 * i)), 0n);

/** Encodes the case as the instruction a compiler would emit. */
function encode(c: Case): number[] {
  const rexW = (c.form === "load" || c.form === "store" || c.form === "store_imm") ? c.size === 8 : c.width === 8;
  const op16 = (c.form === "load" || c.form === "store" || c.form === "store_imm") ? c.size === 2 : c.width === 2;
  const r = c.form === "store_imm" ? 0 : c.reg;
  const rex = 0x40 | (rexW ? 8 : 0) | (r >= 8 ? 4 : 0) | (c.base >= 8 ? 1 : 0);
  const bytes: number[] = [];
  if (op16) bytes.push(0x66);
  if (rex !== 0x40 || c.rex40) bytes.push(rex);
  const opcode: Record<Form, number[]> = {
    load: [c.size === 1 ? 0x8a : 0x8b], store: [c.size === 1 ? 0x88 : 0x89], store_imm: [c.size === 1 ? 0xc6 : 0xc7],
    movzx: [0x0f, c.size === 1 ? 0xb6 : 0xb7], movsx: [0x0f, c.size === 1 ? 0xbe : 0xbf], movsxd: [0x63],
  };
  bytes.push(...opcode[c.form]);
  const mod = c.disp === 0 ? 0 : c.disp >= -128 && c.disp < 128 ? 1 : 2;
  bytes.push((mod << 6) | ((r & 7) << 3) | (c.base & 7));
  if (mod === 1) bytes.push(c.disp & 0xff);
  if (mod === 2) for (let i = 0; i < 4; i++) bytes.push((c.disp >> (8 * i)) & 0xff);
  if (c.form === "store_imm") {
    const n = c.size === 8 ? 4 : c.size;
    for (let i = 0; i < n; i++) bytes.push(Number((c.imm >> BigInt(8 * i)) & 0xffn));
  }
  return bytes;
}

/** The CPU's result: registers after, and the bytes the device receives (writes). */
function reference(c: Case): { regs: bigint[]; written: number[] | null } {
  const regs = c.regs.map(toBytes);
  const dev = toBytes(c.device);
  const noRex = !c.rex40 && c.reg < 8 && c.base < 8 && !((c.form === "load" || c.form === "store") ? c.size === 8 : c.width === 8);
  const high = noRex && c.size === 1 && c.reg >= 4 && c.reg <= 7 && (c.form === "load" || c.form === "store");
  const writeReg = (n: number, value: number[], width: number) => {
    if (width === 4) regs[n] = [...value.slice(0, 4), 0, 0, 0, 0];
    else for (let i = 0; i < width; i++) regs[n][i] = value[i];
  };
  switch (c.form) {
    case "load":
      if (high) regs[c.reg - 4][1] = dev[0];
      else writeReg(c.reg, dev, c.size);
      return { regs: regs.map(fromBytes), written: null };
    case "movzx": case "movsx": case "movsxd": {
      const size = c.form === "movsxd" ? 4 : c.size;
      const negative = c.form !== "movzx" && (dev[size - 1] & 0x80) !== 0;
      const ext = Array.from({ length: 8 }, (_, i) => (i < size ? dev[i] : negative ? 0xff : 0));
      writeReg(c.reg, ext, c.width);
      return { regs: regs.map(fromBytes), written: null };
    }
    case "store":
      return { regs: c.regs, written: high ? [regs[c.reg - 4][1]] : regs[c.reg].slice(0, c.size) };
    case "store_imm": {
      const imm = toBytes(BigInt.asUintN(64, BigInt.asIntN(c.size === 8 ? 32 : c.size * 8, c.imm)));
      return { regs: c.regs, written: imm.slice(0, c.size) };
    }
  }
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  form: fc.constantFrom<Form>("load", "store", "store_imm", "movzx", "movsx", "movsxd"),
  size: fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
  width: fc.constantFrom<2 | 4 | 8>(2, 4, 8),
  reg: fc.integer({ min: 0, max: 15 }),
  base: fc.constantFrom(...BASES),
  rex40: fc.boolean(),
  disp: fc.constantFrom(0, 0x10, 0x7c, -0x10, 0x300),
  imm: fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }),
  device: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  regs: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 16, maxLength: 16 }),
}).map((c): Case => {
  // Keep each form's legal sizes: MOVZX/MOVSX read 1 or 2 bytes, MOVSXD reads 4 into a 64-bit register.
  if (c.form === "movzx" || c.form === "movsx") return { ...c, size: c.size > 2 ? 1 : c.size };
  if (c.form === "movsxd") return { ...c, size: 4, width: 8 };
  return c;
}).filter((c) => c.reg !== c.base || c.form === "store_imm" || c.form === "store");

describe("arch mode vs an independent reference model", () => {
  it("registers after, and bytes on the bus, match for random MOV-family accesses", () => {
    fc.assert(fc.property(caseArb, (c) => {
      const bytes = encode(c);
      const { td, vcpu, device } = tinyTd(bytes.map((b) => b.toString(16).padStart(2, "0")).join(" "), { mode: "arch" });
      const window = Number(0x800 + 0x40);
      const regs = [...c.regs];
      regs[c.base] = MMIO_VA + BigInt(window) - BigInt(c.disp);
      regs[4] = c.regs[4]; // RSP never used as base here
      regs.forEach((v, i) => vcpu.set(i, v));
      device.poke(window, 8, c.device);
      const run = td.runMmioInstruction(vcpu);
      const want = reference({ ...c, regs, device: c.device });
      expect(run.outcome).toBe("handled");
      expect(Array.from(vcpu.gprs)).toEqual(want.regs);
      expect(vcpu.rip).toBe(RIP + BigInt(bytes.length));
      if (want.written) expect(Array.from(device.bytes.subarray(window, window + want.written.length))).toEqual(want.written);
    }), { numRuns: 400, seed: Number(process.env.VE_MMIO_SEED ?? 4242) });
  });
});
