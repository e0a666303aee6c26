// Replays a harvested boot's MMIO (data/boot-trace-*.json.gz: a real Debian 6.12 boot under QEMU
// TCG on q35) through the TD's #VE path: every access is a #VE taken by deliverFast at the real
// instruction (its real bytes at its real address), with the real mix of devices behind the GPAs
// (IOAPIC, AHCI and MSI-X models; a register block for the devices without one). Reports #VE/s,
// where the time goes (decode, host, device, the rest of the guest path), the paravirt
// comparison, and the cost model applied to this boot.
import { performance } from "node:perf_hooks";
import path from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadDecoder } from "../src/decoder/node.js";
import type { VeDecoder } from "../src/decoder/engine.js";
import { registerNumber } from "../src/decoder/names.js";
import { Td } from "../src/machine/td.js";
import { SLOT } from "../src/guest/vcpu.js";
import type { VeInfo } from "../src/guest/memory.js";
import type { MmioDevice } from "../src/host/bus.js";
import { RegisterBlock } from "../src/devices/register-block.js";
import { IoApic } from "../src/devices/ioapic.js";
import { AhciHba } from "../src/devices/ahci.js";
import { MsixTable } from "../src/devices/msix.js";
import { TdvmcallFrame } from "../src/tdvmcall/abi.js";
import { loadBootTrace, type BootTrace, type BootAccess } from "./boot-trace.js";
import { modeledNs, type CostTable } from "./cost-model.js";

/** The recorded boot in the package's data/ (this file runs from bench/ in tests, dist/bench/ in `npm run bench`). */
export const BOOT_TRACE = ["..", "../.."].map((up) => path.resolve(path.dirname(fileURLToPath(import.meta.url)), up, "data/boot-trace-6.12-q35.json.gz"))
  .find((f) => existsSync(f)) ?? "data/boot-trace-6.12-q35.json.gz";

/** Where the replay TD maps each MMIO page: GPA + this, as ioremap() would give some address. */
const IOREMAP_VA = 0xffffc90000000000n;
const CODE_GPA = 0x100000n;

/** One replayed access, ready to deliver without allocating. */
interface Step { ve: VeInfo; ripLo: number; ripHi: number; base: number; baseLo: number; baseHi: number; index: number; size: number; write: boolean; gpa: number }

function model(device: string, page: number): MmioDevice {
  const name = `${device}@${page.toString(16)}`;
  if (device === "IOAPIC") return new IoApic(name);
  if (device === "AHCI") return new AhciHba(name, 30); // 0x100 + 30 ports x 0x80: the 4 KiB ABAR
  if (device === "MSI-X" || device === "MSI-X PBA") return new MsixTable(name, 64, 0x800);
  return new RegisterBlock(name, 4096);
}

const lo = (v: bigint) => Number(v & 0xffffffffn);
const hi = (v: bigint) => Number((v >> 32n) & 0xffffffffn);

/** A TD holding the boot's code pages and devices, and the boot's accesses as #VEs. */
export function buildReplay(decoder: VeDecoder, trace: BootTrace, accesses: readonly BootAccess[], decodeCache: boolean) {
  const td = new Td(decoder, { decodeCache });
  const pages = new Map<bigint, Uint8Array>();
  const page = (va: bigint) => pages.get(va) ?? (pages.set(va, new Uint8Array(4096)), pages.get(va)!);
  for (const [addr, bytes] of trace.sites) {
    const at = BigInt(addr);
    const code = Buffer.from(bytes, "hex");
    for (let i = 0; i < code.length; i++) page((at + BigInt(i)) & ~0xfffn)[Number((at + BigInt(i)) & 0xfffn)] = code[i];
    page((at & ~0xfffn) + 0x1000n); // the 15-byte fetch may reach into the next page
  }
  const code = [...pages.entries()];
  code.forEach(([, bytes], i) => td.addPrivateRegion(CODE_GPA + BigInt(i) * 0x1000n, bytes));
  td.finalize();
  code.forEach(([va], i) => td.mapPrivate(va, CODE_GPA + BigInt(i) * 0x1000n, 4096));
  const devices = new Map<number, MmioDevice>();
  for (const a of accesses) {
    const p = a.gpa - (a.gpa % 4096);
    if (devices.has(p)) continue;
    const d = model(trace.sites[a.site][2], p);
    devices.set(p, d);
    td.mapMmio(IOREMAP_VA + BigInt(p), BigInt(p), 4096, d);
  }
  const plans = trace.sites.map(([addr, bytes]) => {
    const insn = decoder.decode(Buffer.from(bytes, "hex"), BigInt(addr));
    const mem = insn.arch?.mem;
    if (!insn.arch || !mem || mem.rip || mem.seg) throw new Error(`site ${addr} (${bytes}) is no plain MOV to MMIO`);
    // No base register: an absolute address (the LAPIC's fixmap slot), aliased to the device's page.
    const absolute = mem.base === null ? BigInt.asUintN(64, mem.disp) : null;
    return { rip: BigInt(addr), base: mem.base === null ? -1 : registerNumber(mem.base), disp: mem.disp, absolute, index: mem.index ? registerNumber(mem.index) : -1, size: insn.arch.size };
  });
  const aliased = new Set<bigint>();
  for (const a of accesses) {
    const va = plans[a.site].absolute;
    if (va === null || aliased.has(va & ~0xfffn)) continue;
    aliased.add(va & ~0xfffn);
    td.mapShared(va & ~0xfffn, BigInt(a.gpa - (a.gpa % 4096)) | td.memory.sharedBit, 4096);
  }
  const steps: Step[] = accesses.map((a) => {
    const p = plans[a.site];
    const va = p.absolute ?? IOREMAP_VA + BigInt(a.gpa);
    const base = BigInt.asUintN(64, va - p.disp);
    return {
      ve: { exitReason: 48, exitQualification: (a.write ? 2n : 1n) | 0x80n, gla: va, gpa: BigInt(a.gpa) | td.memory.sharedBit, instrLen: 0 },
      ripLo: lo(p.rip), ripHi: hi(p.rip), base: p.base, baseLo: lo(base), baseHi: hi(base), index: p.index, size: p.size, write: a.write, gpa: a.gpa,
    };
  });
  const vcpu = td.createVcpu();
  const words = vcpu.words;
  /** One pass over the boot through deliverFast; returns how many #VEs were not handled. */
  const replay = (): number => {
    let refused = 0;
    for (let k = 0; k < steps.length; k++) {
      const s = steps[k];
      if (s.base >= 0) { words[2 * s.base] = s.baseLo; words[2 * s.base + 1] = s.baseHi; }
      if (s.index >= 0) { words[2 * s.index] = 0; words[2 * s.index + 1] = 0; }
      words[2 * SLOT.RIP] = s.ripLo; words[2 * SLOT.RIP + 1] = s.ripHi;
      if (!td.deliverFast(vcpu, s.ve).handled) refused++;
    }
    return refused;
  };
  const frame = new TdvmcallFrame();
  const shared = Number(td.memory.sharedBit / 0x1_0000_0000n);
  /** The same accesses as paravirtualised TDVMCALLs: no #VE, no fetch, no decode. */
  const paravirt = () => {
    for (let k = 0; k < steps.length; k++) {
      const s = steps[k];
      frame.mmio(s.size, s.write, s.gpa % 0x1_0000_0000, Math.floor(s.gpa / 0x1_0000_0000) | shared, 0, 0);
      td.host.handleFrame(frame);
    }
  };
  const out = new Uint32Array(2);
  const zero = new Uint32Array(2); // what the device-only loop writes
  /** Only the device models' work for the same accesses. */
  const deviceOnly = () => {
    for (let k = 0; k < steps.length; k++) {
      const s = steps[k];
      const p = s.gpa - (s.gpa % 4096);
      const d = devices.get(p)!;
      const size = s.size as 1 | 2 | 4 | 8;
      if (s.write) d.writeWords ? d.writeWords(s.gpa - p, size, zero, 0) : d.write(s.gpa - p, size, 0n);
      else if (d.readWords) d.readWords(s.gpa - p, size, out, 0);
      else d.read(s.gpa - p, size);
    }
  };
  return { td, steps, replay, paravirt, deviceOnly, devices };
}

/**
 * Best-of-`runs` seconds per pass of each function; the runs interleave the functions so that a
 * busy machine slows them alike (each run repeats a function for ~`budget` seconds).
 */
function bestSeconds(fns: readonly (() => unknown)[], runs: number, budget: number): number[] {
  const best = fns.map(() => Infinity);
  for (let r = 0; r < runs; r++) {
    fns.forEach((fn, i) => {
      let n = 0;
      const t0 = performance.now();
      let t = t0;
      do { fn(); n++; t = performance.now(); } while (t - t0 < budget * 1000);
      best[i] = Math.min(best[i], (t - t0) / 1000 / n);
    });
  }
  return best;
}

export interface ReplayFigures {
  accesses: number; sites: number; refused: number;
  vePerSecond: { cacheOff: number; cacheOn: number; paravirt: number; readlCacheOff: number };
  share: { decode: number; host: number; device: number; guestRest: number };
  modeled: { veMs: number; paravirtMs: number; tdxRelevantAccesses: number; tdxRelevantMs: number };
  byDevice: Record<string, number>;
}

/** Runs the replay and returns its figures (`quick`: fewer, shorter runs). */
export async function measureBootReplay(quick: boolean, costs: CostTable, file = BOOT_TRACE): Promise<{ trace: BootTrace; figures: ReplayFigures }> {
  const decoder = await loadDecoder();
  const { trace, accesses } = loadBootTrace(file);
  const off = buildReplay(decoder, trace, accesses, false);
  const on = buildReplay(decoder, trace, accesses, true);
  const refused = off.replay();
  // The #VE suite's microbenchmark (one readl, one device) in this process, as the yardstick.
  const readl: BootTrace = { ...trace, sites: [["0xffffffff81000000", "8b4710", "regs", "readl"]], site: [0], gpaDelta: [0], firstGpa: [0xfe000010], write: [0] };
  const micro = buildReplay(decoder, readl, Array.from({ length: accesses.length }, () => ({ site: 0, gpa: 0xfe000010, write: false })), false);
  const [runs, budget] = quick ? [3, 0.2] : [5, 0.5];
  const [tMicro, tOff, tOn, tPv, tDev] = bestSeconds([micro.replay, off.replay, on.replay, off.paravirt, off.deviceOnly], runs, budget);
  const n = accesses.length;
  const byDevice: Record<string, number> = {};
  for (const a of accesses) byDevice[trace.sites[a.site][2]] = (byDevice[trace.sites[a.site][2]] ?? 0) + 1;
  // HPET and xAPIC MMIO do not happen in a TDX guest (TSC deadline timer, x2APIC MSRs).
  const tdx = n - (byDevice.HPET ?? 0) - (byDevice.LAPIC ?? 0);
  const perVe = { ve: 1, tdvmcall: 1, decode: 1, device: 1 };
  const scale = (k: number) => ({ ve: perVe.ve * k, tdvmcall: perVe.tdvmcall * k, decode: perVe.decode * k, device: perVe.device * k });
  const share = { decode: Math.max(0, (tOff - tOn) / tOff), host: Math.max(0, (tPv - tDev) / tOff), device: tDev / tOff, guestRest: 0 };
  share.guestRest = Math.max(0, 1 - share.decode - share.host - share.device);
  return {
    trace,
    figures: {
      accesses: n, sites: trace.sites.length, refused,
      vePerSecond: { cacheOff: n / tOff, cacheOn: n / tOn, paravirt: n / tPv, readlCacheOff: n / tMicro },
      share,
      modeled: {
        veMs: modeledNs(scale(n), costs) / 1e6,
        paravirtMs: modeledNs({ ve: 0, tdvmcall: n, decode: 0, device: n }, costs) / 1e6,
        tdxRelevantAccesses: tdx,
        tdxRelevantMs: modeledNs(scale(tdx), costs) / 1e6,
      },
      byDevice,
    },
  };
}

export async function runBootReplayBench(quick: boolean, costs: CostTable): Promise<ReplayFigures> {
  const { trace, figures: f } = await measureBootReplay(quick, costs);
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  console.log(`boot replay: ${trace.kernel} under QEMU ${trace.qemu} TCG (q35: ${trace.devices.join(", ")}), ${f.accesses} MMIO accesses at ${f.sites} sites`);
  console.log(`  by device: ${Object.entries(f.byDevice).sort((a, b) => b[1] - a[1]).map(([d, k]) => `${d} ${k}`).join(", ")}`);
  console.log(`  deliverFast, decode cache off  ${(f.vePerSecond.cacheOff / 1e6).toFixed(2)} M #VE/s (${(1e9 / f.vePerSecond.cacheOff).toFixed(0)} ns); the whole boot's MMIO in ${(f.accesses / f.vePerSecond.cacheOff * 1e3).toFixed(1)} ms`);
  console.log(`  one readl in a loop (the #VE suite's case) ${(f.vePerSecond.readlCacheOff / 1e6).toFixed(2)} M #VE/s: the boot's mix costs ${(f.vePerSecond.readlCacheOff / f.vePerSecond.cacheOff).toFixed(1)}x as much per #VE`);
  console.log(`  deliverFast, decode cache on   ${(f.vePerSecond.cacheOn / 1e6).toFixed(2)} M #VE/s (${(1e9 / f.vePerSecond.cacheOn).toFixed(0)} ns)`);
  console.log(`  paravirt TDVMCALL (no #VE)     ${(f.vePerSecond.paravirt / 1e6).toFixed(2)} M/s (${(1e9 / f.vePerSecond.paravirt).toFixed(0)} ns): ${(f.vePerSecond.paravirt / f.vePerSecond.cacheOff).toFixed(1)}x the #VE path`);
  console.log(`  time of a #VE (cache off): decode ${pct(f.share.decode)}, host ${pct(f.share.host)}, device ${pct(f.share.device)}, rest of the guest path ${pct(f.share.guestRest)}; ${f.refused} of ${f.accesses} refused`);
  console.log(`  this boot's MMIO under TDX #VE: ${f.accesses} #VEs, modeled cost ${f.modeled.veMs.toFixed(1)} ms (paravirt: ${f.modeled.paravirtMs.toFixed(1)} ms);`
    + ` without HPET and xAPIC (absent in a TD): ${f.modeled.tdxRelevantAccesses} #VEs, ${f.modeled.tdxRelevantMs.toFixed(1)} ms (cost model estimates, see --cost)`);
  return f;
}
