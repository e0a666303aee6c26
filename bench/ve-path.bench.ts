// #VE MMIO round trips per second (benny), per MMIO access (readl): the whole guest path (fetch,
// decode, TDVMCALL, host validation, device, write-back) with the decode cache off and on, through
// the zero-allocation entry (Td.deliverFast) and through the one that returns a self-contained
// typed outcome (Td.deliver); iced-x86 as the decoder inside the same path; and a paravirtualised
// direct TDVMCALL with no decode, for comparison.
import b from "benny";
import { loadDecoder } from "../src/decoder/node.js";
import { Td } from "../src/machine/td.js";
import { SLOT } from "../src/guest/vcpu.js";
import { RegisterBlock } from "../src/devices/register-block.js";
import { FRAME, TdvmcallFrame } from "../src/tdvmcall/abi.js";
import type { VeInfo } from "../src/guest/memory.js";
import type { VeDecoder } from "../src/decoder/engine.js";
import { icedVeDecoder } from "./iced-ve-decoder.js";

const decoder = await loadDecoder();
const RIP = 0xffffffff81000000n;
const VA = 0xffffc90000001000n;
const GPA = 0xfe000000n;
/** RIP bits 31:0, for resetting RIP without a BigInt. */
const RIP_LO = Number(RIP & 0xffffffffn);

function setup(decodeCache: boolean, using: VeDecoder = decoder) {
  const td = new Td(using, { decodeCache });
  const code = new Uint8Array(4096);
  code.set([0x8b, 0x47, 0x10]); // mov eax, [rdi+0x10]: readl()
  td.addPrivateRegion(0x100000n, code);
  td.finalize();
  td.mapPrivate(RIP, 0x100000n, 4096);
  const device = new RegisterBlock("regs", 4096);
  device.poke(0x10, 4, 0x12345678n);
  td.mapMmio(VA, GPA, 4096, device);
  const vcpu = td.createVcpu();
  vcpu.set("rdi", VA);
  vcpu.rip = RIP;
  const ve: VeInfo = { exitReason: 48, exitQualification: 0x81n, gla: VA + 0x10n, gpa: (GPA + 0x10n) | td.memory.sharedBit, instrLen: 0 };
  /** One #VE through deliverFast (RIP back at the instruction first). */
  const fast = () => {
    vcpu.words[2 * SLOT.RIP] = RIP_LO;
    if (!td.deliverFast(vcpu, ve).handled) throw new Error("the benchmark's readl was not handled");
  };
  /** One #VE through deliver (a typed outcome). */
  const rich = () => {
    vcpu.words[2 * SLOT.RIP] = RIP_LO;
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

/** Runs the #VE path suite; `quick` keeps each case short. */
export async function runVePathBench(quick: boolean): Promise<void> {
  const opts = quick ? { maxTime: 0.5, minSamples: 3 } : {};
  await b.suite(
    "#VE MMIO round trip (readl)",
    b.add("deliverFast, decode cache off", uncached.fast, opts),
    b.add("deliverFast, decode cache on", cached.fast, opts),
    b.add("deliverFast, iced-x86 as the decoder", withIced.fast, opts),
    b.add("deliver (typed outcome), cache off", uncached.rich, opts),
    b.add("deliver (typed outcome), cache on", cached.rich, opts),
    b.add("direct TDVMCALL (paravirt, no decode)", direct, opts),
    b.cycle(),
    b.complete((s) => {
      for (const r of s.results) console.log(`  ${r.name.padEnd(40)} ${(r.ops / 1e6).toFixed(3)} M round trips/s (${(1e9 / r.ops).toFixed(0)} ns)`);
      const [off, on, iced, , , pv] = s.results.map((r) => r.ops);
      console.log(`  cache on / off ${(on / off).toFixed(2)}x; ve-mmio / iced-x86 as the decoder ${(off / iced).toFixed(2)}x; direct / full ${(pv / off).toFixed(1)}x`);
    }),
    b.save({ file: "ve-path", folder: "bench/results", format: "json" }),
    b.save({ file: "ve-path", folder: "bench/results", format: "chart.html" }),
  );
}
