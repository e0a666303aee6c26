// The code a benchmark decodes: the committed gcc corpus, plus a Debian vmlinux's .text (function by
// function with its System.map) when `npm run kernel:fetch` has filled the kernel cache.
import { readFileSync } from "node:fs";
import path from "node:path";
import { cachedKernels, vmlinuxSet, type CodeSet } from "../src/elf/kernel-cache.js";

export type { CodeSet };

export function corpusSet(root: string): CodeSet {
  const corpus = JSON.parse(readFileSync(path.join(root, "test/data/corpus.json"), "utf8")) as { functions: { name: string; hex: string }[] };
  const parts = corpus.functions.map((f) => Buffer.from(f.hex, "hex"));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const ranges: [number, number][] = [];
  let at = 0;
  for (const p of parts) { bytes.set(p, at); ranges.push([at, at + p.length]); at += p.length; }
  return { name: "corpus", bytes, ranges, names: corpus.functions.map((f) => f.name) };
}

export function loadCodeSets(root: string): CodeSet[] {
  const sets = [corpusSet(root)];
  const kernel = cachedKernels()[0];
  const set = kernel ? vmlinuxSet(kernel) : null;
  if (set) sets.push(set);
  return sets;
}
