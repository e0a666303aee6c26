// Node-only: the kernels that `npm run kernel:fetch` cached, as code ready to decode.
// (The rest of src/elf is pure and takes bytes; this file reads the cache from disk.)
import { readFileSync, existsSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseElf64 } from "./elf64.js";
import { parseSymbolMap, functionsFromSymbolMap } from "./symbols.js";

/** Code to decode: `bytes` with the [start, end) range of each function inside it. */
export interface CodeSet {
  name: string;
  bytes: Uint8Array;
  ranges: [number, number][];
  /** Function names, parallel to `ranges`. */
  names: string[];
}

/** What `npm run kernel:fetch` records for each cached kernel (scripts/lib/kernel-cache.mjs). */
export interface CachedKernel { release: string; vmlinux: string; systemMap: string | null }

/** Cached kernels, those with a full System.map first, newest release first. */
export function cachedKernels(): CachedKernel[] {
  const root = process.env.VE_MMIO_KERNEL_CACHE ?? path.join(os.homedir(), ".cache/ve-mmio/kernels");
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((d) => path.join(root, d, "kernel.json"))
    .filter((p) => existsSync(p))
    .map((p) => JSON.parse(readFileSync(p, "utf8")) as CachedKernel)
    .sort((a, b) => Number(!!b.systemMap) - Number(!!a.systemMap) || b.release.localeCompare(a.release, undefined, { numeric: true }));
}

/** The kernel's .text, function by function when a System.map (or .symtab) gives the boundaries. */
export function vmlinuxSet(kernel: CachedKernel): CodeSet | null {
  const elf = parseElf64(new Uint8Array(readFileSync(kernel.vmlinux)));
  const text = elf.section(".text");
  if (!text) return null;
  const bytes = text.bytes();
  if (!elf.hasSymtab && !kernel.systemMap) {
    return { name: `vmlinux-${kernel.release}-linear`, bytes, ranges: [[0, bytes.length]], names: [".text"] };
  }
  const fns = elf.hasSymtab
    ? elf.functionBodies().filter((f) => f.section === ".text")
    : functionsFromSymbolMap(elf, parseSymbolMap(readFileSync(kernel.systemMap!, "utf8")));
  const sized = fns.filter((f) => f.size > 0);
  const ranges = sized.map((f) => {
    const start = Number(f.addr - text.addr);
    return [start, start + f.size] as [number, number];
  });
  return { name: `vmlinux-${kernel.release}`, bytes, ranges, names: sized.map((f) => f.name) };
}

