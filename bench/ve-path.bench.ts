// #VE MMIO round trips per second (benny), per MMIO access: (a) the whole guest path (fetch,
// decode, TDVMCALL, host validation, device, write-back), (b) the same with the decode cache,
// (c) a paravirtualised direct TDVMCALL with no decode, (d) iced-x86 as the decoder inside (a).
import b from "benny";
import { loadDecoder } from "../src/decoder/node.js";
import { Td } from "../src/guest/td.js";
import { RegisterBlock } from "../src/devices/register-block.js";
import { mmioReadRequest } from "../src/tdvmcall/abi.js";
import type { VeInfo } from "../src/guest/memory.js";
import type { VeDecoder } from "../src/decoder/engine.js";
import { icedVeDecoder } from "./iced-ve-decoder.js";

const decoder = await loadDecoder();
const RIP = 0xffffffff81000000n;
const VA = 0xffffc90000001000n;
const GPA = 0xfe000000n;

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
  const ve: VeInfo = { exitReason: 48, exitQualification: 0x81n, gla: VA + 0x10n, gpa: (GPA + 0x10n) | td.memory.sharedBit, instrLen: 0 };
  return { td, vcpu, ve };
}

const uncached = setup(false);
const cached = setup(true);
const direct = setup(false);
const withIced = setup(false, icedVeDecoder());

let sink = 0n;

/** Runs the #VE path suite; `quick` keeps each case short. */
export async function runVePathBench(quick: boolean): Promise<void> {
  const opts = quick ? { maxTime: 0.5, minSamples: 3 } : {};
  await b.suite(
  "#VE MMIO round trip (readl)",
  b.add("full #VE path, decode cache off", () => {
    uncached.vcpu.rip = RIP;
    uncached.td.deliver(uncached.vcpu, uncached.ve);
  }, opts),
  b.add("full #VE path, decode cache on", () => {
    cached.vcpu.rip = RIP;
    cached.td.deliver(cached.vcpu, cached.ve);
  }, opts),
  b.add("full #VE path, iced-x86 as the decoder", () => {
    withIced.vcpu.rip = RIP;
    withIced.td.deliver(withIced.vcpu, withIced.ve);
  }, opts),
  b.add("direct TDVMCALL (paravirt, no decode)", () => {
    const r = direct.td.host.handle(mmioReadRequest(4, direct.ve.gpa));
    direct.vcpu.set("rax", r.r11 & 0xffffffffn);
    sink += r.r11;
  }, opts),
  b.cycle(),
  b.complete((s) => {
    for (const r of s.results) console.log(`  ${r.name.padEnd(40)} ${(r.ops / 1e6).toFixed(3)} M round trips/s (${(1e9 / r.ops).toFixed(0)} ns)`);
    const [off, on, iced, pv] = s.results.map((r) => r.ops);
    console.log(`  cache on / off ${(on / off).toFixed(2)}x; ve-mmio / iced-x86 decoder in the path ${(off / iced).toFixed(2)}x; direct / full ${(pv / off).toFixed(1)}x`);
  }),
  b.save({ file: "ve-path", folder: "bench/results", format: "json" }),
  b.save({ file: "ve-path", folder: "bench/results", format: "chart.html" }),
);
if (sink === 1n) console.log(sink);
}
