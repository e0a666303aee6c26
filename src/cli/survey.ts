// `ve-mmio survey`: the decoder on built-in data. Decodes the committed gcc
// corpus of driver-style code in one batch, then prints each MMIO-capable instruction of the
// device-driver functions with both readings, and totals with throughput.
import type { VeDecoder } from "../decoder/engine.js";
import { FULL_SIZE } from "../decoder/layout.js";
import { readRecord } from "../decoder/record.js";
import { accessText } from "./format.js";
import { loadCorpus } from "./corpus.js";
import { concatenate } from "../decoder/concat.js";

export function runSurvey(decoder: VeDecoder, write: (line: string) => void): void {
  const corpus = loadCorpus();
  const { bytes: all, ranges } = concatenate(corpus.functions.map((f) => Buffer.from(f.hex, "hex")));
  const owner = (offset: number) => {
    let lo = 0, hi = ranges.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ranges[mid][0] <= offset) lo = mid; else hi = mid - 1; }
    return lo;
  };

  const rows: string[] = [];
  const divergences = new Map<string, number>();
  let emulated = 0, rejected = 0, archOnly = 0;
  const t0 = performance.now();
  const summary = decoder.batch(all, { ranges, mode: "mmio" }, (chunk) => {
    for (let i = 0; i < chunk.fullCount; i++) {
      const rec = new DataView(chunk.full.buffer, chunk.full.byteOffset + i * FULL_SIZE, FULL_SIZE);
      const offset = rec.getUint32(0, true);
      const insn = readRecord(rec, all.subarray(offset, offset + 15), BigInt(offset));
      const fn = corpus.functions[owner(offset)];
      if (insn.linux.emulated) emulated++; else if (insn.arch) rejected++;
      if (insn.arch && !insn.linux.emulated) archOnly++;
      for (const d of insn.divergences) divergences.set(d.code, (divergences.get(d.code) ?? 0) + 1);
      if (!fn.file.includes("drv_") || rows.length >= 40) continue;
      const bytes = Buffer.from(insn.bytes).toString("hex");
      const arch = insn.arch ? accessText(insn.arch) : "-";
      const linux = insn.linux.emulated ? "emulated" : `rejected: ${insn.linux.rejected}`;
      rows.push(`${fn.name.slice(0, 28).padEnd(28)} ${bytes.padEnd(22)} ${arch.padEnd(46)} ${linux}${insn.divergences.length ? "  [" + insn.divergences.map((d) => d.quirk ?? d.code).join(",") + "]" : ""}`);
    }
  });
  const ms = performance.now() - t0;

  write(`ve-mmio survey: ${corpus.functions.length} functions of gcc output (${corpus.gcc})`);
  write("");
  write(`${"function".padEnd(28)} ${"bytes".padEnd(22)} ${"CPU reading (arch)".padEnd(46)} Linux #VE handler`);
  for (const r of rows) write(r);
  write("");
  write(`instructions decoded     ${summary.instructions} (${summary.invalid} invalid) in ${summary.bytes} bytes`);
  write(`MMIO-capable MOV forms   ${summary.mmioRecords} records: kernel emulates ${emulated}, refuses ${rejected} (${archOnly} that the CPU would perform)`);
  write(`divergences              ${[...divergences].map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);
  write(`batch decode + classify  ${ms.toFixed(2)} ms = ${(summary.bytes / 1e6 / (ms / 1e3)).toFixed(1)} MB/s, ${(summary.instructions / (ms / 1e3) / 1e6).toFixed(2)} M instructions/s (first call, includes warm-up)`);
}
