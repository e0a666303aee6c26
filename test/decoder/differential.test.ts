// Differential proof against iced-x86: validity and length everywhere, and for the MOV family the
// access size, register, memory operand and immediate.
import { describe, it, expect } from "vitest";
import { readFileSync, existsSync } from "node:fs";
import { decoder } from "../support/decoder.js";
import { icedWindows } from "../../src/verify/iced.js";
import { compareWindows, STRIDE } from "../../src/verify/differential.js";
import { FULL_SIZE } from "../../src/decoder/layout.js";
import { structuredWindows, exhaustiveLegacyWindows, exhaustiveVexWindows } from "../support/random.js";

const hexOf = (buf: Uint8Array) => (i: number) =>
  Array.from(buf.subarray(i * STRIDE, i * STRIDE + STRIDE), (b) => b.toString(16).padStart(2, "0")).join(" ");

describe("differential against iced-x86", () => {
  it("every legacy opcode x every ModRM under 11 prefix sets (2.78 M encodings)", () => {
    const { buf, label } = exhaustiveLegacyWindows(STRIDE);
    const t = compareWindows(decoder, buf, label);
    expect(t.windows).toBeGreaterThan(2_700_000);
    expect(t.movFamily).toBeGreaterThan(10_000);
    expect(t.mismatches.slice(0, 20)).toEqual([]);
  });

  it("every VEX/EVEX/XOP opcode x pp x L x W x ModRM forms, vvvv and EVEX z/b/aaa variants", () => {
    const { buf, label } = exhaustiveVexWindows(STRIDE);
    const t = compareWindows(decoder, buf, label);
    expect(t.windows).toBe(1_249_280);
    expect(t.valid).toBeGreaterThan(40_000);
    expect(t.mismatches.slice(0, 20)).toEqual([]);
  });

  const seed = Number(process.env.VE_MMIO_SEED ?? Date.now() % 2 ** 31);
  it(`1,000,000 structured random windows (seed ${seed})`, () => {
    let total = 0;
    const all: string[] = [];
    for (let chunk = 0; chunk < 10; chunk++) {
      const buf = structuredWindows(100_000, STRIDE, seed + chunk);
      const t = compareWindows(decoder, buf, hexOf(buf));
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

  it("the kernel-decode shortcut changes no record (1,000,000 windows + the SPEC-shaped corner cases)", () => {
    const buf = structuredWindows(1_000_000, STRIDE, seed ^ 0x1234);
    const records = (exhaustive: boolean) => {
      let copy = new Uint8Array(0);
      decoder.setExhaustiveKernelDecode(exhaustive);
      try {
        decoder.decodeWindows(buf, STRIDE, "full", (view) => { copy = view.slice(); });
      } finally {
        decoder.setExhaustiveKernelDecode(false);
      }
      return copy;
    };
    const fast = records(false);
    const full = records(true);
    let differing = -1;
    for (let i = 0; i < fast.length && differing < 0; i++) if (fast[i] !== full[i]) differing = Math.floor(i / FULL_SIZE);
    expect(differing < 0 ? null : hexOf(buf)(differing)).toBeNull();
    // Compact records (kinds only) come from the shortcut directly: compare them to the full path.
    const kinds = (exhaustive: boolean) => {
      let copy = new Uint8Array(0);
      decoder.setExhaustiveKernelDecode(exhaustive);
      try {
        decoder.batch(buf, { ranges: Array.from({ length: buf.length / STRIDE }, (_, i) => [i * STRIDE, i * STRIDE + STRIDE] as const), mode: "mmio", chunkRecords: 1 << 24 }, (c) => {
          const out = new Uint8Array(c.records.length + c.full.length);
          out.set(c.records);
          out.set(c.full, c.records.length);
          copy = out;
        });
      } finally {
        decoder.setExhaustiveKernelDecode(false);
      }
      return copy;
    };
    expect(Buffer.compare(kinds(false), kinds(true))).toBe(0);
  });

  it("the length-only fast path agrees with the full decoder on every legacy encoding and 1,000,000 random windows", () => {
    for (const buf of [exhaustiveLegacyWindows(STRIDE).buf, structuredWindows(1_000_000, STRIDE, seed ^ 0x7777)]) {
      let compact = new Uint8Array(0);
      let full = new Uint8Array(0);
      decoder.decodeWindows(buf, STRIDE, "length", (v) => { compact = v.slice(); });
      decoder.decodeWindows(buf, STRIDE, "full", (v) => { full = v.slice(); });
      let differing = -1;
      for (let i = 0; i < buf.length / STRIDE && differing < 0; i++) {
        const status = full[i * FULL_SIZE + 5];
        if (compact[i * 4 + 1] !== status || compact[i * 4] !== full[i * FULL_SIZE + 4]) differing = i;
      }
      expect(differing < 0 ? null : hexOf(buf)(differing)).toBeNull();
    }
  });

  const corpusPath = new URL("../../data/corpus.json", import.meta.url);
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
      const t = compareWindows(decoder, buf, (i) => `${fn.name}+${i}: ${hexOf(buf)(i)}`);
      bad.push(...t.mismatches.filter(Boolean));
    }
    expect(insns).toBeGreaterThan(1000);
    expect(bad.slice(0, 20)).toEqual([]);
  });
});
