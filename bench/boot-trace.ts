// A harvested boot's MMIO trace as package data (data/boot-trace-*.json.gz): the sites (real
// instruction bytes at their real addresses, the device each touched) and the ordered accesses as
// site indexes and GPAs. `packBootTrace` makes it from a `ve-mmio harvest` output folder.
import { readFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import type { HarvestSite, TraceRecord } from "../src/harvest/sites.js";
import type { HarvestSummary } from "../src/harvest/harvest.js";

export interface BootTrace {
  readonly kernel: string;
  readonly qemu: string;
  readonly devices: readonly string[];
  readonly bootSeconds: number;
  /** [address, bytes (hex), device class, function+offset] per site. */
  readonly sites: readonly (readonly [string, string, string, string])[];
  /** Per access: the site's index. */
  readonly site: readonly number[];
  /** Per access: the GPA minus the previous access's GPA by the same site (0 for its first: the site's own first GPA is `firstGpa`). */
  readonly gpaDelta: readonly number[];
  readonly firstGpa: readonly number[];
  /** Per access: 1 for a write. */
  readonly write: readonly number[];
}

export function packBootTrace(summary: HarvestSummary, sites: readonly HarvestSite[], trace: readonly TraceRecord[]): Buffer {
  const index = new Map(sites.map((s, i) => [s.addr, i]));
  const last = sites.map((s) => Number(BigInt(s.firstGpa)));
  const site: number[] = [], gpaDelta: number[] = [], write: number[] = [];
  for (const t of trace) {
    const i = index.get(t.insn);
    if (i === undefined) throw new Error(`trace access by ${t.insn}, which is no site`);
    const gpa = Number(BigInt(t.gpa));
    site.push(i);
    gpaDelta.push(gpa - last[i]);
    last[i] = gpa;
    write.push(t.dir === "w" ? 1 : 0);
  }
  const data: BootTrace = {
    kernel: summary.kernel.release, qemu: summary.qemu, devices: summary.devices, bootSeconds: summary.bootSeconds,
    sites: sites.map((s) => [s.addr, s.bytes, s.device, s.site] as const),
    site, gpaDelta, firstGpa: sites.map((s) => Number(BigInt(s.firstGpa))), write,
  };
  return gzipSync(JSON.stringify(data), { level: 9 });
}

export interface BootAccess { site: number; gpa: number; write: boolean }

export function loadBootTrace(file: string): { trace: BootTrace; accesses: BootAccess[] } {
  const trace = JSON.parse(gunzipSync(readFileSync(file)).toString("utf8")) as BootTrace;
  const last = [...trace.firstGpa];
  const accesses = trace.site.map((s, k) => {
    last[s] += trace.gpaDelta[k];
    return { site: s, gpa: last[s], write: trace.write[k] === 1 };
  });
  return { trace, accesses };
}
