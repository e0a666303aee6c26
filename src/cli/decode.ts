// `ve-mmio decode`: one line (or JSON record) per instruction with both MMIO readings, streamed:
// blocks are decoded one at a time and lines leave through an Output that waits for the reader.
import { Decoder, Instruction, Formatter, FormatterSyntax } from "iced-x86";
import type { VeDecoder } from "../decoder/engine.js";
import { toJson, humanLines } from "./format.js";
import { type CodeBlock } from "./inputs.js";
import type { Output } from "./output.js";

export type OutputFormat = "human" | "json" | "jsonl";

const MAX_INSN = 15;

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

  free(): void {
    this.insn.free();
    this.formatter.free();
  }
}

/**
 * `--json` as a stream: a single record is the document itself, several are an array written
 * record by record (the first is held back until the second shows which shape it is).
 */
class JsonDocument {
  private held: string | null = null;
  private count = 0;

  constructor(private readonly out: Output) {}

  /** Returns true when the output wants draining. */
  add(record: unknown): boolean {
    const text = JSON.stringify(record, null, 2);
    let full = false;
    if (++this.count === 2) this.out.push("[");
    if (this.held !== null) full = this.out.push(indent(this.held) + ",");
    this.held = text;
    return full;
  }

  close(): void {
    if (this.count === 0) this.out.push("[]");
    else if (this.count === 1) this.out.push(this.held!);
    else { this.out.push(indent(this.held!)); this.out.push("]"); }
  }
}

const indent = (text: string) => "  " + text.replace(/\n/g, "\n  ");

/** Decodes the blocks in order and writes them to `out`. Returns the number of instructions. */
export async function runDecode(decoder: VeDecoder, blocks: Iterable<CodeBlock>, format: OutputFormat, out: Output, width: number): Promise<number> {
  const dis = format === "human" ? new Disassembler() : null;
  const doc = format === "json" ? new JsonDocument(out) : null;
  let count = 0;
  let carry = 0;
  let lastName: string | null = null;
  try {
    for (const block of blocks) {
      if (dis && block.name !== null && block.name !== lastName) {
        if (out.push(`${lastName === null ? "" : "\n"}${"0x" + block.ip.toString(16).padStart(width - 2, "0")} <${block.name}>:`)) await out.drain();
        lastName = block.name;
      }
      const iced = dis ? new Decoder(64, block.bytes, 0) : null;
      try {
        let offset = block.continued ? carry : block.start;
        while (offset < block.end) {
          const insn = decoder.decode(block.bytes.subarray(offset, Math.min(block.bytes.length, offset + MAX_INSN)), block.ip + BigInt(offset));
          count++;
          let full = false;
          if (dis) {
            for (const line of humanLines(insn, dis.text(block, iced!, offset), width)) full = out.push(line);
          } else if (doc) {
            full = doc.add(toJson(insn, block.name));
          } else {
            full = out.push(JSON.stringify(toJson(insn, block.name)));
          }
          offset += insn.valid ? insn.length : 1;
          if (full) await out.drain();
        }
        carry = offset - block.end;
      } finally {
        iced?.free();
      }
    }
    doc?.close();
  } finally {
    dis?.free();
  }
  await out.drain();
  return count;
}
