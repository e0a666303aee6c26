// How each cost grows with the work: trace length, number of devices, size and sparsity of guest
// memory, decode cache size. Plain timed loops (each point is one measurement), a table per
// dimension on stdout, and the points for the HTML chart.
import { loadDecoder } from "../src/decoder/node.js";
import { Td } from "../src/machine/td.js";
import { RegisterBlock } from "../src/devices/register-block.js";
import type { VeInfo } from "../src/guest/memory.js";
import { SLOT, type Vcpu } from "../src/guest/vcpu.js";
import { GPR64 } from "../src/decoder/names.js";

export interface ScalePoint { x: number; y: number }
export interface ScaleSeries { dimension: string; xLabel: string; yLabel: string; points: ScalePoint[] }

const RIP = 0xffffffff81000000n;
const decoder = await loadDecoder();

/** Per device its #VE and RDI, per site its RIP, as 32-bit halves (no BigInt in the timed loop). */
interface Rig { td: Td; vcpu: Vcpu; ves: VeInfo[]; rdi: Uint32Array; rips: Uint32Array }

/** A TD with `devices` register blocks and `sites` distinct readl() sites (one 16-byte slot each). */
function rig(devices: number, sites: number, decodeCache: boolean, gpaw: 48 | 52 = 48): Rig {
  const td = new Td(decoder, { decodeCache, gpaw });
  const codeSize = Math.ceil((sites * 16) / 4096) * 4096;
  const code = new Uint8Array(codeSize);
  for (let i = 0; i < sites; i++) code.set([0x8b, 0x47, 0x10], i * 16);
  td.addPrivateRegion(0x100000n, code);
  td.finalize();
  td.mapPrivate(RIP, 0x100000n, codeSize);
  const ves: VeInfo[] = [];
  for (let d = 0; d < devices; d++) {
    const va = 0xffffc90000000000n + BigInt(d) * 0x1000n;
    const gpa = 0x100000000n + BigInt(d) * 0x1000n;
    td.mapMmio(va, gpa, 4096, new RegisterBlock(`dev${d}`, 64)); // traced, as by default
    ves.push({ exitReason: 48, exitQualification: 0x81n, gla: va + 0x10n, gpa: (gpa + 0x10n) | td.memory.sharedBit, instrLen: 0 });
  }
  const vcpu = td.createVcpu();
  const halves = (values: bigint[]) => new Uint32Array(new BigUint64Array(values).buffer);
  return {
    td, vcpu, ves, rdi: halves(ves.map((ve) => ve.gla - 0x10n)),
    rips: halves(Array.from({ length: sites }, (_, i) => RIP + BigInt(i * 16))),
  };
}

/**
 * ns per #VE round trip over `n` accesses, cycling devices and sites, after `warmup` untimed ones
 * (default: n, at most 5,000).
 */
function perAccess(r: Rig, n: number, warmup = Math.min(n, 5000)): number {
  run(r, warmup);
  const t0 = performance.now();
  run(r, n);
  return ((performance.now() - t0) * 1e6) / n;
}

/** Word offsets of RIP and RDI in Vcpu.words. */
const RIP_WORD = 2 * SLOT.RIP, RDI_WORD = 2 * GPR64.indexOf("rdi");

/** n #VEs through Td.deliverFast, cycling devices and sites. */
function run(r: Rig, n: number): void {
  const w = r.vcpu.words;
  const devices = r.ves.length, sites = r.rips.length / 2;
  for (let i = 0; i < n; i++) {
    const d = i % devices, s = i % sites;
    w[RIP_WORD] = r.rips[2 * s]; w[RIP_WORD + 1] = r.rips[2 * s + 1];
    w[RDI_WORD] = r.rdi[2 * d]; w[RDI_WORD + 1] = r.rdi[2 * d + 1];
    if (!r.td.deliverFast(r.vcpu, r.ves[d]).handled) throw new Error("a scale-bench #VE was not handled");
  }
}

/**
 * JS heap plus ArrayBuffer memory (guest pages live in ArrayBuffers, outside the JS heap), after
 * full GCs with a turn of the event loop after each: V8 releases dead ArrayBuffers' memory in a
 * sweep it finishes from a task, so a reading taken synchronously still counted the previous
 * series' buffers and a later one came out lower (-7 and -11 MB in a run of 2026-12-02).
 */
async function memoryInUse(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export async function runScale(quick: boolean): Promise<ScaleSeries[]> {
  const series: ScaleSeries[] = [];
  const trace = { dimension: "trace length", xLabel: "accesses", yLabel: "ns per access", points: [] as ScalePoint[] };
  const base = rig(1, 1, true);
  for (const n of quick ? [1e3, 1e4, 1e5] : [1e3, 1e4, 1e5, 1e6, 1e7]) trace.points.push({ x: n, y: perAccess(base, n) });
  series.push(trace);

  const devices = { dimension: "devices", xLabel: "devices", yLabel: "ns per access", points: [] as ScalePoint[] };
  for (const d of [1, 10, 100, 1000, 10000]) devices.points.push({ x: d, y: perAccess(rig(d, 1, true), quick ? 2e4 : 1e5) });
  series.push(devices);

  const memory = { dimension: "guest memory (GPAW 52, sparse)", xLabel: "touched pages", yLabel: "MB (heap + buffers)", points: [] as ScalePoint[] };
  for (const pages of quick ? [1e2, 1e3, 1e4] : [1e2, 1e3, 1e4, 1e5]) {
    const before = await memoryInUse();
    const td = new Td(decoder, { gpaw: 52 });
    // Pages scattered over the 2^51-byte private half (stride 2^34, so 10^5 pages still fit below
    // the shared bit): sparse, so only touched pages cost.
    for (let i = 0; i < pages; i++) td.memory.addPrivate(BigInt(i) * 0x4_0000_0000n, 4096);
    memory.points.push({ x: pages, y: (await memoryInUse() - before) / 1e6 });
    if (td.memory.pageCount !== pages) throw new Error("page count mismatch");
  }
  series.push(memory);

  const cache = { dimension: "decode cache size", xLabel: "distinct #VE sites", yLabel: "ns per access", points: [] as ScalePoint[] };
  // Timed after 10^5 accesses (quick: 2 * 10^4): up to 1,000 sites have then each been found often
  // enough in the cache to run on code of their own (SITE_CODE_AFTER), as they would in a long run.
  for (const sites of [1, 10, 100, 1000, 10000]) cache.points.push({ x: sites, y: perAccess(rig(1, sites, true), quick ? 2e4 : 1e5, quick ? 2e4 : 1e5) });
  series.push(cache);
  return series;
}

/** The cost of a 2^52-byte TD with 10,000 devices (memory in MB), the stated bound. */
export async function bigTdCost(): Promise<number> {
  const before = await memoryInUse();
  const r = rig(10000, 16, true, 52);
  perAccess(r, 10000);
  const mb = (await memoryInUse() - before) / 1e6;
  if (r.td.veDelivered === 0) throw new Error("the big TD took no #VE"); // (keeps it alive past the reading)
  return mb;
}

export function printScale(series: ScaleSeries[]): void {
  for (const s of series) {
    console.log(`\n  ${s.dimension}`);
    console.log(`    ${s.xLabel.padStart(16)}  ${s.yLabel}`);
    for (const p of s.points) console.log(`    ${String(p.x).padStart(16)}  ${p.y.toFixed(s.yLabel.startsWith("MB") ? 2 : 0)}`);
  }
}
