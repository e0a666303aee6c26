// The code a benchmark decodes: the committed gcc corpus, plus a Debian vmlinux's .text (function by
// function with its System.map) when `npm run kernel:fetch` has filled the kernel cache.
import { readFileSync, existsSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseElf64 } from "../src/elf/elf64.js";
import { parseSymbolMap, functionsFromSymbolMap } from "../src/elf/symbols.js";

export interface CodeSet {
  name: string;
  bytes: Uint8Array;
  /** [start, end) of each function inside `bytes`. */
  ranges: [number, number][];
}

export function corpusSet(root: string): CodeSet {
  const corpus = JSON.parse(readFileSync(path.join(root, "test/data/corpus.json"), "utf8")) as { functions: { hex: string }[] };
  const parts = corpus.functions.map((f) => Buffer.from(f.hex, "hex"));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const ranges: [number, number][] = [];
  let at = 0;
  for (const p of parts) { bytes.set(p, at); ranges.push([at, at + p.length]); at += p.length; }
  return { name: "corpus", bytes, ranges };
}

/** The newest cached kernel folder holding a vmlinux, if any. */
export function cachedKernelDir(): string | null {
  const root = process.env.VE_MMIO_KERNEL_CACHE ?? path.join(os.homedir(), ".cache/ve-mmio/kernels");
  if (!existsSync(root)) return null;
  const dirs = readdirSync(root).map((d: string) => path.join(root, d)).filter((d: string) => existsSync(path.join(d, "vmlinux")));
  return dirs.sort().at(-1) ?? null;
}

export function vmlinuxSet(dir: string): CodeSet | null {
  const elf = parseElf64(new Uint8Array(readFileSync(path.join(dir, "vmlinux"))));
  const text = elf.section(".text");
  if (!text) return null;
  const bytes = text.bytes();
  const mapPath = path.join(dir, "System.map");
  if (elf.hasSymtab || existsSync(mapPath)) {
    const fns = elf.hasSymtab
      ? elf.functionBodies().filter((f) => f.section === ".text")
      : functionsFromSymbolMap(elf, parseSymbolMap(readFileSync(mapPath, "utf8")));
    const ranges = fns.filter((f) => f.size > 0).map((f) => {
      const start = Number(f.addr - text.addr);
      return [start, start + f.size] as [number, number];
    });
    return { name: `vmlinux-${path.basename(dir)}`, bytes, ranges };
  }
  return { name: `vmlinux-${path.basename(dir)}-linear`, bytes, ranges: [[0, bytes.length]] };
}

export function loadCodeSets(root: string): CodeSet[] {
  const sets = [corpusSet(root)];
  const dir = cachedKernelDir();
  const kernel = dir ? vmlinuxSet(dir) : null;
  if (kernel) sets.push(kernel);
  return sets;
}
