// #VE MMIO round trips per second (benny): the whole guest path (fetch, decode, TDVMCALL, host
// validation, device, write-back) with the decode cache off and on, and a paravirtualised direct
// TDVMCALL (no decode) for comparison. Not part of the tests.
import os from "node:os";
import b from "benny";
import { loadDecoder } from "../src/decoder/node.js";
import { Td } from "../src/guest/td.js";
import { RegisterBlock } from "../src/devices/register-block.js";
import { mmioReadRequest } from "../src/tdvmcall/abi.js";
import type { VeInfo } from "../src/guest/memory.js";

const decoder = await loadDecoder();
const RIP = 0xffffffff81000000n;
const VA = 0xffffc90000001000n;
const GPA = 0xfe000000n;

function setup(decodeCache: boolean) {
  const td = new Td(decoder, { decodeCache });
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

let sink = 0n;
console.log(`machine: ${os.cpus()[0]?.model ?? "unknown CPU"} x${os.cpus().length}, node ${process.version}`);
await b.suite(
  "#VE MMIO round trip (readl)",
  b.add("full #VE path, decode cache off", () => {
    uncached.vcpu.rip = RIP;
    uncached.td.deliver(uncached.vcpu, uncached.ve);
  }),
  b.add("full #VE path, decode cache on", () => {
    cached.vcpu.rip = RIP;
    cached.td.deliver(cached.vcpu, cached.ve);
  }),
  b.add("direct TDVMCALL (paravirt, no decode)", () => {
    const r = direct.td.host.handle(mmioReadRequest(4, direct.ve.gpa));
    direct.vcpu.set("rax", r.r11 & 0xffffffffn);
    sink += r.r11;
  }),
  b.cycle(),
  b.complete((s) => {
    for (const r of s.results) console.log(`  ${r.name.padEnd(40)} ${(r.ops / 1e6).toFixed(3)} M round trips/s (${(1e9 / r.ops).toFixed(0)} ns)`);
    const [off, on, pv] = s.results.map((r) => r.ops);
    console.log(`  cache on / off ${(on / off).toFixed(2)}x; direct / full ${(pv / off).toFixed(1)}x`);
  }),
  b.save({ file: "ve-path", folder: "bench/results", format: "json" }),
);
if (sink === 1n) console.log(sink);
