// `ve-mmio demo` (npm start): boots a demo TD with an AHCI HBA, an IOAPIC, an MSI-X table and a
// plain register block, and runs the MOV-family memory instructions of the committed gcc corpus
// (driver-style code, built from our own C) through the whole #VE path: one table row per site,
// then totals and throughput.
import type { VeDecoder } from "../decoder/engine.js";
import { GPR64, registerNumber, type Gpr64 } from "../decoder/names.js";
import type { DecodedInsn } from "../decoder/record.js";
import { Td, type MmioRun } from "../machine/td.js";
import type { VeInfo } from "../guest/memory.js";
import type { MmioDevice } from "../host/bus.js";
import { AhciHba } from "../devices/ahci.js";
import { IoApic } from "../devices/ioapic.js";
import { MsixTable } from "../devices/msix.js";
import { RegisterBlock } from "../devices/register-block.js";
import { loadCorpus, type CorpusFunction } from "./corpus.js";
import { hex } from "./format.js";


const RIP = 0xffffffff81000000n;
const CODE_GPA = 0x100000n;

/** Which device a corpus file's code talks to, and where it sits. */
interface Window { name: string; va: bigint; gpa: bigint; size: number; device: MmioDevice }

function windows(): Window[] {
  return [
    { name: "ahci", va: 0xffffc90000100000n, gpa: 0xfebf0000n, size: 0x1000, device: new AhciHba("ahci", 4) },
    { name: "ioapic", va: 0xffffc90000200000n, gpa: 0xfec00000n, size: 0x1000, device: new IoApic() },
    { name: "msix", va: 0xffffc90000300000n, gpa: 0xfebd0000n, size: 0x1000, device: new MsixTable("msix", 64, 0x800) },
    { name: "regs", va: 0xffffc90000400000n, gpa: 0xfed00000n, size: 0x1000, device: new RegisterBlock("regs", 0x1000) },
  ];
}

function windowFor(file: string, name: string, all: Window[]): Window {
  if (file.includes("drv_storage")) return all[0];
  if (file.includes("drv_irq_pci")) return /msi|msix/i.test(name) ? all[2] : all[1];
  return all[3];
}

interface Site { fn: string; offset: number; insn: DecodedInsn; window: Window }

/**
 * MOV-family memory accesses (as the CPU reads them) of the driver-style corpus files whose address
 * the demo can steer into a device window, distinct encodings only, taken in turn from each device.
 */
function sites(decoder: VeDecoder, corpus: CorpusFunction[], all: Window[], limit: number): Site[] {
  const perWindow = new Map<Window, Site[]>(all.map((w) => [w, []]));
  const seen = new Set<string>();
  for (const fn of corpus) {
    if (!/drv_|io_accessors|mmio_volatile|string_moffs/.test(fn.file)) continue;
    const bytes = Buffer.from(fn.hex, "hex");
    for (const insn of decoder.iterate(bytes)) {
      const mem = insn.arch?.mem;
      if (!mem || mem.rip || (mem.base === null && mem.index === null)) continue;
      if (mem.base && (registerNumber(mem.base) === 4 || registerNumber(mem.base) === 5)) continue; // stack, never MMIO
      const key = Buffer.from(insn.bytes).toString("hex");
      if (seen.has(key)) continue;
      seen.add(key);
      const window = windowFor(fn.file, fn.name, all);
      perWindow.get(window)!.push({ fn: fn.name, offset: insn.offset, insn: { ...insn, bytes: insn.bytes.slice() }, window });
    }
  }
  const out: Site[] = [];
  // Sites where the kernel and the CPU disagree (or the kernel refuses) go first in each queue.
  const interesting = (site: Site) => (site.insn.divergences.length > 0 || !site.insn.linux.emulated ? 0 : 1);
  const queues = [...perWindow.values()].map((q) => q.sort((a, b) => interesting(a) - interesting(b)));
  for (let i = 0; out.length < limit && queues.some((q) => i < q.length); i++) {
    for (const q of queues) if (i < q.length && out.length < limit) out.push(q[i]);
  }
  return out;
}

/** Registers that make the instruction's address land inside its device window. */
function steer(site: Site): Map<Gpr64, bigint> {
  const a = site.insn.arch ?? (site.insn.linux.emulated ? site.insn.linux.access : null);
  const mem = a!.mem!;
  const size = a!.size;
  const regs = new Map<Gpr64, bigint>();
  if (mem.index) regs.set(GPR64[registerNumber(mem.index)], 0n);
  let offset = BigInt.asUintN(12, mem.disp) & ~BigInt(size - 1);
  // AHCI port routines address port registers relative to the port's base: use port 0 (0x100).
  if (site.window.name === "ahci" && /port/.test(site.fn) && offset < 0x80n) offset += 0x100n;
  if (offset + BigInt(size) > BigInt(site.window.size)) offset = 0n;
  const target = site.window.va + offset;
  if (mem.base) regs.set(GPR64[registerNumber(mem.base)], BigInt.asUintN(64, target - mem.disp));
  else if (mem.index) regs.set(GPR64[registerNumber(mem.index)], BigInt.asUintN(64, (target - mem.disp) / BigInt(mem.scale)));
  return regs;
}


function effect(td: Td, run: MmioRun): string {
  if (!("ve" in run)) return "-";
  const exit = td.host.last?.exit;
  if (!exit || exit.type !== "mmio" || run.tdvmcalls.length === 0) return "-";
  return exit.isWrite ? `wrote ${hex(exit.data)} @${hex(exit.gpa & 0xfffn)}` : `read ${hex(exit.data)} @${hex(exit.gpa & 0xfffn)}`;
}

export function runTdDemo(decoder: VeDecoder, write: (line: string) => void, limit = 40): void {
  const corpus = loadCorpus().functions;
  const all = windows();
  const td = new Td(decoder, { decodeCache: true });
  const list = sites(decoder, corpus, all, limit);
  // Each site gets its own 16-byte slot of kernel text, so decoded sites stay cached.
  const codeSize = Math.ceil((list.length * 16 + 16) / 4096) * 4096;
  const code = new Uint8Array(codeSize);
  list.forEach((site, i) => code.set(site.insn.bytes, i * 16));
  td.addPrivateRegion(CODE_GPA, code);
  td.finalize();
  td.mapPrivate(RIP, CODE_GPA, codeSize);
  for (const w of all) td.mapMmio(w.va, w.gpa, w.size, w.device);
  const vcpu = td.createVcpu();

  /** The vCPU as each site runs: RIP at its slot, then its registers. */
  const setUp = (site: Site, slot: number): void => {
    vcpu.rip = RIP + BigInt(slot * 16);
    vcpu.fsBase = 0n;
    vcpu.gsBase = 0n;
    // Recognisable register contents (0x1111..., 0x2222..., ...), then the address registers.
    for (let r = 0; r < 16; r++) vcpu.set(r, 0x0101010101010101n * BigInt((r % 15) + 1) * 0x11n & 0xffffffffffffffffn);
    for (const [r, v] of steer(site)) vcpu.set(r, v);
  };
  const runSite = (site: Site, slot: number): MmioRun => {
    setUp(site, slot);
    return td.runMmioInstruction(vcpu);
  };

  write(`ve-mmio demo TD: GPAW 48, ${all.map((w) => `${w.name}@${hex(w.gpa)}`).join(" ")}`);
  write(`${list.length} MOV sites from the gcc corpus; under each, the TDVMCALL it made and what the device did`);
  write("");
  // Two lines per site keep the table within 100 columns: the site, then its TDVMCALL.
  write(`${"site".padEnd(SITE_WIDTH)}  ${"instruction".padEnd(15)}  outcome`);
  const tally = new Map<string, number>();
  // Each #VE as delivered, with the vCPU state it was taken in, for the handler-only replay.
  const taken: { ve: VeInfo; state: Uint32Array }[] = [];
  for (const [slot, site] of list.entries()) {
    setUp(site, slot);
    const state = vcpu.words.slice();
    const run = td.runMmioInstruction(vcpu);
    if ("ve" in run) taken.push({ ve: run.ve, state });
    const call = "ve" in run && run.tdvmcalls[0] ? run.tdvmcalls[0].request : null;
    const tdvmcall = call ? `r12=${call.r12} r13=${call.r13} r14=${hex(call.r14)} r15=${hex(call.r15)}` : "none";
    const outcome = run.outcome === "handled" ? `handled +${run.length}`
      : run.outcome === "fault" ? `${run.error} (${run.step})` : run.outcome === "page_fault" ? "#PF" : "no #VE";
    const key = run.outcome === "fault" ? `${run.error} ${run.step}` : run.outcome;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    const full = `${site.fn}+${hex(BigInt(site.offset))}`;
    const name = full.length > SITE_WIDTH ? full.slice(0, SITE_WIDTH - 1) + "~" : full;
    const bytes = Buffer.from(site.insn.bytes).toString("hex");
    write(`${name.padEnd(SITE_WIDTH)}  ${bytes.padEnd(15)}  ${outcome}`);
    write(`    tdvmcall ${tdvmcall.padEnd(48)} ${site.window.name} ${effect(td, run)}`);
  }

  // Throughput: every site again, many times, through the same path (decode cache on).
  // Warm up first (the JIT), then time whole rounds for about 0.3 s.
  const rate = (round: () => void, perRound: number): number => {
    for (let i = 0; i < 50; i++) round();
    let rounds = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 300) { round(); rounds++; }
    return (rounds * perRound) / ((performance.now() - t0) / 1000);
  };
  const instructionsPerSecond = rate(() => list.forEach(runSite), list.length);
  write("");
  write(`outcomes      ${[...tally].map(([k, v]) => `${k}: ${v}`).join(", ")}`);
  write(`#VE delivered ${td.veDelivered}; host calls ${td.host.calls}; unclaimed reads ${td.host.bus.unclaimedReads}, writes ${td.host.bus.unclaimedWrites}`);
  write(`throughput    ${(instructionsPerSecond / 1e3).toFixed(1)} k instructions/s: CPU side, #VE handler, host, device (cache hits ${td.decodeCache!.hits})`);

  // The #VE handler alone (what a simulator calls per fault): the same #VEs through deliverFast.
  // Each replay must come to what the first pass did, or its rate would mean nothing.
  const handledFirst = tally.get("handled") ?? 0;
  const perSecond = rate(() => {
    let handled = 0;
    for (const { ve, state } of taken) {
      vcpu.words.set(state);
      if (td.deliverFast(vcpu, ve).handled) handled++;
    }
    if (handled !== handledFirst) throw new Error("the #VE replay did not reproduce the first pass");
  }, taken.length);
  write(`#VE handler   ${(perSecond / 1e6).toFixed(2)} M #VEs/s through Td.deliverFast (handler to write-back, decode cache on)`);
}

/** Site names longer than this are cut (ending in ~), so the table fits 100 columns. */
const SITE_WIDTH = 28;
