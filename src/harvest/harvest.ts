// Node-only: one harvest, phase by phase: tools, plugin, modules, initramfs, boot, parse, write.
// Results are cached by kernel build-id + QEMU version + device set (+ plugin and init script).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import os from "node:os";
import { gunzipSync, gzipSync } from "node:zlib";
import path from "node:path";
import { requireTool, staticBusybox, qemuVersion, HarvestError } from "./tools.js";
import { buildPlugin } from "./plugin.js";
import { resolveKernel, indexModules, moduleBytes, type HarvestKernel } from "./kernel.js";
import { moduleDepends, loadOrder, ModuleError } from "./modules.js";
import { deviceSet, type DeviceSpec } from "./devices.js";
import { initScript } from "./init-script.js";
import { writeCpio, DIR, EXEC, FILE, type CpioEntry } from "./cpio.js";
import { boot } from "./qemu.js";
import { parsePluginLog } from "./log.js";
import { parseDump } from "./dump.js";
import { parseIomem, msixRegions, attribute } from "./iomem.js";
import { Symboliser } from "./symbolise.js";
import { parseSymbolMap } from "../elf/symbols.js";
import { collectSites, type HarvestSite, type TraceRecord } from "./sites.js";

export interface HarvestOptions {
  kernelImage?: string;
  modules?: string;
  devices?: string;
  systemMap?: string;
  /** Boot timeout in seconds (default 600: TCG on a busy machine). */
  timeout?: number;
  /** Ignore the result cache. */
  fresh?: boolean;
  progress?: (phase: string, detail: string) => void;
}

/** What a harvest found, as written to summary.json. */
export interface HarvestSummary {
  readonly kernel: { release: string; id: string; image: string };
  readonly qemu: string;
  readonly devices: string[];
  readonly modules: string[];
  readonly bootSeconds: number;
  readonly accesses: Record<string, number>;
  readonly distinctSites: number;
  readonly functions: number;
  readonly sitesByDevice: Record<string, number>;
  readonly functionsByDevice: Record<string, number>;
  readonly cacheKey: string;
}

export interface HarvestResult {
  readonly summary: HarvestSummary;
  readonly sites: HarvestSite[];
  readonly trace: TraceRecord[];
  readonly fromCache: boolean;
  /** The System.map that symbolised the vmlinux, or null (the boot's own kallsyms did). */
  readonly systemMap: string | null;
}

export function harvestCacheDir(): string {
  return path.join(os.homedir(), ".cache", "ve-mmio", "harvest");
}

function modulesFor(kernel: HarvestKernel, devices: readonly DeviceSpec[]): { order: string[]; files: Map<string, Uint8Array> } {
  const index = indexModules(kernel.modulesDir);
  const files = new Map<string, Uint8Array>();
  const bytesOf = (name: string) => {
    const key = name.replace(/-/g, "_");
    let b = files.get(key);
    if (!b) {
      const rel = index.get(key);
      if (!rel) throw new ModuleError(`module ${name} is not in ${kernel.modulesDir} (built in, or another kernel?)`);
      files.set(key, (b = moduleBytes(kernel, rel)));
    }
    return b;
  };
  // A module the kernel has built in is simply not loaded: only report what is truly missing.
  const wanted = devices.flatMap((d) => d.modules).filter((m) => index.has(m.replace(/-/g, "_")));
  const order = loadOrder(wanted, (name) => moduleDepends(bytesOf(name)));
  return { order, files };
}

function initramfs(busybox: string, script: string, order: string[], files: Map<string, Uint8Array>): Uint8Array {
  const entries: CpioEntry[] = [
    ...["bin", "dev", "proc", "sys", "tmp", "lib", "lib/modules"].map((p) => ({ path: p, mode: DIR })),
    { path: "bin/busybox", mode: EXEC, data: new Uint8Array(readFileSync(busybox)) },
    { path: "init", mode: EXEC, data: new TextEncoder().encode(script) },
    ...order.map((m) => ({ path: `lib/modules/${m}.ko`, mode: FILE, data: files.get(m)! })),
  ];
  return writeCpio(entries);
}

function jsonl(records: readonly object[]): string {
  return records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : "");
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

export function summarise(sites: readonly HarvestSite[]): Pick<HarvestSummary, "distinctSites" | "functions" | "sitesByDevice" | "functionsByDevice"> {
  const fnDevice = new Map<string, string>();
  for (const s of sites) if (!fnDevice.has(s.fn ?? s.addr)) fnDevice.set(s.fn ?? s.addr, s.device);
  return {
    distinctSites: sites.length,
    functions: fnDevice.size,
    sitesByDevice: countBy(sites, (s) => s.device),
    functionsByDevice: countBy([...fnDevice.values()], (d) => d),
  };
}

/** Reads a harvest's output folder (sites.jsonl, trace.jsonl, summary.json). */
export function readHarvest(dir: string): HarvestResult {
  const lines = (f: string) => readFileSync(path.join(dir, f), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  return {
    summary: JSON.parse(readFileSync(path.join(dir, SUMMARY), "utf8")) as HarvestSummary,
    sites: lines("sites.jsonl") as HarvestSite[],
    trace: lines("trace.jsonl") as TraceRecord[],
    fromCache: true,
    systemMap: null,
  };
}

/**
 * The kernel release a harvest's output folder says it booted (summary.json) and the boot's
 * kallsyms dump saved there (null when it has none); null for a folder without a readable summary.
 */
export function harvestedBoot(dir: string): { release: string; kallsyms: string | null } | null {
  let release: unknown;
  try {
    release = (JSON.parse(readFileSync(path.join(dir, SUMMARY), "utf8")) as { kernel?: { release?: unknown } }).kernel?.release;
  } catch {
    return null;
  }
  if (typeof release !== "string") return null;
  const kallsyms = path.join(dir, KALLSYMS);
  return { release, kallsyms: existsSync(kallsyms) ? kallsyms : null };
}

/**
 * The text symbol names of the booted kernel, to tell inlined from not exercised: the boot's
 * kallsyms (saved with each harvest) and the System.map that symbolised the vmlinux, if any.
 */
export function bootFunctions(dir: string, systemMap: string | null): Set<string> {
  const file = path.join(dir, KALLSYMS);
  const texts = existsSync(file) ? [gunzipSync(readFileSync(file)).toString("utf8")] : [];
  if (systemMap) texts.push(readFileSync(systemMap, "utf8"));
  const names = new Set<string>();
  for (const text of texts) {
    for (const line of text.split("\n")) {
      const [, type, name] = line.split(/\s+/);
      if (name && /^[tTwW]$/.test(type)) names.add(name);
    }
  }
  return names;
}

// The output folder's summary and the boot's kallsyms dump: written by writeHarvest, read by
// readHarvest, harvestedBoot, bootFunctions and the cache check in harvest().
const SUMMARY = "summary.json";
const KALLSYMS = "kallsyms.txt.gz";

function writeHarvest(dir: string, r: { summary: HarvestSummary; sites: HarvestSite[]; trace: TraceRecord[] }, kallsyms?: Buffer): void {
  mkdirSync(dir, { recursive: true });
  if (kallsyms) writeFileSync(path.join(dir, KALLSYMS), kallsyms);
  writeFileSync(path.join(dir, "sites.jsonl"), jsonl(r.sites));
  writeFileSync(path.join(dir, "trace.jsonl"), jsonl(r.trace));
  writeFileSync(path.join(dir, SUMMARY), JSON.stringify(r.summary, null, 2) + "\n");
}

function readSystemMap(file: string): string {
  const text = readFileSync(file, "utf8");
  try {
    parseSymbolMap(text);
  } catch (e) {
    throw new HarvestError("bad_input", `${file}: ${(e as Error).message}`);
  }
  return text;
}

/** Runs (or reuses) a harvest and writes sites.jsonl, trace.jsonl and summary.json into `out`. */
export async function harvest(out: string, o: HarvestOptions = {}): Promise<HarvestResult> {
  const say = o.progress ?? (() => undefined);
  const devices = deviceSet(o.devices);
  // A System.map (given, or the cached kernel's) spares the guest dumping the vmlinux's symbols;
  // a bad one given is refused before anything runs.
  const givenMap = o.systemMap === undefined ? null : readSystemMap(o.systemMap);
  say("tools", "checking qemu-system-x86_64, gcc, busybox (static)");
  const qemu = requireTool("qemu");
  const version = qemuVersion(qemu);
  const busybox = staticBusybox();
  const plugin = buildPlugin(path.join(harvestCacheDir(), "plugin"));
  say("plugin", path.basename(plugin));
  const kernel = resolveKernel(o.kernelImage, o.modules);
  say("modules", `kernel ${kernel.release} (build-id ${kernel.id.slice(0, 16)}), resolving modules of ${devices.map((d) => d.name).join(", ")}`);
  let mods: ReturnType<typeof modulesFor>;
  try {
    mods = modulesFor(kernel, devices);
  } catch (e) {
    if (e instanceof ModuleError) throw new HarvestError("bad_input", e.message);
    throw e;
  }
  const systemMapFile = o.systemMap ?? (o.kernelImage === undefined ? kernel.systemMap : null);
  const systemMap = givenMap ?? (systemMapFile === null ? null : readSystemMap(systemMapFile));
  const script = initScript(mods.order, devices, systemMap === null);
  const key = createHash("sha256")
    .update([kernel.id, version, devices.map((d) => d.name).join(","), path.basename(plugin), script, systemMap ?? ""].join("\n"))
    .digest("hex").slice(0, 24);
  const cached = path.join(harvestCacheDir(), "results", key);
  if (!o.fresh && existsSync(path.join(cached, SUMMARY))) {
    say("cache", `reusing ${cached}`);
    const r = readHarvest(cached);
    writeHarvest(out, r, existsSync(path.join(cached, KALLSYMS)) ? readFileSync(path.join(cached, KALLSYMS)) : undefined);
    return { ...r, systemMap: systemMapFile };
  }
  const work = mkdtempSync(path.join(os.tmpdir(), "ve-mmio-harvest-"));
  try {
    const image = path.join(work, "initramfs.cpio");
    writeFileSync(image, initramfs(busybox, script, mods.order, mods.files));
    say("initramfs", `${mods.order.length} modules: ${mods.order.join(" ")}`);
    say("boot", `QEMU ${version} TCG, q35, timeout ${o.timeout ?? 600} s`);
    const run = await boot({ qemu, plugin, kernelImage: kernel.image, initramfs: image, devices, workDir: work, timeoutMs: (o.timeout ?? 600) * 1000 });
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, "console.txt"), run.console);
    writeFileSync(path.join(out, "dump.txt"), run.dump);
    say("parse", `boot took ${run.seconds.toFixed(1)} s; plugin log ${(run.pluginLog.length / 1024).toFixed(0)} KiB`);
    let dump, log, iomem, msix;
    try {
      dump = parseDump(run.dump);
      log = parsePluginLog(run.pluginLog);
      iomem = parseIomem(dump.iomem);
      msix = dump.pci.flatMap((p) => msixRegions(p.address, p.resource, p.config));
    } catch (e) {
      throw new HarvestError("bad_output", `${(e as Error).message} (console: ${path.join(out, "console.txt")})`);
    }
    const failures = run.console.split("\n").filter((l) => l.startsWith("harvest: ") && !l.startsWith("harvest: touching"));
    for (const f of failures) say("guest", f);
    let symbols: Symboliser;
    try {
      symbols = new Symboliser(systemMap ? [dump.kallsyms, systemMap] : [dump.kallsyms]);
    } catch (e) {
      throw new HarvestError("bad_output", `the boot's kallsyms: ${(e as Error).message}`);
    }
    say("symbolise", `${symbols.size} text symbols (boot's kallsyms${systemMap ? ` for modules, ${systemMapFile} for the vmlinux` : ""}), ${iomem.length} iomem ranges, ${msix.length / 2} MSI-X tables`);
    const found = collectSites(log, symbols, (gpa) => attribute(gpa, iomem, msix));
    const summary: HarvestSummary = {
      kernel: { release: kernel.release, id: kernel.id, image: kernel.image },
      qemu: version,
      devices: devices.map((d) => d.name),
      modules: mods.order,
      bootSeconds: Math.round(run.seconds * 10) / 10,
      accesses: found.counts,
      ...summarise(found.sites),
      cacheKey: key,
    };
    const result = { summary, sites: found.sites, trace: found.trace };
    const kallsyms = gzipSync(dump.kallsyms);
    writeHarvest(out, result, kallsyms);
    writeHarvest(cached, result, kallsyms);
    copyFileSync(path.join(out, "console.txt"), path.join(cached, "console.txt"));
    say("write", `${found.sites.length} sites, ${found.trace.length} accesses -> ${out}`);
    return { ...result, fromCache: false, systemMap: systemMapFile };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
