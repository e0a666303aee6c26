// `ve-mmio decode`: one line (or JSON record) per instruction with both MMIO readings.
import { Decoder, Instruction, Formatter, FormatterSyntax } from "iced-x86";
import type { VeDecoder } from "../decoder/engine.js";
import { toJson, humanLines } from "./format.js";
import { type CodeBlock } from "./inputs.js";

export type OutputFormat = "human" | "json" | "jsonl";

/** iced-x86 formats the disassembly text; our decoder provides everything else. */
class Disassembler {
  private readonly formatter = new Formatter(FormatterSyntax.Intel);
  private readonly insn = new Instruction();

  text(block: CodeBlock, decoderFor: Decoder, offset: number): string {
    decoderFor.position = offset;
    decoderFor.ip = block.ip + BigInt(offset);
    decoderFor.decodeOut(this.insn);
    return this.insn.isInvalid ? "(bad)" : this.formatter.format(this.insn);
  }
}

/** Decodes the blocks and writes lines through `write`. Returns the number of instructions. */
export function runDecode(decoder: VeDecoder, blocks: CodeBlock[], format: OutputFormat, write: (line: string) => void): number {
  const dis = new Disassembler();
  const records: unknown[] = [];
  let count = 0;
  for (const block of blocks) {
    const view = block.bytes.subarray(0, block.end);
    const iced = new Decoder(64, view, 0);
    try {
      for (const insn of decoder.iterate(view, block.ip, block.start, block.end)) {
        count++;
        if (format === "human") {
          for (const line of humanLines(insn, dis.text(block, iced, insn.offset), block.name)) write(line);
        } else {
          const record = toJson(insn, block.name);
          if (format === "jsonl") write(JSON.stringify(record));
          else records.push(record);
        }
      }
    } finally {
      iced.free();
    }
  }
  if (format === "json") write(JSON.stringify(records.length === 1 ? records[0] : records, null, 2));
  return count;
}
