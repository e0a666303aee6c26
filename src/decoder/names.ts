// Human names for the numbers in decoder records: registers, kinds, statuses, divergences.

/** How a decode ended: a valid instruction, an invalid encoding, input ending first, or more than 15 bytes. */
export type Status = "ok" | "invalid" | "truncated" | "too_long";
export const STATUS_NAMES: readonly Status[] = ["ok", "invalid", "truncated", "too_long"];

/** The instruction's encoding family. */
export type Encoding = "legacy" | "vex" | "evex" | "xop" | "3dnow";
export const ENCODING_NAMES: readonly Encoding[] = ["legacy", "vex", "evex", "xop", "3dnow"];

/** What an MOV-family access does on the bus (the kernel's enum insn_mmio_type, named). */
export type MmioKind = "read" | "write" | "write_imm" | "read_zero_extend" | "read_sign_extend" | "movs";
/** Index = kind number in records (0 = not an MMIO access). */
export const KIND_NAMES: readonly (MmioKind | null)[] = [
  null, "read", "write", "write_imm", "read_zero_extend", "read_sign_extend", "movs",
];

/** Why the kernel refuses an instruction (all take the #VE fault path). */
export type LinuxRejection = "decode_failed" | "not_mmio" | "movs" | "bad_register";
export const REJECT_NAMES: readonly (LinuxRejection | null)[] = [
  null, "decode_failed", "not_mmio", "movs", "bad_register",
];

/** A segment override (in 64-bit mode only FS and GS change the address). */
export type Segment = "es" | "cs" | "ss" | "ds" | "fs" | "gs";
export const SEGMENT_NAMES: readonly (Segment | null)[] = [null, "es", "cs", "ss", "ds", "fs", "gs"];

export const GPR64 = [
  "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
] as const;
/** A 64-bit general-purpose register name, RAX..R15. */
export type Gpr64 = (typeof GPR64)[number];

export const GPR32 = [
  "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
  "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d",
] as const;
export type Gpr32 = (typeof GPR32)[number];

/**
 * A register of a memory operand, named at the width the address is computed with: 64-bit names
 * (and rip), or 32-bit names (and eip) under the 67h address-size prefix.
 */
export type AddressRegister = Gpr64 | Gpr32 | "rip" | "eip";

/** Register `n` (0-15, REG_RIP = 16) as an address register of an `addressSize`-byte (4 or 8) address. */
export function addressRegisterName(n: number, addressSize: number): AddressRegister {
  if (n === 16) return addressSize === 4 ? "eip" : "rip";
  return addressSize === 4 ? GPR32[n] : GPR64[n];
}

/** The number of an address register: 0-15 for a general register at 64 or 32 bits, 16 for rip/eip. */
export function registerNumber(name: AddressRegister): number {
  if (name === "rip" || name === "eip") return 16;
  const n = GPR64.indexOf(name as Gpr64);
  return n >= 0 ? n : GPR32.indexOf(name as Gpr32);
}

const GPR16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const GPR8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"];
const GPR8_HIGH = ["ah", "ch", "dh", "bh"];

/** The name of register `n` (0-15) at `size` bytes; `highByte` selects AH..BH for n = 4..7. */
export function registerName(n: number, size: number, highByte = false): string {
  if (highByte && size === 1 && n >= 4 && n <= 7) return GPR8_HIGH[n - 4];
  if (size === 8) return GPR64[n];
  if (n < 8) {
    if (size === 4) return GPR32[n];
    if (size === 2) return GPR16[n];
    return GPR8[n];
  }
  return `r${n}${size === 4 ? "d" : size === 2 ? "w" : "b"}`;
}

/** One way the kernel's reading differs from the CPU's: a stable code, the SPEC quirk and a sentence. */
export interface DivergenceInfo {
  /** Stable identifier used in JSON output. */
  code: string;
  /** The SPEC quirk number, where the divergence is one. */
  quirk: string | null;
  /** One sentence for humans. */
  text: string;
}

/** Divergence bits (assembly/classify.ts DV_*), in bit order. */
export const DIVERGENCES: readonly DivergenceInfo[] = [
  { code: "high_byte_register", quirk: "Q1", text: "kernel uses the SPL/BPL/SIL/DIL slot where the CPU uses AH/CH/DH/BH" },
  { code: "extend_keeps_upper", quirk: "Q2", text: "kernel MOVZX/MOVSX into a 32-bit register keeps bits 63:32; the CPU zeroes them" },
  { code: "register_form", quirk: "Q3", text: "kernel emulates a register-form MOV as MMIO (address = r/m register value)" },
  { code: "group_reg_ignored", quirk: "Q4", text: "kernel ignores ModRM.reg of C6/C7 (XABORT/XBEGIN/undefined read as MOV imm)" },
  { code: "vex_map_ignored", quirk: "Q5", text: "kernel ignores the VEX/EVEX map and classifies by the opcode byte alone" },
  { code: "rex_then_prefix", quirk: "Q6", text: "kernel takes the byte after a REX that precedes a prefix/REX as the opcode" },
  { code: "fifth_prefix", quirk: "Q7", text: "kernel keeps at most 4 distinct prefixes; the 5th becomes the opcode" },
  { code: "emulate_prefix", quirk: "Q8", text: "kernel swallows a UD2+xen/kvm emulate prefix and emulates the following MOV" },
  { code: "multiple_segments", quirk: "Q9", text: "two or more distinct segment overrides: the kernel's address is all-ones" },
  { code: "lock_on_mov", quirk: "Q10", text: "kernel emulates a LOCK-prefixed MOV that raises #UD on the CPU" },
  { code: "moffs_rejected", quirk: null, text: "moffs MOV (A0-A3) is an MMIO access the kernel cannot decode (-EINVAL)" },
  { code: "movsxd_rejected", quirk: null, text: "MOVSXD is an MMIO read the kernel cannot decode (-EINVAL)" },
  { code: "movs_rejected", quirk: "Q12", text: "MOVS is refused by the kernel (-EINVAL or -EFAULT)" },
  { code: "rex2_emulated", quirk: null, text: "kernel decodes a REX2 (APX) prefix; without APX the CPU raises #UD" },
  { code: "length_differs", quirk: "Q14", text: "kernel instruction length differs from the CPU's: RIP advances differently" },
  { code: "invalid_emulated", quirk: "Q14", text: "kernel emulates an encoding the CPU rejects" },
  { code: "arch_only", quirk: null, text: "an architectural MMIO access the kernel refuses" },
  { code: "operand_differs", quirk: null, text: "kernel reads a different size, register or address than the CPU" },
];

/** The divergences named by a record's divergence bits, in bit order. */
export function divergencesOf(bits: number): DivergenceInfo[] {
  const out: DivergenceInfo[] = [];
  for (let i = 0; i < DIVERGENCES.length; i++) if (bits & (1 << i)) out.push(DIVERGENCES[i]);
  return out;
}

/** Lower-case hex of bytes (browser-safe: no Buffer). */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += (b < 16 ? "0" : "") + b.toString(16);
  return s;
}
