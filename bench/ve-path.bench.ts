// #VE MMIO round trips per second (benny), per MMIO access (readl): the whole guest path (fetch,
// decode, TDVMCALL, host validation, device, write-back) with the decode cache off and on, through
// the zero-allocation entry (Td.deliverFast) and through the one that returns a self-contained
// typed outcome (Td.deliver); iced-x86 as the decoder inside the same path; and a paravirtualised
// direct TDVMCALL with no decode, for comparison. Each figure is printed twice, as in the decode
// bench: the fastest of N round-robin samples in process CPU time (best-of.ts) and benny's mean,
// with the ratios to the direct TDVMCALL, timed in the same process, that issue 12 sets targets for.
//
// Each group of cases runs in a process of its own (GROUPS), for two reasons the JIT gives:
// - One TD configuration per process, as a simulator runs: when TDs with the decode cache on and
//   off share a process, V8 optimizes their shared code (Td.deliverFast, VeEngine.handle) with both
//   paths' feedback, and the cached round trip measured up to 1.5x slower. The "mixed" group
//   times them together, to show it.
// - iced-x86's first decode grows its WebAssembly memory, which detaches an ArrayBuffer: V8 then
//   checks every typed-array access in the process (test/guest/no-detach.test.ts), the TD's as
//   much as iced's. The "iced" group times ve-mmio and iced-x86 as the decoder side by side, both
//   after it; the others never run iced-x86.
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

const OFF = "deliverFast, decode cache off";
const ON = "deliverFast, decode cache on";
const ICED = "deliverFast, iced-x86 as the decoder";
const RICH_OFF = "deliver (typed outcome), cache off";
const RICH_ON = "deliver (typed outcome), cache on";
const DIRECT = "direct TDVMCALL (paravirt, no decode)";
/** Issue 12's targets: a round trip's time over the direct TDVMCALL's, in the same process. */
const TARGETS = new Map([[OFF, 2.5], [ON, 1.5]]);
const PER = 1000; // round trips per timed unit (a tenth of it for the slow cases)
const SLOW = new Set([ICED, RICH_OFF, RICH_ON]);
const perUnit = (name: string) => (SLOW.has(name) ? PER / 10 : PER);

/** The groups, each timed in a process of its own (see the file comment), and their cases. */
export const GROUPS = {
  off: [OFF, DIRECT],
  on: [ON, DIRECT],
  outcome: [RICH_OFF, RICH_ON, DIRECT],
  mixed: [OFF, ON, RICH_OFF, RICH_ON, DIRECT],
  iced: [OFF, ICED, DIRECT],
} as const;
export type VePathGroup = keyof typeof GROUPS;

/** One unit of each case of a group, its TDs made only when the group needs them. */
function unitsOf(group: VePathGroup): Map<string, () => void> {
  const units = new Map<string, () => void>();
  for (const name of GROUPS[group]) {
    let body: () => void;
    switch (name) {
      case OFF: body = setup(false).fast; break;
      case ON: body = setup(true).fast; break;
      case RICH_OFF: body = setup(false).rich; break;
      case RICH_ON: body = setup(true).rich; break;
      case DIRECT: body = directCall(); break;
      case ICED: body = setup(false, icedVeDecoder()).fast; break;
    }
    units.set(name, body);
  }
  if (group === "iced") units.get(ICED)!(); // iced-x86's first decode, before anything is timed
  return units;
}

/** Times one group in this process: best-of-N round robin, then benny's means. */
export async function runVePathGroup(group: VePathGroup, quick: boolean): Promise<void> {
  console.log(`#VE path bench, group "${group}": ${cpuLine()}`);
  const units = unitsOf(group);
  const cases: TimedCase[] = [...units].map(([name, body]) => ({ name, run: repeat(perUnit(name), body) }));
  const rounds = quick ? 60 : 200;
  const best = bestOf(cases, rounds, 0);
  const means = new Map<string, number>();
  const opts = quick ? { maxTime: 0.5, minSamples: 3 } : {};
  await b.suite(
    `#VE MMIO round trip (readl), group ${group}`,
    ...[...units].map(([name, body]) => b.add(name, body, opts)),
    b.cycle(),
    b.complete((s) => { for (const r of s.results) means.set(r.name, r.ops); }),
    b.save({ file: `ve-path-${group}`, folder: "bench/results", format: "json" }),
  );
  const bestNs = (name: string) => best.get(name)! / perUnit(name) * 1e9;
  const meanNs = (name: string) => 1e9 / means.get(name)!;
  console.log(`  group "${group}" (one process), per round trip: best of ${rounds} samples | benny mean`);
  for (const c of cases) {
    console.log(`  ${c.name.padEnd(40)} ${bestNs(c.name).toFixed(0).padStart(6)} ns (${(1e3 / bestNs(c.name)).toFixed(2)} M/s) | ${meanNs(c.name).toFixed(0).padStart(6)} ns`);
  }
  for (const c of cases) {
    if (c.name === DIRECT) continue;
    const r = bestNs(c.name) / bestNs(DIRECT), m = meanNs(c.name) / meanNs(DIRECT);
    const target = group === "mixed" || group === "iced" ? undefined : TARGETS.get(c.name);
    console.log(`  ${c.name} / direct TDVMCALL: ${r.toFixed(2)}x best-of-N, ${m.toFixed(2)}x benny mean${target === undefined ? "" : ` (target <= ${target}x)`}`);
  }
  if (group === "iced") console.log(`  iced-x86 / ve-mmio as the decoder: ${(bestNs(ICED) / bestNs(OFF)).toFixed(2)}x best-of-N, ${(meanNs(ICED) / meanNs(OFF)).toFixed(2)}x benny mean`);
}
