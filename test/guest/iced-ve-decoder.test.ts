// The #VE benchmark's path (d), iced-x86 as the decoder inside the handler (bench/iced-ve-decoder.ts),
// must read every MOV-family window as our decoder does (the CPU's reading): registers by number and
// by our names, memory operands named at the address width (ebp, r11d, eip under 67h, issue 10 item
// 21), displacements as our records give them. Checked on the corpus MOV windows and on each of them
// under a 67h prefix, so the baseline cannot drift from what it stands in for.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { icedVeDecoder } from "../../bench/iced-ve-decoder.js";
import { VePlan } from "../../src/decoder/plan.js";
import { decoder } from "../support/decoder.js";

const corpus = JSON.parse(readFileSync(new URL("../../data/corpus.json", import.meta.url), "utf8")) as { functions: { name: string; hex: string }[] };
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Every MOV-family instruction of the corpus as a 15-byte window, and the same under 67h. */
function movWindows(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const fn of corpus.functions) {
    const bytes = Uint8Array.from(fn.hex.match(/../g) ?? [], (b) => parseInt(b, 16));
    for (const insn of decoder.iterate(bytes)) {
      if (!insn.arch) continue;
      const w = new Uint8Array(15);
      w.set(bytes.subarray(insn.offset, Math.min(bytes.length, insn.offset + 15)));
      out.push(w);
      if (insn.length < 15) out.push(Uint8Array.of(0x67, ...w.subarray(0, 14)));
    }
  }
  return out;
}

const show = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));

describe("iced-x86 as the #VE decoder (bench path d)", () => {
  const iced = icedVeDecoder();
  const windows = movWindows();

  it("decode(): the access, its registers and memory operand as our decoder gives them", () => {
    const bad: string[] = [];
    let under67 = 0;
    for (const w of windows) {
      const ours = decoder.decode(w, 0n), theirs = iced.decode(w, 0n);
      if (!ours.arch) continue; // (67h can make a window something else: compared only where ours is MOV-family)
      if (ours.addressSize === 4) under67++;
      const pick = (i: typeof ours) => ({ length: i.length, addressSize: i.addressSize, arch: i.arch });
      if (show(pick(ours)) !== show(pick(theirs))) bad.push(`${hex(w)}\n  ours ${show(pick(ours))}\n  iced ${show(pick(theirs))}`);
    }
    expect(windows.length).toBeGreaterThan(1000);
    expect(under67).toBeGreaterThan(500);
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("decodePlan(): the CPU's plan field by field", () => {
    const bad: string[] = [];
    const a = new VePlan(), b = new VePlan();
    const fields = (p: VePlan) => ({ length: p.length, verdict: p.verdict, kind: p.kind, size: p.size, reg: p.reg, highByte: p.highByte, extendTo: p.extendTo,
      imm: [p.immLo, p.immHi], base: p.base, index: p.index, scale: p.scale, dispLo: p.dispLo, dispHi: p.dispHi, seg: p.seg, addressSize: p.addressSize, rep: p.rep });
    for (const w of windows) {
      if (!decoder.decode(w, 0n).arch) continue;
      decoder.fetchWindow.set(w);
      iced.fetchWindow.set(w);
      const ours = fields(decoder.decodePlan(15, a, false)), theirs = fields(iced.decodePlan(15, b, false));
      if (show(ours) !== show(theirs)) bad.push(`${hex(w)}\n  ours ${show(ours)}\n  iced ${show(theirs)}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
