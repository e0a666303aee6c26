// The code a benchmark decodes: the committed gcc corpus, plus a Debian vmlinux's .text (function by
// function with its System.map) when `npm run kernel:fetch` has filled the kernel cache.
import { cachedKernels, vmlinuxSet, type CodeSet } from "../src/elf/kernel-cache.js";
import { loadCorpus } from "../src/cli/corpus.js";
import { concatenate } from "../src/decoder/concat.js";

export type { CodeSet };

export function corpusSet(): CodeSet {
  const { functions } = loadCorpus();
  const { bytes, ranges } = concatenate(functions.map((f) => Buffer.from(f.hex, "hex")));
  return { name: "corpus", bytes, ranges, names: functions.map((f) => f.name) };
}

export function loadCodeSets(): CodeSet[] {
  const sets = [corpusSet()];
  const kernel = cachedKernels()[0];
  const set = kernel ? vmlinuxSet(kernel) : null;
  if (set) sets.push(set);
  return sets;
}
