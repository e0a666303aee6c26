// Differential proof against iced-x86: validity and length everywhere, and for the MOV family the
// access size, register, memory operand and immediate.
import { describe, it, expect } from "vitest";
import { readFileSync, existsSync } from "node:fs";
import { decoder } from "../support/decoder.js";
import { icedWindows, type RefResult } from "../support/iced.js";
import { structuredWindows, exhaustiveLegacyWindows } from "../support/random.js";
import { FULL_SIZE, R } from "../../src/decoder/layout.js";
import { readRecord, type DecodedInsn } from "../../src/decoder/record.js";
import { registerName } from "../../src/decoder/names.js";

const STRIDE = 16;

/** iced names R8L..R15L what Intel calls R8B..R15B. */
const normReg = (r: string | null) => (r ? r.replace(/^(r\d+)l$/, "$1b") : null);

function accessMismatch(ours: DecodedInsn, ref: RefResult): string | null {
  const a = ours.arch;
  const b = ref.access;
  if (!a && !b) return null;
  if (!a || !b) return `arch ${a?.kind ?? "none"} vs iced ${b?.kind ?? "none"}`;
  if (a.kind !== b.kind || a.size !== b.size) return `${a.kind}/${a.size} vs ${b.kind}/${b.size}`;
  if (a.kind === "movs") return null;
  if (normReg(a.reg) !== normReg(b.reg)) return `reg ${a.reg} vs ${b.reg}`;
  if (a.imm !== null && BigInt.asUintN(a.size * 8, a.imm) !== BigInt.asUintN(a.size * 8, b.imm ?? 0n)) return `imm ${a.imm} vs ${b.imm}`;
  const m = a.mem!;
  const width = ours.addressSize === 4 ? 32 : 64;
  const base = m.base === "rip" ? "rip" : m.base ? registerName(["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"].indexOf(m.base), ours.addressSize) : null;
  const index = m.index ? registerName(["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"].indexOf(m.index), ours.addressSize) : null;
  const base32 = m.base === "rip" && width === 32 ? "eip" : base;
  if (base32 !== b.base) return `base ${base32} vs ${b.base}`;
  if (index !== b.index) return `index ${index} vs ${b.index}`;
  if (index && m.scale !== b.scale) return `scale ${m.scale} vs ${b.scale}`;
  const disp = m.rip ? m.disp + BigInt(ours.length) : m.disp;
  if (BigInt.asUintN(width, disp) !== BigInt.asUintN(width, b.dispU64)) return `disp ${disp} vs ${b.dispU64}`;
  return null;
}

interface Tally { windows: number; valid: number; movFamily: number; mismatches: string[] }

/** Decodes every window with both decoders and collects disagreements. */
function compareWindows(buf: Uint8Array, label: (i: number) => string): Tally {
  const tally: Tally = { windows: buf.length / STRIDE, valid: 0, movFamily: 0, mismatches: [] };
  let kinds: Uint8Array = new Uint8Array(0);
  let records: Uint8Array = new Uint8Array(0);
  decoder.decodeWindows(buf, STRIDE, "full", (view) => { records = view.slice(); });
  kinds = new Uint8Array(tally.windows);
  for (let i = 0; i < tally.windows; i++) kinds[i] = records[i * FULL_SIZE + R.A_KIND];
  const ref = icedWindows(buf, STRIDE, () => true);
  const view = new DataView(records.buffer);
  for (let i = 0; i < tally.windows; i++) {
    const status = records[i * FULL_SIZE + R.STATUS];
    const length = records[i * FULL_SIZE + R.LEN];
    const valid = status === 0;
    const r = ref[i];
    let why: string | null = null;
    if (valid !== r.valid) why = valid ? "ours valid, iced invalid" : "ours invalid, iced valid";
    else if (valid && length !== r.length) why = `length ${length} vs ${r.length}`;
    else if (valid && (kinds[i] !== 0 || r.access)) {
      tally.movFamily++;
      const ours = readRecord(new DataView(view.buffer, i * FULL_SIZE, FULL_SIZE), buf.subarray(i * STRIDE, i * STRIDE + STRIDE), 0n);
      why = accessMismatch(ours, r);
    }
    if (valid) tally.valid++;
    if (why && tally.mismatches.length < 20) tally.mismatches.push(`${label(i)}: ${why}`);
    else if (why) tally.mismatches.push("");
  }
  return tally;
}

const hexOf = (buf: Uint8Array) => (i: number) =>
  Array.from(buf.subarray(i * STRIDE, i * STRIDE + STRIDE), (b) => b.toString(16).padStart(2, "0")).join(" ");

describe("differential against iced-x86", () => {
  it("every legacy opcode x every ModRM under 11 prefix sets (2.78 M encodings)", () => {
    const { buf, label } = exhaustiveLegacyWindows(STRIDE);
    const t = compareWindows(buf, label);
    expect(t.windows).toBeGreaterThan(2_700_000);
    expect(t.movFamily).toBeGreaterThan(10_000);
    expect(t.mismatches.slice(0, 20)).toEqual([]);
  });

  const seed = Number(process.env.VE_MMIO_SEED ?? Date.now() % 2 ** 31);
  it(`1,000,000 structured random windows (seed ${seed})`, () => {
    let total = 0;
    const all: string[] = [];
    for (let chunk = 0; chunk < 10; chunk++) {
      const buf = structuredWindows(100_000, STRIDE, seed + chunk);
      const t = compareWindows(buf, hexOf(buf));
      total += t.windows;
      all.push(...t.mismatches.filter(Boolean));
      if (all.length >= 20) break;
    }
    expect(all.slice(0, 20)).toEqual([]);
    expect(total).toBe(1_000_000);
  });

  it("truncated tails: every prefix of valid instructions is invalid for both", () => {
    const buf = structuredWindows(20_000, STRIDE, seed ^ 0x5a5a);
    const bad: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const full = buf.subarray(i * STRIDE, i * STRIDE + STRIDE);
      const n = decoder.lengthOf(full);
      if (n <= 1) continue;
      const cut = full.subarray(0, 1 + (i % (n - 1)));
      const ours = decoder.lengthOf(cut);
      const ref = icedWindows(Uint8Array.from([...cut]), cut.length, () => false)[0];
      if ((ours > 0) !== ref.valid || (ours > 0 && ours !== ref.length)) bad.push(hexOf(buf)(i));
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  const corpusPath = new URL("../data/corpus.json", import.meta.url);
  it.runIf(existsSync(corpusPath))("gcc corpus: every function, instruction by instruction", () => {
    const corpus = JSON.parse(readFileSync(corpusPath, "utf8")) as { functions: { name: string; hex: string }[] };
    let insns = 0;
    const bad: string[] = [];
    for (const fn of corpus.functions) {
      const bytes = Uint8Array.from(fn.hex.match(/../g) ?? [], (b) => parseInt(b, 16));
      // Pad each instruction to its own window so both decoders see the same bytes.
      const windows: Uint8Array[] = [];
      for (const insn of decoder.iterate(bytes)) {
        const w = new Uint8Array(STRIDE);
        w.set(bytes.subarray(insn.offset, Math.min(bytes.length, insn.offset + 15)));
        windows.push(w);
        insns++;
      }
      const buf = new Uint8Array(windows.length * STRIDE);
      windows.forEach((w, i) => buf.set(w, i * STRIDE));
      const t = compareWindows(buf, (i) => `${fn.name}+${i}: ${hexOf(buf)(i)}`);
      bad.push(...t.mismatches.filter(Boolean));
    }
    expect(insns).toBeGreaterThan(1000);
    expect(bad.slice(0, 20)).toEqual([]);
  });
});
