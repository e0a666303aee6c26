// #VE MMIO round trips per second (benny), per MMIO access (readl): the whole guest path (fetch,
// decode, TDVMCALL, host validation, device, write-back) with the decode cache off and on, through
// the zero-allocation entry (Td.deliverFast) and through the one that returns a self-contained
// typed outcome (Td.deliver); iced-x86 as the decoder inside the same path; and a paravirtualised
// direct TDVMCALL with no decode, for comparison. Each figure is printed twice, as in the decode
// bench: the fastest of N round-robin samples in process CPU time (best-of.ts) and benny's mean,
// with the ratios to the direct TDVMCALL, timed in the same process, that issue 12 sets targets for.
//
// The direct TDVMCALL runs on the TD of the #VE case it is compared with (the same host, device and
// vCPU: the same guest doing the same readl without a #VE), as in the boot replay. Every loop takes
// its TD, frame and GPA as values (unit()), none closes over them.
//
// Each group of cases runs in a process of its own (GROUPS), for two reasons the JIT gives:
// - One TD configuration per process, as a simulator runs: when TDs with the decode cache on and
//   off share a process, V8 optimizes their shared code (Td.deliverFast, VeEngine.handle) with both
//   paths' feedback, and the cached round trip measured up to 1.5x slower. A second TD whose host
//   serves calls in a hot loop slowed the cached path in probes too (docs/performance-log.md,
//   fifth round): the "second-td" group times that alone, and the "mixed" group times all the TDs
//   together, each case (the direct call too) on a TD of its own.
// - iced-x86's first decode grows its WebAssembly memory, which detaches an ArrayBuffer: V8 then
//   checks every typed-array access in the process (test/guest/no-detach.test.ts), the TD's as
//   much as iced's. The "iced" group times ve-mmio and iced-x86 as the decoder side by side, both
//   after it; the others never run iced-x86.
import b from "benny";
import { loadDecoder } from "../src/decoder/node.js";
import { FRAME, TdvmcallFrame } from "../src/tdvmcall/abi.js";
import { icedVeDecoder } from "./iced-ve-decoder.js";
import { readlTd, READL_RIP_LO } from "./readl-td.js";
import { SLOT } from "../src/guest/vcpu.js";
import { lowWord, highWord } from "../src/words.js";
import { bestOf, cpuLine, pairedRatio, type TimedCase } from "./best-of.js";

const decoder = await loadDecoder();
const RIP = 2 * SLOT.RIP;

/** What a case runs on: a TD with the readl mapped (readl-td.ts), its vCPU and the #VE. */
type Guest = ReturnType<typeof readlTd>;
/** `n` round trips of one case. */
type Unit = (n: number) => void;

/** n #VEs through deliverFast (RIP back at the instruction first). */
function fastLoop(n: number, g: Guest): void {
  const w = g.vcpu.words;
  for (let i = 0; i < n; i++) {
    w[RIP] = READL_RIP_LO;
    if (!g.td.deliverFast(g.vcpu, g.ve).handled) throw new Error("the benchmark's readl was not handled");
  }
}

/** n #VEs through deliver (a typed outcome). */
function richLoop(n: number, g: Guest): void {
  const w = g.vcpu.words;
  for (let i = 0; i < n; i++) {
    w[RIP] = READL_RIP_LO;
    g.td.deliver(g.vcpu, g.ve);
  }
}

/** A paravirtualised readl's state: the guest's frame and the GPA as words. */
interface Direct { g: Guest; frame: TdvmcallFrame; gpaLo: number; gpaHi: number }

function direct(g: Guest): Direct {
  return { g, frame: new TdvmcallFrame(), gpaLo: lowWord(g.ve.gpa), gpaHi: highWord(g.ve.gpa) };
}

/**
 * n paravirtualised readls: the guest issues the TDVMCALL itself; no #VE, no fetch, no decode. On
 * the TD of the #VE case it is compared with (the same host, device and vCPU), as the boot replay
 * compares them.
 */
function directLoop(n: number, d: Direct): void {
  const w = d.g.vcpu.words, frame = d.frame, host = d.g.td.host;
  for (let i = 0; i < n; i++) {
    frame.mmio(4, false, d.gpaLo, d.gpaHi, 0, 0);
    host.handleFrame(frame);
    w[0] = frame.lo(FRAME.DATA); // readl zero-extends into RAX
    w[1] = 0;
  }
}

/**
 * A case: its loop over its state. Every case is made here, so V8 sees several closures of this one
 * function and compiles none of them with its state as constants (a closure that exists once may
 * be): each loop runs on its TD, frame and GPA as values, as a simulator's loop does.
 */
function unit<S>(loop: (n: number, s: S) => void, state: S): Unit {
  return (n) => loop(n, state);
}

const OFF = "deliverFast, decode cache off";
const ON = "deliverFast, decode cache on";
const ICED = "deliverFast, iced-x86 as the decoder";
const RICH_OFF = "deliver (typed outcome), cache off";
const RICH_ON = "deliver (typed outcome), cache on";
const DIRECT = "direct TDVMCALL (paravirt, no decode)";
const DIRECT_OTHER = "direct TDVMCALL on a second TD";

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
  "second-td": [ON, DIRECT, DIRECT_OTHER],
} as const;
export type VePathGroup = keyof typeof GROUPS;

/** One unit of each case of a group, its TDs made only when the group needs them. */
function unitsOf(group: VePathGroup): Map<string, Unit> {
  const units = new Map<string, Unit>();
  let first: Guest | null = null;
  for (const name of GROUPS[group]) {
    let body: Unit;
    let made: Guest | null = null;
    switch (name) {
      case OFF: body = unit(fastLoop, (made = readlTd(decoder, false))); break;
      case ON: body = unit(fastLoop, (made = readlTd(decoder, true))); break;
      case RICH_OFF: body = unit(richLoop, (made = readlTd(decoder, false))); break;
      case RICH_ON: body = unit(richLoop, (made = readlTd(decoder, true))); break;
      // "mixed" gives the direct call a TD of its own, as it gives every case (see the file comment).
      case DIRECT: body = unit(directLoop, direct(group === "mixed" || first === null ? readlTd(decoder, false) : first)); break;
      case DIRECT_OTHER: body = unit(directLoop, direct(readlTd(decoder, false))); break;
      case ICED: body = unit(fastLoop, readlTd(icedVeDecoder(), false)); break;
      default: throw new Error(`no case ${name}`);
    }
    first ??= made;
    units.set(name, body);
  }
  if (group === "iced") units.get(ICED)!(1); // iced-x86's first decode, before anything is timed
  return units;
}

/** Times one group in this process: best-of-N round robin, then benny's means. */
export async function runVePathGroup(group: VePathGroup, quick: boolean): Promise<void> {
  console.log(`#VE path bench, group "${group}": ${cpuLine()}`);
  const units = unitsOf(group);
  const cases: TimedCase[] = [...units].map(([name, body]) => ({ name, run: () => body(perUnit(name)) }));
  const rounds = quick ? 60 : 200;
  const samples = new Map<string, number[]>();
  const best = bestOf(cases, rounds, 0, samples);
  const means = new Map<string, number>();
  const opts = quick ? { maxTime: 0.5, minSamples: 3 } : {};
  await b.suite(
    `#VE MMIO round trip (readl), group ${group}`,
    ...[...units].map(([name, body]) => b.add(name, () => body(1), opts)),
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
    if (c.name === DIRECT || c.name === DIRECT_OTHER) continue;
    const r = bestNs(c.name) / bestNs(DIRECT), m = meanNs(c.name) / meanNs(DIRECT);
    // The paired median for the allocation-free cases (the others' samples include their GC).
    const p = SLOW.has(c.name) ? "" : `${pairedRatio(samples, c.name, DIRECT).toFixed(2)}x median of paired samples, `;
    const target = group === "off" || group === "on" ? TARGETS.get(c.name) : undefined;
    console.log(`  ${c.name} / direct TDVMCALL: ${r.toFixed(2)}x best-of-N, ${p}${m.toFixed(2)}x benny mean${target === undefined ? "" : ` (target <= ${target}x)`}`);
  }
  if (group === "iced") console.log(`  iced-x86 / ve-mmio as the decoder: ${(bestNs(ICED) / bestNs(OFF)).toFixed(2)}x best-of-N, ${(meanNs(ICED) / meanNs(OFF)).toFixed(2)}x benny mean`);
}
