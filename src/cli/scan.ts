// `ve-mmio scan`: the kernel's MMIO sites, checked. For each site function (default: the 32
// functions seen doing MMIO when a TDX guest boots) every memory access that could reach MMIO,
// with what the kernel's #VE handler would do, the CPU's reading, divergences and any
// disagreement with iced-x86.
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import Table from "cli-table3";
import type { VeDecoder } from "../decoder/engine.js";
import { FULL_SIZE } from "../decoder/layout.js";
import { readRecord } from "../decoder/record.js";
import { registerNumber } from "../decoder/names.js";
import { cachedKernels } from "../elf/kernel-cache.js";
import { harvestedBoot } from "../harvest/harvest.js";
import { DEFAULT_SITES } from "../scan/sites.js";
import { analyzeFunction, type FunctionReport } from "../scan/analyze.js";
import { loadVmlinux, loadModule, moduleFiles, findSite, readMaybeCompressed, ScanInputError, type CodeObject } from "../scan/objects.js";
import { InputError } from "./inputs.js";
import { concatenate } from "../decoder/concat.js";
import { parseElf64, ElfError } from "../elf/elf64.js";
import { readInlining, DwarfError, type Inlining } from "../elf/dwarf.js";
import { readObjectFile, ObjectFileError } from "../elf/object-file.js";
import { progressBar } from "./progress.js";
import { style } from "./style.js";

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

/**
 * --sites: names separated by commas, or a file of names (one per word; # starts a comment line);
 * --sites-from: the functions of a harvest's sites.jsonl.
 */
function siteList(spec: string | undefined, sitesFrom?: string): string[] {
  if (sitesFrom !== undefined) {
    if (spec !== undefined) throw new InputError("give --sites or --sites-from, not both");
    return harvestedFunctions(sitesFrom);
  }
  if (spec === undefined) return [...DEFAULT_SITES];
  let names: string[];
  if (spec.includes(",") || !/[/.]/.test(spec)) names = spec.split(",").map((s) => s.trim()).filter(Boolean);
  else {
    try {
      names = readFileSync(spec, "utf8").split("\n").filter((l) => !l.trim().startsWith("#")).join(" ").split(/\s+/).filter(Boolean);
    } catch (e) {
      throw new InputError(`cannot read ${spec}: ${(e as NodeJS.ErrnoException).code}`);
    }
  }
  if (names.length === 0) throw new InputError(`--sites ${JSON.stringify(spec)} names no function`);
  const bad = names.find((n) => !/^[A-Za-z_][A-Za-z0-9_.$]*$/.test(n));
  if (bad !== undefined) throw new InputError(`--sites: ${JSON.stringify(bad)} is not a function name`);
  return names;
}

/** The objects to search, in order: the vmlinux (or the cached kernel's), then modules. */
async function inputs(o: ScanOptions): Promise<{ primary: CodeObject[]; moduleDir: string | null; label: string; debug: string[]; explicitDebug: boolean }> {
  const primary: CodeObject[] = [];
  let moduleDir = o.modules ?? null;
  let label = "";
  const debug = [...(o.debugInfo ?? [])];
  for (const file of debug) if (!existsSync(file)) throw new InputError(`--debug-info ${file}: no such file`);
  const explicitDebug = debug.length > 0;
  if (o.elf && debug.length === 0) debug.push(o.elf); // the input itself may carry DWARF
  if (o.elf) {
    primary.push(o.elf.endsWith(".ko") || o.elf.endsWith(".o") || /\.ko\.(xz|zst)$/.test(o.elf)
      ? await loadModule(o.elf) : await loadVmlinux(o.elf, o.symbols));
    label = o.elf;
  }
  for (const m of o.module ?? []) primary.push(await loadModule(m));
  if (!o.elf && !(o.module?.length) && !o.modules) {
    const booted = o.sitesFrom !== undefined ? harvestedBoot(path.dirname(o.sitesFrom)) : null;
    const kernels = cachedKernels();
    const kernel = kernels.find((k) => k.release === booted?.release) ?? kernels[0];
    if (!kernel) throw new InputError("no input: give --elf/--module/--modules, or run `npm run kernel:fetch -- --dbg` first");
    // Without the -dbg package's System.map, a harvest of this kernel brings the boot's own symbols.
    const kallsyms = booted?.release === kernel.release ? booted.kallsyms ?? undefined : undefined;
    primary.push(await loadVmlinux(kernel.vmlinux, kernel.systemMap ?? kallsyms));
    moduleDir = (kernel as { modulesDecompressedDir?: string }).modulesDecompressedDir ?? null;
    const vmlinuxDebug = (kernel as { vmlinuxDebug?: string | null }).vmlinuxDebug;
    if (vmlinuxDebug && debug.length === 0) debug.push(vmlinuxDebug);
    label = `cached kernel ${kernel.release}`;
  }
  return { primary, moduleDir, label: label || (o.modules ?? ""), debug, explicitDebug };
}

/** One file's DWARF facts, or why there are none (no DWARF at all is normal; malformed DWARF is reported). */
type DwarfFacts = { file: string; facts: Inlining } | { file: string; error: string | null };

/** Reads the DWARF of each file once; an explicit --debug-info file that cannot be read is an input error. */
async function dwarfOf(files: string[], explicit: boolean): Promise<DwarfFacts[]> {
  const out: DwarfFacts[] = [];
  for (const file of files) {
    try {
      const elf = parseElf64(await readObjectFile(file));
      const bar = progressBar(`reading the DWARF of ${path.basename(file)}`, Math.ceil((elf.section(".debug_info")?.size ?? 0) / 1e6), "MB");
      let shown = 0;
      try {
        out.push({ file, facts: readInlining(elf, (done) => { const mb = Math.floor(done / 1e6); if (mb > shown) { bar.increment(mb - shown); shown = mb; } }) });
      } finally {
        bar.stop();
      }
    } catch (e) {
      if (!(e instanceof DwarfError || e instanceof ElfError || e instanceof ObjectFileError)) throw e;
      if (explicit) throw new InputError(`--debug-info ${file}: ${e.message}`);
      out.push({ file, error: e instanceof DwarfError && e.message === "no DWARF debug information" ? null : e.message });
    }
  }
  return out;
}

/** What to say about a site with no symbol in the objects searched (`searched` describes them). */
function missingNote(site: string, dwarf: DwarfFacts[], searched: string, moduleTreeSearched: boolean, modulesWithoutDwarf: boolean): string {
  for (const d of dwarf) {
    const callers = "facts" in d ? d.facts.inlinedInto.get(site) : undefined;
    if (callers?.size) {
      const list = [...callers].sort();
      return `not present as a symbol: inlined into ${list.slice(0, 6).join(", ")}${list.length > 6 ? ` and ${list.length - 6} more` : ""} (DWARF of ${path.basename(d.file)})`;
    }
  }
  const read = dwarf.filter((d): d is { file: string; facts: Inlining } => "facts" in d);
  const broken = dwarf.filter((d) => "error" in d && d.error).map((d) => `DWARF of ${path.basename(d.file)} unreadable: ${(d as { error: string }).error}`);
  const known = read.find((d) => d.facts.functions.has(site));
  const names = read.map((d) => path.basename(d.file)).join(", ");
  let why: string;
  if (known) why = `not present as a symbol in ${searched}; the DWARF of ${path.basename(known.file)} knows it but shows no inlined copy`;
  else if (read.length && modulesWithoutDwarf) why = `no such function in ${searched} or the DWARF of ${names}: misspelled, not built, or inlined in a module whose debug file was not given (--debug-info)`;
  else if (read.length) why = `no such function in ${searched} or the DWARF of ${names}: misspelled, or not built in this kernel`;
  else why = `no symbol in ${searched}${moduleTreeSearched ? "" : " (no module tree searched: give --modules)"}; no debug info says whether it was inlined (give --debug-info)`;
  return [why, ...broken].join("; ");
}

/**
 * Modules under `dir` that define any of `sites`, each file read once: a module (decompressed if
 * need be) is parsed only if its bytes mention a site's name. Unreadable ones are counted, with
 * the first reason, for the notes.
 */
async function modulesDefining(sites: string[], dir: string): Promise<{ found: CodeObject[]; searched: number; unreadable: number; firstError: string | null }> {
  const needles = sites.map((site) => Buffer.from(site + "\0"));
  const found: CodeObject[] = [];
  const files = moduleFiles(dir);
  const bar = progressBar("searching modules", files.length, "files");
  let unreadable = 0, firstError: string | null = null;
  for (const file of files) {
    bar.increment();
    try {
      const bytes = await readMaybeCompressed(file);
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (!needles.some((n) => text.indexOf(n) >= 0)) continue;
      const obj = await loadModule(file, path.relative(dir, file), bytes);
      if (sites.some((site) => findSite([obj], site))) found.push(obj);
    } catch (e) {
      if (!(e instanceof ScanInputError)) throw e;
      unreadable++;
      firstError ??= e.message;
    }
  }
  bar.stop();
  return { found, searched: files.length, unreadable, firstError };
}

export async function scanSites(decoder: VeDecoder, o: ScanOptions): Promise<{ label: string; results: SiteResult[] }> {
  const sites = siteList(o.sites, o.sitesFrom);
  const { primary, moduleDir, label, debug, explicitDebug } = await inputs(o);
  const missing = sites.filter((site) => !findSite(primary, site));
  const tree = moduleDir && missing.length ? await modulesDefining(missing, moduleDir) : { found: [], searched: 0, unreadable: 0, firstError: null };
  const modules = tree.found;
  const unreadable = tree.unreadable ? ` (${tree.unreadable} unreadable, e.g. ${tree.firstError})` : "";
  const searched = [primary.map((p) => p.name).join(", "), moduleDir ? `${tree.searched} modules under ${moduleDir}${unreadable}` : ""].filter(Boolean).join(" and ");
  const modulesSearched = moduleDir !== null || (o.module?.length ?? 0) > 0;
  let dwarf: DwarfFacts[] | null = null;
  const results: SiteResult[] = [];
  for (const site of sites) {
    const hit = findSite(primary, site) ?? findSite(modules, site);
    if (!hit) {
      dwarf ??= await dwarfOf(debug, explicitDebug);
      results.push({ site, report: null, note: missingNote(site, dwarf, searched, moduleDir !== null, modulesSearched && !explicitDebug) });
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
export async function scanAllFunctions(decoder: VeDecoder, o: ScanOptions): Promise<{ name: string; object: string; refused: string[] }[]> {
  const { primary } = await inputs(o);
  const out: { name: string; object: string; refused: string[] }[] = [];
  const bar = progressBar("scanning", primary.reduce((n, obj) => n + obj.functions.length, 0), "functions");
  let before = 0;
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
      bar.increment(fnIndex - before);
      before = fnIndex;
    });
    bar.increment(ranges.length - before);
    before = 0;
    for (const [i, refused] of refusedBy) out.push({ name: obj.functions[i].name, object: obj.name, refused });
  }
  bar.stop();
  return out;
}

const HEAD = ["function", "object", "insns", "MMIO candidates", "emulatable", "would fault", "divergences", "iced disagreements"];
/** The text table's headings: short, so a row fits 100 columns; the legend below spells them out. */
const SHORT_HEAD = ["site", "object", "insns", "cand", "emul", "fault", "div", "iced"];
const LEGEND = "cand: MMIO candidates (accesses not through RSP/RBP/RIP), emul: the kernel emulates them, fault: it would not, div: CPU and kernel read differently, iced: disagreements with iced-x86";

function row(r: SiteResult): (string | number)[] {
  if (!r.report) return [r.site, "not found: see below", "", "", "", "", "", ""];
  const p = r.report;
  return [r.site, p.object, p.instructions, p.candidates.length, p.emulatable, p.wouldFault, p.divergences, p.icedDisagreements.length];
}

/** `text` cut into lines of at most `width` columns at spaces, later lines indented by `indent`. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lead = /^ */.exec(text)![0];
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(" ")) {
    if (line.trim() && line.length + 1 + word.length > width) { lines.push(line); line = indent + word; }
    else line = line.trim() ? `${line} ${word}` : line + word;
  }
  return [...lines, line];
}

function detailLines(r: SiteResult): string[] {
  if (!r.report) return [];
  const lines = wrap(`${style.bold(r.site)} (${r.report.symbols.join(", ")} in ${r.report.object}; ${r.report.stackOrRipAccesses} stack/RIP-relative accesses not listed)`, 100, "  ");
  for (const c of r.report.candidates) {
    const verdict = c.linux.emulated ? style.green(`kernel emulates ${c.linux.reading}`) : style.red(`WOULD FAULT: ${c.linux.reason}`);
    lines.push(`  0x${c.addr.toString(16)}  ${c.bytes.padEnd(22)} ${c.text}`);
    lines.push(...wrap(`      ${verdict}${c.arch ? `; CPU ${c.arch}` : ""}${c.diverges.length ? ` [${c.diverges.join(", ")}]` : ""}`, 100, "        "));
  }
  for (const d of r.report.icedDisagreements) lines.push(style.red(`  ICED DISAGREES: ${d}`));
  return lines;
}

/** The summary table (fits 100 columns for site and object names up to ~30 characters), notes below it. */
export function scanText(label: string, results: SiteResult[], detail: boolean): string[] {
  const table = new Table({
    head: SHORT_HEAD.map((h) => style.bold(h)),
    style: { head: [], border: [], compact: true, "padding-left": 0, "padding-right": 2 },
    chars: { top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
      left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "" },
  });
  for (const r of results) table.push(row(r).map((c, i) => (i === 5 && typeof c === "number" && c > 0 ? style.red(String(c)) : c)));
  const lines = [`ve-mmio scan: ${label}`, ...table.toString().split("\n").map((l) => l.trimEnd()), ...wrap(LEGEND, 100, "  ")];
  const missing = results.filter((r) => !r.report);
  if (missing.length) {
    lines.push("", "not found:");
    for (const r of missing) lines.push(...wrap(`  ${r.site}: ${r.note}`, 100, "    "));
  }
  if (detail) for (const r of results) if (r.report) lines.push("", ...detailLines(r));
  return lines;
}

export function scanMarkdown(label: string, results: SiteResult[]): string[] {
  const lines = [`# ve-mmio scan: ${label}`, "", `| ${HEAD.join(" | ")} |`, `|${HEAD.map(() => "---").join("|")}|`];
  for (const r of results) {
    const p = r.report;
    lines.push(`| ${(p ? [r.site, p.object, p.instructions, p.candidates.length, p.emulatable, p.wouldFault, p.divergences, p.icedDisagreements.length] : [r.site, `not found: ${r.note}`, "", "", "", "", "", ""]).join(" | ")} |`);
  }
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
