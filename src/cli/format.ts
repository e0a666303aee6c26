// Output shapes of `ve-mmio decode`: the stable JSON record and the human line.
import type { DecodedInsn, MmioAccess, MemOperand } from "../decoder/record.js";
import { style } from "./style.js";

/** "0x..." of a value taken as an unsigned `width`-bit number. */
export const hex = (v: bigint, width = 64): string => "0x" + BigInt.asUintN(width, v).toString(16);
const signedHex = (v: bigint): string => (v < 0n ? "-0x" + (-v).toString(16) : "0x" + v.toString(16));

export interface JsonMem { base: string | null; index: string | null; scale: number; disp: string; seg: string | null; rip: boolean }
export interface JsonAccess { kind: string; size: number; reg: string | null; imm: string | null; extendTo: number | null; mem: JsonMem | null }
export type JsonLinux = JsonAccess | { rejected: string; detail?: string };

/** The record documented in the README ("JSON output"). */
export interface JsonRecord {
  addr: string;
  len: number;
  bytes: string;
  valid: boolean;
  fn: string | null;
  mmio: JsonAccess | null;
  linux: JsonLinux;
  diverges: string[];
}

function jsonMem(m: MemOperand | null): JsonMem | null {
  if (!m) return null;
  return { base: m.base, index: m.index, scale: m.scale, disp: signedHex(m.disp), seg: m.seg === "fs" || m.seg === "gs" ? m.seg : null, rip: m.rip };
}

function jsonAccess(a: MmioAccess): JsonAccess {
  return { kind: a.kind, size: a.size, reg: a.reg, imm: a.imm === null ? null : hex(a.imm), extendTo: a.extendTo, mem: jsonMem(a.mem) };
}

export function toJson(insn: DecodedInsn, fn: string | null): JsonRecord {
  const linux: JsonLinux = insn.linux.emulated
    ? jsonAccess(insn.linux.access)
    : insn.linux.rejected === "not_mmio" || insn.linux.rejected === "decode_failed"
      ? { rejected: "decode_failed", detail: insn.linux.rejected === "not_mmio" ? "not_mmio" : "insn_decode" }
      : { rejected: insn.linux.rejected };
  return {
    addr: hex(insn.ip),
    len: insn.valid ? insn.length : 1,
    bytes: Buffer.from(insn.valid ? insn.bytes : insn.bytes.subarray(0, 1)).toString("hex"),
    valid: insn.valid,
    fn,
    mmio: insn.arch ? jsonAccess(insn.arch) : null,
    linux,
    diverges: insn.divergences.map((d) => d.code),
  };
}

function memText(m: MemOperand | null, addressInvalid = false): string {
  if (addressInvalid) return "[all-ones address]";
  if (!m) return "[?]";
  const parts: string[] = [];
  if (m.base) parts.push(m.base);
  if (m.index) parts.push(m.scale > 1 ? `${m.index}*${m.scale}` : m.index);
  if (m.disp !== 0n || parts.length === 0) parts.push(parts.length ? (m.disp < 0n ? `-0x${(-m.disp).toString(16)}` : `0x${m.disp.toString(16)}`) : hex(m.disp));
  const seg = m.seg === "fs" || m.seg === "gs" ? `${m.seg}:` : "";
  return `${seg}[${parts.join("+").replace("+-", "-")}]`;
}

/** "read 4 bytes -> eax from [rdi+0x300]" */
export function accessText(a: MmioAccess, addressInvalid = false): string {
  const mem = memText(a.mem, addressInvalid);
  const bytes = `${a.size} byte${a.size === 1 ? "" : "s"}`;
  switch (a.kind) {
    case "read": return `read ${bytes} -> ${a.reg} from ${mem}`;
    case "read_zero_extend": return `read ${bytes} zero-extended -> ${a.reg} from ${mem}`;
    case "read_sign_extend": return `read ${bytes} sign-extended -> ${a.reg} from ${mem}`;
    case "write": return `write ${bytes} <- ${a.reg} to ${mem}`;
    case "write_imm": return `write ${bytes} <- ${hex(a.imm ?? 0n, a.size * 8)} to ${mem}`;
    case "movs": return `string move of ${bytes} per element`;
  }
}

/**
 * One human line (plus indented notes) for an instruction: address (right-aligned in `width`
 * columns, so rows align), bytes, disassembly, our reading. Function names are header lines
 * (see runDecode), never inside a row.
 */
export function humanLines(insn: DecodedInsn, disasm: string, width = 18): string[] {
  const bytes = Array.from(insn.valid ? insn.bytes : insn.bytes.subarray(0, 1), (b) => b.toString(16).padStart(2, "0")).join(" ");
  // A register-form MOV never touches memory, so the kernel's Q3 reading of it is only noise here
  // (JSON output keeps it).
  const notable = insn.divergences.filter((d) => d.code !== "register_form");
  const reading = insn.arch ? accessText(insn.arch) : insn.valid ? "" : style.red("(invalid)");
  const lines = [`${hex(insn.ip).padStart(width)}  ${bytes.padEnd(24)} ${disasm.padEnd(30)} ${reading}`.trimEnd()];
  if (notable.length) {
    const linux = insn.linux.emulated
      ? `linux: ${accessText(insn.linux.access, insn.linux.addressInvalid)}`
      : style.red(`linux: rejected (${insn.linux.rejected})`);
    lines.push(`    ${linux}`);
    for (const d of notable) lines.push(style.yellow(`    ! ${d.quirk ? d.quirk + ": " : ""}${d.text}`));
  }
  return lines;
}

/** The width of the address column: the longest address any block can produce. */
export function addressWidth(lastAddress: bigint): number {
  return Math.max(1, BigInt.asUintN(64, lastAddress).toString(16).length) + 2;
}
