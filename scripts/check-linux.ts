// npm run check:linux -- [--kernel 6.12|6.1] [--windows N] [--seed S] [--no-forms] [--no-vmlinux]
// Compares the `linux` reading with the kernel's own compiled decoder (the oracle, built from
// Debian's linux-source package by scripts/lib/kernel-oracle.ts): N structured random windows,
// every opcode in every map and encoding (src/verify/kernel-forms.ts), then every instruction start
// of the cached vmlinux of that release (`npm run kernel:fetch`). Every class counts, the refusal's
// detail and length included. Prints mismatches by class with examples; exits 1 on any mismatch,
// 2 when it cannot run.
import { Command } from "commander";
import { loadDecoder } from "../src/decoder/node.js";
import { parseKernelProfile, DEFAULT_KERNEL } from "../src/decoder/profile.js";
import { registerFiles, structuredWindows, WINDOW_BYTES } from "../src/verify/kernel-windows.js";
import { compareWithKernel, newTally, formatTally, type DiffTally } from "../src/verify/kernel-diff.js";
import { kernelOpcodeForms } from "../src/verify/kernel-forms.js";
import { cachedKernels, vmlinuxSet } from "../src/elf/kernel-cache.js";
import { buildOracle, runOracle, OracleUnavailable, type Oracle, type OracleProfile } from "./lib/kernel-oracle.js";

const opts = new Command()
  .option("--kernel <release>", "kernel profile: 6.12 or 6.1", DEFAULT_KERNEL)
  .option("--windows <n>", "structured random windows", "1000000")
  .option("--seed <s>", "seed (default: fresh)")
  .option("--no-forms", "skip every opcode x map x encoding")
  .option("--no-vmlinux", "skip the instruction starts of the cached vmlinux")
  .parse()
  .opts<{ kernel: string; windows: string; seed?: string; forms: boolean; vmlinux: boolean }>();

const profile = parseKernelProfile(opts.kernel);
const total = Number(opts.windows);
const seed = opts.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(opts.seed) >>> 0;
if (!profile || !Number.isInteger(total) || total < 0) {
  console.error("check:linux: --kernel must be 6.12 or 6.1 and --windows a whole number");
  process.exit(2);
}
let oracle: Oracle;
try {
  oracle = buildOracle(profile as OracleProfile, (s) => console.log(s));
} catch (e) {
  if (e instanceof OracleUnavailable) { console.error(`check:linux: oracle unavailable: ${e.message}`); process.exit(2); }
  throw e;
}
console.log(`kernel ${profile}: oracle from Debian ${oracle.version}; seed ${seed}`);
const decoder = await loadDecoder();
const FILES = 64;
const files = registerFiles(FILES, seed);
const CHUNK = 1 << 18;

function runChunks(tally: DiffTally, count: number, make: (start: number, n: number) => Uint8Array): void {
  for (let start = 0; start < count; start += CHUNK) {
    const windows = make(start, Math.min(CHUNK, count - start));
    compareWithKernel(decoder, profile!, windows, files, runOracle(oracle, files, windows), tally);
  }
}

const t0 = performance.now();
const random = newTally();
runChunks(random, total, (start, n) => structuredWindows(n, (seed + start) >>> 0, FILES));
console.log(`structured windows (${((performance.now() - t0) / 1000).toFixed(1)} s):\n${formatTally(random)}`);
let failed = random.mismatched;

if (opts.forms) {
  const t1 = performance.now();
  const { windows, labels } = kernelOpcodeForms();
  const tally = newTally();
  runChunks(tally, labels.length, (start, n) => windows.subarray(start * WINDOW_BYTES, (start + n) * WINDOW_BYTES));
  console.log(`every opcode x map x encoding (${((performance.now() - t1) / 1000).toFixed(1)} s):\n${formatTally(tally)}`);
  failed += tally.mismatched;
}

if (opts.vmlinux) {
  const kernel = cachedKernels().find((k) => k.release.startsWith(profile + "."));
  if (!kernel) console.log(`no cached ${profile} kernel: run \`npm run kernel:fetch -- --version ${profile}\` (vmlinux part skipped)`);
  else {
    const set = vmlinuxSet(kernel);
    if (!set) throw new Error(`${kernel.vmlinux} has no .text`);
    // Every instruction start (our architectural lengths; one byte on after an invalid one), each
    // as the 15 bytes the handler copies.
    const starts: number[] = [];
    let range = 0;
    let offset = set.ranges.length ? set.ranges[0][0] : 0;
    decoder.batch(set.bytes, { ranges: set.ranges, mode: "length", chunkRecords: 1 << 18 }, (chunk) => {
      for (let i = 0; i < chunk.count; i++) {
        while (offset >= set.ranges[range][1]) offset = set.ranges[++range][0];
        starts.push(offset);
        const len = chunk.records[i * 4], status = chunk.records[i * 4 + 1];
        offset += status === 0 ? len : 1;
      }
    });
    const t1 = performance.now();
    const text = new Uint8Array(set.bytes.length + 15);
    text.set(set.bytes);
    const tally = newTally();
    runChunks(tally, starts.length, (start, n) => {
      const w = new Uint8Array(n * WINDOW_BYTES);
      for (let i = 0; i < n; i++) {
        const at = starts[start + i];
        w.set(text.subarray(at, at + 15), i * WINDOW_BYTES);
        w[i * WINDOW_BYTES + 15] = (start + i) % FILES;
      }
      return w;
    });
    console.log(`vmlinux ${kernel.release}: ${starts.length} instruction starts (${((performance.now() - t1) / 1000).toFixed(1)} s):\n${formatTally(tally)}`);
    failed += tally.mismatched;
  }
}
console.log(failed === 0 ? "0 mismatches" : `${failed} mismatches`);
process.exitCode = failed === 0 ? 0 : 1;
