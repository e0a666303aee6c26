// `ve-mmio scan`: the kernel's MMIO sites, checked. For each site function (default: the 32
// functions seen doing MMIO when a TDX guest boots) every memory access that could reach MMIO,
// with what the kernel's #VE handler would do, the CPU's reading, divergences and any
// disagreement with iced-x86.
import { readFileSync } from "node:fs";
import path from "node:path";
import Table from "cli-table3";
import cliProgress from "cli-progress";
import type { VeDecoder } from "../decoder/engine.js";
import { FULL_SIZE } from "../decoder/layout.js";
import { readRecord } from "../decoder/record.js";
import { registerNumber } from "../decoder/names.js";
import { cachedKernels } from "../elf/kernel-cache.js";
import { DEFAULT_SITES } from "../scan/sites.js";
import { analyzeFunction, type FunctionReport } from "../scan/analyze.js";
import { loadVmlinux, loadModule, moduleFiles, findSite, ScanInputError, type CodeObject } from "../scan/objects.js";
import { InputError } from "./inputs.js";
import { concatenate } from "../decoder/concat.js";
import { parseElf64 } from "../elf/elf64.js";
import { inlineSites } from "../elf/dwarf.js";

export interface ScanOptions {
  elf?: string;
  /** ELF files with DWARF (a debug vmlinux, a module's debug file) to say where missing sites were inlined. */
  debugInfo?: string[];
  symbols?: string;
  module?: string[];
  modules?: string;
  sites?: string;
  /** A harvest's sites.jsonl: its functions are the sites. */
  sitesFrom?: string;
  detail?: boolean;
  json?: boolean;
  md?: boolean;
  allFunctions?: boolean;
}

export interface SiteResult { site: string; report: FunctionReport | null; note: string | null }

/** The distinct functions of a `ve-mmio harvest` sites.jsonl, in file order (clone suffixes kept: findSite adds clones). */
function harvestedFunctions(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const names = new Set<string>();
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let fn: unknown;
    try {
      fn = (JSON.parse(line) as { fn?: unknown }).fn;
    } catch {
      throw new InputError(`${file} line ${i + 1}: not JSON (give a harvest's sites.jsonl)`);
    }
    if (fn !== null && typeof fn !== "string") throw new InputError(`${file} line ${i + 1}: no "fn" field (give a harvest's sites.jsonl)`);
    if (typeof fn === "string") names.add(fn.replace(/\.(?:cold|isra|constprop|part)(?:\.\d+)?$/, ""));
  });
  if (names.size === 0) throw new InputError(`${file}: no symbolised sites`);
  return [...names];
}

function siteList(spec: string | undefined, sitesFrom?: string): string[] {
  if (sitesFrom !== undefined) {
    if (spec) throw new InputError("give --sites or --sites-from, not both");
    return harvestedFunctions(sitesFrom);
  }
  if (!spec) return [...DEFAULT_SITES];
  if (spec.includes(",") || !/[/.]/.test(spec)) return spec.split(",").map((s) => s.trim()).filter(Boolean);
  try {
    return readFileSync(spec, "utf8").split(/\s+/).filter((s) => s && !s.startsWith("#"));
  } catch (e) {
    throw new InputError(`cannot read ${spec}: ${(e as NodeJS.ErrnoException).code}`);
  }
}

/** The objects to search, in order: the vmlinux (or the cached kernel's), then modules. */
function inputs(o: ScanOptions): { primary: CodeObject[]; moduleDir: string | null; label: string; debug: string[] } {
  const primary: CodeObject[] = [];
  let moduleDir = o.modules ?? null;
  let label = "";
  const debug = [...(o.debugInfo ?? [])];
  if (o.elf && debug.length === 0) debug.push(o.elf); // the input itself may carry DWARF
  if (o.elf) {
    primary.push(o.elf.endsWith(".ko") || o.elf.endsWith(".o") || /\.ko\.(xz|zst)$/.test(o.elf)
      ? loadModule(o.elf) : loadVmlinux(o.elf, o.symbols));
    label = o.elf;
  }
  for (const m of o.module ?? []) primary.push(loadModule(m));
  if (!o.elf && !(o.module?.length) && !o.modules) {
    const kernel = cachedKernels()[0];
    if (!kernel) throw new InputError("no input: give --elf/--module/--modules, or run `npm run kernel:fetch -- --dbg` first");
    primary.push(loadVmlinux(kernel.vmlinux, kernel.systemMap ?? undefined));
    moduleDir = (kernel as { modulesDecompressedDir?: string }).modulesDecompressedDir ?? null;
    const vmlinuxDebug = (kernel as { vmlinuxDebug?: string | null }).vmlinuxDebug;
    if (vmlinuxDebug && debug.length === 0) debug.push(vmlinuxDebug);
    label = `cached kernel ${kernel.release}`;
  }
  return { primary, moduleDir, label: label || (o.modules ?? ""), debug };
}

/** Where each missing site was inlined, from the DWARF of `files` (read only if a site is missing). */
function inlinedNote(site: string, files: string[], cache: Map<string, Map<string, Set<string>> | null>): string | null {
  for (const file of files) {
    if (!cache.has(file)) {
      try {
        cache.set(file, inlineSites(parseElf64(new Uint8Array(readFileSync(file)))));
      } catch {
        cache.set(file, null); // no or unreadable DWARF: nothing to say from this file
      }
    }
    const callers = cache.get(file)?.get(site);
    if (callers?.size) {
      const list = [...callers].sort();
      return `inlined into ${list.slice(0, 6).join(", ")}${list.length > 6 ? ` and ${list.length - 6} more` : ""} (DWARF of ${path.basename(file)})`;
    }
  }
  return null;
}

/**
 * Modules under `dir` that define any of `sites`, each file read once: a plain .ko is parsed only
 * if its bytes mention a site's name; compressed ones are decompressed and parsed.
 */
function modulesDefining(sites: string[], dir: string): CodeObject[] {
  const needles = sites.map((site) => Buffer.from(site + "\0"));
  const found: CodeObject[] = [];
  for (const file of moduleFiles(dir)) {
    if (file.endsWith(".ko")) {
      const bytes = readFileSync(file);
      if (!needles.some((n) => bytes.indexOf(n) >= 0)) continue;
    }
    let obj: CodeObject;
    try {
      obj = loadModule(file, path.relative(dir, file));
    } catch {
      continue; // not a module we can read: it cannot hold a site
    }
    if (sites.some((site) => findSite([obj], site))) found.push(obj);
  }
  return found;
}

export function scanSites(decoder: VeDecoder, o: ScanOptions): { label: string; results: SiteResult[] } {
  const { primary, moduleDir, label, debug } = inputs(o);
  const sites = siteList(o.sites, o.sitesFrom);
  const missing = sites.filter((site) => !findSite(primary, site));
  const modules = moduleDir && missing.length ? modulesDefining(missing, moduleDir) : [];
  const dwarf = new Map<string, Map<string, Set<string>> | null>();
  const results: SiteResult[] = [];
  for (const site of sites) {
    const hit = findSite(primary, site) ?? findSite(modules, site);
    if (!hit) {
      const where = inlinedNote(site, debug, dwarf);
      results.push({ site, report: null, note: `not present as a symbol (${where ?? "inlined into its callers, or not built; no debug info says where"})` });
      continue;
    }
    const merged: FunctionReport = {
      site, symbols: [], object: hit.object.name, instructions: 0, stackOrRipAccesses: 0, candidates: [],
      emulatable: 0, wouldFault: 0, divergences: 0, icedDisagreements: [],
    };
    for (const fn of hit.functions) {
      const r = analyzeFunction(decoder, fn.bytes, fn.addr);
      merged.symbols.push(fn.name);
      merged.instructions += r.instructions;
      merged.stackOrRipAccesses += r.stackOrRipAccesses;
      merged.candidates.push(...r.candidates);
      merged.emulatable += r.emulatable;
      merged.wouldFault += r.wouldFault;
      merged.divergences += r.divergences;
      merged.icedDisagreements.push(...r.icedDisagreements);
    }
    results.push({ site, report: merged, note: null });
  }
  return { label, results };
}

/**
 * --all-functions: every function (vmlinux and given modules) with a MOV form the kernel's handler
 * cannot emulate through a non-stack pointer (moffs, MOVSXD, MOVS...), in one batch per object.
 */
export function scanAllFunctions(decoder: VeDecoder, o: ScanOptions, progress: boolean): { name: string; object: string; refused: string[] }[] {
  const { primary } = inputs(o);
  const out: { name: string; object: string; refused: string[] }[] = [];
  const bar = progress ? new cliProgress.SingleBar({ format: "scanning {bar} {value}/{total} functions", stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
  bar?.start(primary.reduce((n, obj) => n + obj.functions.length, 0), 0);
  for (const obj of primary) {
    // One buffer per object: functions laid end to end, one range each.
    const { bytes: all, ranges } = concatenate(obj.functions.map((f) => f.bytes));
    const refusedBy = new Map<number, string[]>();
    let fnIndex = 0;
    decoder.batch(all, { ranges, mode: "mmio", chunkRecords: 1 << 18 }, (chunk) => {
      for (let i = 0; i < chunk.fullCount; i++) {
        const view = new DataView(chunk.full.buffer, chunk.full.byteOffset + i * FULL_SIZE, FULL_SIZE);
        const offset = view.getUint32(0, true);
        while (fnIndex < ranges.length - 1 && offset >= ranges[fnIndex][1]) fnIndex++;
        const insn = readRecord(view, all.subarray(offset, offset + 15), 0n);
        const base = insn.arch?.mem?.base;
        const stackOrCode = base ? [4, 5, 16].includes(registerNumber(base)) : false; // rsp, rbp, rip (or esp, ebp, eip)
        if (!insn.arch || insn.linux.emulated || stackOrCode) continue;
        const list = refusedBy.get(fnIndex) ?? [];
        list.push(Buffer.from(insn.bytes).toString("hex"));
        refusedBy.set(fnIndex, list);
      }
      bar?.update(Math.min(fnIndex, ranges.length));
    });
    for (const [i, refused] of refusedBy) out.push({ name: obj.functions[i].name, object: obj.name, refused });
  }
  bar?.stop();
  return out;
}

const HEAD = ["function", "object", "insns", "MMIO candidates", "emulatable", "would fault", "divergences", "iced disagreements"];

function row(r: SiteResult): (string | number)[] {
  if (!r.report) return [r.site, "-", "-", "-", "-", "-", "-", r.note ?? ""];
  const p = r.report;
  return [r.site, p.object, p.instructions, p.candidates.length, p.emulatable, p.wouldFault, p.divergences, p.icedDisagreements.length];
}

function detailLines(r: SiteResult): string[] {
  if (!r.report) return [];
  const lines = [`${r.site} (${r.report.symbols.join(", ")} in ${r.report.object}; ${r.report.stackOrRipAccesses} stack/RIP-relative accesses not listed)`];
  for (const c of r.report.candidates) {
    const verdict = c.linux.emulated ? `kernel emulates ${c.linux.reading}` : `WOULD FAULT: ${c.linux.reason}`;
    lines.push(`  0x${c.addr.toString(16)}  ${c.bytes.padEnd(22)} ${c.text.padEnd(36)} ${verdict}${c.arch ? `; CPU ${c.arch}` : ""}${c.diverges.length ? ` [${c.diverges.join(", ")}]` : ""}`);
  }
  for (const d of r.report.icedDisagreements) lines.push(`  ICED DISAGREES: ${d}`);
  return lines;
}

export function scanText(label: string, results: SiteResult[], detail: boolean): string[] {
  const table = new Table({
    head: HEAD,
    style: { head: [], border: [], compact: true },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  for (const r of results) table.push(row(r));
  const lines = [`ve-mmio scan: ${label}`, table.toString()];
  if (detail) for (const r of results) lines.push("", ...detailLines(r));
  return lines;
}

export function scanMarkdown(label: string, results: SiteResult[]): string[] {
  const lines = [`# ve-mmio scan: ${label}`, "", `| ${HEAD.join(" | ")} |`, `|${HEAD.map(() => "---").join("|")}|`];
  for (const r of results) lines.push(`| ${row(r).join(" | ")} |`);
  for (const r of results) {
    if (!r.report?.candidates.length) continue;
    lines.push("", `## ${r.site}`, "", "| address | bytes | instruction | kernel | CPU | divergences |", "|---|---|---|---|---|---|");
    for (const c of r.report.candidates) {
      lines.push(`| 0x${c.addr.toString(16)} | ${c.bytes} | \`${c.text}\` | ${c.linux.emulated ? c.linux.reading : `**would fault**: ${c.linux.reason}`} | ${c.arch ?? "-"} | ${c.diverges.join(", ")} |`);
    }
  }
  return lines;
}

export function scanJson(label: string, results: SiteResult[]): string {
  return JSON.stringify({ input: label, sites: results }, (_, v) => (typeof v === "bigint" ? "0x" + v.toString(16) : v), 2);
}

export { ScanInputError };
