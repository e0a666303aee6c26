// The code a benchmark decodes: Debian's 6.12 vmlinux .text function by function when
// `npm run kernel:fetch` has cached it (the target figures are taken there), plus the committed gcc
// corpus. What is missing is said in the set's note, so a run never silently measures less.
import { cachedKernels, vmlinuxSet, type CodeSet as KernelCodeSet } from "../src/elf/kernel-cache.js";
import { loadCorpus } from "../src/cli/corpus.js";
import { concatenate } from "../src/decoder/concat.js";

export interface CodeSet extends KernelCodeSet {
  /** Why this set is not the one the targets are stated on, when it is not. */
  note?: string;
}

export function corpusSet(): CodeSet {
  const { functions } = loadCorpus();
  const { bytes, ranges } = concatenate(functions.map((f) => Buffer.from(f.hex, "hex")));
  return { name: "corpus", bytes, ranges, names: functions.map((f) => f.name) };
}

/** The cached 6.12 kernel's .text (else the newest cached kernel), with a note when it falls short. */
function kernelSet(): CodeSet | null {
  const kernels = cachedKernels();
  const kernel = kernels.find((k) => k.release.startsWith("6.12.")) ?? kernels[0];
  const set = kernel ? vmlinuxSet(kernel) : null;
  if (!set) return null;
  const notes: string[] = [];
  if (!kernel.release.startsWith("6.12.")) notes.push("not 6.12: run `npm run kernel:fetch -- --version 6.12`");
  if (set.ranges.length === 1) notes.push("no function boundaries (no System.map): decoded linearly; `npm run kernel:fetch -- --version 6.12 --dbg` fetches them");
  return notes.length ? { ...set, note: notes.join("; ") } : set;
}

export function loadCodeSets(): CodeSet[] {
  const kernel = kernelSet();
  if (!kernel) console.log("note: no cached kernel (`npm run kernel:fetch -- --version 6.12 --dbg`): measuring the corpus only");
  return kernel ? [kernel, corpusSet()] : [corpusSet()];
}
