// From the plugin's ordered accesses to the boot's MMIO sites (one per distinct instruction) and
// its trace. Pure.
import type { PluginLog } from "./log.js";
import type { Symboliser } from "./symbolise.js";
import type { Attribution } from "./iomem.js";
import { MARKER_GPA, PHASES, type Phase } from "./init-script.js";

/** One distinct kernel instruction that accessed MMIO during the boot (a line of sites.jsonl). */
export interface HarvestSite {
  /** `fn+0x1a`, or the address when no symbol covers it. */
  readonly site: string;
  readonly fn: string | null;
  readonly offset: number | null;
  readonly module: string | null;
  readonly addr: string;
  readonly bytes: string;
  readonly device: string;
  readonly region: string;
  readonly access: "load" | "store" | "load+store";
  readonly sizes: readonly number[];
  readonly firstGpa: string;
  readonly hits: number;
  /** The boot phase of its first access. */
  readonly phase: Phase;
}

/** One access of the boot, in order (a line of trace.jsonl). */
export interface TraceRecord {
  readonly insn: string;
  readonly gpa: string;
  readonly size: number;
  readonly dir: "r" | "w";
}

export interface Harvested {
  readonly sites: HarvestSite[];
  readonly trace: TraceRecord[];
  /** Accesses per phase (kernel code only), and by the firmware before the kernel. */
  readonly counts: Record<Phase | "firmware" | "markers", number>;
}

/** Kernel text lives in the upper half; anything else is firmware or user space. */
export function isKernelAddress(vaddr: bigint): boolean {
  return vaddr >= 0xffff800000000000n;
}

const hex = (n: bigint) => "0x" + n.toString(16);
const hexBytes = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * Groups the log's kernel accesses by instruction. Accesses before the kernel's first one are
 * the firmware's; a user-space read of MARKER_GPA after that starts the next phase; the dump
 * phase (the harness printing its tables) is counted but yields no sites and no trace.
 */
export function collectSites(log: PluginLog, symbols: Symboliser, attribute: (gpa: bigint) => Attribution): Harvested {
  const counts: Record<Phase | "firmware" | "markers", number> = { firmware: 0, boot: 0, modules: 0, touch: 0, dump: 0, markers: 0 };
  const byInsn = new Map<number, { first: number; phase: Phase; loads: number; stores: number; sizes: Set<number>; hits: number; gpa: bigint }>();
  const trace: TraceRecord[] = [];
  let kernelSeen = false;
  let phase = 0;
  for (let i = 0; i < log.accesses.length; i++) {
    const a = log.accesses[i];
    const insn = log.insns.get(a.insn)!;
    if (!isKernelAddress(insn.vaddr)) {
      if (!kernelSeen) counts.firmware++;
      else if (a.gpa === MARKER_GPA && !a.write) {
        counts.markers++;
        phase = Math.min(phase + 1, PHASES.length - 1);
      }
      continue;
    }
    kernelSeen = true;
    const p = PHASES[phase];
    counts[p]++;
    if (p === "dump") continue;
    trace.push({ insn: hex(insn.vaddr), gpa: hex(a.gpa), size: a.size, dir: a.write ? "w" : "r" });
    let s = byInsn.get(a.insn);
    if (!s) byInsn.set(a.insn, (s = { first: i, phase: p, loads: 0, stores: 0, sizes: new Set(), hits: 0, gpa: a.gpa }));
    s.hits++;
    s.sizes.add(a.size);
    if (a.write) s.stores++;
    else s.loads++;
  }
  const sites: HarvestSite[] = [...byInsn.entries()]
    .sort((x, y) => x[1].first - y[1].first)
    .map(([id, s]) => {
      const insn = log.insns.get(id)!;
      const sym = symbols.lookup(insn.vaddr);
      const where = attribute(s.gpa);
      return {
        site: sym ? `${sym.fn}+0x${sym.offset.toString(16)}` : hex(insn.vaddr),
        fn: sym?.fn ?? null,
        offset: sym?.offset ?? null,
        module: sym?.module ?? null,
        addr: hex(insn.vaddr),
        bytes: hexBytes(insn.bytes),
        device: where.device,
        region: where.region,
        access: s.loads && s.stores ? "load+store" : s.stores ? "store" : "load",
        sizes: [...s.sizes].sort((a, b) => a - b),
        firstGpa: hex(s.gpa),
        hits: s.hits,
        phase: s.phase,
      };
    });
  return { sites, trace, counts };
}
