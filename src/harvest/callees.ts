// Node-only: which functions a vmlinux function calls directly (CALL rel32, tail JMP), from the cached
// vmlinux and a System.map. Tells "its MMIO is in a callee" from "never ran" for a listed
// function that made no MMIO of its own.
import { readFileSync } from "node:fs";
import type { VeDecoder } from "../decoder/engine.js";
import { parseElf64, type Elf64File } from "../elf/elf64.js";
import { Symboliser } from "./symbolise.js";

export class Callees {
  private readonly elf: Elf64File;
  private readonly symbols: Symboliser;
  private readonly starts = new Map<string, bigint>();
  private readonly sorted: bigint[];

  constructor(private readonly decoder: VeDecoder, vmlinux: string, systemMap: string) {
    this.elf = parseElf64(new Uint8Array(readFileSync(vmlinux)));
    const map = readFileSync(systemMap, "utf8");
    this.symbols = new Symboliser([map]);
    for (const line of map.split("\n")) {
      const [addr, type, name] = line.split(/\s+/);
      if (name && /^[tT]$/.test(type) && !this.starts.has(name)) this.starts.set(name, BigInt("0x" + addr));
    }
    this.sorted = [...new Set(this.starts.values())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The names of the functions `name` calls directly; [] when it is not a vmlinux function. */
  of(name: string): string[] {
    const start = this.starts.get(name);
    const section = start === undefined ? undefined : this.elf.sectionAt(start);
    if (start === undefined || !section) return [];
    const next = this.sorted.find((a) => a > start) ?? section.addr + BigInt(section.size);
    const from = Number(start - section.addr);
    const code = section.bytes().subarray(from, Math.min(section.size, from + Number(next - start)));
    const out = new Set<string>();
    for (const insn of this.decoder.iterate(code, start)) {
      // CALL rel32, and JMP rel32 out of the function (a tail call).
      if (!insn.valid || insn.map !== 0 || (insn.opcode !== 0xe8 && insn.opcode !== 0xe9)) continue;
      const b = insn.bytes;
      const rel = new DataView(b.buffer, b.byteOffset + b.length - 4, 4).getInt32(0, true);
      const to = start + BigInt(insn.offset + insn.length + rel);
      if (insn.opcode === 0xe9 && to >= start && to < next) continue;
      const target = this.symbols.lookup(to, 0);
      if (target) out.add(target.fn);
    }
    return [...out];
  }
}
