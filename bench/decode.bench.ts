// Decoder throughput against iced-x86 in the same run (benny): our batch API, our one-at-a-time
// API and iced-x86's JS API on the committed corpus, plus a cached Debian vmlinux's .text function
// by function when present. Reports MB/s, instructions/s and ratios; JSON + chart in bench/results.
import b from "benny";
import { Decoder, Instruction, Mnemonic, OpKind, MemorySizeExt } from "iced-x86";
import { loadDecoder } from "../src/decoder/node.js";
import { VeDecoder } from "../src/decoder/engine.js";
import { FULL_SIZE } from "../src/decoder/layout.js";
import { VePlan } from "../src/decoder/plan.js";
import { loadCodeSets, type CodeSet } from "./code-sets.js";

const decoder: VeDecoder = await loadDecoder();
let sink = 0; // consumed results, so no case is optimised away

function icedLengths(set: CodeSet): number {
  const dec = new Decoder(64, set.bytes, 0);
  const ins = new Instruction();
  let n = 0, invalid = 0;
  for (const [s, e] of set.ranges) {
    let pos = s;
    while (pos < e) {
      dec.position = pos;
      dec.decodeOut(ins);
      n++;
      if (ins.isInvalid) { invalid++; pos += 1; } else pos += ins.length;
    }
  }
  dec.free(); ins.free();
  return n - invalid;
}

/** iced doing the reads our MMIO mode does: mnemonic, and for MOV-family memory forms size/registers/address. */
function icedMmio(set: CodeSet): number {
  const dec = new Decoder(64, set.bytes, 0);
  const ins = new Instruction();
  let sink = 0;
  for (const [s, e] of set.ranges) {
    let pos = s;
    while (pos < e) {
      dec.position = pos;
      dec.decodeOut(ins);
      if (ins.isInvalid) { pos += 1; continue; }
      pos += ins.length;
      const m = ins.mnemonic;
      if (m === Mnemonic.Mov || m === Mnemonic.Movzx || m === Mnemonic.Movsx || m === Mnemonic.Movsxd) {
        if (ins.op0Kind === OpKind.Memory || ins.op1Kind === OpKind.Memory) {
          sink += MemorySizeExt.size(ins.memorySize) + ins.memoryBase + ins.memoryIndex + ins.memoryIndexScale
            + Number(ins.memoryDisplacementU64 & 0xffn) + ins.op0Register + ins.op1Register;
        }
      }
    }
  }
  dec.free(); ins.free();
  return sink;
}

function oursBatch(set: CodeSet, mode: "length" | "mmio"): number {
  let full = 0;
  const s = decoder.batch(set.bytes, { ranges: set.ranges, mode, chunkRecords: 1 << 20 }, (c) => { full += c.fullCount; });
  return s.instructions + full;
}

function insnCount(set: CodeSet): number {
  return decoder.batch(set.bytes, { ranges: set.ranges, mode: "length", chunkRecords: 1 << 20 }, () => undefined).instructions;
}

interface Row { suite: string; name: string; ops: number }
const rows: Row[] = [];

/** Our one-instruction API over every instruction of the set (a JS call per instruction). */
function oursOneByOne(set: CodeSet): number {
  let n = 0;
  for (const [s, e] of set.ranges) {
    let pos = s;
    while (pos < e) {
      const len = decoder.lengthOf(set.bytes.subarray(pos, Math.min(e, pos + 15)));
      pos += len > 0 ? len : 1;
      n++;
    }
  }
  return n;
}

let benchOptions: { maxTime?: number; minSamples?: number } = {};

async function throughputSuite(set: CodeSet): Promise<void> {
  const n = insnCount(set);
  const add = (name: string, fn: () => void) => b.add(name, fn, benchOptions);
  await b.suite(
    `decode ${set.name}`,
    add("ve-mmio batch: length+validity", () => { oursBatch(set, "length"); }),
    add("ve-mmio one at a time (lengthOf): length+validity", () => { oursOneByOne(set); }),
    add("iced-x86 decodeOut: length+validity", () => { icedLengths(set); }),
    add("ve-mmio batch: length+MMIO classification+mem operand", () => { oursBatch(set, "mmio"); }),
    add("iced-x86 decodeOut: same reads", () => { icedMmio(set); }),
    b.cycle(),
    b.complete((summary) => {
      for (const r of summary.results) rows.push({ suite: set.name, name: r.name, ops: r.ops });
      const mb = set.bytes.length / 1e6;
      const by = (k: string) => summary.results.find((r) => r.name.startsWith(k))!.ops;
      for (const r of summary.results) {
        console.log(`  ${r.name.padEnd(58)} ${(r.ops * mb).toFixed(1).padStart(8)} MB/s ${(r.ops * n / 1e6).toFixed(2).padStart(8)} M insn/s`);
      }
      console.log(`  ratio length+validity:           ${(by("ve-mmio batch: length+") / by("iced-x86 decodeOut: length")).toFixed(2)}x`);
      console.log(`  ratio length+MMIO classification: ${(by("ve-mmio batch: length+MMIO") / by("iced-x86 decodeOut: same")).toFixed(2)}x`);
    }),
    b.save({ file: `decode-${set.name}`, folder: "bench/results", format: "json" }),
    b.save({ file: `decode-${set.name}`, folder: "bench/results", format: "chart.html" }),
  );
}

async function veSuite(set: CodeSet): Promise<void> {
  // #VE: one 15-byte window at an IP, through each public JS API. Use MOV sites from the set.
  const windows: Uint8Array[] = [];
  decoder.batch(set.bytes, { ranges: set.ranges, mode: "mmio" }, (c) => {
    for (let i = 0; i < c.fullCount && windows.length < 1024; i++) {
      const off = new DataView(c.full.buffer, c.full.byteOffset + i * FULL_SIZE).getUint32(0, true);
      windows.push(set.bytes.slice(off, off + 15));
    }
  });
  let k = 0;
  const plan = new VePlan();
  const add = (name: string, fn: () => void) => b.add(name, fn, benchOptions);
  await b.suite(
    `#VE single decode (${set.name})`,
    add("iced-x86 new Decoder + decode: length, mnemonic, memory size, op0 register", () => {
      const d = new Decoder(64, windows[k++ & 1023], 0);
      const ins = d.decode();
      sink += ins.length + ins.mnemonic + ins.memorySize + ins.op0Register;
      ins.free(); d.free();
    }),
    add("ve-mmio decode(window): full DecodedInsn object", () => { sink += decoder.decode(windows[k++ & 1023]).length; }),
    // What the #VE engine does: the window goes into the decoder's fetch window, one reading is decoded.
    add("ve-mmio decodePlan: the kernel's reading (handler, linux mode)", () => {
      decoder.fetchWindow.set(windows[k++ & 1023]);
      const p = decoder.decodePlan(15, plan, true);
      sink += p.length + p.kind + p.size + p.reg;
    }),
    add("ve-mmio decodePlan: the CPU's reading (handler, arch mode)", () => {
      decoder.fetchWindow.set(windows[k++ & 1023]);
      const p = decoder.decodePlan(15, plan, false);
      sink += p.length + p.kind + p.size + p.reg;
    }),
    b.cycle(),
    b.complete((s) => {
      for (const r of s.results) rows.push({ suite: "ve", name: r.name, ops: r.ops });
      const [iced, full, kernelPlan, cpuPlan] = s.results.map((r) => r.ops);
      console.log(`  per #VE decode: ve-mmio plan ${(1e9 / kernelPlan).toFixed(0)} ns (kernel) / ${(1e9 / cpuPlan).toFixed(0)} ns (CPU), full object ${(1e9 / full).toFixed(0)} ns; iced-x86 ${(1e9 / iced).toFixed(0)} ns`);
      console.log(`  ratio #VE decode vs iced: plan ${(kernelPlan / iced).toFixed(1)}x / ${(cpuPlan / iced).toFixed(1)}x (target >= 10x)`);
    }),
    b.save({ file: `ve-${set.name}`, folder: "bench/results", format: "json" }),
    b.save({ file: `ve-${set.name}`, folder: "bench/results", format: "chart.html" }),
  );
}

/** Runs the decode suites on every code set; `quick` keeps each case short. */
export async function runDecodeBench(quick: boolean): Promise<void> {
  benchOptions = quick ? { maxTime: 0.5, minSamples: 3 } : {};
  for (const set of loadCodeSets()) {
    console.log(`\n${set.name}: ${(set.bytes.length / 1e6).toFixed(2)} MB in ${set.ranges.length} functions`);
    await throughputSuite(set);
    await veSuite(set);
  }
  if (sink === 0.5) console.log(sink);
}
