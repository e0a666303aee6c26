// A harvest against another list of MMIO sites, with a reason for each difference: the built-in
// list of functions seen doing MMIO in a TDX boot, a previous harvest, or `ve-mmio scan --json`.
// Pure.
import { baseFunctionName } from "../elf/symbols.js";
import type { HarvestSite } from "./sites.js";

export interface Difference {
  /** A function name (function-level lists) or `fn+0xoff` (instruction-level). */
  readonly name: string;
  readonly side: "only_harvest" | "only_list";
  readonly why: string;
}

export interface Comparison {
  readonly label: string;
  readonly matched: number;
  readonly listSize: number;
  readonly differences: Difference[];
}

/** Devices a TDX guest does not reach through MMIO at all: their sites are missing from a TDX list for that reason. */
const NOT_IN_TDX: Record<string, string> = {
  HPET: "other device: a TDX guest's clock is the TSC (TSC deadline timer), it has no HPET",
  LAPIC: "other device: a TDX guest drives its LAPIC through x2APIC MSRs, never xAPIC MMIO",
};

const fnOf = (s: HarvestSite) => baseFunctionName(s.fn ?? s.addr);

/**
 * A function list (the built-in 32, or any names): which functions the harvest saw doing MMIO.
 * `known` says whether a name is a text symbol of the booted kernel (absent: inlined or not built).
 */
export function compareFunctions(label: string, sites: readonly HarvestSite[], list: readonly string[], known: (name: string) => boolean, tdxList: boolean,
  callees: (name: string) => readonly string[] = () => []): Comparison {
  const harvested = new Map<string, HarvestSite>();
  for (const s of sites) if (!harvested.has(fnOf(s))) harvested.set(fnOf(s), s);
  const listed = new Set(list.map(baseFunctionName));
  const differences: Difference[] = [];
  for (const name of listed) {
    if (harvested.has(name)) continue;
    const mmioCallees = known(name) ? callees(name).filter((c) => harvested.has(baseFunctionName(c))) : [];
    differences.push({
      name, side: "only_list",
      why: !known(name) ? "inlined, renamed or not built: no such symbol in the booted kernel; its MMIO, if any, is under its callers' or new names"
        : mmioCallees.length ? `its MMIO is in its callee ${mmioCallees.join(", ")}, out of line in this build`
        : "not exercised: a symbol of this kernel, but this boot never ran its MMIO (nor a direct callee's)",
    });
  }
  for (const [name, s] of harvested) {
    if (listed.has(name)) continue;
    differences.push({ name, side: "only_harvest", why: (tdxList && NOT_IN_TDX[s.device]) || `not in the list: ${s.device} MMIO at ${s.site}` });
  }
  return { label, matched: [...listed].filter((n) => harvested.has(n)).length, listSize: listed.size, differences };
}

/** Two harvests, instruction by instruction (by function + offset + bytes). */
export function compareHarvests(label: string, sites: readonly HarvestSite[], previous: readonly HarvestSite[]): Comparison {
  const key = (s: HarvestSite) => `${s.site} ${s.bytes}`;
  const mine = new Map(sites.map((s) => [key(s), s]));
  const theirs = new Map(previous.map((s) => [key(s), s]));
  const fnsMine = new Set(sites.map(fnOf));
  const fnsTheirs = new Set(previous.map(fnOf));
  const differences: Difference[] = [];
  for (const [k, s] of theirs) {
    if (mine.has(k)) continue;
    differences.push({ name: s.site, side: "only_list", why: fnsMine.has(fnOf(s)) ? "same function, other instruction: another path through it ran (or another build)" : `not exercised in this boot (${s.device})` });
  }
  for (const [k, s] of mine) {
    if (theirs.has(k)) continue;
    differences.push({ name: s.site, side: "only_harvest", why: fnsTheirs.has(fnOf(s)) ? "same function, other instruction: another path through it ran (or another build)" : `not exercised in the previous boot (${s.device})` });
  }
  return { label, matched: [...mine.keys()].filter((k) => theirs.has(k)).length, listSize: theirs.size, differences };
}

/** `ve-mmio scan --json` output: its sites with each candidate access's bytes. */
export interface ScanReport {
  sites: { site: string; report: { candidates: { addr: string; bytes: string }[] } | null; note: string | null }[];
}

/**
 * A scan report: scan lists every access a function could make, the harvest what ran. A harvested
 * instruction matches when the scanned function has a candidate with the same bytes.
 */
export function compareScan(label: string, sites: readonly HarvestSite[], scan: ScanReport, known: (name: string) => boolean): Comparison {
  const candidates = new Map(scan.sites.map((s) => [baseFunctionName(s.site), new Set(s.report?.candidates.map((c) => c.bytes) ?? [])]));
  const base = compareFunctions(label, sites, scan.sites.map((s) => s.site), known, false);
  const differences = [...base.differences];
  for (const s of sites) {
    const bytes = candidates.get(fnOf(s));
    if (bytes && !bytes.has(s.bytes)) differences.push({ name: s.site, side: "only_harvest", why: "scan lists no access with these bytes in the function (a clone or another symbol's code)" });
  }
  return { ...base, differences };
}
