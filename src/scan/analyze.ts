// What the TDX guest would do at each memory access of a function: our two readings beside
// iced-x86's decode of the same bytes. Pure: bytes in, a report out.
import { Decoder, Instruction, Formatter, FormatterSyntax, Mnemonic, OpKind, Register } from "iced-x86";
import type { VeDecoder } from "../decoder/engine.js";
import type { DecodedInsn, MmioAccess } from "../decoder/record.js";
import { refOf } from "../verify/iced.js";
import { disagreement } from "../verify/differential.js";

/** One instruction that addresses memory through something other than the stack or RIP. */
export interface Candidate {
  addr: bigint;
  bytes: string;
  text: string;
  /** The kernel's verdict if this access hit MMIO. */
  linux: { emulated: true; reading: string } | { emulated: false; reason: string };
  /** What the CPU does (MOV family), or null. */
  arch: string | null;
  diverges: string[];
}

export interface FunctionReport {
  site: string;
  /** The symbols decoded for this site (the function and its compiler clones). */
  symbols: string[];
  object: string;
  instructions: number;
  /** Memory accesses through the stack pointer, frame pointer or RIP: never MMIO, counted only. */
  stackOrRipAccesses: number;
  candidates: Candidate[];
  emulatable: number;
  wouldFault: number;
  divergences: number;
  /** Instructions where our decoder and iced-x86 disagree (expected: none). */
  icedDisagreements: string[];
}

const ALU = new Set(["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test", "inc", "dec", "not", "neg", "bt", "bts", "btr", "btc", "shl", "shr", "sar", "rol", "ror"]);
const ATOMIC = new Set(["xchg", "cmpxchg", "xadd", "cmpxchg8b", "cmpxchg16b"]);
const STRING = new Set(["movsb", "movsw", "movsd", "movsq", "stosb", "stosw", "stosd", "stosq", "lodsb", "lodsw", "lodsd", "lodsq", "cmpsb", "cmpsw", "cmpsd", "cmpsq", "scasb", "scasw", "scasd", "scasq", "insb", "insw", "insd", "outsb", "outsw", "outsd"]);

/** Why the kernel's handler would refuse a memory instruction, in words. */
function refusal(insn: DecodedInsn, mnemonic: string): string {
  if (!insn.linux.emulated && insn.linux.rejected === "movs") return "MOVS: refused (-EINVAL, or -EFAULT near a page end)";
  if (insn.arch && insn.map === 0 && insn.opcode >= 0xa0 && insn.opcode <= 0xa3) return "moffs MOV: insn_decode_mmio() does not know it";
  if (insn.arch && insn.map === 0 && insn.opcode === 0x63) return "MOVSXD: insn_decode_mmio() does not know it";
  if (ALU.has(mnemonic)) return `read-modify-write ${mnemonic} on memory: not emulated`;
  if (ATOMIC.has(mnemonic)) return `${mnemonic}: not emulated`;
  if (STRING.has(mnemonic)) return `string instruction ${mnemonic}: not emulated`;
  if (/^v?mov/.test(mnemonic)) return `vector/other move ${mnemonic}: not emulated`;
  return `${mnemonic}: not emulated`;
}

function reading(a: MmioAccess): string {
  const what = a.kind === "write_imm" ? `imm 0x${BigInt.asUintN(a.size * 8, a.imm ?? 0n).toString(16)}` : a.reg ?? "-";
  return `${a.kind} ${a.size} ${a.kind.startsWith("write") ? "<-" : "->"} ${what}`;
}

/** Instructions with a memory operand that never access memory (address arithmetic, hints). */
const NO_DATA_ACCESS = (m: Mnemonic) => m === Mnemonic.Lea || m === Mnemonic.Nop || Mnemonic[m].startsWith("Prefetch");

/** Whether iced's memory operand (or implicit string operand) exists, and is stack/RIP based. */
function memoryOperand(ins: Instruction): "none" | "stack_or_rip" | "other" {
  if (NO_DATA_ACCESS(ins.mnemonic)) return "none";
  for (let i = 0; i < ins.opCount; i++) {
    const k = ins.opKind(i);
    if (k === OpKind.Memory) {
      const b = ins.memoryBase;
      return b === Register.RSP || b === Register.RBP || b === Register.RIP || b === Register.ESP || b === Register.EBP || b === Register.EIP ? "stack_or_rip" : "other";
    }
    if (k === OpKind.MemorySegRSI || k === OpKind.MemorySegESI || k === OpKind.MemoryESRDI || k === OpKind.MemoryESEDI
      || k === OpKind.MemorySegRDI || k === OpKind.MemorySegEDI) return "other";
  }
  return "none";
}

/** Decodes one function (bytes at address ip) both ways and classifies its memory accesses. */
export function analyzeFunction(decoder: VeDecoder, bytes: Uint8Array, ip: bigint): Omit<FunctionReport, "site" | "symbols" | "object"> {
  const iced = new Decoder(64, bytes, 0);
  const ins = new Instruction();
  const formatter = new Formatter(FormatterSyntax.Intel);
  const report: Omit<FunctionReport, "site" | "symbols" | "object"> = {
    instructions: 0, stackOrRipAccesses: 0, candidates: [], emulatable: 0, wouldFault: 0, divergences: 0, icedDisagreements: [],
  };
  try {
    for (const insn of decoder.iterate(bytes, ip)) {
      report.instructions++;
      iced.position = insn.offset;
      iced.ip = 0n;
      iced.decodeOut(ins);
      const addr = ip + BigInt(insn.offset);
      const hex = Buffer.from(insn.valid ? insn.bytes : insn.bytes.subarray(0, 1)).toString("hex");
      const why = disagreement(insn.valid, insn.length, insn.arch !== null, () => insn, refOf(ins));
      if (why) report.icedDisagreements.push(`0x${addr.toString(16)} ${hex}: ${why}`);
      if (!insn.valid) continue;
      const mem = memoryOperand(ins);
      if (mem === "none") continue;
      if (mem === "stack_or_rip") { report.stackOrRipAccesses++; continue; }
      iced.ip = addr; iced.position = insn.offset; iced.decodeOut(ins);
      const mnemonic = Mnemonic[ins.mnemonic].toLowerCase();
      const linux: Candidate["linux"] = insn.linux.emulated
        ? { emulated: true, reading: reading(insn.linux.access) }
        : { emulated: false, reason: refusal(insn, mnemonic) };
      const diverges = insn.divergences.map((d) => d.code).filter((c) => c !== "register_form");
      report.candidates.push({ addr, bytes: hex, text: formatter.format(ins), linux, arch: insn.arch ? reading(insn.arch) : null, diverges });
      if (linux.emulated) report.emulatable++; else report.wouldFault++;
      if (diverges.length) report.divergences++;
    }
  } finally {
    iced.free();
    ins.free();
  }
  return report;
}
