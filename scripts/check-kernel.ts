// npm run check:kernel [-- --version 6.12] : decodes a real Debian kernel's .text function by
// function with ve-mmio and iced-x86 side by side and prints the mismatch count (expected 0).
// The kernel comes from the cache that `npm run kernel:fetch -- --dbg` fills (System.map needed
// for function boundaries; without it the whole .text is decoded linearly).
import { Decoder, Instruction } from "iced-x86";
import { loadDecoder } from "../src/decoder/node.js";
import { FULL_SIZE, R } from "../src/decoder/layout.js";
import { readRecord } from "../src/decoder/record.js";
import { cachedKernels, vmlinuxSet } from "../src/elf/kernel-cache.js";
import { refOf } from "../src/verify/iced.js";
import { disagreement } from "../src/verify/differential.js";

const want = process.argv.indexOf("--version") >= 0 ? process.argv[process.argv.indexOf("--version") + 1] : undefined;
const kernel = cachedKernels().find((k) => !want || k.release.startsWith(want));
if (!kernel) {
  console.error("check:kernel: no cached kernel; run `npm run kernel:fetch -- --dbg` first");
  process.exit(2);
}
const set = vmlinuxSet(kernel);
if (!set) throw new Error(`${kernel.vmlinux} has no .text`);
const { bytes: textBytes, ranges, names } = set;
console.log(`kernel ${kernel.release}: .text ${textBytes.length} bytes, ${ranges.length} functions${kernel.systemMap ? " (System.map)" : " (linear)"}`);

const decoder = await loadDecoder();
const ins = new Instruction();
let fn = 0;
let iced: Decoder | null = null;
let insns = 0, invalid = 0, mov = 0, mismatches = 0;
const examples: string[] = [];
const t0 = performance.now();
decoder.batch(textBytes, { ranges, mode: "full", chunkRecords: 1 << 18 }, (chunk) => {
  const view = new DataView(chunk.records.buffer, chunk.records.byteOffset, chunk.records.byteLength);
  for (let i = 0; i < chunk.count; i++) {
    const at = i * FULL_SIZE;
    const offset = view.getUint32(at + R.OFFSET, true);
    while (offset >= ranges[fn][1]) { fn++; iced?.free(); iced = null; }
    const [start, end] = ranges[fn];
    if (!iced) { iced = new Decoder(64, textBytes.subarray(start, end), 0); }
    iced.position = offset - start;
    iced.ip = 0n;
    iced.decodeOut(ins);
    insns++;
    const valid = chunk.records[at + R.STATUS] === 0;
    const length = chunk.records[at + R.LEN];
    if (!valid) invalid++;
    const ref = refOf(ins);
    const archMmio = chunk.records[at + R.A_KIND] !== 0;
    if (valid && ref.valid && length === ref.length && (archMmio || ref.access)) mov++;
    const why = disagreement(valid, length, archMmio, () => readRecord(view, textBytes.subarray(offset, offset + 15), 0n, at), ref);
    if (why) {
      mismatches++;
      if (examples.length < 20) examples.push(`${names[fn]}+0x${(offset - start).toString(16)}: ${Buffer.from(textBytes.subarray(offset, offset + 15)).toString("hex")}: ${why}`);
    }
  }
});
const s = (performance.now() - t0) / 1000;
console.log(`instructions ${insns} (${invalid} invalid bytes), MOV-family compared ${mov}, time ${s.toFixed(1)} s`);
for (const e of examples) console.log("  " + e);
console.log(`mismatches vs iced-x86: ${mismatches}`);
process.exitCode = mismatches === 0 ? 0 : 1;
