// Decoder throughput and per-#VE decode cost against iced-x86, in one process. iced-x86 is driven
// the way its documentation and users drive it: one Decoder over the whole buffer, position and ip
// set once per function, decodeOut in a loop advancing by the instruction's length; for a #VE, a
// fresh Decoder over the 15-byte window and one decode (what a #VE decode with iced costs).
// Every figure is printed twice: the fastest of N round-robin samples in process CPU time
// (best-of.ts) and benny's mean (wall clock). VE_MMIO_BENCH_BEFORE adds an earlier build's batch
// and decodePlan to the same rounds, for before/after figures from one process: a release.wasm (run
// by this tree's engine), or a built checkout's directory (its own dist/ engine and build/ WASM, so
// a change on the JS side is measured too).
import b from "benny";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Decoder, DecoderOptions, Instruction, Mnemonic, OpKind, MemorySizeExt } from "iced-x86";
import { loadDecoder } from "../src/decoder/node.js";
import { VeDecoder } from "../src/decoder/engine.js";
import { COMPACT_SIZE, FULL_SIZE } from "../src/decoder/layout.js";
import { VePlan } from "../src/decoder/plan.js";
import { loadCodeSets, type CodeSet } from "./code-sets.js";
import { bestOf, cpuLine, repeat, type TimedCase } from "./best-of.js";

const decoder: VeDecoder = await loadDecoder();
/**
 * An earlier build, timed in the same rounds: `path` is its release.wasm or a built checkout. Its
 * engine is always a module instance of its own (a checkout's dist/, or this tree's engine.js
 * imported again under another URL), so no call site inside decodePlan sees both builds' WASM: a
 * shared, polymorphic call site would stop V8 inlining the JS-to-WASM call and slow both sides.
 */
async function loadBefore(path: string): Promise<{ decoder: VeDecoder; Plan: typeof VePlan }> {
  const dir = statSync(path).isDirectory();
  const module = (file: string) => dir
    ? pathToFileURL(join(path, "dist/src/decoder", file)).href
    : new URL(`../src/decoder/${file}?before`, import.meta.url).href;
  const engine = await import(module("engine.js")) as typeof import("../src/decoder/engine.js");
  // Its engine checks plans against the VePlan of the plan.js beside it: this tree's, or the checkout's.
  const Plan = dir ? (await import(module("plan.js")) as typeof import("../src/decoder/plan.js")).VePlan : VePlan;
  const decoder = await engine.VeDecoder.create(readFileSync(dir ? join(path, "build/release.wasm") : path));
  return { decoder, Plan };
}
/** VE_MMIO_BENCH_BEFORE=path/to/release.wasm or path/to/checkout: an earlier build (before/after). */
const beforePath = process.env.VE_MMIO_BENCH_BEFORE;
const beforeBuild = beforePath ? await loadBefore(beforePath) : null;
const before: VeDecoder | null = beforeBuild?.decoder ?? null;
let sink = 0; // consumed results, so no case is optimised away

/** Bytes inside the ranges: what every decoder in a throughput case actually decodes. */
const rangeBytes = (set: CodeSet): number => set.ranges.reduce((n, [s, e]) => n + (e - s), 0);

/** iced-x86's length + validity: one Decoder, position/ip once per function, decodeOut by length. */
function icedLengths(set: CodeSet, dec: Decoder, ins: Instruction): number {
  let n = 0;
  for (const [s, e] of set.ranges) {
    dec.position = s;
    dec.ip = BigInt(s);
    let pos = s;
    while (pos < e) {
      dec.decodeOut(ins);
      pos += ins.length;
      n++;
      if (ins.isInvalid) sink++;
    }
  }
  return n;
}

/** iced doing the reads our MMIO mode does: mnemonic, and for MOV-family memory forms size/registers/address. */
function icedMmio(set: CodeSet, dec: Decoder, ins: Instruction): number {
  let acc = 0;
  for (const [s, e] of set.ranges) {
    dec.position = s;
    dec.ip = BigInt(s);
    let pos = s;
    while (pos < e) {
      dec.decodeOut(ins);
      pos += ins.length;
      if (ins.isInvalid) continue;
      const m = ins.mnemonic;
      if (m === Mnemonic.Mov || m === Mnemonic.Movzx || m === Mnemonic.Movsx || m === Mnemonic.Movsxd) {
        if (ins.op0Kind === OpKind.Memory || ins.op1Kind === OpKind.Memory) {
          acc += MemorySizeExt.size(ins.memorySize) + ins.memoryBase + ins.memoryIndex + ins.memoryIndexScale
            + Number(ins.memoryDisplacementU64 & 0xffn) + ins.op0Register + ins.op1Register;
        }
      }
    }
  }
  return acc;
}

function oursBatch(set: CodeSet, mode: "length" | "mmio", using: VeDecoder = decoder): number {
  let full = 0;
  const s = using.batch(set.bytes, { ranges: set.ranges, mode, chunkRecords: 1 << 20 }, (c) => { full += c.fullCount; });
  return s.instructions + full;
}

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
let rounds = 5;

/** Benny's mean ops/s per case name, from one suite over `cases`. */
async function bennyMeans(title: string, file: string, cases: readonly TimedCase[]): Promise<Map<string, number>> {
  const means = new Map<string, number>();
  await b.suite(
    title,
    ...cases.map((c) => b.add(c.name, c.run, benchOptions)),
    b.complete((summary) => { for (const r of summary.results) means.set(r.name, r.ops); }),
    b.save({ file, folder: "bench/results", format: "json" }),
    b.save({ file, folder: "bench/results", format: "chart.html" }),
  );
  return means;
}

const fmt = (x: number, digits = 1) => x.toFixed(digits).padStart(8);

async function throughputSuite(set: CodeSet): Promise<void> {
  const bytes = rangeBytes(set);
  let oneByte = 0; // one-byte instructions (a kernel's int3/nop padding is most of them): context for the rates
  const insns = decoder.batch(set.bytes, { ranges: set.ranges, mode: "length", chunkRecords: 1 << 20 }, (c) => {
    for (let i = 0; i < c.count; i++) if (c.records[i * COMPACT_SIZE] === 1) oneByte++;
  }).instructions;
  const dec = new Decoder(64, set.bytes, DecoderOptions.None);
  const ins = new Instruction();
  const L = "ve-mmio batch: length+validity";
  const LI = "iced-x86 decodeOut: length+validity";
  const M = "ve-mmio batch: +MMIO classification+mem operand";
  const MI = "iced-x86 decodeOut: same reads";
  const ONE = "ve-mmio lengthOf, one call per instruction";
  const cases: TimedCase[] = [
    { name: L, run: () => { sink += oursBatch(set, "length"); } },
    { name: LI, run: () => { sink += icedLengths(set, dec, ins); } },
    { name: M, run: () => { sink += oursBatch(set, "mmio"); } },
    { name: MI, run: () => { sink += icedMmio(set, dec, ins); } },
  ];
  const BL = "before: batch length+validity", BM = "before: batch +MMIO classification";
  if (before) {
    cases.push({ name: BL, run: () => { sink += oursBatch(set, "length", before); } });
    cases.push({ name: BM, run: () => { sink += oursBatch(set, "mmio", before); } });
  }
  const oneByOne: TimedCase = { name: ONE, run: () => { sink += oursOneByOne(set); } };
  const best = bestOf(cases, rounds, 0.05);
  const bestOne = bestOf([oneByOne], Math.min(rounds, 2), 0.05);
  const means = await bennyMeans(`decode ${set.name}`, `decode-${set.name}`, [...cases, oneByOne]);
  console.log(`  ${bytes.toLocaleString()} bytes in ${set.ranges.length.toLocaleString()} ranges, ${insns.toLocaleString()} instructions (${(100 * oneByte / insns).toFixed(0)}% one-byte); best of ${rounds} | benny mean`);
  const row = (name: string, secs: number) => {
    const mean = means.get(name)!;
    console.log(`  ${name.padEnd(52)} ${fmt(bytes / secs / 1e6)} MB/s ${fmt(insns / secs / 1e6, 2)} M insn/s | ${fmt(bytes * mean / 1e6)} MB/s`);
  };
  for (const c of cases) row(c.name, best.get(c.name)!);
  row(ONE, bestOne.get(ONE)!);
  const ratio = (ours: string, iced: string) =>
    `${(best.get(iced)! / best.get(ours)!).toFixed(2)}x best-of-${rounds}, ${(means.get(ours)! / means.get(iced)!).toFixed(2)}x benny mean`;
  console.log(`  ratio length+validity:             ${ratio(L, LI)} (target >= 10x)`);
  console.log(`  ratio +MMIO classification+operand: ${ratio(M, MI)} (target >= 8x)`);
  if (before) {
    console.log(`  before (${beforePath}): length ${ratio(BL, LI)} iced, MMIO ${ratio(BM, MI)} iced; after/before length ${(best.get(BL)! / best.get(L)!).toFixed(2)}x, MMIO ${(best.get(BM)! / best.get(M)!).toFixed(2)}x`);
  }
  dec.free();
  ins.free();
}

/** Up to 1024 15-byte windows at MOV-family memory accesses of the set (the #VE sites). */
function veWindows(set: CodeSet): Uint8Array[] {
  const windows: Uint8Array[] = [];
  decoder.batch(set.bytes, { ranges: set.ranges, mode: "mmio" }, (c) => {
    const dv = new DataView(c.full.buffer, c.full.byteOffset);
    for (let i = 0; i < c.fullCount && windows.length < 1024; i++) {
      const off = dv.getUint32(i * FULL_SIZE, true);
      const w = new Uint8Array(15);
      w.set(set.bytes.subarray(off, off + 15));
      windows.push(w);
    }
  });
  while (windows.length < 1024) windows.push(windows[windows.length % Math.max(1, windows.length)] ?? Uint8Array.of(0x8b, 0x07));
  return windows;
}

/** The fetch both #VE decoders are fed by: 15 bytes from guest memory into the decoder's window, as CodeFetcher copies them. */
function fetchInto(window: Uint8Array, bytes: Uint8Array): void {
  for (let i = 0; i < 15; i++) window[i] = bytes[i];
}

async function veSuite(set: CodeSet): Promise<void> {
  const windows = veWindows(set);
  const plan = new VePlan();
  const fetchWindow = decoder.fetchWindow;
  let k = 0;
  const K = "ve-mmio fetch + decodePlan, kernel's reading";
  const A = "ve-mmio fetch + decodePlan, CPU's reading";
  const I = "iced-x86 fetch + new Decoder + decode";
  const FO = "fetch alone, into ve-mmio's window";
  const FI = "fetch alone, into iced's window";
  const F = "ve-mmio decode(window): full DecodedInsn";
  // What a #VE handler does: fetch the 15 bytes at RIP into its window, decode. Ours: the window is
  // decoder memory (the fetch writes there), one decodePlan call, the plan read.
  const kernelPlan = () => {
    fetchInto(fetchWindow, windows[k++ & 1023]);
    const p = decoder.decodePlan(15, plan, true);
    sink += p.length + p.kind + p.size + p.reg;
  };
  const cpuPlan = () => {
    fetchInto(fetchWindow, windows[k++ & 1023]);
    const p = decoder.decodePlan(15, plan, false);
    sink += p.length + p.kind + p.size + p.reg;
  };
  // iced: the same fetch into a window of its own, then a fresh Decoder over it (it copies the bytes
  // into its own memory), one decode, the same four reads, both objects freed.
  const icedWindow = new Uint8Array(15);
  const iced = () => {
    fetchInto(icedWindow, windows[k++ & 1023]);
    const d = new Decoder(64, icedWindow, DecoderOptions.None);
    const ins = d.decode();
    sink += ins.length + ins.mnemonic + ins.memorySize + ins.op0Register;
    ins.free();
    d.free();
  };
  // The fetch alone, so the decode's own cost can be told apart from it (and from this loop).
  const fetchOurs = () => { fetchInto(fetchWindow, windows[k++ & 1023]); sink += fetchWindow[0]; };
  const fetchIced = () => { fetchInto(icedWindow, windows[k++ & 1023]); sink += icedWindow[0]; };
  const full = () => { sink += decoder.decode(windows[k++ & 1023]).length; };
  const beforeWindow = before?.fetchWindow;
  const planOfBefore = beforeBuild ? new beforeBuild.Plan() : plan; // its own VePlan class
  const beforePlan = (kernel: boolean) => () => {
    fetchInto(beforeWindow!, windows[k++ & 1023]);
    const p = before!.decodePlan(15, planOfBefore, kernel);
    sink += p.length + p.kind + p.size + p.reg;
  };
  const PER = 1000; // calls per timed unit, so the timer's own cost is amortised
  const cases: TimedCase[] = [
    { name: K, run: repeat(PER, kernelPlan) },
    { name: A, run: repeat(PER, cpuPlan) },
    { name: I, run: repeat(PER, iced) },
    { name: FO, run: repeat(PER, fetchOurs) },
    { name: FI, run: repeat(PER, fetchIced) },
    { name: F, run: repeat(PER, full) },
  ];
  const BK = "before: fetch + decodePlan, kernel's reading", BA = "before: fetch + decodePlan, CPU's reading";
  if (before) cases.push({ name: BK, run: repeat(PER, beforePlan(true)) }, { name: BA, run: repeat(PER, beforePlan(false)) });
  // Many short samples: on a loaded machine the fastest of them is a stretch the case had a core to itself.
  const best = bestOf(cases, rounds * 40, 0);
  const means = await bennyMeans(`#VE single decode (${set.name})`, `ve-${set.name}`, cases);
  const bestNs = (name: string) => best.get(name)! / PER * 1e9;
  const meanNs = (name: string) => 1e9 / (means.get(name)! * PER);
  const ns = (name: string) => `${bestNs(name).toFixed(1).padStart(7)} ns | ${meanNs(name).toFixed(1).padStart(7)} ns`;
  console.log(`  per #VE decode over ${windows.length} MOV-site windows; best of ${rounds * 40} samples of ${PER} | benny mean`);
  for (const c of cases) console.log(`  ${c.name.padEnd(52)} ${ns(c.name)}`);
  // The decode alone: each case less the fetch into its own window (best-of figures).
  const fetchOf = (name: string) => (name === I ? FI : FO);
  const alone = (name: string) => bestNs(name) - bestNs(fetchOf(name));
  const ratio = (ours: string) =>
    `${(alone(I) / alone(ours)).toFixed(1)}x decode alone (${alone(ours).toFixed(1)} vs ${alone(I).toFixed(1)} ns), `
    + `${(bestNs(I) / bestNs(ours)).toFixed(1)}x with the fetch best-of-N, ${(means.get(ours)! / means.get(I)!).toFixed(1)}x benny mean`;
  console.log(`  ratio #VE decode vs iced (target >= 15x, decode alone):`);
  console.log(`    kernel plan ${ratio(K)}`);
  console.log(`    CPU plan    ${ratio(A)}`);
  if (before) {
    console.log(`    before: kernel plan ${ratio(BK)}`);
    console.log(`    before: CPU plan    ${ratio(BA)}`);
  }
}

/** Runs the decode suites on every code set; `quick` keeps each case short. */
export async function runDecodeBench(quick: boolean): Promise<void> {
  benchOptions = quick ? { maxTime: 0.5, minSamples: 3 } : { maxTime: 3 };
  rounds = quick ? 3 : 5;
  console.log(`decode bench: ${cpuLine()}`);
  for (const set of loadCodeSets()) {
    console.log(`\n${set.name}: ${(set.bytes.length / 1e6).toFixed(2)} MB${set.note ? ` (${set.note})` : ""}`);
    await throughputSuite(set);
    await veSuite(set);
  }
  if (sink === 0.5) console.log(sink);
}
