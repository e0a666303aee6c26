// #VE MMIO round trips per second (benny), per MMIO access (readl): the whole guest path (fetch,
// decode, TDVMCALL, host validation, device, write-back) with the decode cache off and on, through
// the zero-allocation entry (Td.deliverFast) and through the one that returns a self-contained
// typed outcome (Td.deliver); iced-x86 as the decoder inside the same path; and a paravirtualised
// direct TDVMCALL with no decode, for comparison. Each figure is printed twice, as in the decode
// bench: the fastest of N round-robin samples in process CPU time (best-of.ts) and benny's mean,
// with the ratios to the direct TDVMCALL that issue 12 sets targets for.
import b from "benny";
import { loadDecoder } from "../src/decoder/node.js";
import { FRAME, TdvmcallFrame } from "../src/tdvmcall/abi.js";
import type { VeDecoder } from "../src/decoder/engine.js";
import { icedVeDecoder } from "./iced-ve-decoder.js";
import { readlTd, READL_RIP_LO } from "./readl-td.js";
import { SLOT } from "../src/guest/vcpu.js";
import { bestOf, cpuLine, repeat, type TimedCase } from "./best-of.js";

const decoder = await loadDecoder();
function setup(decodeCache: boolean, using: VeDecoder = decoder) {
  const { td, vcpu, ve } = readlTd(using, decodeCache);
  /** One #VE through deliverFast (RIP back at the instruction first). */
  const fast = () => {
    vcpu.words[2 * SLOT.RIP] = READL_RIP_LO;
    if (!td.deliverFast(vcpu, ve).handled) throw new Error("the benchmark's readl was not handled");
  };
  /** One #VE through deliver (a typed outcome). */
  const rich = () => {
    vcpu.words[2 * SLOT.RIP] = READL_RIP_LO;
    td.deliver(vcpu, ve);
  };
  return { td, vcpu, ve, fast, rich };
}

/** A paravirtualised readl: the guest issues the TDVMCALL itself; no #VE, no fetch, no decode. */
function directCall() {
  const { td, vcpu, ve } = setup(false);
  const frame = new TdvmcallFrame();
  const gpa = Number(ve.gpa);
  return () => {
    frame.mmio(4, false, gpa % 0x1_0000_0000, Math.floor(gpa / 0x1_0000_0000), 0, 0);
    td.host.handleFrame(frame);
    vcpu.words[0] = frame.lo(FRAME.DATA); // readl zero-extends into RAX
    vcpu.words[1] = 0;
  };
}

const uncached = setup(false);
const cached = setup(true);
const withIced = setup(false, icedVeDecoder());
const direct = directCall();

const OFF = "deliverFast, decode cache off";
const ON = "deliverFast, decode cache on";
const ICED = "deliverFast, iced-x86 as the decoder";
const RICH_OFF = "deliver (typed outcome), cache off";
const RICH_ON = "deliver (typed outcome), cache on";
const DIRECT = "direct TDVMCALL (paravirt, no decode)";
/** Issue 12's targets: a round trip's time over the direct TDVMCALL's, in the same run. */
const TARGETS: [string, number][] = [[OFF, 2.5], [ON, 1.5]];

/** Runs the #VE path suite; `quick` keeps each case short. */
export async function runVePathBench(quick: boolean): Promise<void> {
  const opts = quick ? { maxTime: 0.5, minSamples: 3 } : {};
  console.log(`#VE path bench: ${cpuLine()}`);
  const PER = 1000; // round trips per timed unit
  const cases: TimedCase[] = [
    { name: OFF, run: repeat(PER, uncached.fast) },
    { name: ON, run: repeat(PER, cached.fast) },
    { name: ICED, run: repeat(PER / 10, withIced.fast) },
    { name: RICH_OFF, run: repeat(PER / 10, uncached.rich) },
    { name: RICH_ON, run: repeat(PER / 10, cached.rich) },
    { name: DIRECT, run: repeat(PER, direct) },
  ];
  const perUnit = (name: string) => (name === ICED || name === RICH_OFF || name === RICH_ON ? PER / 10 : PER);
  const rounds = quick ? 60 : 200;
  const best = bestOf(cases, rounds, 0);
  const means = new Map<string, number>();
  await b.suite(
    "#VE MMIO round trip (readl)",
    b.add(OFF, uncached.fast, opts),
    b.add(ON, cached.fast, opts),
    b.add(ICED, withIced.fast, opts),
    b.add(RICH_OFF, uncached.rich, opts),
    b.add(RICH_ON, cached.rich, opts),
    b.add(DIRECT, direct, opts),
    b.cycle(),
    b.complete((s) => { for (const r of s.results) means.set(r.name, r.ops); }),
    b.save({ file: "ve-path", folder: "bench/results", format: "json" }),
    b.save({ file: "ve-path", folder: "bench/results", format: "chart.html" }),
  );
  const bestNs = (name: string) => best.get(name)! / perUnit(name) * 1e9;
  const meanNs = (name: string) => 1e9 / means.get(name)!;
  console.log(`  per round trip: best of ${rounds} samples | benny mean`);
  for (const c of cases) {
    console.log(`  ${c.name.padEnd(40)} ${bestNs(c.name).toFixed(0).padStart(6)} ns (${(1e3 / bestNs(c.name)).toFixed(2)} M/s) | ${meanNs(c.name).toFixed(0).padStart(6)} ns`);
  }
  for (const [name, target] of TARGETS) {
    const r = bestNs(name) / bestNs(DIRECT), m = meanNs(name) / meanNs(DIRECT);
    console.log(`  ${name} / direct TDVMCALL: ${r.toFixed(2)}x best-of-N, ${m.toFixed(2)}x benny mean (target <= ${target}x)`);
  }
  console.log(`  cache on / off ${(bestNs(OFF) / bestNs(ON)).toFixed(2)}x; ve-mmio / iced-x86 as the decoder ${(bestNs(ICED) / bestNs(OFF)).toFixed(2)}x (best-of-N)`);
}
