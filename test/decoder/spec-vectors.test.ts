// SPEC section 15 (kernel decoder test vectors) and the size/extension facts of sections 5-6, for
// both readings: `linux` (insn_decode_mmio + register lookup) and `arch` (what the CPU does).
import { describe, it, expect } from "vitest";
import { decoder, hex } from "../support/decoder.js";

type Access = { kind: string; size: number; reg?: string | null; imm?: bigint; extendTo?: number | null };
interface Vector {
  bytes: string;
  linux: (Access & { n: number }) | { rejected: string; n: number };
  arch: (Access & { len: number }) | null | "invalid";
  diverges: string[];
  mem?: { base: string | null; index?: string | null; scale?: number; disp?: bigint; seg?: string | null; rip?: boolean };
  note?: string;
}

const M8 = 0xffffffffffffff80n - 0x10000000000000000n; // -128 as a signed 64-bit value

// One row per SPEC §15 line.
const vectors: Vector[] = [
  { bytes: "8B 07", linux: { kind: "read", size: 4, reg: "eax", n: 2 }, arch: { kind: "read", size: 4, reg: "eax", len: 2 }, diverges: [], mem: { base: "rdi", disp: 0n } },
  { bytes: "48 8B 07", linux: { kind: "read", size: 8, reg: "rax", n: 3 }, arch: { kind: "read", size: 8, reg: "rax", len: 3 }, diverges: [] },
  { bytes: "66 8B 07", linux: { kind: "read", size: 2, reg: "ax", n: 3 }, arch: { kind: "read", size: 2, reg: "ax", len: 3 }, diverges: [] },
  { bytes: "66 48 8B 07", linux: { kind: "read", size: 8, reg: "rax", n: 4 }, arch: { kind: "read", size: 8, reg: "rax", len: 4 }, diverges: [], note: "W beats 66" },
  { bytes: "66 66 8B 07", linux: { kind: "read", size: 2, reg: "ax", n: 4 }, arch: { kind: "read", size: 2, reg: "ax", len: 4 }, diverges: [] },
  { bytes: "8A 07", linux: { kind: "read", size: 1, reg: "al", n: 2 }, arch: { kind: "read", size: 1, reg: "al", len: 2 }, diverges: [] },
  { bytes: "8A 27", linux: { kind: "read", size: 1, reg: "spl", n: 2 }, arch: { kind: "read", size: 1, reg: "ah", len: 2 }, diverges: ["high_byte_register"], note: "Q1" },
  { bytes: "40 8A 27", linux: { kind: "read", size: 1, reg: "spl", n: 3 }, arch: { kind: "read", size: 1, reg: "spl", len: 3 }, diverges: [] },
  { bytes: "44 8A 27", linux: { kind: "read", size: 1, reg: "r12b", n: 3 }, arch: { kind: "read", size: 1, reg: "r12b", len: 3 }, diverges: [] },
  { bytes: "89 07", linux: { kind: "write", size: 4, reg: "eax", n: 2 }, arch: { kind: "write", size: 4, reg: "eax", len: 2 }, diverges: [] },
  { bytes: "88 27", linux: { kind: "write", size: 1, reg: "spl", n: 2 }, arch: { kind: "write", size: 1, reg: "ah", len: 2 }, diverges: ["high_byte_register"], note: "Q1" },
  { bytes: "66 89 07", linux: { kind: "write", size: 2, reg: "ax", n: 3 }, arch: { kind: "write", size: 2, reg: "ax", len: 3 }, diverges: [] },
  { bytes: "4C 89 47 10", linux: { kind: "write", size: 8, reg: "r8", n: 4 }, arch: { kind: "write", size: 8, reg: "r8", len: 4 }, diverges: [], mem: { base: "rdi", disp: 0x10n } },
  { bytes: "F0 89 07", linux: { kind: "write", size: 4, reg: "eax", n: 3 }, arch: "invalid", diverges: ["lock_on_mov"], note: "Q10" },
  { bytes: "C6 07 80", linux: { kind: "write_imm", size: 1, imm: M8, n: 3 }, arch: { kind: "write_imm", size: 1, imm: M8, len: 3 }, diverges: [] },
  { bytes: "C7 07 78 56 34 12", linux: { kind: "write_imm", size: 4, imm: 0x12345678n, n: 6 }, arch: { kind: "write_imm", size: 4, imm: 0x12345678n, len: 6 }, diverges: [] },
  { bytes: "66 C7 07 34 12", linux: { kind: "write_imm", size: 2, imm: 0x1234n, n: 5 }, arch: { kind: "write_imm", size: 2, imm: 0x1234n, len: 5 }, diverges: [] },
  { bytes: "48 C7 07 FF FF FF FF", linux: { kind: "write_imm", size: 8, imm: -1n, n: 7 }, arch: { kind: "write_imm", size: 8, imm: -1n, len: 7 }, diverges: [] },
  { bytes: "C7 87 00 01 00 00 EF BE AD DE", linux: { kind: "write_imm", size: 4, imm: -0x21524111n, n: 10 }, arch: { kind: "write_imm", size: 4, imm: -0x21524111n, len: 10 }, diverges: [], mem: { base: "rdi", disp: 0x100n } },
  { bytes: "C6 F8 00", linux: { kind: "write_imm", size: 1, imm: 0n, n: 3 }, arch: null, diverges: ["register_form", "group_reg_ignored"], note: "Q4 XABORT" },
  { bytes: "C7 F8 00 00 00 00", linux: { kind: "write_imm", size: 4, imm: 0n, n: 6 }, arch: null, diverges: ["register_form", "group_reg_ignored"], note: "Q4 XBEGIN" },
  { bytes: "0F B6 07", linux: { kind: "read_zero_extend", size: 1, reg: "eax", extendTo: 4, n: 3 }, arch: { kind: "read_zero_extend", size: 1, reg: "eax", extendTo: 4, len: 3 }, diverges: ["extend_keeps_upper"], note: "Q2" },
  { bytes: "48 0F B6 07", linux: { kind: "read_zero_extend", size: 1, reg: "rax", extendTo: 8, n: 4 }, arch: { kind: "read_zero_extend", size: 1, reg: "rax", extendTo: 8, len: 4 }, diverges: [] },
  { bytes: "66 0F B6 07", linux: { kind: "read_zero_extend", size: 1, reg: "ax", extendTo: 2, n: 4 }, arch: { kind: "read_zero_extend", size: 1, reg: "ax", extendTo: 2, len: 4 }, diverges: [] },
  { bytes: "0F B7 07", linux: { kind: "read_zero_extend", size: 2, reg: "eax", extendTo: 4, n: 3 }, arch: { kind: "read_zero_extend", size: 2, reg: "eax", extendTo: 4, len: 3 }, diverges: ["extend_keeps_upper"], note: "Q2" },
  { bytes: "0F BE 07", linux: { kind: "read_sign_extend", size: 1, reg: "eax", extendTo: 4, n: 3 }, arch: { kind: "read_sign_extend", size: 1, reg: "eax", extendTo: 4, len: 3 }, diverges: ["extend_keeps_upper"], note: "Q2" },
  { bytes: "48 0F BF 07", linux: { kind: "read_sign_extend", size: 2, reg: "rax", extendTo: 8, n: 4 }, arch: { kind: "read_sign_extend", size: 2, reg: "rax", extendTo: 8, len: 4 }, diverges: [] },
  { bytes: "8B 05 10 00 00 00", linux: { kind: "read", size: 4, reg: "eax", n: 6 }, arch: { kind: "read", size: 4, reg: "eax", len: 6 }, diverges: [], mem: { base: "rip", disp: 0x10n, rip: true } },
  { bytes: "8B 04 8D 00 10 00 00", linux: { kind: "read", size: 4, reg: "eax", n: 7 }, arch: { kind: "read", size: 4, reg: "eax", len: 7 }, diverges: [], mem: { base: null, index: "rcx", scale: 4, disp: 0x1000n } },
  { bytes: "41 8B 45 00", linux: { kind: "read", size: 4, reg: "eax", n: 4 }, arch: { kind: "read", size: 4, reg: "eax", len: 4 }, diverges: [], mem: { base: "r13", disp: 0n } },
  { bytes: "64 8B 07", linux: { kind: "read", size: 4, reg: "eax", n: 3 }, arch: { kind: "read", size: 4, reg: "eax", len: 3 }, diverges: [], mem: { base: "rdi", seg: "fs" } },
  { bytes: "67 8B 07", linux: { kind: "read", size: 4, reg: "eax", n: 3 }, arch: { kind: "read", size: 4, reg: "eax", len: 3 }, diverges: [] },
  { bytes: "2E 3E 8A 07", linux: { kind: "read", size: 1, reg: "al", n: 4 }, arch: { kind: "read", size: 1, reg: "al", len: 4 }, diverges: ["multiple_segments"], note: "Q9 passes" },
  { bytes: "2E 3E 8B 07", linux: { kind: "read", size: 4, reg: "eax", n: 4 }, arch: { kind: "read", size: 4, reg: "eax", len: 4 }, diverges: ["multiple_segments"], note: "Q9 -EFAULT" },
  { bytes: "8B C0", linux: { kind: "read", size: 4, reg: "eax", n: 2 }, arch: null, diverges: ["register_form"], note: "Q3" },
  { bytes: "A4", linux: { rejected: "movs", n: 1 }, arch: { kind: "movs", size: 1, len: 1 }, diverges: ["movs_rejected"] },
  { bytes: "F3 48 A5", linux: { rejected: "movs", n: 3 }, arch: { kind: "movs", size: 8, len: 3 }, diverges: ["movs_rejected"] },
  { bytes: "A1 88 77 66 55 44 33 22 11", linux: { rejected: "not_mmio", n: 9 }, arch: { kind: "read", size: 4, reg: "eax", len: 9 }, diverges: ["moffs_rejected"], mem: { base: null, disp: 0x1122334455667788n } },
  { bytes: "63 07", linux: { rejected: "not_mmio", n: 2 }, arch: { kind: "read", size: 4, reg: "eax", len: 2 }, diverges: ["movsxd_rejected"] },
  { bytes: "48 66 8B 07", linux: { rejected: "not_mmio", n: 2 }, arch: { kind: "read", size: 2, reg: "ax", len: 4 }, diverges: ["rex_then_prefix"], note: "Q6" },
  { bytes: "48 48 8B 07", linux: { rejected: "not_mmio", n: 2 }, arch: { kind: "read", size: 8, reg: "rax", len: 4 }, diverges: ["rex_then_prefix"], note: "Q6" },
  { bytes: "26 2E 36 3E 64 8B 07", linux: { rejected: "not_mmio", n: 5 }, arch: { kind: "read", size: 4, reg: "eax", len: 7 }, diverges: ["fifth_prefix"], note: "Q7" },
  { bytes: "C5 F8 C6 07 00", linux: { kind: "write_imm", size: 1, imm: 0n, n: 5 }, arch: null, diverges: ["vex_map_ignored"], note: "Q5" },
  { bytes: "0F 0B 6B 76 6D 8B 07", linux: { kind: "read", size: 4, reg: "eax", n: 7 }, arch: null, diverges: ["emulate_prefix"], note: "Q8" },
  { bytes: "66 ".repeat(16) + "8B 07", linux: { rejected: "decode_failed", n: 15 }, arch: "invalid", diverges: [], note: "15-byte limit" },
];

describe("SPEC §15 vectors, both classifiers", () => {
  for (const v of vectors) {
    it(`${v.bytes}${v.note ? ` (${v.note})` : ""}`, () => {
      const insn = decoder.decode(hex(v.bytes));
      if ("rejected" in v.linux) {
        expect(insn.linux).toEqual({ emulated: false, rejected: v.linux.rejected, length: v.linux.n });
      } else {
        expect(insn.linux.emulated).toBe(true);
        if (!insn.linux.emulated) return;
        const { n, ...want } = v.linux;
        expect(insn.linux.length).toBe(n);
        expect(insn.linux.access).toMatchObject(want);
      }
      if (v.arch === "invalid") {
        expect(insn.valid).toBe(false);
        expect(insn.arch).toBeNull();
      } else if (v.arch === null) {
        expect(insn.valid).toBe(true);
        expect(insn.arch).toBeNull();
      } else {
        const { len, ...want } = v.arch;
        expect(insn.valid).toBe(true);
        expect(insn.length).toBe(len);
        expect(insn.arch).toMatchObject(want);
      }
      expect(insn.divergences.map((d) => d.code).sort()).toEqual([...v.diverges].sort());
      if (v.mem) expect(insn.mem).toMatchObject(v.mem);
    });
  }
});

describe("write sizes and extension widths (SPEC §5-§6)", () => {
  it("MOVZX/MOVSX size is fixed by the opcode, the extension width by the operand size", () => {
    for (const [prefix, width] of [["", 4], ["66", 2], ["48", 8]] as const) {
      for (const [op, kind, size] of [["B6", "read_zero_extend", 1], ["B7", "read_zero_extend", 2], ["BE", "read_sign_extend", 1], ["BF", "read_sign_extend", 2]] as const) {
        const insn = decoder.decode(hex(`${prefix} 0F ${op} 07`));
        expect(insn.arch).toMatchObject({ kind, size, extendTo: width });
        expect(insn.linux.emulated && insn.linux.access).toMatchObject({ kind, size, extendTo: width });
      }
    }
  });

  it("REX makes byte registers 4-7 SPL..DIL for both; without REX only the CPU sees AH..BH", () => {
    const names = ["ah", "ch", "dh", "bh"];
    for (let r = 4; r < 8; r++) {
      const modrm = ((r << 3) | 7).toString(16);
      const plain = decoder.decode(hex(`8A ${modrm}`));
      expect(plain.arch?.reg).toBe(names[r - 4]);
      expect(plain.linux.emulated && plain.linux.access.reg).toBe(["spl", "bpl", "sil", "dil"][r - 4]);
      const rex = decoder.decode(hex(`40 8A ${modrm}`));
      expect(rex.arch?.reg).toBe(["spl", "bpl", "sil", "dil"][r - 4]);
      expect(rex.divergences).toEqual([]);
    }
  });

  it("MOVZX/MOVSX of a byte into ESP..EDI is no high-byte case for either reading", () => {
    for (const op of ["B6", "BE"]) {
      const insn = decoder.decode(hex(`0F ${op} 27`));
      expect(insn.arch).toMatchObject({ size: 1, reg: "esp", extendTo: 4 });
      expect(insn.highByteReg).toBe(false);
      expect(insn.divergences.map((d) => d.code)).toEqual(["extend_keeps_upper"]);
    }
  });

  it("moffs is 8 bytes, or 4 under 67h", () => {
    expect(decoder.decode(hex("A3 00 00 00 00 00 00 00 00")).length).toBe(9);
    const short = decoder.decode(hex("67 A3 78 56 34 12"));
    expect(short.length).toBe(6);
    expect(short.arch).toMatchObject({ kind: "write", size: 4, reg: "eax", mem: { disp: 0x12345678n } });
  });

  it("MOVSXD with REX.W sign-extends a 4-byte read to 8", () => {
    expect(decoder.decode(hex("48 63 07")).arch).toMatchObject({ kind: "read_sign_extend", size: 4, extendTo: 8, reg: "rax" });
  });
});
