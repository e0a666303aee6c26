// `ve-mmio harvest`: boot a kernel under QEMU TCG with the mmio-trace plugin, list its MMIO sites,
// check each through both readings and the TD's #VE path, compare with another list.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Table from "cli-table3";
import type { Command } from "commander";
import type { VeDecoder } from "../decoder/engine.js";
import { decoderFor, KERNEL_HELP } from "./kernel-option.js";
import { harvest, bootFunctions, type HarvestResult } from "../harvest/harvest.js";
import { HarvestError } from "../harvest/tools.js";
import { resolveKernel } from "../harvest/kernel.js";
import { Callees } from "../harvest/callees.js";
import { DeviceSetError } from "../harvest/devices.js";
import { checkSites, type SiteCheck } from "../harvest/check.js";
import { compareFunctions, compareHarvests, compareScan, type Comparison, type ScanReport } from "../harvest/compare.js";
import type { HarvestSite } from "../harvest/sites.js";
import { DEFAULT_SITES } from "../scan/sites.js";
import { InputError } from "./inputs.js";

export interface HarvestCliOptions {
  kernelImage?: string;
  modules?: string;
  devices?: string;
  out?: string;
  against?: string;
  systemMap?: string;
  timeout?: string;
  fresh?: boolean;
  json?: boolean;
}

const table = (head: string[]) => new Table({ head, style: { head: [], border: [], compact: true }, chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" } });

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as T);
}

/** `--against`: "builtin" (the 32 TDX boot functions), a previous sites.jsonl, or `scan --json` output. */
function compare(spec: string, r: HarvestResult, known: (n: string) => boolean, callees: (n: string) => string[]): Comparison {
  if (spec === "builtin") return compareFunctions("the built-in list of 32 TDX boot MMIO functions", r.sites, DEFAULT_SITES, known, true, callees);
  if (!existsSync(spec)) throw new InputError(`--against ${spec}: no such file (give builtin, a sites.jsonl or scan --json output)`);
  const text = readFileSync(spec, "utf8");
  try {
    if (text.trimStart().startsWith("{\"site\"") || spec.endsWith(".jsonl")) return compareHarvests(spec, r.sites, readJsonl<HarvestSite>(spec));
    const scan = JSON.parse(text) as ScanReport;
    if (!Array.isArray(scan.sites)) throw new Error("no sites array");
    return compareScan(spec, r.sites, scan, known);
  } catch (e) {
    throw new InputError(`--against ${spec}: not a sites.jsonl or scan --json report (${(e as Error).message})`);
  }
}

export function summaryLines(r: HarvestResult, checks: readonly SiteCheck[]): string[] {
  const s = r.summary;
  const lines = [
    `ve-mmio harvest: ${s.kernel.release} (build-id ${s.kernel.id.slice(0, 16)}), QEMU ${s.qemu} TCG, devices ${s.devices.join(", ")}${r.fromCache ? " (cached result)" : ""}`,
    `boot ${s.bootSeconds} s; MMIO accesses: ${Object.entries(s.accesses).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `${s.distinctSites} distinct MMIO instructions in ${s.functions} functions`,
  ];
  const t = table(["device", "sites", "functions", "hits", "kernel emulates", "kernel refuses", "divergent", "note"]);
  for (const device of Object.keys(s.sitesByDevice)) {
    const mine = r.sites.filter((x) => x.device === device);
    const c = checks.filter((x) => x.device === device);
    const refused = c.filter((x) => x.td.linux !== "handled").length;
    t.push([device, mine.length, s.functionsByDevice[device] ?? 0, mine.reduce((n, x) => n + x.hits, 0), c.length - refused, refused,
      c.filter((x) => x.diverges.length).length, device === "LAPIC" ? "x2APIC MSRs under TDX" : ""]);
  }
  lines.push(t.toString());
  const refused = checks.filter((c) => c.td.linux !== "handled");
  for (const c of refused) lines.push(`  refused: ${c.site} (${c.device}): ${c.td.linux}; CPU: ${c.arch}; arch-mode TD: ${c.td.arch}`);
  return lines;
}

export function comparisonLines(c: Comparison): string[] {
  const lines = [`against ${c.label}: ${c.matched} of ${c.listSize} found`];
  const t = table(["", "name", "why"]);
  for (const d of c.differences) t.push([d.side === "only_list" ? "list only" : "harvest only", d.name, d.why]);
  if (c.differences.length) lines.push(t.toString());
  return lines;
}

export async function runHarvest(decoder: VeDecoder, o: HarvestCliOptions, write: (line: string) => void): Promise<void> {
  const out = path.resolve(o.out ?? "harvest-out");
  const timeout = o.timeout === undefined ? undefined : Number(o.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new InputError("--timeout wants seconds > 0");
  if (o.systemMap !== undefined && !existsSync(o.systemMap)) throw new InputError(`--system-map ${o.systemMap}: no such file`);
  let r: HarvestResult;
  try {
    r = await harvest(out, {
      kernelImage: o.kernelImage, modules: o.modules, devices: o.devices, systemMap: o.systemMap, timeout, fresh: o.fresh,
      progress: (phase, detail) => process.stderr.write(`[harvest] ${phase}: ${detail}\n`),
    });
  } catch (e) {
    if (e instanceof HarvestError || e instanceof DeviceSetError) throw new InputError(e.message);
    throw e;
  }
  process.stderr.write(`[harvest] check: ${r.sites.length} sites through both readings and the TD\n`);
  const checks = checkSites(decoder, r.sites);
  writeFileSync(path.join(out, "checks.jsonl"), checks.map((c) => JSON.stringify(c)).join("\n") + "\n");
  const names = bootFunctions(out, r.systemMap);
  // Direct callees need the vmlinux's bytes: the cached kernel's, with the System.map used.
  const vmlinux = o.kernelImage === undefined ? resolveKernel().vmlinux : null;
  const callees = vmlinux && r.systemMap ? new Callees(decoder, vmlinux, r.systemMap) : null;
  const comparison = o.against ? compare(o.against, r, (n) => names.has(n), (n) => callees?.of(n) ?? []) : null;
  if (o.json) {
    write(JSON.stringify({ summary: r.summary, fromCache: r.fromCache, checks, comparison }, null, 2));
    return;
  }
  for (const l of summaryLines(r, checks)) write(l);
  if (comparison) for (const l of comparisonLines(comparison)) write(l);
  write(`wrote ${path.relative(process.cwd(), out) || "."}/sites.jsonl, trace.jsonl, checks.jsonl, summary.json`);
}

/** Adds the `harvest` subcommand (main.ts registers it with one call). */
export function registerHarvest(program: Command, write: (line: string) => void): void {
  program.command("harvest")
    .description("boot a kernel under QEMU TCG with an MMIO-tracing plugin: list its real MMIO sites, check each through the #VE path")
    .option("--kernel-image <bzImage>", "kernel to boot (default: the cached Debian 6.12 of `npm run kernel:fetch`)")
    .option("--modules <dir>", "its module tree, lib/modules/<release>/kernel (default: the cached kernel's)")
    .option("--devices <list>", "device set: ahci,virtio-blk,virtio-rng,virtio-net,itco (default: all)")
    .option("--out <dir>", "where sites.jsonl, trace.jsonl, checks.jsonl, summary.json go (default ./harvest-out)")
    .option("--against <list>", "compare: builtin (the 32 TDX boot functions), a previous sites.jsonl, or scan --json output")
    .option("--system-map <file>", "System.map adding symbols to the boot's kallsyms")
    .option("--timeout <seconds>", "give up on a boot after this long (default 600)")
    .option("--fresh", "boot again even if a cached result exists")
    .option("--json", "one JSON document: summary, checks, comparison")
    .option("--kernel <release>", `${KERNEL_HELP}; sites are checked with it`)
    .action(async (o: HarvestCliOptions & { kernel?: string }) => runHarvest(await decoderFor(o), o, write));
}
